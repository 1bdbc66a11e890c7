// Exception-free access to JSON trees of unknown shape (request bodies are
// untrusted: nlohmann's operator[] on a const value of the wrong type is
// undefined behaviour and .value() throws), plus the wire encoding the real
// API server uses.
#pragma once

#include <cstddef>
#include <string>

#include "shared/json/json.h"

namespace srfleet::kubesim {

// The member `key` of `v`, or nullptr when `v` is not an object or lacks it.
const Json* Child(const Json& v, const std::string& key);
Json* MutableChild(Json& v, const std::string& key);
// The string member `key`, or "" when absent or not a string.
std::string ChildString(const Json& v, const std::string& key);
// Object member `key` of `v`, created (as {}) when absent or not an object.
// `v` is turned into an object first if it is not one.
Json& EnsureObject(Json& v, const std::string& key);

// metadata.<key> as a string ("" when absent).
std::string MetaString(const Json& object, const std::string& key);
const Json* Meta(const Json& object);
Json& MutableMeta(Json& object);

// Compact JSON exactly as Go's encoding/json writes it: no spaces, `<`, `>`
// and `&` escaped as \u003c/\u003e/\u0026, invalid UTF-8 replaced. Never
// throws. No trailing newline.
std::string WireDump(const Json& v);

// A copy with every object's keys sorted, as Go serialises map[string]any
// (custom resources are stored unstructured, so the real server answers with
// sorted keys).
Json SortedKeys(const Json& v);

// Heap bytes held by `v` (nodes, vectors, strings), for memory accounting.
size_t ApproximateJsonBytes(const Json& v);

// Deep equality that also treats 1 and 1.0 as equal (JSON numbers).
bool JsonEqual(const Json& a, const Json& b);

}  // namespace srfleet::kubesim
