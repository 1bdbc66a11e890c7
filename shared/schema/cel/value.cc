// CEL runtime values: construction, Json conversion, equality and ordering.
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "shared/schema/cel/cel_internal.h"

namespace srfleet::cel::internal {

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kNull: return "null_type";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kUint: return "uint";
    case Kind::kDouble: return "double";
    case Kind::kString: return "string";
    case Kind::kDuration: return "google.protobuf.Duration";
    case Kind::kType: return "type";
    case Kind::kList: return "list";
    case Kind::kMap: return "map";
    case Kind::kDyn: return "dyn";
  }
  return "unknown";
}

Value Null() { return Value{nullptr}; }
Value Bool(bool b) { return Value{b}; }
Value Int(int64_t i) { return Value{i}; }
Value Uint(uint64_t u) { return Value{u}; }
Value Double(double d) { return Value{d}; }
Value String(std::string s) { return Value{std::move(s)}; }
Value OwnedList(std::vector<Value> items) {
  return Value{List{nullptr, std::make_shared<const std::vector<Value>>(
                                 std::move(items))}};
}

Value FromJson(const Json& json) {
  switch (json.type()) {
    case Json::value_t::boolean:
      return Bool(json.get<bool>());
    case Json::value_t::number_integer:
      return Int(json.get<int64_t>());
    case Json::value_t::number_unsigned: {
      const auto u = json.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Int(static_cast<int64_t>(u));
      }
      return Uint(u);
    }
    case Json::value_t::number_float:
      return Double(json.get<double>());
    case Json::value_t::string:
      return String(json.get_ref<const std::string&>());
    case Json::value_t::array:
      return Value{List{&json, nullptr}};
    case Json::value_t::object:
      return Value{Map{&json, nullptr}};
    default:
      return Null();
  }
}

namespace {

// Map keys are int, uint, bool or string (enforced when maps are built); Json
// objects only have string keys, so other keys are rendered as text.
std::string KeyText(const Value& key) {
  switch (key.kind()) {
    case Kind::kString: return key.get<std::string>();
    case Kind::kBool: return key.get<bool>() ? "true" : "false";
    case Kind::kInt: return std::to_string(key.get<int64_t>());
    case Kind::kUint: return std::to_string(key.get<uint64_t>());
    default: return std::string(KindName(key.kind()));
  }
}

bool IsNumber(Kind k) {
  return k == Kind::kInt || k == Kind::kUint || k == Kind::kDouble;
}

template <typename T>
int Cmp(T a, T b) {
  return a < b ? -1 : (a > b ? 1 : 0);
}

// Exact comparison of an integer with a double: converting the integer to
// double would round above 2^53 and make distinct values compare equal.
int CmpIntDouble(int64_t i, double d) {
  if (d < -0x1p63) return 1;
  if (d >= 0x1p63) return -1;
  const double t = std::trunc(d);
  const int c = Cmp(i, static_cast<int64_t>(t));
  return c != 0 ? c : Cmp(0.0, d - t);
}
int CmpUintDouble(uint64_t u, double d) {
  if (d < 0) return 1;
  if (d >= 0x1p64) return -1;
  const double t = std::trunc(d);
  const int c = Cmp(u, static_cast<uint64_t>(t));
  return c != 0 ? c : Cmp(0.0, d - t);
}
int CmpIntUint(int64_t i, uint64_t u) {
  return i < 0 ? -1 : Cmp(static_cast<uint64_t>(i), u);
}

std::optional<int> OrderNumbers(const Value& a, const Value& b) {
  if (a.kind() == Kind::kDouble && std::isnan(a.get<double>())) {
    return std::nullopt;
  }
  if (b.kind() == Kind::kDouble && std::isnan(b.get<double>())) {
    return std::nullopt;
  }
  switch (a.kind()) {
    case Kind::kInt: {
      const int64_t x = a.get<int64_t>();
      if (b.kind() == Kind::kInt) return Cmp(x, b.get<int64_t>());
      if (b.kind() == Kind::kUint) return CmpIntUint(x, b.get<uint64_t>());
      return CmpIntDouble(x, b.get<double>());
    }
    case Kind::kUint: {
      const uint64_t x = a.get<uint64_t>();
      if (b.kind() == Kind::kInt) return -CmpIntUint(b.get<int64_t>(), x);
      if (b.kind() == Kind::kUint) return Cmp(x, b.get<uint64_t>());
      return CmpUintDouble(x, b.get<double>());
    }
    default: {
      const double x = a.get<double>();
      if (b.kind() == Kind::kInt) return -CmpIntDouble(b.get<int64_t>(), x);
      if (b.kind() == Kind::kUint) return -CmpUintDouble(b.get<uint64_t>(), x);
      return Cmp(x, b.get<double>());
    }
  }
}

}  // namespace

Json ToJson(const Value& value) {
  switch (value.kind()) {
    case Kind::kBool: return value.get<bool>();
    case Kind::kInt: return value.get<int64_t>();
    case Kind::kUint: return value.get<uint64_t>();
    case Kind::kDouble: return value.get<double>();
    case Kind::kString: return value.get<std::string>();
    case Kind::kDuration: return FormatDuration(value.get<Duration>().nanos);
    case Kind::kType: return std::string(KindName(value.get<TypeValue>().kind));
    case Kind::kList: {
      const List& list = value.get<List>();
      if (list.json != nullptr) return *list.json;
      Json out = Json::array();
      for (const Value& item : *list.items) out.push_back(ToJson(item));
      return out;
    }
    case Kind::kMap: {
      const Map& map = value.get<Map>();
      if (map.json != nullptr) return *map.json;
      Json out = Json::object();
      for (const auto& [k, v] : *map.entries) out[KeyText(k)] = ToJson(v);
      return out;
    }
    default:
      return nullptr;
  }
}

size_t ListSize(const List& list) {
  return list.json != nullptr ? list.json->size() : list.items->size();
}

Value ListAt(const List& list, size_t i) {
  return list.json != nullptr ? FromJson((*list.json)[i]) : (*list.items)[i];
}

size_t MapSize(const Map& map) {
  return map.json != nullptr ? map.json->size() : map.entries->size();
}

std::optional<Value> MapFind(const Map& map, const Value& key) {
  if (map.json != nullptr) {
    if (key.kind() != Kind::kString) return std::nullopt;
    const auto it = map.json->find(key.get<std::string>());
    if (it == map.json->end()) return std::nullopt;
    return FromJson(*it);
  }
  for (const auto& [k, v] : *map.entries) {
    if (Equal(k, key)) return v;
  }
  return std::nullopt;
}

std::vector<Value> MapKeys(const Map& map) {
  std::vector<Value> keys;
  keys.reserve(MapSize(map));
  if (map.json != nullptr) {
    for (const auto& item : map.json->items()) keys.push_back(String(item.key()));
  } else {
    for (const auto& entry : *map.entries) keys.push_back(entry.first);
  }
  return keys;
}

bool Equal(const Value& a, const Value& b) {
  if (IsNumber(a.kind()) && IsNumber(b.kind())) {
    const std::optional<int> c = OrderNumbers(a, b);
    return c.has_value() && *c == 0;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kNull: return true;
    case Kind::kBool: return a.get<bool>() == b.get<bool>();
    case Kind::kString: return a.get<std::string>() == b.get<std::string>();
    case Kind::kDuration:
      return a.get<Duration>().nanos == b.get<Duration>().nanos;
    case Kind::kType:
      return a.get<TypeValue>().kind == b.get<TypeValue>().kind;
    case Kind::kList: {
      const List& x = a.get<List>();
      const List& y = b.get<List>();
      const size_t n = ListSize(x);
      if (n != ListSize(y)) return false;
      for (size_t i = 0; i < n; ++i) {
        if (!Equal(ListAt(x, i), ListAt(y, i))) return false;
      }
      return true;
    }
    case Kind::kMap: {
      const Map& x = a.get<Map>();
      const Map& y = b.get<Map>();
      if (MapSize(x) != MapSize(y)) return false;
      for (const Value& key : MapKeys(x)) {
        const std::optional<Value> vy = MapFind(y, key);
        if (!vy.has_value() || !Equal(*MapFind(x, key), *vy)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

std::optional<int> Order(const Value& a, const Value& b) {
  if (IsNumber(a.kind()) && IsNumber(b.kind())) return OrderNumbers(a, b);
  if (a.kind() != b.kind()) return std::nullopt;
  switch (a.kind()) {
    case Kind::kBool: return Cmp(a.get<bool>(), b.get<bool>());
    // Byte order of UTF-8 is code point order, which is what CEL specifies.
    case Kind::kString: {
      const int c = a.get<std::string>().compare(b.get<std::string>());
      return Cmp(c, 0);
    }
    case Kind::kDuration:
      return Cmp(a.get<Duration>().nanos, b.get<Duration>().nanos);
    default: return std::nullopt;
  }
}

absl::StatusOr<int64_t> ParseDuration(std::string_view text) {
  const auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid duration: '", std::string(text), "'"));
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return invalid();
  // 128-bit accumulation makes the overflow check a single comparison.
  constexpr __int128 kLimit = static_cast<__int128>(1) << 63;
  __int128 total = 0;
  while (!s.empty()) {
    __int128 whole = 0;
    size_t digits = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
      whole = whole * 10 + (s[digits] - '0');
      if (whole > kLimit) return invalid();
      ++digits;
    }
    s.remove_prefix(digits);
    __int128 frac = 0;
    __int128 scale = 1;
    size_t frac_digits = 0;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      while (frac_digits < s.size() && s[frac_digits] >= '0' &&
             s[frac_digits] <= '9') {
        // Digits beyond nanosecond precision cannot change the result.
        if (frac_digits < 18) {
          frac = frac * 10 + (s[frac_digits] - '0');
          scale *= 10;
        }
        ++frac_digits;
      }
      s.remove_prefix(frac_digits);
    }
    if (digits == 0 && frac_digits == 0) return invalid();
    size_t unit_len = 0;
    while (unit_len < s.size() && s[unit_len] != '.' &&
           (s[unit_len] < '0' || s[unit_len] > '9')) {
      ++unit_len;
    }
    const std::string_view unit = s.substr(0, unit_len);
    s.remove_prefix(unit_len);
    int64_t nanos_per_unit = 0;
    if (unit == "ns") nanos_per_unit = 1;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") nanos_per_unit = 1000;
    else if (unit == "ms") nanos_per_unit = 1000000;
    else if (unit == "s") nanos_per_unit = 1000000000;
    else if (unit == "m") nanos_per_unit = 60LL * 1000000000;
    else if (unit == "h") nanos_per_unit = 3600LL * 1000000000;
    else return invalid();
    total += whole * nanos_per_unit + frac * nanos_per_unit / scale;
    if (total > kLimit) return invalid();
  }
  if (negative) return static_cast<int64_t>(-total);
  if (total == kLimit) return invalid();
  return static_cast<int64_t>(total);
}

std::string FormatDuration(int64_t nanos) {
  // Work on the magnitude in uint64 so that INT64_MIN does not overflow.
  const uint64_t magnitude =
      nanos < 0 ? ~static_cast<uint64_t>(nanos) + 1 : static_cast<uint64_t>(nanos);
  std::string out = nanos < 0 ? "-" : "";
  absl::StrAppend(&out, magnitude / 1000000000);
  if (const uint64_t frac = magnitude % 1000000000; frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 9 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  out += "s";
  return out;
}

}  // namespace srfleet::cel::internal
