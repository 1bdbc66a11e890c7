#include "hub/server/fleet_service.h"

#include <deque>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "hub/placement/label_selector.h"
#include "hub/server/manifest_check.h"
#include "hub/server/peer_identity.h"

namespace srfleet::hub {
namespace {

const char* CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return "OK";
    case absl::StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case absl::StatusCode::kNotFound: return "NOT_FOUND";
    case absl::StatusCode::kFailedPrecondition: return "FAILED_PRECONDITION";
    case absl::StatusCode::kPermissionDenied: return "PERMISSION_DENIED";
    case absl::StatusCode::kUnavailable: return "UNAVAILABLE";
    default: return "OTHER";
  }
}

// "ns/name", or "name" in the default namespace.
std::string NormaliseId(const std::string& id) {
  if (id.find('/') != std::string::npos) return id;
  return absl::StrCat("default/", id);
}

// Streams events to one watcher; wakes on publish, ends when the client
// cancels. The bus callback holds only a weak reference. gRPC calls (StartWrite,
// Finish) are made without our lock held: reactions may run inline.
class EventWatch : public grpc::ServerWriteReactor<fleet::v1::FleetEvent>,
                   public std::enable_shared_from_this<EventWatch> {
 public:
  static EventWatch* Start(EventBus& bus, EventBus::Filter filter) {
    auto watch = std::make_shared<EventWatch>(bus);
    watch->self_ = watch;
    std::weak_ptr<EventWatch> weak = watch;
    watch->id_ = bus.Subscribe(std::move(filter), [weak] {
      if (auto w = weak.lock()) w->Pump();
    });
    watch->StartSendInitialMetadata();
    watch->Pump();
    return watch.get();
  }

  explicit EventWatch(EventBus& bus) : bus_(bus) {}

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) broken_ = true;
    }
    Pump();
  }
  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
    }
    Pump();
  }
  void OnDone() override {
    bus_.Unsubscribe(id_);
    std::shared_ptr<EventWatch> last = std::move(self_);
  }
  void OnSendInitialMetadataDone(bool) override {}

 private:
  void Pump() {
    bool write = false, finish = false;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_) return;
      if (cancelled_ || broken_) {
        finished_ = finish = true;
      } else {
        if (pending_.empty()) {
          uint64_t dropped = 0;
          pending_ = bus_.Drain(id_, &dropped);
          if (dropped > 0) {
            fleet::v1::FleetEvent lost;
            lost.set_type("Warning");
            lost.set_reason("EventsDropped");
            lost.set_message(absl::StrCat(dropped, " events dropped: this watcher was too slow"));
            pending_.push_front(std::move(lost));
          }
        }
        if (!pending_.empty()) {
          current_ = std::move(pending_.front());
          pending_.pop_front();
          writing_ = write = true;
        }
      }
    }
    if (write) StartWrite(&current_);
    if (finish) Finish(grpc::Status::OK);
  }

  EventBus& bus_;
  std::shared_ptr<EventWatch> self_;  // released in OnDone
  uint64_t id_ = 0;
  absl::Mutex mu_;
  std::deque<fleet::v1::FleetEvent> pending_ ABSL_GUARDED_BY(mu_);
  fleet::v1::FleetEvent current_;  // written only while !writing_
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// A watch refused before it started: finishes at once.
class RefusedWatch : public grpc::ServerWriteReactor<fleet::v1::FleetEvent> {
 public:
  explicit RefusedWatch(const absl::Status& status) {
    Finish(grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message())));
  }
  void OnDone() override { std::unique_ptr<RefusedWatch> self(this); }
};

}  // namespace

absl::Status FleetService::Authorize(grpc::CallbackServerContext* ctx) const {
  return AuthorizeAdmin(IdentityOf(ctx, mtls_required_), admin_names_);
}

grpc::ServerUnaryReactor* FleetService::Done(grpc::CallbackServerContext* ctx, const char* method,
                                             const absl::Status& status) {
  metrics_.OnFleetRequest(method, CodeName(status.code()));
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message())));
  return reactor;
}

grpc::ServerUnaryReactor* FleetService::ApplyIntent(grpc::CallbackServerContext* ctx,
                                                    const fleet::v1::ApplyIntentRequest* req,
                                                    fleet::v1::ApplyIntentResponse* resp) {
  if (absl::Status auth = Authorize(ctx); !auth.ok()) return Done(ctx, "ApplyIntent", auth);
  absl::StatusOr<CheckedManifest> manifest = CheckManifest(req->manifest_json(), req->default_namespace());
  if (!manifest.ok()) return Done(ctx, "ApplyIntent", manifest.status());
  if (absl::Status s = ValidatePlacement(req->placement()); !s.ok()) return Done(ctx, "ApplyIntent", s);
  absl::StatusOr<ApplyResult> result = distributor_.ApplyIntent(
      manifest->ns, manifest->name, manifest->json, req->placement(), req->expected_revision(), req->dry_run());
  if (!result.ok()) return Done(ctx, "ApplyIntent", result.status());
  resp->set_intent_id(result->intent_id);
  resp->set_revision(result->revision);
  resp->set_unchanged(result->unchanged);
  for (const std::string& t : result->targets) resp->add_target_clusters(t);
  return Done(ctx, "ApplyIntent", absl::OkStatus());
}

grpc::ServerUnaryReactor* FleetService::GetIntent(grpc::CallbackServerContext* ctx,
                                                  const fleet::v1::GetIntentRequest* req, fleet::v1::IntentView* resp) {
  if (absl::Status auth = Authorize(ctx); !auth.ok()) return Done(ctx, "GetIntent", auth);
  absl::StatusOr<fleet::v1::IntentView> view = distributor_.GetIntent(NormaliseId(req->intent_id()));
  if (view.ok()) *resp = *std::move(view);
  return Done(ctx, "GetIntent", view.status());
}

grpc::ServerUnaryReactor* FleetService::ListIntents(grpc::CallbackServerContext* ctx,
                                                    const fleet::v1::ListIntentsRequest* req,
                                                    fleet::v1::ListIntentsResponse* resp) {
  if (absl::Status auth = Authorize(ctx); !auth.ok()) return Done(ctx, "ListIntents", auth);
  for (fleet::v1::IntentView& v : distributor_.ListIntents(req->namespace_())) *resp->add_intents() = std::move(v);
  return Done(ctx, "ListIntents", absl::OkStatus());
}

grpc::ServerUnaryReactor* FleetService::DeleteIntent(grpc::CallbackServerContext* ctx,
                                                     const fleet::v1::DeleteIntentRequest* req,
                                                     fleet::v1::DeleteIntentResponse* resp) {
  if (absl::Status auth = Authorize(ctx); !auth.ok()) return Done(ctx, "DeleteIntent", auth);
  absl::StatusOr<int64_t> revision = distributor_.DeleteIntent(NormaliseId(req->intent_id()));
  if (revision.ok()) resp->set_revision(*revision);
  return Done(ctx, "DeleteIntent", revision.status());
}

grpc::ServerUnaryReactor* FleetService::IntentHistory(grpc::CallbackServerContext* ctx,
                                                      const fleet::v1::IntentHistoryRequest* req,
                                                      fleet::v1::IntentHistoryResponse* resp) {
  if (absl::Status auth = Authorize(ctx); !auth.ok()) return Done(ctx, "IntentHistory", auth);
  if (store_ == nullptr) return Done(ctx, "IntentHistory", absl::UnavailableError("no store"));
  absl::StatusOr<std::vector<IntentRecord>> history = store_->History(NormaliseId(req->intent_id()));
  if (!history.ok()) return Done(ctx, "IntentHistory", history.status());
  for (const IntentRecord& r : *history) {
    fleet::v1::IntentRevision* out = resp->add_revisions();
    out->set_revision(r.revision);
    out->set_checksum(r.checksum);
    out->set_created_unix_ms(absl::ToUnixMillis(r.updated));
    out->set_deleted(r.deleted);
    out->set_manifest_json(r.manifest_json);
    if (absl::StatusOr<fleet::v1::Placement> p = ParseSelector(r.placement); p.ok()) *out->mutable_placement() = *p;
  }
  return Done(ctx, "IntentHistory", absl::OkStatus());
}

grpc::ServerUnaryReactor* FleetService::RegisterCluster(grpc::CallbackServerContext* ctx,
                                                        const fleet::v1::RegisterClusterRequest* req,
                                                        fleet::v1::ClusterView* resp) {
  if (absl::Status auth = Authorize(ctx); !auth.ok()) return Done(ctx, "RegisterCluster", auth);
  fleet::v1::Placement probe;  // labels must be valid label keys/values
  for (const auto& [k, v] : req->labels()) (*probe.mutable_match_labels())[k] = v;
  if (absl::Status s = ValidatePlacement(probe); !s.ok()) {
    return Done(ctx, "RegisterCluster",
                absl::InvalidArgumentError(absl::StrCat("labels: ", std::string(s.message()))));
  }
  std::map<std::string, std::string> labels(req->labels().begin(), req->labels().end());
  absl::StatusOr<fleet::v1::ClusterView> view = distributor_.RegisterCluster(req->name(), labels, req->replace_labels());
  if (view.ok()) *resp = *std::move(view);
  return Done(ctx, "RegisterCluster", view.status());
}

grpc::ServerUnaryReactor* FleetService::DeregisterCluster(grpc::CallbackServerContext* ctx,
                                                          const fleet::v1::DeregisterClusterRequest* req,
                                                          fleet::v1::DeregisterClusterResponse*) {
  if (absl::Status auth = Authorize(ctx); !auth.ok()) return Done(ctx, "DeregisterCluster", auth);
  return Done(ctx, "DeregisterCluster", distributor_.DeregisterCluster(req->name()));
}

grpc::ServerUnaryReactor* FleetService::GetCluster(grpc::CallbackServerContext* ctx,
                                                   const fleet::v1::GetClusterRequest* req,
                                                   fleet::v1::ClusterView* resp) {
  if (absl::Status auth = Authorize(ctx); !auth.ok()) return Done(ctx, "GetCluster", auth);
  absl::StatusOr<fleet::v1::ClusterView> view = distributor_.GetCluster(req->name());
  if (view.ok()) *resp = *std::move(view);
  return Done(ctx, "GetCluster", view.status());
}

grpc::ServerUnaryReactor* FleetService::ListClusters(grpc::CallbackServerContext* ctx,
                                                     const fleet::v1::ListClustersRequest*,
                                                     fleet::v1::ListClustersResponse* resp) {
  if (absl::Status auth = Authorize(ctx); !auth.ok()) return Done(ctx, "ListClusters", auth);
  for (fleet::v1::ClusterView& v : distributor_.ListClusters()) *resp->add_clusters() = std::move(v);
  return Done(ctx, "ListClusters", absl::OkStatus());
}

grpc::ServerWriteReactor<fleet::v1::FleetEvent>* FleetService::WatchEvents(
    grpc::CallbackServerContext* ctx, const fleet::v1::WatchEventsRequest* req) {
  if (absl::Status auth = Authorize(ctx); !auth.ok()) {
    metrics_.OnFleetRequest("WatchEvents", "PERMISSION_DENIED");
    auto refused = std::make_unique<RefusedWatch>(auth);
    return refused.release();  // deletes itself in OnDone
  }
  metrics_.OnFleetRequest("WatchEvents", "OK");
  EventBus::Filter filter;
  if (!req->intent_id().empty()) filter.intent_id = NormaliseId(req->intent_id());
  filter.cluster = req->cluster();
  return EventWatch::Start(events_, std::move(filter));
}

}  // namespace srfleet::hub
