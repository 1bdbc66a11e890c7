// A small interpreter for the subset of CEL (Common Expression Language) that
// Kubernetes CRD authors write in `x-kubernetes-validations` rules.
//
// Supported: int/uint/double/string/bool/null literals, lists and maps,
// `self` and `oldSelf`, field selection and indexing, all CEL operators with
// CEL precedence and error semantics (commutative `&&`/`||`, checked int
// arithmetic, heterogeneous numeric equality), the `has()` macro, the
// comprehension macros `all`, `exists`, `exists_one`, `map` and `filter`, the
// standard string/size/conversion functions, `duration()` and the Kubernetes
// string extensions `lowerAscii`, `upperAscii`, `trim`, `split` and `join`.
// Field names use Kubernetes' escaping (`__dash__`, `__dot__`, `__slash__`,
// `__underscores__`, `__namespace__`, ...).
//
// Not supported: timestamps, bytes, protobuf messages, optionals, schema-aware
// type checking (objects are untyped maps) and a cost budget.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "shared/json/json.h"

namespace srfleet::cel {

namespace internal {
struct Node;
}  // namespace internal

// A compiled expression. Immutable and cheap to copy; safe to evaluate from
// several threads at once.
class Program {
 public:
  // An empty program, so that Program can sit in aggregates; evaluating it is
  // an error. Use Compile() to get a real one.
  Program() = default;

  // Parses and checks an expression. Syntax errors, undeclared identifiers,
  // unknown functions, operator misuse between literal types (`1 + 'a'`) and
  // invalid regex literals are reported here with line and column.
  static absl::StatusOr<Program> Compile(std::string_view expression);

  // Evaluates with `self` bound, and `oldSelf` when `old_self` is given; a
  // program that references oldSelf fails without it. Returns the result
  // (rules produce bool, messageExpression produces string). Never throws.
  absl::StatusOr<Json> Evaluate(const Json& self,
                                const Json* old_self = nullptr) const;

  // For validation rules: also an error when the result is not a bool.
  absl::StatusOr<bool> EvaluateBool(const Json& self,
                                    const Json* old_self = nullptr) const;

  const std::string& source() const { return source_; }

  // True when the expression mentions oldSelf, i.e. it is a transition rule
  // that Kubernetes only evaluates on update.
  bool uses_old_self() const { return uses_old_self_; }

 private:
  std::string source_;
  std::shared_ptr<const internal::Node> root_;
  int num_slots_ = 0;  // comprehension variables live in slots by nesting depth
  bool uses_old_self_ = false;
};

}  // namespace srfleet::cel
