#include "shared/schema/cel/cel.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "shared/schema/cel/cel_internal.h"

namespace srfleet::cel {

absl::StatusOr<Program> Program::Compile(std::string_view expression) {
  // The parser reports errors as statuses; this only guards allocation and
  // library failures so that nothing escapes the module.
  try {
    absl::StatusOr<internal::Parsed> parsed = internal::Parse(expression);
    if (!parsed.ok()) return parsed.status();
    Program program;
    program.source_ = std::string(expression);
    program.root_ = std::move(parsed->root);
    program.num_slots_ = parsed->num_slots;
    program.uses_old_self_ = parsed->uses_old_self;
    return program;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("CEL compile failed: ", e.what()));
  }
}

absl::StatusOr<Json> Program::Evaluate(const Json& self,
                                       const Json* old_self) const {
  if (root_ == nullptr) return absl::FailedPreconditionError("empty CEL program");
  if (uses_old_self_ && old_self == nullptr) {
    return absl::InvalidArgumentError(
        "oldSelf is not available: the rule is a transition rule and there is "
        "no old object");
  }
  try {
    absl::StatusOr<internal::Value> value =
        internal::Eval(*root_, num_slots_, self, old_self);
    if (!value.ok()) return value.status();
    return internal::ToJson(*value);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("CEL evaluation failed: ", e.what()));
  }
}

absl::StatusOr<bool> Program::EvaluateBool(const Json& self,
                                           const Json* old_self) const {
  absl::StatusOr<Json> result = Evaluate(self, old_self);
  if (!result.ok()) return result.status();
  if (!result->is_boolean()) {
    // Name the CEL type rather than the Json one.
    const char* type = result->is_number_float() ? "double"
                       : result->is_number()     ? "int"
                       : result->is_string()     ? "string"
                       : result->is_array()      ? "list"
                       : result->is_object()     ? "map"
                                                 : "null";
    return absl::InvalidArgumentError(
        absl::StrCat("rule must evaluate to bool, got ", type));
  }
  return result->get<bool>();
}

}  // namespace srfleet::cel
