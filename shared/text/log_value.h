// A value for key=value log lines: quoted, with quotes, backslashes and
// line breaks escaped, so a message carrying quotes (gRPC and Kubernetes
// errors do) cannot break the line's structure.
#pragma once

#include <string>
#include <string_view>

namespace srfleet::text {

inline std::string LogQuote(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('"');
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace srfleet::text
