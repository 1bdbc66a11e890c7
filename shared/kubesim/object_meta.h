// ObjectMeta conventions of the real server: timestamps, uids, the field order
// Go's struct encoding produces, and the object shape kept in storage.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "shared/json/json.h"

namespace srfleet::kubesim {

// "2026-11-21T12:00:31Z" (RFC 3339, seconds, UTC), like metav1.Time.
std::string FormatRfc3339(std::chrono::system_clock::time_point t);

// A random (version 4) UUID from a splitmix64 state, advanced in place.
std::string NextUid(uint64_t& rng_state);
uint64_t SplitMix64(uint64_t& state);

// Reorders the object the way the real server serialises it:
//  - typed (built-in) objects: kind, apiVersion, metadata (ObjectMeta field
//    order), then the other fields as given, status last;
//  - unstructured (custom) objects: every key sorted.
void Canonicalize(Json& object, bool unstructured);

// The finalizers list (strings only).
std::vector<std::string> FinalizersOf(const Json& object);
void SetFinalizers(Json& object, const std::vector<std::string>& finalizers);

// Everything except metadata and status (what `generation` tracks).
bool SpecEqual(const Json& a, const Json& b);

// Equality that ignores managedFields timestamps, so a write whose only
// effect is a fresher timestamp counts as no change (the real server skips
// such writes and keeps the resourceVersion).
bool EqualIgnoringManagedFieldTimes(const Json& a, const Json& b);

}  // namespace srfleet::kubesim
