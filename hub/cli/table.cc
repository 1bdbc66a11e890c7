#include "hub/cli/table.h"

#include <algorithm>
#include <ostream>

namespace srfleet::cli {
namespace {

// Display width: code points, not bytes (PLACEMENT and messages may hold
// UTF-8; "→" is one column).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Always at least one (possibly empty) line.
std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> lines(1);
  for (char c : s) {
    if (c == '\n') {
      lines.emplace_back();
    } else {
      lines.back() += c;
    }
  }
  return lines;
}

}  // namespace

void Table::Print(std::ostream& out, const std::string& indent) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (row.size() > widths.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  for (const auto& row : rows_) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - Width(row[i]) + 3, ' ');
    }
    while (line.size() > indent.size() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

void FieldList::Print(std::ostream& out, const std::string& indent) const {
  size_t width = 0;
  for (const auto& [key, value] : fields_) width = std::max(width, Width(key) + 1);
  for (const auto& [key, value] : fields_) {
    std::vector<std::string> lines = SplitLines(value);
    out << indent << key << ":";
    if (!lines[0].empty()) out << std::string(width - Width(key) - 1 + 3, ' ') << lines[0];
    out << "\n";
    for (size_t i = 1; i < lines.size(); ++i) out << indent << std::string(width + 3, ' ') << lines[i] << "\n";
  }
}

}  // namespace srfleet::cli
