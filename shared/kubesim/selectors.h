// Label and field selectors with the grammar and semantics of
// k8s.io/apimachinery/pkg/labels and pkg/fields.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"

namespace srfleet::kubesim {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist, kGreaterThan, kLessThan };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;
  };

  // Parses "a=b,c!=d,e in (x,y),f notin (z),g,!h,n>3". Errors are wire
  // errors (400 BadRequest).
  static absl::StatusOr<LabelSelector> Parse(const std::string& text);
  // metav1.LabelSelector {matchLabels, matchExpressions}; an empty selector
  // matches everything.
  static absl::StatusOr<LabelSelector> FromLabelSelectorJson(const Json& selector);

  bool Matches(const Json& object) const;  // uses metadata.labels
  bool MatchesLabels(const Json* labels) const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
};

class FieldSelector {
 public:
  struct Term {
    std::string field;
    std::string value;
    bool negated = false;
  };
  // Supported fields: metadata.name, metadata.namespace (plus whatever the
  // caller allows through `extra_fields`). `custom_resource` picks the
  // real server's error wording for unsupported fields.
  static absl::StatusOr<FieldSelector> Parse(const std::string& text, bool custom_resource,
                                             const std::vector<std::string>& extra_fields = {});
  bool Matches(const Json& object) const;
  bool empty() const { return terms_.empty(); }

 private:
  std::vector<Term> terms_;
};

}  // namespace srfleet::kubesim
