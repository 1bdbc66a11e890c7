// Field paths and sets of fields, as Kubernetes server-side apply tracks them
// (sigs.k8s.io/structured-merge-diff, "SMD"), and their `fieldsV1` encoding
// in metadata.managedFields:
//
//   {"f:metadata":{"f:labels":{"f:app":{}}},
//    "f:spec":{"f:containers":{"k:{\"name\":\"router\"}":{".":{},"f:image":{}}}}}
//
// A set holds paths; a path that is itself in the set (a "member") is written
// as a leaf `{}`, or as `".":{}` inside its object when the set also holds
// paths below it. Paths that only lead to members are not members.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"

namespace srfleet::kubesim {

// One step of a path: an object field ("f:name"), the item of a map-type
// list with the given key fields ("k:{\"name\":\"x\"}"), the item of a
// set-type list with the given value ("v:\"x\""), or a list index ("i:3").
class PathElement {
 public:
  // Declared in SMD's sort order: fields, then keys, values, indexes.
  enum class Kind { kField = 0, kKey = 1, kValue = 2, kIndex = 3 };

  static PathElement Field(std::string name);
  // `key_fields` is an object of key field -> scalar; stored sorted by name.
  static PathElement Key(const Json& key_fields);
  static PathElement Value(Json value);
  static PathElement Index(int64_t index);
  // Parses one fieldsV1 object key ("f:..", "k:..", "v:..", "i:..").
  static absl::StatusOr<PathElement> FromFieldsV1Key(const std::string& key);

  Kind kind() const { return kind_; }
  const std::string& name() const { return name_; }  // kField
  const Json& value() const { return value_; }       // kKey (an object) or kValue
  int64_t index() const { return index_; }           // kIndex

  // "f:name", "k:{...}", "v:...", "i:3": the fieldsV1 object key.
  std::string FieldsV1Key() const;
  // SMD's human form used in conflict messages: ".name", "[name=\"x\"]",
  // "[containerPort=80,protocol=\"TCP\"]", "[=\"x\"]", "[3]".
  std::string ToString() const;

  // Total order of SMD (PathElement.Compare): <0, 0, >0.
  int Compare(const PathElement& other) const;
  bool operator==(const PathElement& other) const { return Compare(other) == 0; }
  bool operator<(const PathElement& other) const { return Compare(other) < 0; }

 private:
  Kind kind_ = Kind::kField;
  std::string name_;
  Json value_;
  int64_t index_ = 0;
};

using Path = std::vector<PathElement>;

// ".spec.containers[name=\"router\"].image"
std::string PathToString(const Path& path);

// SMD's total order over JSON values: numbers < strings < booleans < lists <
// maps < null; numbers compare numerically.
int CompareJsonValues(const Json& a, const Json& b);

class FieldSet {
 public:
  struct Entry;  // one path element, whether it is a member, and the set below it

  FieldSet();
  ~FieldSet();
  FieldSet(const FieldSet&);
  FieldSet(FieldSet&&) noexcept;
  FieldSet& operator=(const FieldSet&);
  FieldSet& operator=(FieldSet&&) noexcept;

  bool empty() const;
  // Adds `path` as a member (its prefixes become non-member steps).
  void Insert(const Path& path);
  // Whether `path` is a member.
  bool Has(const Path& path) const;
  // Whether the step `element` directly below this set is a member.
  bool IsMember(const PathElement& element) const;
  // The set below `element`, or nullptr when nothing is below it.
  const FieldSet* Child(const PathElement& element) const;

  FieldSet Union(const FieldSet& other) const;
  // Members of this set that are not members of `other` (paths below a
  // member of `other` stay).
  FieldSet Difference(const FieldSet& other) const;
  // Like Difference, but also drops every path below a member of `other`.
  FieldSet RecursiveDifference(const FieldSet& other) const;
  FieldSet Intersection(const FieldSet& other) const;

  // Calls `fn` with each member path, in SMD's iteration order (a set's own
  // members first, then the sets below its steps, each in element order).
  void ForEachMember(const std::function<void(const Path&)>& fn) const;

  Json ToFieldsV1() const;
  static absl::StatusOr<FieldSet> FromFieldsV1(const Json& fields);

  bool operator==(const FieldSet& other) const;

  // For the typed walkers: sorted, unique, and without empty non-members.
  const std::vector<Entry>& entries() const { return entries_; }
  // Finds or inserts the entry for `element` (keeps the order).
  Entry& GetOrAdd(const PathElement& element);
  // Drops entries that are neither members nor lead to members.
  void Prune();

 private:
  const Entry* Find(const PathElement& element) const;
  void ForEachMemberUnder(Path& prefix, const std::function<void(const Path&)>& fn) const;

  std::vector<Entry> entries_;
};

struct FieldSet::Entry {
  PathElement element;
  bool member = false;
  FieldSet children;
};

}  // namespace srfleet::kubesim
