#include "hub/cli/proto_output.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/cli/exit_codes.h"
#include "shared/json/yaml_codec.h"

namespace srfleet::cli {

absl::StatusOr<Json> ProtoToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // scripts can rely on every field being there
  std::string text;
  auto status = google::protobuf::util::MessageToJsonString(message, &text, options);
  if (!status.ok()) return absl::InternalError(absl::StrCat("cannot print as JSON: ", status.ToString()));
  // Re-parsed for kubectl's two-space layout; nlohmann never throws here
  // with allow_exceptions = false, it yields a discarded value instead.
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return absl::InternalError("cannot print as JSON: protobuf produced invalid JSON");
  return json;
}

int PrintProto(const google::protobuf::Message& message, const std::string& format, std::ostream& out,
               std::ostream& err) {
  absl::StatusOr<Json> json = ProtoToJson(message);
  if (!json.ok()) {
    err << "error: " << json.status().message() << "\n";
    return kInvalidInput;
  }
  if (format == "yaml") {
    out << ToYaml(*json);
  } else {
    out << json->dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  }
  return kOk;
}

bool CheckOutputFormat(const std::string& output, std::initializer_list<const char*> allowed, std::ostream& err) {
  std::vector<std::string> names;
  for (const char* a : allowed) {
    if (output == a) return true;
    if (*a != '\0') names.push_back(a);
  }
  err << "error: -o must be one of " << absl::StrJoin(names, ", ") << ", got \"" << output << "\"\n";
  return false;
}

}  // namespace srfleet::cli
