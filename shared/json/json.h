// The one JSON tree type of srfleet. Insertion-ordered so that rendered
// objects and round-tripped user documents keep a stable, readable key order.
// (Most users hold it by value, so the full header is needed here.)
#pragma once

#include <nlohmann/json.hpp>

namespace srfleet {
using Json = nlohmann::ordered_json;
}  // namespace srfleet
