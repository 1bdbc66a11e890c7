// kubectl-style aligned columns: left-aligned, 3 spaces between columns, the
// last column unpadded (tabwriter with padding 3).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace srfleet::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Every line starts with `indent` (describe nests tables).
  void Print(std::ostream& out, const std::string& indent = "") const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// Aligned "Key:   value" lines, as in kubectl describe. A multi-line value
// continues under the value column.
class FieldList {
 public:
  void Add(std::string key, std::string value) { fields_.push_back({std::move(key), std::move(value)}); }
  void Print(std::ostream& out, const std::string& indent = "") const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace srfleet::cli
