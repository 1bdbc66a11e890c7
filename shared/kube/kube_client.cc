// KubeClient: construction and the object verbs (get, list, create, update,
// apply, patch, delete).
#include "shared/kube/kube_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "shared/kube/kube_client_impl.h"
#include "shared/kube/url.h"

namespace srfleet::kube {
namespace {

constexpr char kJson[] = "application/json";
constexpr char kApplyPatch[] = "application/apply-patch+yaml";
constexpr char kMergePatch[] = "application/merge-patch+json";

std::string MetadataString(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto md = object.find("metadata");
  if (md == object.end() || !md->is_object()) return "";
  auto it = md->find(key);
  return it != md->end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The ref of an object being written: name and namespace default to the
// object's own.
ResourceRef ResolveRef(const ResourceRef& ref, const Json& object) {
  ResourceRef r = ref;
  if (r.name.empty()) r.name = MetadataString(object, "name");
  if (r.ns.empty()) r.ns = MetadataString(object, "namespace");
  return r;
}

void AddWriteParams(Query& query, const std::string& field_manager, bool dry_run) {
  query.AddIfSet("fieldManager", field_manager);
  if (dry_run) query.Add("dryRun", "All");
}

// List items come without apiVersion/kind; restore them from the list.
void FillItemTypes(ObjectList& list) {
  std::string kind = list.kind;
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) kind.resize(kind.size() - 4);
  for (Json& item : list.items) {
    if (!item.is_object()) continue;
    if (!item.contains("apiVersion") && !list.api_version.empty()) item["apiVersion"] = list.api_version;
    if (!item.contains("kind") && !kind.empty()) item["kind"] = kind;
  }
}

}  // namespace

KubeClient::KubeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KubeClient::~KubeClient() = default;

absl::StatusOr<std::unique_ptr<KubeClient>> KubeClient::New(const RestConfig& config, ClientOptions options) {
  std::shared_ptr<HttpTransport> transport = options.transport_override;
  if (!transport) {
    absl::StatusOr<std::unique_ptr<HttpTransport>> made = MakeHttpTransport(config, options.transport);
    if (!made.ok()) return made.status();
    transport = *std::move(made);
  }
  return std::make_unique<KubeClient>(std::make_unique<Impl>(config, std::move(options), std::move(transport)));
}

const RestConfig& KubeClient::config() const { return impl_->config; }

TransportStats KubeClient::transport_stats() const { return impl_->transport->stats(); }

absl::StatusOr<Json> KubeClient::Get(const ResourceRef& ref) {
  if (absl::Status s = ref.Validate(/*need_name=*/true); !s.ok()) return s;
  return impl_->ExecuteJson({"get", "GET", ref.Path(), ref.ResourceLabel(), "", "", true});
}

absl::StatusOr<ObjectList> KubeClient::List(const ResourceRef& ref, const ListOptions& options) {
  if (absl::Status s = ref.Validate(/*need_name=*/false); !s.ok()) return s;
  Query query;
  query.AddIfSet("labelSelector", options.label_selector);
  query.AddIfSet("fieldSelector", options.field_selector);
  if (options.limit > 0) query.Add("limit", absl::StrCat(options.limit));
  query.AddIfSet("continue", options.continue_token);
  query.AddIfSet("resourceVersion", options.resource_version);
  query.AddIfSet("resourceVersionMatch", options.resource_version_match);
  const ResourceRef collection = ref.WithName("").WithSubresource("");
  absl::StatusOr<Json> body =
      impl_->ExecuteJson({"list", "GET", collection.CollectionPath() + query.Encode(), ref.resource, "", "", true});
  if (!body.ok()) return body.status();

  ObjectList list;
  if (auto it = body->find("apiVersion"); it != body->end() && it->is_string()) list.api_version = *it;
  if (auto it = body->find("kind"); it != body->end() && it->is_string()) list.kind = *it;
  if (auto md = body->find("metadata"); md != body->end() && md->is_object()) {
    if (auto it = md->find("resourceVersion"); it != md->end() && it->is_string()) list.resource_version = *it;
    if (auto it = md->find("continue"); it != md->end() && it->is_string()) list.continue_token = *it;
    if (auto it = md->find("remainingItemCount"); it != md->end() && it->is_number_integer()) {
      list.remaining_item_count = it->get<int64_t>();
    }
  }
  if (auto items = body->find("items"); items != body->end() && items->is_array()) {
    list.items.reserve(items->size());
    for (Json& item : *items) list.items.push_back(std::move(item));
  }
  FillItemTypes(list);
  return list;
}

absl::StatusOr<ObjectList> KubeClient::ListAll(const ResourceRef& ref, ListOptions options) {
  ObjectList all;
  bool first = true;
  bool restarted = false;
  options.continue_token.clear();
  while (true) {
    absl::StatusOr<ObjectList> page = List(ref, options);
    if (!page.ok()) {
      // The snapshot behind the continue token was compacted away: start
      // over once, in one unpaged request, so it cannot expire again.
      if (kube::IsGone(page.status()) && !options.continue_token.empty() && !restarted) {
        restarted = true;
        first = true;
        all = ObjectList();
        options.continue_token.clear();
        options.limit = 0;
        continue;
      }
      return page.status();
    }
    if (first) {
      all.api_version = page->api_version;
      all.kind = page->kind;
      all.resource_version = page->resource_version;
      first = false;
    }
    for (Json& item : page->items) all.items.push_back(std::move(item));
    if (page->continue_token.empty()) break;
    options.continue_token = page->continue_token;
    // The server refuses resourceVersion together with continue.
    options.resource_version.clear();
    options.resource_version_match.clear();
  }
  return all;
}

absl::StatusOr<Json> KubeClient::Create(const ResourceRef& ref, const Json& object, const WriteOptions& options) {
  ResourceRef target = ResolveRef(ref, object).WithName("").WithSubresource("");
  if (absl::Status s = target.Validate(false); !s.ok()) return s;
  Query query;
  AddWriteParams(query, options.field_manager, options.dry_run);
  return impl_->ExecuteJson(
      {"create", "POST", target.CollectionPath() + query.Encode(), ref.resource, object.dump(), kJson, false});
}

absl::StatusOr<Json> KubeClient::Update(const ResourceRef& ref, const Json& object, const WriteOptions& options) {
  ResourceRef target = ResolveRef(ref, object);
  if (absl::Status s = target.Validate(true); !s.ok()) return s;
  Query query;
  AddWriteParams(query, options.field_manager, options.dry_run);
  return impl_->ExecuteJson(
      {"update", "PUT", target.Path() + query.Encode(), target.ResourceLabel(), object.dump(), kJson, false});
}

absl::StatusOr<Json> KubeClient::UpdateStatus(const ResourceRef& ref, const Json& object,
                                              const WriteOptions& options) {
  return Update(ref.WithSubresource("status"), object, options);
}

absl::StatusOr<Json> KubeClient::Apply(const ResourceRef& ref, const Json& object, const ApplyOptions& options) {
  ResourceRef target = ResolveRef(ref, object);
  if (absl::Status s = target.Validate(true); !s.ok()) return s;
  Query query;
  AddWriteParams(query, options.field_manager.empty() ? impl_->config.user_agent : options.field_manager,
                 options.dry_run);
  if (options.force) query.Add("force", "true");
  // JSON is valid YAML, and the server parses it exactly.
  return impl_->ExecuteJson(
      {"apply", "PATCH", target.Path() + query.Encode(), target.ResourceLabel(), object.dump(), kApplyPatch, true});
}

absl::StatusOr<Json> KubeClient::ApplyStatus(const ResourceRef& ref, const Json& object,
                                             const ApplyOptions& options) {
  return Apply(ref.WithSubresource("status"), object, options);
}

absl::StatusOr<Json> KubeClient::MergePatch(const ResourceRef& ref, const Json& patch, const WriteOptions& options) {
  if (absl::Status s = ref.Validate(true); !s.ok()) return s;
  Query query;
  AddWriteParams(query, options.field_manager, options.dry_run);
  return impl_->ExecuteJson(
      {"patch", "PATCH", ref.Path() + query.Encode(), ref.ResourceLabel(), patch.dump(), kMergePatch, false});
}

absl::StatusOr<Json> KubeClient::MergePatchStatus(const ResourceRef& ref, const Json& patch,
                                                  const WriteOptions& options) {
  return MergePatch(ref.WithSubresource("status"), patch, options);
}

absl::StatusOr<Json> KubeClient::Delete(const ResourceRef& ref, const DeleteOptions& options) {
  if (absl::Status s = ref.Validate(true); !s.ok()) return s;
  Json body = Json::object();
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.grace_period_seconds.has_value()) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  std::string payload;
  if (!body.empty()) {
    Json full = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
    full.update(body);
    payload = full.dump();
  }
  Query query;
  if (options.dry_run) query.Add("dryRun", "All");
  return impl_->ExecuteJson({"delete", "DELETE", ref.Path() + query.Encode(), ref.ResourceLabel(), payload,
                             payload.empty() ? "" : kJson, false});
}

absl::StatusOr<Json> KubeClient::GetPath(const std::string& path) {
  return impl_->ExecuteJson({"get", "GET", path, "", "", "", true});
}

}  // namespace srfleet::kube
