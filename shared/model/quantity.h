// Kubernetes resource quantities ("500m", "4Gi", "1e3") as numbers, for the
// comparisons validation needs (requests <= limits, sizes > 0).
#pragma once

#include <optional>
#include <string>

namespace srfleet::model {

// The quantity's value in base units (cores, bytes), or nullopt if malformed.
std::optional<double> ParseQuantity(const std::string& text);

}  // namespace srfleet::model
