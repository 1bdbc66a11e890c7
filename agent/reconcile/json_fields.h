// Small, total readers over Kubernetes objects held as Json: a missing field
// or a field of the wrong type gives the fallback instead of throwing, because
// live objects come from other writers and must never crash a reconcile.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "shared/json/json.h"

namespace srfleet::agent {

// The value at `path` (object keys only), or null when any step is missing.
inline const Json* FindField(const Json& root, std::initializer_list<const char*> path) {
  const Json* cur = &root;
  for (const char* key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

inline std::string StringField(const Json& root, std::initializer_list<const char*> path,
                               const std::string& fallback = "") {
  const Json* v = FindField(root, path);
  return v && v->is_string() ? v->get<std::string>() : fallback;
}

inline int64_t IntField(const Json& root, std::initializer_list<const char*> path, int64_t fallback = 0) {
  const Json* v = FindField(root, path);
  if (!v) return fallback;
  if (v->is_number_integer() || v->is_number_unsigned()) return v->get<int64_t>();
  if (v->is_number_float()) return static_cast<int64_t>(v->get<double>());
  return fallback;
}

inline bool BoolField(const Json& root, std::initializer_list<const char*> path, bool fallback = false) {
  const Json* v = FindField(root, path);
  return v && v->is_boolean() ? v->get<bool>() : fallback;
}

inline std::string NameOf(const Json& object) { return StringField(object, {"metadata", "name"}); }
inline std::string NamespaceOf(const Json& object) { return StringField(object, {"metadata", "namespace"}); }
inline std::string UidOf(const Json& object) { return StringField(object, {"metadata", "uid"}); }
inline std::string KindOf(const Json& object) { return StringField(object, {"kind"}); }
inline std::string ResourceVersionOf(const Json& object) {
  return StringField(object, {"metadata", "resourceVersion"});
}
inline int64_t GenerationOf(const Json& object) { return IntField(object, {"metadata", "generation"}, 0); }

}  // namespace srfleet::agent
