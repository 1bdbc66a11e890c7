// Kubernetes name syntax (k8s.io/apimachinery/pkg/util/validation), by hand
// rather than std::regex, which costs microseconds per name. Length limits
// are the caller's: the API server reports them as a separate problem.
#pragma once

#include <cstddef>
#include <string_view>

namespace srfleet::text {

inline constexpr size_t kMaxDnsLabelLength = 63;

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool IsDns1123Label(std::string_view v);
// DNS-1123 labels joined by dots.
bool IsDns1123Subdomain(std::string_view v);
// [a-z]([-a-z0-9]*[a-z0-9])?
bool IsDns1035Label(std::string_view v);

}  // namespace srfleet::text
