// Where tests find their data: the checkout (SRFLEET_SOURCE_DIR) and the
// optional reference folder beside it (SRFLEET_REFERENCE_DIR, ../shared).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace srfleet::testing_support {

inline std::filesystem::path SourceDir() { return SRFLEET_SOURCE_DIR; }

// Tests that need it GTEST_SKIP() with a message when it does not exist.
inline std::filesystem::path ReferenceDir() {
  if (const char* env = std::getenv("SRFLEET_REFERENCE_DIR")) return env;
  return SRFLEET_REFERENCE_DIR;
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

}  // namespace srfleet::testing_support
