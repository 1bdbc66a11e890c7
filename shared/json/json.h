// The one JSON tree type of srfleet. Insertion-ordered so that rendered
// objects and round-tripped user documents keep a stable, readable key order.
#pragma once

#include <nlohmann/json_fwd.hpp>

namespace srfleet {
using Json = nlohmann::ordered_json;
}  // namespace srfleet
