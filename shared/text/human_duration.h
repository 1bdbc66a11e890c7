// k8s.io/apimachinery/pkg/util/duration.HumanDuration, shared by kubesim's
// Table AGE columns and the srfleet CLI: ~2-3 significant figures, e.g. 45s,
// 5m12s, 15m, 3h, 7h5m, 30h, 2d4h, 10d, 2y40d, 9y. Up to 1 s in the future
// is "0s" (clock skew); more is "<invalid>".
#pragma once

#include <cstdint>
#include <string>

namespace srfleet::text {

std::string HumanDuration(int64_t seconds);

}  // namespace srfleet::text
