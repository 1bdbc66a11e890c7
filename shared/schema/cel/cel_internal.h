// Internals of the CEL interpreter shared by the parser, the function library
// and the evaluator. Not part of the public API.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"

namespace srfleet::cel::internal {

// Runtime value kinds, in the order of Value::v's alternatives. kDyn is only a
// static ("not known before evaluation") kind and a wildcard in overloads.
enum class Kind : uint8_t {
  kNull, kBool, kInt, kUint, kDouble, kString, kDuration, kType, kList, kMap,
  kDyn,
};
const char* KindName(Kind kind);

struct Value;

// Lists and maps either borrow a node of the evaluated document (no copy of
// `self` per evaluation) or own values built by the expression itself.
struct List {
  const Json* json = nullptr;
  std::shared_ptr<const std::vector<Value>> items;
};
struct Map {
  const Json* json = nullptr;
  std::shared_ptr<const std::vector<std::pair<Value, Value>>> entries;
};
struct Duration {
  int64_t nanos = 0;
};
struct TypeValue {
  Kind kind = Kind::kNull;
};

struct Value {
  std::variant<std::nullptr_t, bool, int64_t, uint64_t, double, std::string,
               Duration, TypeValue, List, Map>
      v;
  Kind kind() const { return static_cast<Kind>(v.index()); }
  template <typename T>
  const T& get() const { return std::get<T>(v); }
};
static_assert(std::variant_size_v<decltype(Value::v)> ==
                  static_cast<size_t>(Kind::kDyn),
              "Kind must list Value's alternatives in order");

Value Null();
Value Bool(bool b);
Value Int(int64_t i);
Value Uint(uint64_t u);
Value Double(double d);
Value String(std::string s);
Value OwnedList(std::vector<Value> items);

// Json numbers: integers are CEL int (unsigned ones beyond int64 become uint),
// floats are double. Containers are borrowed, so `json` must outlive the value.
Value FromJson(const Json& json);
Json ToJson(const Value& value);

size_t ListSize(const List& list);
Value ListAt(const List& list, size_t i);
size_t MapSize(const Map& map);
std::optional<Value> MapFind(const Map& map, const Value& key);
std::vector<Value> MapKeys(const Map& map);

// CEL equality: numbers compare by value across int/uint/double, values of
// different kinds are unequal, lists and maps compare element-wise.
bool Equal(const Value& a, const Value& b);

// Ordering of two numbers (any mix of int/uint/double), strings, bools or
// durations: <0, 0, >0; nullopt when unordered (NaN) or not comparable.
std::optional<int> Order(const Value& a, const Value& b);

// Go-style duration text ("1h30m", "1.5s", "-300ms") to nanoseconds, and
// nanoseconds to CEL's text form (seconds: "5400s", "1.5s").
absl::StatusOr<int64_t> ParseDuration(std::string_view text);
std::string FormatDuration(int64_t nanos);

struct Node;

// One signature of a function or operator. Operators are functions with
// cel-go's names: "_+_", "!_", "-_", "_[_]", "@in", ...; `args` of a member
// call (`x.f(y)`) start with the receiver.
using Impl = absl::StatusOr<Value> (*)(const Node& call,
                                       std::span<const Value> args);
struct Overload {
  std::string_view function;
  bool member;  // called as `x.f(...)` rather than `f(x, ...)`
  std::vector<Kind> params;  // kDyn accepts any kind
  Kind result;
  Impl impl;
};
const std::vector<Overload>& Overloads();

// Compiled patterns for one `matches` call site. A literal pattern is compiled
// by Compile(); a computed one is remembered here so a rule evaluated over many
// objects compiles it once.
struct RegexCache {
  std::shared_ptr<const std::regex> literal;
  std::mutex mu;
  std::string last_pattern;
  std::shared_ptr<const std::regex> last;
};

enum class NodeKind : uint8_t {
  kLiteral, kSelf, kOldSelf, kVar, kSelect, kHas, kCall, kAnd, kOr, kTernary,
  kList, kMap, kComprehension,
};
enum class Macro : uint8_t { kAll, kExists, kExistsOne, kMap, kFilter };

struct Node {
  NodeKind kind = NodeKind::kLiteral;
  size_t pos = 0;              // byte offset in the source, for messages
  Kind type = Kind::kDyn;      // static kind, kDyn when not known
  int height = 1;              // bounded so evaluation cannot exhaust the stack
  Value literal;               // kLiteral
  std::string name;            // kSelect/kHas: field; kCall: function
  int slot = 0;                // kVar, kComprehension: variable slot
  Macro macro = Macro::kAll;   // kComprehension
  // kSelect/kHas: {operand}; kCall: arguments (receiver first);
  // kAnd/kOr: {lhs, rhs}; kTernary: {cond, then, else}; kList: items;
  // kMap: {k0, v0, k1, v1, ...}; kComprehension: {range, step} or, for the
  // three-argument map, {range, filter, step}.
  std::vector<std::shared_ptr<const Node>> args;
  std::vector<const Overload*> overloads;  // kCall: statically viable ones
  std::shared_ptr<RegexCache> regex;       // kCall to matches
};

struct Parsed {
  std::shared_ptr<const Node> root;
  int num_slots = 0;
  bool uses_old_self = false;
};
absl::StatusOr<Parsed> Parse(std::string_view source);

absl::StatusOr<Value> Eval(const Node& root, int num_slots, const Json& self,
                           const Json* old_self);

}  // namespace srfleet::cel::internal
