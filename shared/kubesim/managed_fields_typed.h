// The value side of server-side apply: how an object's fields map to paths
// (which lists merge by key, which maps and lists are atomic), and the SMD
// operations over a Json object and its shape: field set, comparison, merge
// and removal of fields.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "shared/json/json.h"
#include "shared/kubesim/field_set.h"
#include "shared/schema/schema_node.h"

namespace srfleet::kubesim {

// Where a value sits, as far as field management cares. Three sources:
//  - a schema node (CRDs, or built-in types when the caller has their OpenAPI):
//    x-kubernetes-list-type/-list-map-keys, or x-kubernetes-patch-merge-key;
//  - no schema (the core types kubesim serves without one): a built-in table of
//    the keyed lists and atomic maps of Pods, Deployments, Services, ObjectMeta;
//  - untyped: schema given but silent here (x-kubernetes-preserve-unknown-fields),
//    where SMD deduces: maps are granular, lists atomic.
class Shape {
 public:
  struct ListInfo {
    enum class Kind { kAtomic, kSet, kMap };
    Kind kind = Kind::kAtomic;
    std::vector<std::string> keys;                  // kMap
    std::vector<std::optional<Json>> key_defaults;  // per key; used when an item omits it
  };

  // The shape of a whole resource object. `schema` may be null.
  static Shape ForObject(const schema::SchemaNode* schema);

  // The shape of field `name` of an object here. `declared` (optional) says
  // whether it is a declared struct field (SMD writes "." for undeclared map
  // entries that hold objects, and never for declared ones).
  Shape Field(const std::string& name, bool* declared = nullptr) const;
  // The shape of the items of a list here.
  Shape Item() const;

  ListInfo List() const;
  bool AtomicMap() const;
  bool Nullable() const;
  // Built-in types are Go structs: a map or list emptied by removal of its
  // entries is omitted (omitempty), as the real server would serialize it.
  bool DropEmptied() const { return mode_ == Mode::kBuiltin; }

 private:
  enum class Mode { kSchema, kBuiltin, kUntyped };
  const schema::SchemaNode* Resolved() const;

  Mode mode_ = Mode::kUntyped;
  const schema::SchemaNode* node_ = nullptr;  // kSchema (maybe a $ref wrapper)
  std::string context_;                       // kBuiltin: "spec.template.spec.containers[].ports"
  bool root_ = false;
};

// The path elements of a granular (map or set) list's items, or an error when
// the items cannot be told apart (an item without key fields, a duplicate):
// such a list is handled as atomic, and refused in an applied configuration.
absl::StatusOr<std::vector<PathElement>> ListItemElements(const Json& list, const Shape::ListInfo& info);

// Equality that ignores object key order (Json is insertion-ordered).
bool JsonSemanticEqual(const Json& a, const Json& b);

// Checks what SMD refuses in an applied configuration: map-list items without
// their keys, duplicate keys or set values.
absl::Status ValidateAppliedLists(const Json& config, const Shape& shape);

// SMD TypedValue.ToFieldSet: leaves, list items, empty/null fields and
// undeclared map entries are members.
FieldSet ToFieldSet(const Json& value, const Shape& shape);

// SMD EnsureNamedFieldsAreMembers: declared struct fields in `set` become members.
FieldSet EnsureNamedFieldsAreMembers(const FieldSet& set, const Shape& shape);

struct Comparison {
  FieldSet added, removed, modified;
};
// SMD TypedValue.Compare of `lhs` (before) and `rhs` (after).
Comparison CompareObjects(const Json& lhs, const Json& rhs, const Shape& shape);

// SMD TypedValue.Merge: `rhs` (the applied configuration) over `lhs` (live):
// objects merge per field, map/set lists per item, everything else is
// replaced. A null in `rhs` removes the field (unless nullable).
Json MergeObjects(const Json& lhs, const Json& rhs, const Shape& shape);

// SMD TypedValue.RemoveItems: removes each member of `set` (and what is below it).
void RemoveItems(Json& value, const FieldSet& set, const Shape& shape);

}  // namespace srfleet::kubesim
