#include "shared/kubesim/handler_support.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/json/yaml_codec.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {
namespace {

// Field selectors the real server supports beyond metadata.name/namespace.
std::vector<std::string> ExtraSelectableFields(const ResourceType& t) {
  if (!t.group.empty()) return {};
  if (t.resource == "secrets") return {"type"};
  if (t.resource == "namespaces") return {"status.phase"};
  if (t.resource == "events") {
    return {"involvedObject.kind",      "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
            "reportingComponent",       "source",                   "type"};
  }
  return {};
}

}  // namespace

absl::StatusOr<Selectors> ParseSelectors(const RequestContext& ctx) {
  Selectors s;
  auto labels = LabelSelector::Parse(ctx.info.Query("labelSelector"));
  if (!labels.ok()) return labels.status();
  s.labels = std::move(*labels);
  std::string field_text = ctx.info.Query("fieldSelector");
  if (!ctx.info.name.empty()) {
    // A watch on a named object is a watch with metadata.name=<name>.
    field_text = field_text.empty() ? "metadata.name=" + ctx.info.name
                                    : field_text + ",metadata.name=" + ctx.info.name;
  }
  auto fields = FieldSelector::Parse(field_text, ctx.type->unstructured, ExtraSelectableFields(*ctx.type));
  if (!fields.ok()) return fields.status();
  s.fields = std::move(*fields);
  return s;
}

bool ParseRv(const std::string& text, int64_t* rv) { return absl::SimpleAtoi(text, rv) && *rv >= 0; }

absl::Status InvalidRv(const std::string& text) {
  return BadRequestError(absl::StrCat("invalid resource version: ", text));
}

std::string MediaType(const ApiRequest& request) {
  std::string ct = request.Header("content-type");
  if (auto semi = ct.find(';'); semi != std::string::npos) ct = ct.substr(0, semi);
  return absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(ct)));
}

absl::StatusOr<Json> ParseJsonBody(const std::string& body) {
  try {
    return Json::parse(body);
  } catch (const std::exception& e) {
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    return BadRequestError("couldn't get version/kind; json parse error: " + what);
  }
}

absl::StatusOr<Json> ParseObjectBody(const ApiRequest& request) {
  std::string media = MediaType(request);
  if (media.find("yaml") != std::string::npos) {
    auto doc = ParseYaml(request.body);
    if (!doc.ok()) return BadRequestError(absl::StrCat("error converting YAML to JSON: ", doc.status().message()));
    return *doc;
  }
  return ParseJsonBody(request.body);
}

absl::Status CheckTypeMeta(const RequestContext& ctx, const Json& body) {
  if (!body.is_object()) return BadRequestError("the body of the request was not a JSON object");
  const ResourceType& t = *ctx.type;
  std::string api_version = ChildString(body, "apiVersion");
  std::string kind = ChildString(body, "kind");
  if (!api_version.empty() && api_version != ctx.api_version) {
    bool other_served = false;
    for (const auto& v : t.versions) other_served |= api_version == t.ApiVersion(v);
    if (!other_served || !t.unstructured) {
      return BadRequestError(absl::StrCat("the API version in the data (", api_version,
                                          ") does not match the expected API version (", ctx.api_version, ")"));
    }
  }
  if (!kind.empty() && kind != t.kind) {
    return BadRequestError(absl::StrCat(kind, " in version \"", ctx.version, "\" cannot be handled as a ", t.kind,
                                        ": the kind in the data does not match the expected kind"));
  }
  return absl::OkStatus();
}

WriteSpec SpecFor(const RequestContext& ctx) {
  WriteSpec spec;
  spec.type_id = ctx.type_id;
  spec.type = ctx.type;
  spec.version = ctx.version;
  spec.ns = ctx.type->namespaced ? ctx.info.ns : "";
  spec.name = ctx.info.name;
  spec.status_subresource = ctx.info.subresource == "status";
  spec.manager = ctx.manager;
  std::string fv = ctx.info.Query("fieldValidation");
  spec.field_validation = fv == "Strict" || fv == "Ignore" ? fv : "Warn";
  spec.dry_run = ctx.dry_run;
  return spec;
}

std::string ResponseVersion(const RequestContext& ctx) {
  return ctx.api_version == ctx.type->StorageApiVersion() ? "" : ctx.api_version;
}

HandleResult Respond(int status, const RequestContext& ctx, const WriteResult& w) {
  HandleResult r;
  r.response = JsonResponse(status, w.object.Serialize(ResponseVersion(ctx)), w.warnings);
  return r;
}

const StoredObject* LiveObject(ClusterCore& core, const RequestContext& ctx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  return core.Find(ctx.type_id, ctx.type->namespaced ? ctx.info.ns : "", ctx.info.name);
}

ApiResponse JsonResponse(int status, const std::string& body_json, const std::vector<std::string>& warnings) {
  ApiResponse r;
  r.status = status;
  r.headers = {{"Cache-Control", "no-cache, private"}, {"Content-Type", "application/json"}};
  for (const auto& w : warnings) r.headers.emplace_back("Warning", absl::StrCat("299 - ", WireDump(Json(w))));
  r.body = body_json + "\n";
  return r;
}

}  // namespace srfleet::kubesim
