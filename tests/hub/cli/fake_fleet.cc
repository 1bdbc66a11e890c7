#include "tests/hub/cli/fake_fleet.h"

#include <algorithm>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hub/placement/label_selector.h"
#include "shared/json/json.h"

namespace srfleet::cli::testing {
namespace {

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

std::string FullId(const std::string& id) { return id.find('/') == std::string::npos ? "default/" + id : id; }

std::string FakeChecksum(const std::string& manifest) {
  size_t h = std::hash<std::string>()(manifest);
  return absl::StrFormat("%016x%016x%016x%016x", h, h ^ 0x5555, h ^ 0xaaaa, h ^ 0xffff);
}

}  // namespace

std::optional<grpc::Status> FakeFleet::Enter(const std::string& method) {
  absl::Duration d;
  {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    d = delay;
    auto it = fail.find(method);
    if (it != fail.end()) return it->second;
  }
  if (d > absl::ZeroDuration()) absl::SleepFor(d);
  return std::nullopt;
}

grpc::Status FakeFleet::ApplyIntent(grpc::ServerContext*, const v1::ApplyIntentRequest* req,
                                    v1::ApplyIntentResponse* resp) {
  if (auto s = Enter("ApplyIntent")) return *s;
  std::lock_guard<std::mutex> lock(mu);
  apply_requests.push_back(*req);
  Json manifest = Json::parse(req->manifest_json(), nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "manifest_json: not a JSON object");
  }
  if (absl::Status s = hub::ValidatePlacement(req->placement()); !s.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(s.message()));
  }
  if (!manifest.contains("metadata") || !manifest["metadata"].is_object()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "metadata: required");
  }
  const Json& meta = manifest["metadata"];
  std::string ns = meta.value("namespace", req->default_namespace().empty() ? "default" : req->default_namespace());
  std::string name = meta.value("name", "");
  std::string id = absl::StrCat(ns, "/", name);

  std::vector<std::string> targets;
  for (const auto& [cname, c] : clusters) {
    hub::Labels labels(c.labels().begin(), c.labels().end());
    labels.insert(c.claims().begin(), c.claims().end());
    if (hub::Matches(req->placement(), labels)) targets.push_back(cname);
  }
  std::sort(targets.begin(), targets.end());
  for (const auto& t : targets) resp->add_target_clusters(t);

  auto existing = intents.find(id);
  std::string placement_text = hub::FormatSelector(req->placement());
  if (existing != intents.end() && existing->second.manifest_json() == req->manifest_json() &&
      hub::FormatSelector(existing->second.placement()) == placement_text) {
    resp->set_intent_id(id);
    resp->set_revision(existing->second.revision());
    resp->set_unchanged(true);
    return grpc::Status::OK;
  }
  resp->set_intent_id(id);
  if (req->dry_run()) {
    resp->set_revision(revision + 1);
    return grpc::Status::OK;
  }
  resp->set_revision(++revision);
  v1::IntentView& view = intents[id];
  if (view.intent_id().empty()) view.set_created_unix_ms(NowMs());
  view.set_intent_id(id);
  view.set_namespace_(ns);
  view.set_name(name);
  view.set_revision(revision);
  view.set_checksum(FakeChecksum(req->manifest_json()));
  *view.mutable_placement() = req->placement();
  view.set_updated_unix_ms(NowMs());
  view.clear_target_clusters();
  for (const auto& t : targets) view.add_target_clusters(t);
  view.set_manifest_json(req->manifest_json());
  view.set_hub_managed(true);
  v1::IntentRevision& r = history[id].emplace_back();
  r.set_revision(revision);
  r.set_checksum(view.checksum());
  *r.mutable_placement() = req->placement();
  r.set_created_unix_ms(NowMs());
  r.set_manifest_json(req->manifest_json());
  return grpc::Status::OK;
}

grpc::Status FakeFleet::GetIntent(grpc::ServerContext*, const v1::GetIntentRequest* req, v1::IntentView* resp) {
  if (auto s = Enter("GetIntent")) return *s;
  std::lock_guard<std::mutex> lock(mu);
  get_requests.push_back(*req);
  auto it = intents.find(FullId(req->intent_id()));
  if (it == intents.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "intent " + req->intent_id() + " not found");
  }
  *resp = it->second;
  return grpc::Status::OK;
}

grpc::Status FakeFleet::ListIntents(grpc::ServerContext*, const v1::ListIntentsRequest* req,
                                    v1::ListIntentsResponse* resp) {
  if (auto s = Enter("ListIntents")) return *s;
  std::lock_guard<std::mutex> lock(mu);
  list_requests.push_back(*req);
  for (const auto& [id, view] : intents) {
    if (req->namespace_().empty() || view.namespace_() == req->namespace_()) *resp->add_intents() = view;
  }
  return grpc::Status::OK;
}

grpc::Status FakeFleet::DeleteIntent(grpc::ServerContext*, const v1::DeleteIntentRequest* req,
                                     v1::DeleteIntentResponse* resp) {
  if (auto s = Enter("DeleteIntent")) return *s;
  std::lock_guard<std::mutex> lock(mu);
  std::string id = FullId(req->intent_id());
  if (intents.erase(id) == 0) return grpc::Status(grpc::StatusCode::NOT_FOUND, "intent " + id + " not found");
  resp->set_revision(++revision);
  v1::IntentRevision& r = history[id].emplace_back();
  r.set_revision(revision);
  r.set_deleted(true);
  r.set_created_unix_ms(NowMs());
  return grpc::Status::OK;
}

grpc::Status FakeFleet::IntentHistory(grpc::ServerContext*, const v1::IntentHistoryRequest* req,
                                      v1::IntentHistoryResponse* resp) {
  if (auto s = Enter("IntentHistory")) return *s;
  std::lock_guard<std::mutex> lock(mu);
  auto it = history.find(FullId(req->intent_id()));
  if (it == history.end()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "intent " + req->intent_id() + " not found");
  }
  for (const auto& r : it->second) *resp->add_revisions() = r;
  return grpc::Status::OK;
}

grpc::Status FakeFleet::RegisterCluster(grpc::ServerContext*, const v1::RegisterClusterRequest* req,
                                        v1::ClusterView* resp) {
  if (auto s = Enter("RegisterCluster")) return *s;
  std::lock_guard<std::mutex> lock(mu);
  register_requests.push_back(*req);
  v1::ClusterView& c = clusters[req->name()];
  if (c.name().empty()) {
    c.set_name(req->name());
    c.set_state("Registered");
    c.set_registered_unix_ms(NowMs());
  }
  if (req->replace_labels()) c.clear_labels();
  for (const auto& [k, v] : req->labels()) (*c.mutable_labels())[k] = v;
  *resp = c;
  return grpc::Status::OK;
}

grpc::Status FakeFleet::DeregisterCluster(grpc::ServerContext*, const v1::DeregisterClusterRequest* req,
                                          v1::DeregisterClusterResponse*) {
  if (auto s = Enter("DeregisterCluster")) return *s;
  std::lock_guard<std::mutex> lock(mu);
  if (clusters.erase(req->name()) == 0) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "cluster " + req->name() + " not registered");
  }
  return grpc::Status::OK;
}

grpc::Status FakeFleet::GetCluster(grpc::ServerContext*, const v1::GetClusterRequest* req, v1::ClusterView* resp) {
  if (auto s = Enter("GetCluster")) return *s;
  std::lock_guard<std::mutex> lock(mu);
  auto it = clusters.find(req->name());
  if (it == clusters.end()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "cluster " + req->name() + " not found");
  *resp = it->second;
  return grpc::Status::OK;
}

grpc::Status FakeFleet::ListClusters(grpc::ServerContext*, const v1::ListClustersRequest*,
                                     v1::ListClustersResponse* resp) {
  if (auto s = Enter("ListClusters")) return *s;
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& [name, c] : clusters) *resp->add_clusters() = c;
  return grpc::Status::OK;
}

grpc::Status FakeFleet::WatchEvents(grpc::ServerContext* context, const v1::WatchEventsRequest* req,
                                    grpc::ServerWriter<v1::FleetEvent>* writer) {
  std::vector<v1::FleetEvent> to_send;
  bool end;
  {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    watch_requests.push_back(*req);
    auto it = fail.find("WatchEvents");
    if (it != fail.end()) return it->second;
    for (const auto& e : events) {
      if (!req->intent_id().empty() && e.intent_id() != req->intent_id()) continue;
      if (!req->cluster().empty() && e.cluster() != req->cluster()) continue;
      to_send.push_back(e);
    }
    end = end_watch_after_events;
  }
  for (const auto& e : to_send) {
    if (!writer->Write(e)) return grpc::Status::CANCELLED;
  }
  if (end) return grpc::Status::OK;
  while (!context->IsCancelled()) absl::SleepFor(absl::Milliseconds(10));
  return grpc::Status::CANCELLED;
}

FakeHub::FakeHub() {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&fleet_);
  server_ = builder.BuildAndStart();
  address_ = absl::StrCat("127.0.0.1:", port);
}

FakeHub::~FakeHub() { server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1)); }

std::unique_ptr<FleetApi> FakeHub::Client(absl::Duration timeout) {
  HubEndpoint endpoint;
  endpoint.address = address_;
  endpoint.timeout = timeout;
  endpoint.insecure = true;
  return std::make_unique<FleetApi>(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()), endpoint);
}

std::string ClosedAddress() {
  FakeHub hub;
  return hub.address();  // released when `hub` goes away
}

}  // namespace srfleet::cli::testing
