// The CEL function library: operators, size/string functions, conversions,
// and the Kubernetes string extensions. Each overload is one table row so the
// parser (static checks) and the evaluator (dispatch) agree by construction.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <regex>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shared/schema/cel/cel_internal.h"

namespace srfleet::cel::internal {
namespace {

using Args = std::span<const Value>;
using Result = absl::StatusOr<Value>;

constexpr Kind kBool = Kind::kBool;
constexpr Kind kInt = Kind::kInt;
constexpr Kind kUint = Kind::kUint;
constexpr Kind kDouble = Kind::kDouble;
constexpr Kind kString = Kind::kString;
constexpr Kind kDuration = Kind::kDuration;
constexpr Kind kType = Kind::kType;
constexpr Kind kList = Kind::kList;
constexpr Kind kMap = Kind::kMap;
constexpr Kind kDyn = Kind::kDyn;

// libstdc++'s regex matcher recurses per input character; bounding the input
// keeps a hostile string from overflowing the stack. Kubernetes strings that
// rules match (names, labels, paths, hosts) are far shorter.
constexpr size_t kMaxMatchInput = 16 * 1024;

absl::Status Error(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}
absl::Status Overflow() { return Error("integer overflow"); }

const std::string& Str(const Value& v) { return v.get<std::string>(); }
int64_t I(const Value& v) { return v.get<int64_t>(); }
uint64_t U(const Value& v) { return v.get<uint64_t>(); }
double D(const Value& v) { return v.get<double>(); }
int64_t Nanos(const Value& v) { return v.get<Duration>().nanos; }
Value Dur(int64_t nanos) { return Value{Duration{nanos}}; }

// CEL sizes strings in code points, not bytes.
int64_t CodePoints(const std::string& s) {
  int64_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// --- arithmetic --------------------------------------------------------------

template <typename T>
Result Add(T a, T b) {
  T r;
  if (__builtin_add_overflow(a, b, &r)) return Overflow();
  return Value{r};
}
template <typename T>
Result Sub(T a, T b) {
  T r;
  if (__builtin_sub_overflow(a, b, &r)) return Overflow();
  return Value{r};
}
template <typename T>
Result Mul(T a, T b) {
  T r;
  if (__builtin_mul_overflow(a, b, &r)) return Overflow();
  return Value{r};
}
template <typename T>
Result Div(T a, T b) {
  if (b == 0) return Error("division by zero");
  if constexpr (std::is_signed_v<T>) {
    if (a == std::numeric_limits<T>::min() && b == -1) return Overflow();
  }
  return Value{static_cast<T>(a / b)};
}
template <typename T>
Result Mod(T a, T b) {
  if (b == 0) return Error("modulus by zero");
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return Value{T{0}};  // INT64_MIN % -1 traps in C++
  }
  return Value{static_cast<T>(a % b)};
}

Result Concat(const Value& a, const Value& b) {
  std::vector<Value> items;
  const List& x = a.get<List>();
  const List& y = b.get<List>();
  items.reserve(ListSize(x) + ListSize(y));
  for (size_t i = 0; i < ListSize(x); ++i) items.push_back(ListAt(x, i));
  for (size_t i = 0; i < ListSize(y); ++i) items.push_back(ListAt(y, i));
  return OwnedList(std::move(items));
}

// --- conversions -------------------------------------------------------------

Result IntFromDouble(double d) {
  // Written so that NaN fails the test too.
  if (!(d >= -0x1p63 && d < 0x1p63)) {
    return Error(absl::StrCat("int(", d, ") out of range"));
  }
  return Int(static_cast<int64_t>(d));
}
Result UintFromDouble(double d) {
  if (!(d > -1.0 && d < 0x1p64)) {
    return Error(absl::StrCat("uint(", d, ") out of range"));
  }
  return Uint(static_cast<uint64_t>(d));
}

template <typename T>
Result ParseNumber(const std::string& s, std::string_view fn) {
  T out{};
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, out);
  if (ec != std::errc() || ptr != end || s.empty()) {
    return Error(absl::StrCat("cannot convert '", s, "' with ", std::string(fn), "()"));
  }
  return Value{out};
}

std::string DoubleText(double d) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  return ec == std::errc() ? std::string(buf, ptr) : std::string("NaN");
}

Result ToStringValue(const Value& v) {
  switch (v.kind()) {
    case Kind::kString: return v;
    case Kind::kBool: return String(v.get<bool>() ? "true" : "false");
    case Kind::kInt: return String(std::to_string(I(v)));
    case Kind::kUint: return String(std::to_string(U(v)));
    case Kind::kDouble: return String(DoubleText(D(v)));
    case Kind::kDuration: return String(FormatDuration(Nanos(v)));
    default: return Error("string() cannot convert this type");
  }
}

Result ToBool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE" || s == "t" || s == "1") {
    return Bool(true);
  }
  if (s == "false" || s == "False" || s == "FALSE" || s == "f" || s == "0") {
    return Bool(false);
  }
  return Error(absl::StrCat("cannot convert '", s, "' with bool()"));
}

// --- strings -----------------------------------------------------------------

Result Matches(const Node& call, const std::string& input,
               const std::string& pattern) {
  if (input.size() > kMaxMatchInput) {
    return Error(absl::StrCat("matches(): input longer than ", kMaxMatchInput,
                              " bytes"));
  }
  std::shared_ptr<const std::regex> re;
  RegexCache& cache = *call.regex;
  if (cache.literal != nullptr) {
    re = cache.literal;
  } else {
    std::lock_guard<std::mutex> lock(cache.mu);
    if (cache.last == nullptr || cache.last_pattern != pattern) {
      try {
        cache.last = std::make_shared<const std::regex>(pattern);
      } catch (const std::regex_error& e) {
        return Error(absl::StrCat("invalid regular expression '", pattern,
                                  "': ", e.what()));
      }
      cache.last_pattern = pattern;
    }
    re = cache.last;
  }
  try {
    // CEL's matches() is a search: the pattern may match any substring.
    return Bool(std::regex_search(input, *re));
  } catch (const std::regex_error& e) {
    return Error(absl::StrCat("matches(): ", e.what()));
  }
}

Result Split(const std::string& s, const std::string& sep, int64_t limit) {
  std::vector<Value> parts;
  if (limit == 0) return OwnedList(std::move(parts));
  if (sep.empty()) {
    // Splits into code points, like Go's strings.SplitN with an empty sep.
    size_t i = 0;
    while (i < s.size()) {
      if (limit > 0 && static_cast<int64_t>(parts.size()) == limit - 1) {
        parts.push_back(String(s.substr(i)));
        return OwnedList(std::move(parts));
      }
      size_t j = i + 1;
      while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) {
        ++j;
      }
      parts.push_back(String(s.substr(i, j - i)));
      i = j;
    }
    return OwnedList(std::move(parts));
  }
  size_t start = 0;
  while (limit < 0 || static_cast<int64_t>(parts.size()) < limit - 1) {
    const size_t at = s.find(sep, start);
    if (at == std::string::npos) break;
    parts.push_back(String(s.substr(start, at - start)));
    start = at + sep.size();
  }
  parts.push_back(String(s.substr(start)));
  return OwnedList(std::move(parts));
}

Result Join(const List& list, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < ListSize(list); ++i) {
    const Value item = ListAt(list, i);
    if (item.kind() != Kind::kString) {
      return Error(absl::StrCat("join(): list element of type ",
                                KindName(item.kind()), " is not a string"));
    }
    if (i > 0) out += sep;
    out += Str(item);
  }
  return String(std::move(out));
}

Result Index(const List& list, int64_t i) {
  const size_t n = ListSize(list);
  if (i < 0 || static_cast<uint64_t>(i) >= n) {
    return Error(absl::StrCat("index ", i, " out of range in list of size ", n));
  }
  return ListAt(list, static_cast<size_t>(i));
}

std::string KeyForMessage(const Value& key) {
  const absl::StatusOr<Value> text = ToStringValue(key);
  return text.ok() ? Str(*text) : std::string(KindName(key.kind()));
}

// --- the table ---------------------------------------------------------------

Value TypeOf(const Value& v) { return Value{TypeValue{v.kind()}}; }

std::vector<Overload> Build() {
  std::vector<Overload> t;
  const auto op = [&t](std::string_view fn, std::vector<Kind> params,
                       Kind result, Impl impl) {
    t.push_back(Overload{fn, false, std::move(params), result, impl});
  };
  const auto member = [&t](std::string_view fn, std::vector<Kind> params,
                           Kind result, Impl impl) {
    t.push_back(Overload{fn, true, std::move(params), result, impl});
  };
  // Both spellings: size(x) and x.size(), matches(s, re) and s.matches(re).
  const auto both = [&](std::string_view fn, std::vector<Kind> params,
                        Kind result, Impl impl) {
    op(fn, params, result, impl);
    member(fn, std::move(params), result, impl);
  };

  // Logic and arithmetic.
  op("!_", {kBool}, kBool, [](const Node&, Args a) -> Result {
    return Bool(!a[0].get<bool>());
  });
  op("-_", {kInt}, kInt, [](const Node&, Args a) -> Result {
    return Sub<int64_t>(0, I(a[0]));
  });
  op("-_", {kDouble}, kDouble, [](const Node&, Args a) -> Result {
    return Double(-D(a[0]));
  });
  op("-_", {kDuration}, kDuration, [](const Node&, Args a) -> Result {
    if (Nanos(a[0]) == std::numeric_limits<int64_t>::min()) return Overflow();
    return Dur(-Nanos(a[0]));
  });
  op("_+_", {kInt, kInt}, kInt, [](const Node&, Args a) { return Add(I(a[0]), I(a[1])); });
  op("_+_", {kUint, kUint}, kUint, [](const Node&, Args a) { return Add(U(a[0]), U(a[1])); });
  op("_+_", {kDouble, kDouble}, kDouble, [](const Node&, Args a) -> Result {
    return Double(D(a[0]) + D(a[1]));
  });
  op("_+_", {kString, kString}, kString, [](const Node&, Args a) -> Result {
    return String(Str(a[0]) + Str(a[1]));
  });
  op("_+_", {kList, kList}, kList, [](const Node&, Args a) { return Concat(a[0], a[1]); });
  op("_+_", {kDuration, kDuration}, kDuration, [](const Node&, Args a) -> Result {
    absl::StatusOr<Value> r = Add(Nanos(a[0]), Nanos(a[1]));
    if (!r.ok()) return r.status();
    return Dur(I(*r));
  });
  op("_-_", {kInt, kInt}, kInt, [](const Node&, Args a) { return Sub(I(a[0]), I(a[1])); });
  op("_-_", {kUint, kUint}, kUint, [](const Node&, Args a) { return Sub(U(a[0]), U(a[1])); });
  op("_-_", {kDouble, kDouble}, kDouble, [](const Node&, Args a) -> Result {
    return Double(D(a[0]) - D(a[1]));
  });
  op("_-_", {kDuration, kDuration}, kDuration, [](const Node&, Args a) -> Result {
    absl::StatusOr<Value> r = Sub(Nanos(a[0]), Nanos(a[1]));
    if (!r.ok()) return r.status();
    return Dur(I(*r));
  });
  op("_*_", {kInt, kInt}, kInt, [](const Node&, Args a) { return Mul(I(a[0]), I(a[1])); });
  op("_*_", {kUint, kUint}, kUint, [](const Node&, Args a) { return Mul(U(a[0]), U(a[1])); });
  op("_*_", {kDouble, kDouble}, kDouble, [](const Node&, Args a) -> Result {
    return Double(D(a[0]) * D(a[1]));
  });
  op("_/_", {kInt, kInt}, kInt, [](const Node&, Args a) { return Div(I(a[0]), I(a[1])); });
  op("_/_", {kUint, kUint}, kUint, [](const Node&, Args a) { return Div(U(a[0]), U(a[1])); });
  // IEEE semantics: x / 0.0 is ±inf or NaN, as in CEL.
  op("_/_", {kDouble, kDouble}, kDouble, [](const Node&, Args a) -> Result {
    return Double(D(a[0]) / D(a[1]));
  });
  op("_%_", {kInt, kInt}, kInt, [](const Node&, Args a) { return Mod(I(a[0]), I(a[1])); });
  op("_%_", {kUint, kUint}, kUint, [](const Node&, Args a) { return Mod(U(a[0]), U(a[1])); });

  // Comparison. Numbers compare across int/uint/double.
  op("_==_", {kDyn, kDyn}, kBool, [](const Node&, Args a) -> Result {
    return Bool(Equal(a[0], a[1]));
  });
  op("_!=_", {kDyn, kDyn}, kBool, [](const Node&, Args a) -> Result {
    return Bool(!Equal(a[0], a[1]));
  });
  const std::vector<std::pair<Kind, Kind>> ordered = {
      {kInt, kInt},       {kInt, kUint},     {kInt, kDouble},
      {kUint, kInt},      {kUint, kUint},    {kUint, kDouble},
      {kDouble, kInt},    {kDouble, kUint},  {kDouble, kDouble},
      {kString, kString}, {kBool, kBool},    {kDuration, kDuration}};
  for (const auto& [l, r] : ordered) {
    // NaN is unordered: every comparison with it is false.
    op("_<_", {l, r}, kBool, [](const Node&, Args a) -> Result {
      const std::optional<int> c = Order(a[0], a[1]);
      return Bool(c.has_value() && *c < 0);
    });
    op("_<=_", {l, r}, kBool, [](const Node&, Args a) -> Result {
      const std::optional<int> c = Order(a[0], a[1]);
      return Bool(c.has_value() && *c <= 0);
    });
    op("_>_", {l, r}, kBool, [](const Node&, Args a) -> Result {
      const std::optional<int> c = Order(a[0], a[1]);
      return Bool(c.has_value() && *c > 0);
    });
    op("_>=_", {l, r}, kBool, [](const Node&, Args a) -> Result {
      const std::optional<int> c = Order(a[0], a[1]);
      return Bool(c.has_value() && *c >= 0);
    });
  }
  op("@in", {kDyn, kList}, kBool, [](const Node&, Args a) -> Result {
    const List& list = a[1].get<List>();
    for (size_t i = 0; i < ListSize(list); ++i) {
      if (Equal(a[0], ListAt(list, i))) return Bool(true);
    }
    return Bool(false);
  });
  op("@in", {kDyn, kMap}, kBool, [](const Node&, Args a) -> Result {
    return Bool(MapFind(a[1].get<Map>(), a[0]).has_value());
  });

  // Indexing.
  op("_[_]", {kList, kInt}, kDyn, [](const Node&, Args a) {
    return Index(a[0].get<List>(), I(a[1]));
  });
  op("_[_]", {kList, kUint}, kDyn, [](const Node&, Args a) -> Result {
    if (U(a[1]) > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Error(absl::StrCat("index ", U(a[1]), " out of range"));
    }
    return Index(a[0].get<List>(), static_cast<int64_t>(U(a[1])));
  });
  op("_[_]", {kMap, kDyn}, kDyn, [](const Node&, Args a) -> Result {
    std::optional<Value> v = MapFind(a[0].get<Map>(), a[1]);
    if (!v.has_value()) {
      return Error(absl::StrCat("no such key: ", KeyForMessage(a[1])));
    }
    return *std::move(v);
  });

  // Sizes and strings.
  both("size", {kString}, kInt, [](const Node&, Args a) -> Result {
    return Int(CodePoints(Str(a[0])));
  });
  both("size", {kList}, kInt, [](const Node&, Args a) -> Result {
    return Int(static_cast<int64_t>(ListSize(a[0].get<List>())));
  });
  both("size", {kMap}, kInt, [](const Node&, Args a) -> Result {
    return Int(static_cast<int64_t>(MapSize(a[0].get<Map>())));
  });
  member("startsWith", {kString, kString}, kBool, [](const Node&, Args a) -> Result {
    return Bool(Str(a[0]).starts_with(Str(a[1])));
  });
  member("endsWith", {kString, kString}, kBool, [](const Node&, Args a) -> Result {
    return Bool(Str(a[0]).ends_with(Str(a[1])));
  });
  member("contains", {kString, kString}, kBool, [](const Node&, Args a) -> Result {
    return Bool(Str(a[0]).find(Str(a[1])) != std::string::npos);
  });
  both("matches", {kString, kString}, kBool, [](const Node& call, Args a) {
    return Matches(call, Str(a[0]), Str(a[1]));
  });
  member("lowerAscii", {kString}, kString, [](const Node&, Args a) -> Result {
    return String(absl::AsciiStrToLower(Str(a[0])));
  });
  member("upperAscii", {kString}, kString, [](const Node&, Args a) -> Result {
    return String(absl::AsciiStrToUpper(Str(a[0])));
  });
  member("trim", {kString}, kString, [](const Node&, Args a) -> Result {
    std::string s = Str(a[0]);
    absl::StripAsciiWhitespace(&s);
    return String(std::move(s));
  });
  member("split", {kString, kString}, kList, [](const Node&, Args a) {
    return Split(Str(a[0]), Str(a[1]), -1);
  });
  member("split", {kString, kString, kInt}, kList, [](const Node&, Args a) {
    return Split(Str(a[0]), Str(a[1]), I(a[2]));
  });
  member("join", {kList}, kString, [](const Node&, Args a) {
    return Join(a[0].get<List>(), "");
  });
  member("join", {kList, kString}, kString, [](const Node&, Args a) {
    return Join(a[0].get<List>(), Str(a[1]));
  });

  // Conversions.
  op("int", {kInt}, kInt, [](const Node&, Args a) -> Result { return a[0]; });
  op("int", {kUint}, kInt, [](const Node&, Args a) -> Result {
    if (U(a[0]) > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Error(absl::StrCat("int(", U(a[0]), "u) out of range"));
    }
    return Int(static_cast<int64_t>(U(a[0])));
  });
  op("int", {kDouble}, kInt, [](const Node&, Args a) { return IntFromDouble(D(a[0])); });
  op("int", {kString}, kInt, [](const Node&, Args a) {
    return ParseNumber<int64_t>(Str(a[0]), "int");
  });
  op("uint", {kUint}, kUint, [](const Node&, Args a) -> Result { return a[0]; });
  op("uint", {kInt}, kUint, [](const Node&, Args a) -> Result {
    if (I(a[0]) < 0) return Error(absl::StrCat("uint(", I(a[0]), ") out of range"));
    return Uint(static_cast<uint64_t>(I(a[0])));
  });
  op("uint", {kDouble}, kUint, [](const Node&, Args a) { return UintFromDouble(D(a[0])); });
  op("uint", {kString}, kUint, [](const Node&, Args a) {
    return ParseNumber<uint64_t>(Str(a[0]), "uint");
  });
  op("double", {kDouble}, kDouble, [](const Node&, Args a) -> Result { return a[0]; });
  op("double", {kInt}, kDouble, [](const Node&, Args a) -> Result {
    return Double(static_cast<double>(I(a[0])));
  });
  op("double", {kUint}, kDouble, [](const Node&, Args a) -> Result {
    return Double(static_cast<double>(U(a[0])));
  });
  op("double", {kString}, kDouble, [](const Node&, Args a) {
    return ParseNumber<double>(Str(a[0]), "double");
  });
  for (const Kind k : {kString, kBool, kInt, kUint, kDouble, kDuration}) {
    op("string", {k}, kString, [](const Node&, Args a) { return ToStringValue(a[0]); });
  }
  op("bool", {kBool}, kBool, [](const Node&, Args a) -> Result { return a[0]; });
  op("bool", {kString}, kBool, [](const Node&, Args a) { return ToBool(Str(a[0])); });
  op("duration", {kDuration}, kDuration, [](const Node&, Args a) -> Result { return a[0]; });
  op("duration", {kString}, kDuration, [](const Node&, Args a) -> Result {
    absl::StatusOr<int64_t> nanos = ParseDuration(Str(a[0]));
    if (!nanos.ok()) return nanos.status();
    return Dur(*nanos);
  });
  op("dyn", {kDyn}, kDyn, [](const Node&, Args a) -> Result { return a[0]; });
  op("type", {kDyn}, kType, [](const Node&, Args a) -> Result { return TypeOf(a[0]); });
  return t;
}

}  // namespace

const std::vector<Overload>& Overloads() {
  // Nodes keep pointers into the table, so it is built once and never changes.
  static const std::vector<Overload> table = Build();
  return table;
}

}  // namespace srfleet::cel::internal
