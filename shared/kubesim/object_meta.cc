#include "shared/kubesim/object_meta.h"

#include <ctime>

#include "absl/strings/str_format.h"
#include "shared/kubesim/json_access.h"

namespace srfleet::kubesim {

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                         tm.tm_min, tm.tm_sec);
}

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string NextUid(uint64_t& rng_state) {
  uint64_t hi = SplitMix64(rng_state);
  uint64_t lo = SplitMix64(rng_state);
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                         lo & 0xffffffffffffULL);
}

namespace {

// metav1.ObjectMeta field order.
constexpr const char* kMetaOrder[] = {
    "name",        "generateName",      "namespace",  "selfLink",           "uid",
    "resourceVersion", "generation",    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
    "labels",      "annotations",       "ownerReferences",   "finalizers",  "managedFields",
};

Json OrderedMeta(const Json& meta) {
  Json out = Json::object();
  for (const char* key : kMetaOrder) {
    if (const Json* v = Child(meta, key)) out[key] = *v;
  }
  for (auto it = meta.begin(); it != meta.end(); ++it) {
    if (!out.contains(it.key())) out[it.key()] = *it;
  }
  return out;
}

}  // namespace

void Canonicalize(Json& object, bool unstructured) {
  if (!object.is_object()) return;
  if (unstructured) {
    object = SortedKeys(object);
    return;
  }
  Json out = Json::object();
  for (const char* key : {"kind", "apiVersion"}) {
    if (Json* v = MutableChild(object, key)) out[key] = std::move(*v);
  }
  if (Json* meta = MutableChild(object, "metadata"); meta && meta->is_object()) out["metadata"] = OrderedMeta(*meta);
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& k = it.key();
    if (k == "kind" || k == "apiVersion" || k == "metadata" || k == "status") continue;
    out[k] = std::move(*it);
  }
  if (Json* status = MutableChild(object, "status")) out["status"] = std::move(*status);
  object = std::move(out);
}

std::vector<std::string> FinalizersOf(const Json& object) {
  std::vector<std::string> out;
  const Json* meta = Meta(object);
  const Json* f = meta ? Child(*meta, "finalizers") : nullptr;
  if (f && f->is_array()) {
    for (const auto& s : *f) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

void SetFinalizers(Json& object, const std::vector<std::string>& finalizers) {
  Json& meta = MutableMeta(object);
  if (finalizers.empty()) {
    meta.erase("finalizers");
  } else {
    meta["finalizers"] = finalizers;
  }
}

bool SpecEqual(const Json& a, const Json& b) {
  auto count = [](const Json& o) {
    size_t n = 0;
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (it.key() != "metadata" && it.key() != "status") ++n;
    }
    return n;
  };
  if (!a.is_object() || !b.is_object()) return JsonEqual(a, b);
  if (count(a) != count(b)) return false;
  for (auto it = a.begin(); it != a.end(); ++it) {
    if (it.key() == "metadata" || it.key() == "status") continue;
    const Json* other = Child(b, it.key());
    if (!other || !JsonEqual(*it, *other)) return false;
  }
  return true;
}

namespace {

Json WithoutManagedFieldTimes(const Json& object) {
  Json copy = object;
  Json* meta = MutableChild(copy, "metadata");
  Json* managed = meta ? MutableChild(*meta, "managedFields") : nullptr;
  if (managed && managed->is_array()) {
    for (auto& entry : *managed) {
      if (entry.is_object()) entry.erase("time");
    }
  }
  return copy;
}

}  // namespace

bool EqualIgnoringManagedFieldTimes(const Json& a, const Json& b) {
  if (JsonEqual(a, b)) return true;
  return JsonEqual(WithoutManagedFieldTimes(a), WithoutManagedFieldTimes(b));
}

}  // namespace srfleet::kubesim
