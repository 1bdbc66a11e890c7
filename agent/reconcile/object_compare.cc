#include "agent/reconcile/object_compare.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>

#include "shared/model/quantity.h"

namespace srfleet::agent {
namespace {

bool IsEmptyValue(const Json& v) {
  return v.is_null() || (v.is_object() && v.empty()) || (v.is_array() && v.empty()) ||
         (v.is_string() && v.get_ref<const std::string&>().empty());
}

bool ScalarEqual(const Json& desired, const Json& live) {
  if (desired.is_number() && live.is_number()) {
    if ((desired.is_number_integer() || desired.is_number_unsigned()) &&
        (live.is_number_integer() || live.is_number_unsigned())) {
      return desired.get<int64_t>() == live.get<int64_t>();
    }
    return desired.get<double>() == live.get<double>();
  }
  if (desired.type() != live.type()) return false;
  if (desired == live) return true;
  if (desired.is_string()) {
    // The API server canonicalises quantities ("0.5" -> "500m").
    const auto& a = desired.get_ref<const std::string&>();
    const auto& b = live.get_ref<const std::string&>();
    if (a.empty() || b.empty() || !(std::isdigit(static_cast<unsigned char>(a[0])) || a[0] == '.') ||
        !(std::isdigit(static_cast<unsigned char>(b[0])) || b[0] == '.')) {
      return false;
    }
    std::optional<double> qa = model::ParseQuantity(a), qb = model::ParseQuantity(b);
    return qa && qb && *qa == *qb;
  }
  return false;
}

}  // namespace

bool IsSubsetOf(const Json& desired, const Json& live) {
  if (desired.is_object()) {
    if (!live.is_object()) return false;
    for (auto it = desired.begin(); it != desired.end(); ++it) {
      auto l = live.find(it.key());
      if (l == live.end()) {
        if (!IsEmptyValue(it.value())) return false;
        continue;
      }
      if (!IsSubsetOf(it.value(), *l)) return false;
    }
    return true;
  }
  if (desired.is_array()) {
    if (!live.is_array() || live.size() != desired.size()) return false;
    for (size_t i = 0; i < desired.size(); ++i) {
      if (!IsSubsetOf(desired[i], live[i])) return false;
    }
    return true;
  }
  if (desired.is_null()) return live.is_null();
  return ScalarEqual(desired, live);
}

bool JsonEquivalent(const Json& a, const Json& b) {
  if (a.is_object()) {
    if (!b.is_object() || a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !JsonEquivalent(it.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (!b.is_array() || a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!JsonEquivalent(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

std::string StableHash(const Json& object) {
  const std::string text = object.dump(-1, ' ', false, Json::error_handler_t::replace);
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void StampDesiredHash(Json& object) {
  const std::string hash = StableHash(object);
  object["metadata"]["annotations"][kDesiredHashAnnotation] = hash;
}

}  // namespace srfleet::agent
