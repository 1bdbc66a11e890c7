// The JSONPath subset CRD printer columns use in practice (k8s.io/client-go
// jsonpath, as the apiextensions table convertor runs it with missing keys
// allowed): `.a.b`, `['a.b']`, `[0]`, `[-1]`, `[*]`, `.*` and filters
// `[?(@.type=="Ready")]` (==, != against a string or number literal).
//
// Only the first match matters to a printer column ("as we only support
// simple JSON path, we can assume to have only one result").
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"

namespace srfleet::kubesim {

class SimpleJsonPath {
 public:
  // InvalidArgument for syntax outside the subset.
  static absl::StatusOr<SimpleJsonPath> Parse(const std::string& path);

  // Every match, in document order; empty when the path leads nowhere.
  std::vector<const Json*> FindAll(const Json& root) const;
  const Json* FindFirst(const Json& root) const;

 private:
  struct Step {
    enum class Kind { kField, kIndex, kWildcard, kFilter } kind = Kind::kField;
    std::string field;
    long index = 0;
    // kFilter: @<filter_path> <op> <literal>
    std::vector<std::string> filter_path;
    bool filter_not_equal = false;
    Json literal;
  };
  std::vector<Step> steps_;
};

// How Go's fmt.Fprint prints a decoded JSON value (the text of a "string"
// printer column): strings raw, numbers as %v, maps as map[k:v], arrays as
// [a b], null as <no value>.
std::string GoPrint(const Json& v);

}  // namespace srfleet::kubesim
