// Deciding whether a desired object needs applying, without writing.
//
// The live object carries what the API server and other controllers added
// (defaults, status, managedFields, a `kubectl rollout restart` annotation,
// HPA-set replicas when the agent leaves replicas out). None of that is ours,
// so the test is "every field of desired already has this value in live":
// lists are compared element by element, by index, with the same subset rule
// (server-defaulted fields inside a container don't count), but their
// lengths must match (a removed sidecar or port must be noticed).
//
// Removing a map key from desired (a dropped pod annotation, replicas left
// to the HPA) is invisible to a subset test, so each applied object also
// carries a hash of its desired form: any change of desired changes the
// annotation, which the subset test sees.
#pragma once

#include <string>

#include "shared/json/json.h"

namespace srfleet::agent {

inline constexpr char kDesiredHashAnnotation[] = "srfleet.vllm.ai/desired-hash";

// True when every field of `desired` is present in `live` with an equal value
// (quantities such as "1024Mi" and "1Gi" compare by value). A field absent in
// live equals an empty desired value ("", {}, [] or null).
bool IsSubsetOf(const Json& desired, const Json& live);

// Deep equality that ignores object key order (servers may reorder keys;
// ordered_json's operator== does not).
bool JsonEquivalent(const Json& a, const Json& b);

// A stable 64-bit FNV-1a of the object's serialisation, as 16 hex digits.
std::string StableHash(const Json& object);

// Adds kDesiredHashAnnotation (hash of `object` as it is now).
void StampDesiredHash(Json& object);

}  // namespace srfleet::agent
