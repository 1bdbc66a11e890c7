// Placement: which clusters an intent goes to, as a Kubernetes label selector
// over a cluster's labels and claims (claims are keyed srfleet.io/<name>).
//
// The text form is kubectl's (`kubectl get -l`), so what users already know
// works: "env=prod,tier in (a,b),!gpu,region,zone notin (x),k!=v,k==v".
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fleet/v1/types.pb.h"

namespace srfleet::hub {

using Labels = std::map<std::string, std::string>;

// kubectl label-selector syntax: "env=prod,tier in (a,b),!gpu,region,zone notin (x),k!=v,k==v". "" = every cluster.
// InvalidArgument naming the position and the problem, e.g. `selector "env in (a": missing ")" at column 10`.
// `k=v`/`k==v` become matchLabels (a second, different value for the same key
// becomes `k in (v2)`, keeping the AND semantics); `k!=v` NotIn [v];
// `k in (...)` In; `k notin (...)` NotIn; `k` Exists; `!k` DoesNotExist.
// As in kubectl, `k in ()` means the one value "". Keys and values are
// checked as ValidatePlacement does, so a parsed placement is always valid.
absl::StatusOr<fleet::v1::Placement> ParseSelector(std::string_view text);

// Operators In, NotIn, Exists, DoesNotExist; In/NotIn need >= 1 value, Exists/DoesNotExist none; keys are
// qualified names (optional DNS-subdomain prefix + "/" + name of <= 63 chars [A-Za-z0-9._-], alnum at both ends),
// values label values. InvalidArgument naming the field: "placement.matchExpressions[1].values: required for operator In".
// Every problem is reported, separated by "; ".
absl::Status ValidatePlacement(const fleet::v1::Placement& placement);

// Kubernetes semantics (NotIn and DoesNotExist match when the key is absent). Empty placement matches everything.
// An expression with an unknown operator matches nothing.
bool Matches(const fleet::v1::Placement& placement, const Labels& labels);

// Canonical text: matchLabels sorted as k=v, then expressions sorted by key (values sorted); "" for empty.
// ParseSelector(FormatSelector(p)) yields an equivalent placement (the hub stores this text).
// A one-value NotIn is written `k!=v`, In always `k in (...)`.
std::string FormatSelector(const fleet::v1::Placement& placement);

}  // namespace srfleet::hub
