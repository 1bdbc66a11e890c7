// A validation problem pinned to a field, in the API server's vocabulary.
#pragma once

#include <string>
#include <vector>

namespace srfleet::schema {

struct FieldError {
  enum class Kind {
    kRequired,      // a required field is missing
    kInvalid,       // the value breaks a rule (range, pattern, CEL, ...)
    kNotSupported,  // the value is not one of an enum
    kTypeInvalid,   // wrong JSON type
    kUnknownField,  // strict decoding: field not declared in schema
    kDuplicate,     // duplicate key in a list-type map/set
    kTooLong,       // string/list/map exceeds its maximum
  };
  Kind kind = Kind::kInvalid;
  std::string path;    // e.g. spec.vllmEndpoints[1].backend.inferenceServiceName
  std::string detail;  // the reason, written for a person

  std::string ToString() const { return path.empty() ? detail : path + ": " + detail; }
  bool operator==(const FieldError& o) const { return kind == o.kind && path == o.path && detail == o.detail; }
};

using FieldErrors = std::vector<FieldError>;

// Joins errors one per line, for a Status message or stderr.
std::string JoinFieldErrors(const FieldErrors& errors);

// Field path builders: "a" + "b" -> "a.b", index -> "a[3]", map key -> "a[key]".
std::string ChildPath(const std::string& parent, const std::string& field);
std::string IndexPath(const std::string& parent, size_t index);
std::string KeyPath(const std::string& parent, const std::string& key);

}  // namespace srfleet::schema
