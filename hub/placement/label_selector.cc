// ValidatePlacement, Matches and FormatSelector (ParseSelector lives in
// selector_parser.cc).
#include "hub/placement/label_selector.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/placement/label_syntax.h"

namespace srfleet::hub {
namespace {

bool IsSetOperator(const std::string& op) { return op == "In" || op == "NotIn"; }
bool IsExistenceOperator(const std::string& op) { return op == "Exists" || op == "DoesNotExist"; }

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

bool ExpressionMatches(const fleet::v1::SelectorRequirement& e, const Labels& labels) {
  auto it = labels.find(e.key());
  bool present = it != labels.end();
  const std::string& op = e.operator_();
  if (op == "In") return present && Contains(e.values(), it->second);
  if (op == "NotIn") return !present || !Contains(e.values(), it->second);
  if (op == "Exists") return present;
  if (op == "DoesNotExist") return !present;
  return false;  // unknown operator: never silently select clusters
}

// Sorted, deduplicated: the values are a set.
std::vector<std::string> SortedValues(const fleet::v1::SelectorRequirement& e) {
  std::vector<std::string> v(e.values().begin(), e.values().end());
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string FormatExpression(const fleet::v1::SelectorRequirement& e) {
  const std::string& op = e.operator_();
  if (op == "Exists") return e.key();
  if (op == "DoesNotExist") return absl::StrCat("!", e.key());
  std::vector<std::string> values = SortedValues(e);
  if (op == "NotIn" && values.size() == 1) return absl::StrCat(e.key(), "!=", values[0]);
  if (op == "In" || op == "NotIn") {
    return absl::StrCat(e.key(), op == "NotIn" ? " notin (" : " in (", absl::StrJoin(values, ","), ")");
  }
  // An invalid placement formats as text that does not parse, rather than as
  // a different valid selector.
  return absl::StrCat(e.key(), " ", op, " (", absl::StrJoin(values, ","), ")");
}

}  // namespace

absl::Status ValidatePlacement(const fleet::v1::Placement& placement) {
  std::vector<std::string> problems;
  std::vector<std::pair<std::string, std::string>> labels(placement.match_labels().begin(),
                                                          placement.match_labels().end());
  std::sort(labels.begin(), labels.end());  // deterministic messages
  for (const auto& [key, value] : labels) {
    if (std::string p = LabelKeyProblem(key); !p.empty()) {
      problems.push_back(absl::StrCat("placement.matchLabels: invalid key \"", key, "\": ", p));
    }
    if (std::string p = LabelValueProblem(value); !p.empty()) {
      problems.push_back(absl::StrCat("placement.matchLabels[", key, "]: invalid value \"", value, "\": ", p));
    }
  }
  for (int i = 0; i < placement.match_expressions_size(); ++i) {
    const auto& e = placement.match_expressions(i);
    std::string path = absl::StrCat("placement.matchExpressions[", i, "]");
    if (e.key().empty()) {
      problems.push_back(absl::StrCat(path, ".key: required"));
    } else if (std::string p = LabelKeyProblem(e.key()); !p.empty()) {
      problems.push_back(absl::StrCat(path, ".key: invalid key \"", e.key(), "\": ", p));
    }
    const std::string& op = e.operator_();
    if (op.empty()) {
      problems.push_back(absl::StrCat(path, ".operator: required (In, NotIn, Exists or DoesNotExist)"));
    } else if (IsSetOperator(op)) {
      if (e.values().empty()) problems.push_back(absl::StrCat(path, ".values: required for operator ", op));
    } else if (IsExistenceOperator(op)) {
      if (!e.values().empty()) problems.push_back(absl::StrCat(path, ".values: must be empty for operator ", op));
    } else {
      problems.push_back(
          absl::StrCat(path, ".operator: must be In, NotIn, Exists or DoesNotExist, got \"", op, "\""));
    }
    for (int j = 0; j < e.values_size(); ++j) {
      if (std::string p = LabelValueProblem(e.values(j)); !p.empty()) {
        problems.push_back(absl::StrCat(path, ".values[", j, "]: invalid value \"", e.values(j), "\": ", p));
      }
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

bool Matches(const fleet::v1::Placement& placement, const Labels& labels) {
  for (const auto& [key, value] : placement.match_labels()) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const auto& e : placement.match_expressions()) {
    if (!ExpressionMatches(e, labels)) return false;
  }
  return true;
}

std::string FormatSelector(const fleet::v1::Placement& placement) {
  std::vector<std::string> parts;
  std::vector<std::pair<std::string, std::string>> labels(placement.match_labels().begin(),
                                                          placement.match_labels().end());
  std::sort(labels.begin(), labels.end());
  for (const auto& [key, value] : labels) parts.push_back(absl::StrCat(key, "=", value));

  std::vector<const fleet::v1::SelectorRequirement*> exprs;
  for (const auto& e : placement.match_expressions()) exprs.push_back(&e);
  // By key; ties by operator then values, so equal placements format equally.
  std::stable_sort(exprs.begin(), exprs.end(), [](const auto* a, const auto* b) {
    return std::forward_as_tuple(a->key(), a->operator_()) < std::forward_as_tuple(b->key(), b->operator_()) ||
           (a->key() == b->key() && a->operator_() == b->operator_() && SortedValues(*a) < SortedValues(*b));
  });
  for (const auto* e : exprs) parts.push_back(FormatExpression(*e));
  return absl::StrJoin(parts, ",");
}

}  // namespace srfleet::hub
