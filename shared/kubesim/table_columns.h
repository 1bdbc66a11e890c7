// What `kubectl get` shows for a kind: the server-side printers of
// kube-apiserver (meta.k8s.io Table columns and cells).
//
//  - built-in kinds: the columns of pkg/printers/internalversion (deployments:
//    Ready, Up-to-date, Available, Age, ...), generated "wide" like the real
//    server, so kubectl hides priority-1 columns unless -o wide;
//  - CRD-backed kinds: Name, then the version's additionalPrinterColumns
//    evaluated with their simple JSONPath (default: Age), as the apiextensions
//    server's table convertor does;
//  - anything else (CustomResourceDefinition objects): Name, Created At.
//
// Ages are rendered server-side (duration.HumanDuration: "5m", "3h12m",
// "2d"); kubectl prints the cells as they come.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "shared/json/json.h"
#include "shared/kubesim/resource_registry.h"
#include "shared/kubesim/simple_jsonpath.h"

namespace srfleet::kubesim {

struct TableColumn {
  std::string name;
  std::string type;    // string, integer, number, boolean, date
  std::string format;  // "name" for the object name column
  std::string description;
  int priority = 0;    // 0: always shown; 1: only with -o wide
};

using TableTime = std::chrono::system_clock::time_point;
// One row's cells for `object` (as served), given the server's clock.
using TableCellsFn = Json (*)(const Json& object, TableTime now);

class TablePrinter {
 public:
  // The printer for `type` as served in `version`.
  static TablePrinter For(const ResourceType& type, const std::string& version);

  const std::vector<TableColumn>& columns() const { return columns_; }
  Json Cells(const Json& object, TableTime now) const;
  // The default convertor appends to a nil slice: an empty list has
  // "rows":null there, [] everywhere else.
  bool null_when_empty() const { return mode_ == Mode::kDefault; }

 private:
  enum class Mode { kBuiltin, kCustom, kDefault };
  Mode mode_ = Mode::kDefault;
  std::vector<TableColumn> columns_;
  TableCellsFn builtin_ = nullptr;
  // kCustom: one per column after Name (nullopt: outside kubesim's subset,
  // the cells stay empty).
  std::vector<std::optional<SimpleJsonPath>> json_paths_;
};

// Built-in printers (builtin_printers.cc): false when `resource` of `group`
// has none.
bool BuiltinPrinter(const std::string& group, const std::string& resource, std::vector<TableColumn>* columns,
                    TableCellsFn* cells);

// k8s.io/apimachinery/pkg/util/duration.HumanDuration.
std::string HumanDuration(std::chrono::seconds d);
// translateTimestampSince: "<unknown>" for a missing timestamp, "<invalid>"
// for one that does not parse.
std::string AgeSince(const std::string& rfc3339, TableTime now);

// ObjectMeta's field documentation, used by every Name and Age column.
extern const char kNameColumnDoc[];
extern const char kCreationTimestampDoc[];

}  // namespace srfleet::kubesim
