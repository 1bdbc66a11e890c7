// -o json / -o yaml for Fleet messages: protobuf's JSON mapping (lowerCamel
// field names, every field printed, int64 as strings, bytes as base64),
// indented like kubectl; YAML through the project's codec.
#pragma once

#include <iosfwd>
#include <string>

#include "absl/status/statusor.h"
#include "shared/json/json.h"

namespace google::protobuf {
class Message;
}

namespace srfleet::cli {

absl::StatusOr<Json> ProtoToJson(const google::protobuf::Message& message);

// Prints `message` as "json" or "yaml"; returns an exit code.
int PrintProto(const google::protobuf::Message& message, const std::string& format, std::ostream& out,
               std::ostream& err);

// Checks an -o value against `allowed` (e.g. {"", "wide", "json", "yaml", "name"});
// on failure writes the usage error and returns false.
bool CheckOutputFormat(const std::string& output, std::initializer_list<const char*> allowed, std::ostream& err);

}  // namespace srfleet::cli
