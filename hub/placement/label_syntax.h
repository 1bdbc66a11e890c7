// Kubernetes label key and value syntax (apimachinery's IsQualifiedName and
// IsValidLabelValue), shared by the selector parser, placement validation and
// the CLI's --label flags.
#pragma once

#include <string>
#include <string_view>

namespace srfleet::hub {

// "" when `key` is a qualified name: an optional DNS-subdomain prefix and "/",
// then a name of 1..63 characters [A-Za-z0-9._-] with an alphanumeric
// character at both ends. Otherwise the problem, written for a person.
std::string LabelKeyProblem(std::string_view key);

// "" when `value` is a label value: empty, or 1..63 characters [A-Za-z0-9._-]
// with an alphanumeric character at both ends.
std::string LabelValueProblem(std::string_view value);

}  // namespace srfleet::hub
