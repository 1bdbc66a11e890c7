#include "shared/kubesim/managed_fields_typed.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace srfleet::kubesim {
namespace {

using schema::SchemaNode;
using ListKind = Shape::ListInfo::Kind;

constexpr int kMaxRefHops = 64;

std::string LastSegment(const std::string& context) {
  size_t dot = context.rfind('.');
  return dot == std::string::npos ? context : context.substr(dot + 1);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Built-in string maps (map[string]string / ResourceList in Go): their keys
// are map entries, not struct fields.
bool IsBuiltinFreeFormMap(const std::string& name) {
  static const std::set<std::string> kMaps = {"labels",     "annotations", "data",         "binaryData",
                                              "stringData", "matchLabels", "limits",       "requests",
                                              "capacity",   "allocatable", "nodeSelector", "selector"};
  return kMaps.count(name) > 0;
}

// Built-in maps marked x-kubernetes-map-type: atomic (LabelSelector, and
// Service/PodSpec string selectors): owned and replaced as a whole.
bool IsBuiltinAtomicMap(const std::string& name) {
  static const std::set<std::string> kAtomic = {"selector", "nodeSelector", "podSelector", "namespaceSelector",
                                                "labelSelector"};
  return kAtomic.count(name) > 0;
}

Shape::ListInfo MapList(std::vector<std::string> keys, std::vector<std::optional<Json>> defaults = {}) {
  Shape::ListInfo info;
  info.kind = ListKind::kMap;
  defaults.resize(keys.size());
  info.keys = std::move(keys);
  info.key_defaults = std::move(defaults);
  return info;
}

// The keyed and set lists of the core types, from their OpenAPI
// (x-kubernetes-list-map-keys or patch-merge-key); the rest are atomic.
Shape::ListInfo BuiltinList(const std::string& context) {
  const std::string name = LastSegment(context);
  const std::string parent = context.size() > name.size() ? context.substr(0, context.size() - name.size() - 1) : "";
  static const std::set<std::string> kByName = {
      "containers", "initContainers",   "ephemeralContainers", "volumes",
      "env",        "imagePullSecrets", "resourceClaims",      "schedulingGates"};
  if (kByName.count(name)) return MapList({"name"});
  if (name == "ports") {
    // Defaults as in the OpenAPI: a port without protocol is TCP.
    if (EndsWith(parent, "ontainers[]")) return MapList({"containerPort", "protocol"}, {std::nullopt, Json("TCP")});
    if (context == "spec.ports") return MapList({"port", "protocol"}, {std::nullopt, Json("TCP")});
  }
  if (name == "volumeMounts") return MapList({"mountPath"});
  if (name == "volumeDevices") return MapList({"devicePath"});
  if (name == "hostAliases") return MapList({"ip"});
  if (name == "topologySpreadConstraints") return MapList({"topologyKey", "whenUnsatisfiable"});
  if (name == "conditions") return MapList({"type"});
  if (context == "metadata.ownerReferences") return MapList({"uid"});
  Shape::ListInfo info;
  if (context == "metadata.finalizers") info.kind = ListKind::kSet;
  return info;
}

const std::optional<Json>& DefaultOf(const SchemaNode* node) {
  static const std::optional<Json> kNone;
  int hops = 0;
  for (const SchemaNode* cur = node; cur && hops++ < kMaxRefHops; cur = cur->delegate) {
    if (cur->default_value) return cur->default_value;
  }
  return kNone;
}

enum class VKind { kNone, kScalar, kObject, kArray };
VKind KindOf(const Json* v) {
  if (!v) return VKind::kNone;
  if (v->is_object()) return VKind::kObject;
  if (v->is_array()) return VKind::kArray;
  return VKind::kScalar;
}

// Item elements of a list the shape says is granular; nullopt: atomic.
std::optional<std::vector<PathElement>> GranularElements(const Json& list, const Shape& shape) {
  Shape::ListInfo info = shape.List();
  if (info.kind == ListKind::kAtomic) return std::nullopt;
  auto elements = ListItemElements(list, info);
  if (!elements.ok()) return std::nullopt;
  return std::move(*elements);
}

}  // namespace

// ---- Shape ----------------------------------------------------------------

Shape Shape::ForObject(const SchemaNode* schema) {
  Shape s;
  s.mode_ = schema ? Mode::kSchema : Mode::kBuiltin;
  s.node_ = schema;
  s.root_ = true;
  return s;
}

const SchemaNode* Shape::Resolved() const {
  // Follow $ref wrappers to the node that carries the structure.
  const SchemaNode* cur = node_;
  int hops = 0;
  while (cur && cur->delegate && cur->properties.empty() && !cur->items && !cur->additional_properties &&
         hops++ < kMaxRefHops) {
    cur = cur->delegate;
  }
  return cur;
}

Shape Shape::Field(const std::string& name, bool* declared) const {
  Shape out;  // untyped unless found below
  bool is_declared = false;
  if (root_ && name == "metadata") {
    // ObjectMeta is the server's own type, whatever a CRD schema says of it.
    out.mode_ = Mode::kBuiltin;
    out.context_ = "metadata";
    is_declared = true;
  } else if (mode_ == Mode::kBuiltin) {
    out.mode_ = Mode::kBuiltin;
    out.context_ = context_.empty() ? name : absl::StrCat(context_, ".", name);
    is_declared = !IsBuiltinFreeFormMap(LastSegment(context_));
  } else if (mode_ == Mode::kSchema) {
    if (const SchemaNode* r = Resolved()) {
      if (auto it = r->property_index.find(name); it != r->property_index.end()) {
        out.mode_ = Mode::kSchema;
        out.node_ = it->second;
        is_declared = true;
      } else if (r->additional_properties) {
        out.mode_ = Mode::kSchema;
        out.node_ = r->additional_properties;
      }
    }
  }
  if (declared) *declared = is_declared;
  return out;
}

Shape Shape::Item() const {
  Shape out;
  if (mode_ == Mode::kBuiltin) {
    out.mode_ = Mode::kBuiltin;
    out.context_ = absl::StrCat(context_, "[]");
  } else if (mode_ == Mode::kSchema) {
    const SchemaNode* r = Resolved();
    if (r && r->items) {
      out.mode_ = Mode::kSchema;
      out.node_ = r->items;
    }
  }
  return out;
}

Shape::ListInfo Shape::List() const {
  if (mode_ == Mode::kBuiltin) return BuiltinList(context_);
  ListInfo info;
  if (mode_ != Mode::kSchema) return info;  // SMD deduces lists as atomic
  // The annotations may sit on a $ref wrapper or on its target.
  std::string list_type, merge_key;
  std::vector<std::string> keys;
  int hops = 0;
  for (const SchemaNode* cur = node_; cur && hops++ < kMaxRefHops; cur = cur->delegate) {
    if (list_type.empty()) list_type = cur->list_type;
    if (keys.empty()) keys = cur->list_map_keys;
    if (merge_key.empty()) merge_key = cur->patch_merge_key;
  }
  if (list_type == "map" && !keys.empty()) {
    info.kind = ListKind::kMap;
    info.keys = keys;
  } else if (list_type == "set") {
    info.kind = ListKind::kSet;
  } else if (list_type.empty() && !merge_key.empty()) {
    // Built-in OpenAPI: patch-merge-key lists are associative on that key.
    info.kind = ListKind::kMap;
    info.keys = {merge_key};
  }
  if (info.kind == ListKind::kMap) {
    Shape item = Item();
    const SchemaNode* r = item.mode_ == Mode::kSchema ? item.Resolved() : nullptr;
    for (const auto& key : info.keys) {
      std::optional<Json> def;
      if (r) {
        if (auto it = r->property_index.find(key); it != r->property_index.end()) def = DefaultOf(it->second);
      }
      info.key_defaults.push_back(std::move(def));
    }
  }
  return info;
}

bool Shape::AtomicMap() const {
  if (mode_ == Mode::kBuiltin) return IsBuiltinAtomicMap(LastSegment(context_));
  if (mode_ != Mode::kSchema) return false;
  // SchemaNode does not carry x-kubernetes-map-type; a LabelSelector is the
  // atomic map every generated CRD embeds, so recognize it by its fields.
  const SchemaNode* r = Resolved();
  return r && r->properties.size() == 2 && r->property_index.count("matchLabels") &&
         r->property_index.count("matchExpressions");
}

bool Shape::Nullable() const {
  if (mode_ != Mode::kSchema) return false;
  int hops = 0;
  for (const SchemaNode* cur = node_; cur && hops++ < kMaxRefHops; cur = cur->delegate) {
    if (cur->nullable) return true;
  }
  return false;
}

// ---- value helpers ---------------------------------------------------------

bool JsonSemanticEqual(const Json& a, const Json& b) {
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a.items()) {
      auto it = b.find(k);
      if (it == b.end() || !JsonSemanticEqual(v, *it)) return false;
    }
    return true;
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!JsonSemanticEqual(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

absl::StatusOr<std::vector<PathElement>> ListItemElements(const Json& list, const Shape::ListInfo& info) {
  std::vector<PathElement> out;
  std::set<PathElement> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& item = list[i];
    if (info.kind == ListKind::kMap) {
      if (!item.is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat("element ", i, ": associative list with keys has an element that is not a map"));
      }
      Json key = Json::object();
      for (size_t k = 0; k < info.keys.size(); ++k) {
        if (auto it = item.find(info.keys[k]); it != item.end() && !it->is_null()) {
          key[info.keys[k]] = *it;
        } else if (k < info.key_defaults.size() && info.key_defaults[k]) {
          key[info.keys[k]] = *info.key_defaults[k];
        }
      }
      if (key.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("element ", i, ": associative list with keys has an element that omits all key fields [\"",
                         absl::StrJoin(info.keys, "\", \""), "\"]"));
      }
      out.push_back(PathElement::Key(key));
    } else {
      out.push_back(PathElement::Value(item));
    }
    if (!seen.insert(out.back()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "duplicate entries for ", info.kind == ListKind::kMap ? "key " : "value ", out.back().ToString()));
    }
  }
  return out;
}

namespace {

absl::Status ValidateLists(const Json& v, const Shape& shape, Path& path) {
  if (v.is_object()) {
    if (shape.AtomicMap()) return absl::OkStatus();
    for (const auto& [k, child] : v.items()) {
      path.push_back(PathElement::Field(k));
      absl::Status s = ValidateLists(child, shape.Field(k), path);
      path.pop_back();
      if (!s.ok()) return s;
    }
  } else if (v.is_array()) {
    Shape::ListInfo info = shape.List();
    if (info.kind == ListKind::kAtomic) return absl::OkStatus();
    auto elements = ListItemElements(v, info);
    if (!elements.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(PathToString(path), ": ", elements.status().message()));
    }
    for (size_t i = 0; i < v.size(); ++i) {
      path.push_back((*elements)[i]);
      absl::Status s = ValidateLists(v[i], shape.Item(), path);
      path.pop_back();
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

void CollectFieldSet(const Json& v, const Shape& shape, Path& path, FieldSet& out) {
  if (v.is_object()) {
    if (shape.AtomicMap()) {
      out.Insert(path);
      return;
    }
    for (const auto& [k, child] : v.items()) {
      bool declared = false;
      Shape cs = shape.Field(k, &declared);
      path.push_back(PathElement::Field(k));
      CollectFieldSet(child, cs, path, out);
      if (child.is_null() || (child.is_object() && child.empty()) || !declared) out.Insert(path);
      path.pop_back();
    }
  } else if (v.is_array()) {
    auto elements = GranularElements(v, shape);
    if (!elements) {
      out.Insert(path);
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      path.push_back((*elements)[i]);
      CollectFieldSet(v[i], shape.Item(), path, out);
      out.Insert(path);  // list items are always members
      path.pop_back();
    }
  } else {
    out.Insert(path);
  }
}

// Inserts every path below `v` (not `v` itself) into `into`.
void MarkBelow(const Json& v, const Shape& shape, Path& path, FieldSet& into) {
  if (v.is_object() && !shape.AtomicMap()) {
    for (const auto& [k, child] : v.items()) {
      Shape cs = shape.Field(k);
      path.push_back(PathElement::Field(k));
      into.Insert(path);
      MarkBelow(child, cs, path, into);
      path.pop_back();
    }
  } else if (v.is_array()) {
    auto elements = GranularElements(v, shape);
    if (!elements) return;
    for (size_t i = 0; i < v.size(); ++i) {
      path.push_back((*elements)[i]);
      into.Insert(path);
      MarkBelow(v[i], shape.Item(), path, into);
      path.pop_back();
    }
  }
}

void Compare(const Json* l, const Json* r, const Shape& shape, Path& path, Comparison& out) {
  VKind lk = KindOf(l), rk = KindOf(r);
  bool granular = false;
  if ((lk == VKind::kObject || lk == VKind::kNone) && (rk == VKind::kObject || rk == VKind::kNone) &&
      !shape.AtomicMap()) {
    granular = true;
    if (l) {
      for (const auto& [k, lv] : l->items()) {
        const Json* rv = nullptr;
        if (r) {
          if (auto it = r->find(k); it != r->end()) rv = &*it;
        }
        path.push_back(PathElement::Field(k));
        Compare(&lv, rv, shape.Field(k), path, out);
        path.pop_back();
      }
    }
    if (r) {
      for (const auto& [k, rv] : r->items()) {
        if (l && l->contains(k)) continue;
        path.push_back(PathElement::Field(k));
        Compare(nullptr, &rv, shape.Field(k), path, out);
        path.pop_back();
      }
    }
  } else if ((lk == VKind::kArray || lk == VKind::kNone) && (rk == VKind::kArray || rk == VKind::kNone)) {
    std::optional<std::vector<PathElement>> le, re;
    if (l) le = GranularElements(*l, shape);
    if (r) re = GranularElements(*r, shape);
    if ((!l || le) && (!r || re)) {
      granular = true;
      std::map<PathElement, size_t> r_index;
      if (r) {
        for (size_t j = 0; j < re->size(); ++j) r_index.emplace((*re)[j], j);
      }
      std::set<PathElement> in_lhs;
      if (l) {
        for (size_t i = 0; i < le->size(); ++i) {
          in_lhs.insert((*le)[i]);
          auto it = r_index.find((*le)[i]);
          path.push_back((*le)[i]);
          Compare(&(*l)[i], it == r_index.end() ? nullptr : &(*r)[it->second], shape.Item(), path, out);
          path.pop_back();
        }
      }
      if (r) {
        for (size_t j = 0; j < re->size(); ++j) {
          if (in_lhs.count((*re)[j])) continue;
          path.push_back((*re)[j]);
          Compare(nullptr, &(*r)[j], shape.Item(), path, out);
          path.pop_back();
        }
      }
    }
  }
  if (granular) {
    if (!path.empty()) {
      if (!l) out.added.Insert(path);
      if (!r) out.removed.Insert(path);
    }
    return;
  }
  // A leaf: a scalar, an atomic list or map, or a change of kind.
  if (!l) {
    out.added.Insert(path);
  } else if (!r) {
    out.removed.Insert(path);
  } else if (!JsonSemanticEqual(*l, *r)) {
    out.modified.Insert(path);
    if (lk != rk) {
      // What was below the old value is gone; what is below the new one is new.
      MarkBelow(*l, shape, path, out.removed);
      MarkBelow(*r, shape, path, out.added);
    }
  }
}

Json StripNulls(const Json& v, const Shape& shape) {
  if (v.is_object()) {
    Json out = Json::object();
    for (const auto& [k, child] : v.items()) {
      Shape cs = shape.Field(k);
      if (child.is_null() && !cs.Nullable()) continue;
      out[k] = StripNulls(child, cs);
    }
    return out;
  }
  if (v.is_array()) {
    Json out = Json::array();
    Shape item = shape.Item();
    for (const auto& child : v) out.push_back(StripNulls(child, item));
    return out;
  }
  return v;
}

Json Merge(const Json& l, const Json& r, const Shape& shape);

// Items in both lists merge; the applied order wins for the applied items,
// and live-only items keep their place relative to them (as SMD does).
Json MergeList(const Json& l, const Json& r, const std::vector<PathElement>& le, const std::vector<PathElement>& re,
               const Shape& shape) {
  std::map<PathElement, size_t> l_index, r_index;
  for (size_t i = 0; i < le.size(); ++i) l_index.emplace(le[i], i);
  for (size_t j = 0; j < re.size(); ++j) r_index.emplace(re[j], j);
  Shape item = shape.Item();
  Json out = Json::array();
  std::vector<bool> emitted(r.size(), false);
  auto emit_applied = [&](size_t j) {
    if (emitted[j]) return;
    emitted[j] = true;
    auto it = l_index.find(re[j]);
    out.push_back(it != l_index.end() ? Merge(l[it->second], r[j], item) : StripNulls(r[j], item));
  };
  size_t next = 0;
  for (size_t i = 0; i < l.size(); ++i) {
    auto it = r_index.find(le[i]);
    if (it == r_index.end()) {
      out.push_back(l[i]);
      continue;
    }
    for (; next <= it->second; ++next) emit_applied(next);
  }
  for (; next < r.size(); ++next) emit_applied(next);
  return out;
}

Json Merge(const Json& l, const Json& r, const Shape& shape) {
  if (l.is_object() && r.is_object() && !shape.AtomicMap()) {
    Json out = l;
    for (const auto& [k, rv] : r.items()) {
      Shape cs = shape.Field(k);
      if (rv.is_null() && !cs.Nullable()) {
        out.erase(k);
        continue;
      }
      auto it = out.find(k);
      if (it != out.end()) {
        *it = Merge(*it, rv, cs);
      } else {
        out[k] = StripNulls(rv, cs);
      }
    }
    return out;
  }
  if (l.is_array() && r.is_array()) {
    auto le = GranularElements(l, shape);
    auto re = GranularElements(r, shape);
    if (le && re) return MergeList(l, r, *le, *re, shape);
  }
  return StripNulls(r, shape);
}

void Remove(Json& v, const FieldSet& set, const Shape& shape) {
  if (v.is_object()) {
    if (shape.AtomicMap()) return;
    std::vector<std::string> drop;
    for (auto& [k, child] : v.items()) {
      PathElement pe = PathElement::Field(k);
      if (set.IsMember(pe)) {
        drop.push_back(k);
        continue;
      }
      const FieldSet* below = set.Child(pe);
      if (!below) continue;
      Shape cs = shape.Field(k);
      bool was_filled = (child.is_object() || child.is_array()) && !child.empty();
      Remove(child, *below, cs);
      if (cs.DropEmptied() && was_filled && child.empty()) drop.push_back(k);
    }
    for (const auto& k : drop) v.erase(k);
  } else if (v.is_array()) {
    auto elements = GranularElements(v, shape);
    if (!elements) return;  // atomic: only removable as a whole
    Json out = Json::array();
    Shape item = shape.Item();
    for (size_t i = 0; i < v.size(); ++i) {
      if (set.IsMember((*elements)[i])) continue;
      Json kept = v[i];
      if (const FieldSet* below = set.Child((*elements)[i])) Remove(kept, *below, item);
      out.push_back(std::move(kept));
    }
    v = std::move(out);
  }
}

FieldSet EnsureNamed(const FieldSet& set, const Shape& shape) {
  FieldSet out;
  for (const auto& e : set.entries()) {
    bool declared = false;
    Shape child =
        e.element.kind() == PathElement::Kind::kField ? shape.Field(e.element.name(), &declared) : shape.Item();
    FieldSet::Entry& n = out.GetOrAdd(e.element);
    n.member = e.member || declared;
    n.children = EnsureNamed(e.children, child);
  }
  return out;
}

}  // namespace

absl::Status ValidateAppliedLists(const Json& config, const Shape& shape) {
  Path path;
  return ValidateLists(config, shape, path);
}

FieldSet ToFieldSet(const Json& value, const Shape& shape) {
  FieldSet out;
  Path path;
  CollectFieldSet(value, shape, path, out);
  return out;
}

FieldSet EnsureNamedFieldsAreMembers(const FieldSet& set, const Shape& shape) { return EnsureNamed(set, shape); }

Comparison CompareObjects(const Json& lhs, const Json& rhs, const Shape& shape) {
  Comparison out;
  Path path;
  Compare(&lhs, &rhs, shape, path, out);
  return out;
}

Json MergeObjects(const Json& lhs, const Json& rhs, const Shape& shape) { return Merge(lhs, rhs, shape); }

void RemoveItems(Json& value, const FieldSet& set, const Shape& shape) { Remove(value, set, shape); }

}  // namespace srfleet::kubesim
