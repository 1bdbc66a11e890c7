#include "hub/cli/input_files.h"

#include <cerrno>
#include <exception>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace srfleet::cli {

bool ReadInputFile(const std::string& file, std::string* content, std::ostream& err) {
  std::ostringstream buffer;
  if (file == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      err << "error: cannot read " << file << ": " << (errno != 0 ? std::strerror(errno) : "not readable") << "\n";
      return false;
    }
    buffer << in.rdbuf();
    if (in.bad()) {
      err << "error: cannot read " << file << ": read failed\n";
      return false;
    }
  }
  *content = buffer.str();
  return true;
}

absl::StatusOr<model::ParsedDocuments> ParseRouterDocuments(const std::string& text,
                                                            const model::ParseOptions& options) {
  try {
    return model::ParseSemanticRouters(text, options);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(std::string("cannot read the documents: ") + e.what());
  }
}

std::string DescribeOtherDocument(const Json& doc) {
  auto string_at = [](const Json& object, const char* key) -> std::string {
    if (!object.is_object()) return "";
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : "";
  };
  std::string kind = string_at(doc, "kind");
  std::string name = doc.is_object() && doc.contains("metadata") ? string_at(doc["metadata"], "name") : "";
  std::string out = kind.empty() ? "?" : kind;
  if (!name.empty()) out += " " + name;
  return out;
}

}  // namespace srfleet::cli
