// YAML <-> Json, with Kubernetes' (sigs.k8s.io/yaml, YAML 1.1) scalar rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"

namespace srfleet {

// Parses every document of a YAML (or JSON) stream. Empty documents are
// skipped. Errors name the line and column and the reason; duplicate mapping
// keys are an error, as with kubectl's strict decoding.
absl::StatusOr<std::vector<Json>> ParseYamlDocuments(std::string_view text);

// Parses exactly one document.
absl::StatusOr<Json> ParseYaml(std::string_view text);

// Emits block-style YAML in kubectl's layout: two-space indent, sequences at
// their parent's indent, strings quoted only when a plain scalar would be read
// back as something else, multi-line strings as literal blocks. Deterministic.
std::string ToYaml(const Json& value);

// Documents separated by "---\n", like `helm template`.
std::string ToYamlDocuments(const std::vector<Json>& documents);

// True when `s` would be read back by a YAML 1.1 parser as a non-string
// (null, bool, number) if written unquoted.
bool ResolvesToNonString(std::string_view s);

}  // namespace srfleet
