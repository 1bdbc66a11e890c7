#include "shared/kubesim/cluster.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "shared/kubesim/cluster_core.h"
#include "shared/kubesim/crd_definition.h"
#include "shared/kubesim/deployment_controller.h"
#include "shared/kubesim/discovery.h"
#include "shared/kubesim/handlers.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/object_meta.h"
#include "shared/kubesim/openapi_documents.h"
#include "shared/kubesim/reconciler.h"
#include "shared/kubesim/request_router.h"
#include "shared/kubesim/status_errors.h"
#include "shared/kubesim/table_response.h"
#include "shared/kubesim/write_pipeline.h"
#include "shared/model/crd_schema.h"

namespace srfleet::kubesim {

int64_t RequestCounters::writes() const {
  int64_t n = 0;
  for (const char* verb : {"create", "update", "patch", "apply", "delete", "deletecollection"}) {
    if (auto it = by_verb.find(verb); it != by_verb.end()) n += it->second;
  }
  return n;
}

struct Cluster::State {
  std::shared_ptr<ClusterCore> core;
};

namespace {

ApiResponse PlainResponse(int status, const std::string& body) {
  ApiResponse r;
  r.status = status;
  r.headers = {{"Cache-Control", "no-cache, private"}, {"Content-Type", "text/plain; charset=utf-8"},
               {"X-Content-Type-Options", "nosniff"}};
  r.body = body;
  return r;
}

HandleResult Result(ApiResponse response) {
  HandleResult r;
  r.response = std::move(response);
  return r;
}

HandleResult DocumentResult(const Json& doc) { return Result(JsonResponse(200, WireDump(doc))); }

HandleResult PageNotFound() { return Result(PlainResponse(404, "404 page not found\n")); }

// The manager of a non-apply write: ?fieldManager=, else the User-Agent's
// product token ("kubectl-client-side-apply/v1.30 (linux/amd64)" -> its
// part before the first '/').
std::string ManagerOf(const ApiRequest& request, const RequestInfo& info) {
  std::string manager = info.Query("fieldManager");
  if (!manager.empty()) return manager;
  std::string ua = request.user_agent.empty() ? request.Header("user-agent") : request.user_agent;
  std::string prefix = ua.substr(0, ua.find('/'));
  if (prefix.size() > 128) prefix.resize(128);
  return prefix.empty() ? "unknown" : prefix;
}

// Which verb a resource request is, or "" when the method does not apply.
std::string VerbOf(const ApiRequest& request, const RequestInfo& info) {
  const std::string& m = request.method;
  const bool named = !info.name.empty();
  if (m == "GET" || m == "HEAD") {
    if (info.legacy_watch_path || info.QueryBool("watch")) return "watch";
    return named ? "get" : "list";
  }
  if (m == "POST") return "create";
  if (m == "PUT") return named ? "update" : "";
  if (m == "PATCH") {
    if (!named) return "";
    std::string ct = request.Header("content-type");
    return ct.rfind("application/apply-patch", 0) == 0 ? "apply" : "patch";
  }
  if (m == "DELETE") return named ? "delete" : "deletecollection";
  return "";
}

bool InjectFault(ClusterCore& core) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  ++core.fault_requests;
  const FaultPlan f = core.faults;
  if (f.fail_nth_request > 0 && core.fault_requests == f.fail_nth_request) return true;
  if (f.fail_fraction > 0) {
    double draw = static_cast<double>(SplitMix64(core.fault_rng) >> 11) / static_cast<double>(1ULL << 53);
    if (draw < f.fail_fraction) return true;
  }
  return false;
}

absl::StatusOr<HandleResult> HandleResource(ClusterCore& core, const std::shared_ptr<ClusterCore>& self,
                                            const ApiRequest& request, const RequestInfo& info,
                                            std::shared_ptr<WatchSink> sink) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  // Unknown group/version: the mux answers before the API machinery.
  if (!ResourceListDocument(core.registry, info.group, info.version)) return PageNotFound();
  auto resolved = core.registry.Find(info.group, info.version, info.resource);
  if (!resolved) return ResourceNotFoundError();
  const ResourceType& t = *resolved->type;
  const bool scope_ok = t.namespaced ? !(info.ns.empty() && !info.name.empty()) : info.ns.empty();
  const bool sub_ok = info.subresource.empty() || (info.subresource == "status" && t.status_subresource);
  if (!scope_ok || !sub_ok) return ResourceNotFoundError();

  RequestContext ctx;
  ctx.request = &request;
  ctx.info = info;
  ctx.type_id = resolved->id;
  ctx.type = resolved->type;
  ctx.version = resolved->version;
  ctx.api_version = t.ApiVersion(resolved->version);
  ctx.verb = VerbOf(request, info);
  ctx.manager = ManagerOf(request, info);
  ctx.dry_run = info.Query("dryRun") == "All";
  ctx.sink = std::move(sink);
  if (ctx.verb.empty()) return MethodNotAllowedError();
  if (!info.subresource.empty() && ctx.verb != "get" && ctx.verb != "update" && ctx.verb != "patch" &&
      ctx.verb != "apply") {
    return MethodNotAllowedError();
  }
  std::string resource = info.subresource.empty() ? t.resource : t.resource + "/" + info.subresource;
  ++core.counters.by_verb[ctx.verb];
  ++core.counters.by_verb_resource[ctx.verb + " " + resource];

  // kubectl get asks for meta.k8s.io Tables (server-side printing).
  if (ctx.verb == "get" || ctx.verb == "list" || ctx.verb == "watch") {
    auto table = NegotiateTable(request, info);
    if (!table.ok()) return table.status();
    if (*table) return HandleAsTable(core, self, std::move(ctx), **table);
  }

  if (ctx.verb == "get") return HandleGet(core, ctx);
  if (ctx.verb == "list") return HandleList(core, ctx);
  if (ctx.verb == "watch") return HandleWatch(core, self, ctx);
  if (ctx.verb == "create") return HandleCreate(core, ctx);
  if (ctx.verb == "update") return HandleUpdate(core, ctx);
  if (ctx.verb == "patch") return HandlePatch(core, ctx);
  if (ctx.verb == "apply") return HandleApply(core, ctx);
  if (ctx.verb == "delete") return HandleDelete(core, ctx);
  return HandleDeleteCollection(core, ctx);
}

HandleResult Dispatch(ClusterCore& core, const std::shared_ptr<ClusterCore>& self, const ApiRequest& request,
                      std::shared_ptr<WatchSink> sink) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  RequestInfo info = ParseTarget(request.target);
  ++core.counters.total;
  if (InjectFault(core)) return Result(ErrorResponse(FaultError(core.faults.fail_status, core.faults.retry_after_seconds)));
  switch (info.kind) {
    case RequestInfo::Kind::kVersion:
      return DocumentResult(VersionDocument(core.options.kubernetes_version));
    case RequestInfo::Kind::kHealth:
      return Result(PlainResponse(200, "ok"));
    case RequestInfo::Kind::kCoreVersions:
      return DocumentResult(CoreVersionsDocument());
    case RequestInfo::Kind::kGroupList:
      return DocumentResult(GroupListDocument(core.registry));
    case RequestInfo::Kind::kGroup: {
      auto doc = GroupDocument(core.registry, info.group);
      return doc ? DocumentResult(*doc) : PageNotFound();
    }
    case RequestInfo::Kind::kResourceList: {
      auto doc = ResourceListDocument(core.registry, info.group, info.version);
      return doc ? DocumentResult(*doc) : PageNotFound();
    }
    case RequestInfo::Kind::kOpenApiV3:
      return Result(ServeOpenApiV3(core.registry, request, info.openapi_path, info.Query("hash"),
                                   core.options.kubernetes_version, core.NowTime()));
    case RequestInfo::Kind::kResource: {
      auto result = HandleResource(core, self, request, info, std::move(sink));
      if (!result.ok()) return Result(ErrorResponse(result.status()));
      return std::move(*result);
    }
    case RequestInfo::Kind::kNotFound:
      break;
  }
  return PageNotFound();
}

}  // namespace

Cluster::Cluster(ClusterOptions options) : state_(std::make_unique<State>()) {
  state_->core = std::make_shared<ClusterCore>(std::move(options));
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  core.fault_rng = core.faults.seed;
  core.cache.Reset(core.resource_version);
  if (core.options.bootstrap) core.Bootstrap();
}

Cluster::~Cluster() {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  core.watches.CloseAll();
}

HandleResult Cluster::Handle(const ApiRequest& request, std::shared_ptr<WatchSink> sink) {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  try {
    return Dispatch(core, state_->core, request, std::move(sink));
  } catch (const std::exception& e) {
    // A bug must not take the process down; the client sees a 500.
    core.pending.clear();
    return Result(ErrorResponse(InternalServerError(e.what())));
  }
}

absl::Status Cluster::InstallCrd(const Json& crd) {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  auto id = core.registry.IdOf("apiextensions.k8s.io", "customresourcedefinitions");
  if (!id) return absl::InternalError("no CustomResourceDefinition type");
  WriteSpec spec;
  spec.type_id = *id;
  spec.type = core.registry.Get(*id);
  spec.version = "v1";
  spec.manager = "kubesim";
  // Installed out of band, like a CRD created before managed fields existed:
  // no managedFields, so any later applier takes ownership without conflict.
  spec.apply = true;
  try {
    const std::string name = MetaString(crd, "name");
    absl::StatusOr<WriteResult> w;
    if (const StoredObject* live = core.Find(*id, "", name)) {
      w = UpdateObject(core, spec, *live, crd);
    } else {
      w = CreateObject(core, spec, crd);
    }
    Settle(core);
    if (!w.ok()) {
      WireError e = ToWireError(w.status());
      return absl::InvalidArgumentError(ChildString(e.body, "message"));
    }
    return absl::OkStatus();
  } catch (const std::exception& e) {
    core.pending.clear();
    return absl::InternalError(e.what());
  }
}

absl::Status Cluster::InstallSemanticRouterCrd() {
  const Json& crd = model::SemanticRouterCrd();
  if (!crd.is_object()) return absl::InternalError("the embedded SemanticRouter CRD does not parse");
  return InstallCrd(crd);
}

void Cluster::SetFaults(const FaultPlan& plan) {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  core.faults = plan;
  core.fault_requests = 0;
  core.fault_rng = plan.seed;
}

FaultPlan Cluster::faults() const {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  return core.faults;
}

void Cluster::HoldReadiness(bool hold) {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  core.options.hold_readiness = hold;
  if (!hold) {
    ReconcileAllDeployments(core, false);
    Settle(core);
  }
}

void Cluster::DropWatches() {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  core.watches.CloseAll();
}

void Cluster::Restart(bool keep_state) {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  core.watches.CloseAll();
  if (keep_state) {
    // etcd keeps the objects; the new apiserver's watch cache starts empty.
    core.cache.Reset(core.resource_version);
    return;
  }
  core.ResetObjects();
  if (core.options.bootstrap) core.Bootstrap();
}

void Cluster::SetDiscovery(bool openshift, bool gateway_api, bool kserve) {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  core.options.openshift = openshift;
  core.options.gateway_api = gateway_api;
  core.options.kserve = kserve;
  core.registry.SetAddOns(openshift, gateway_api, kserve);
}

RequestCounters Cluster::counters() const {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  return core.counters;
}

void Cluster::ResetCounters() {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  core.counters = RequestCounters();
}

int64_t Cluster::resource_version() const {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  return core.resource_version;
}

size_t Cluster::object_count() const {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  return core.store.size();
}

size_t Cluster::open_watches() const {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  return core.watches.size();
}

size_t Cluster::ApproximateMemoryBytes() const {
  ClusterCore& core = *state_->core;
  absl::MutexLock lock(&core.mu);
  return sizeof(Cluster) + sizeof(State) + core.ApproximateBytes();
}

// Not synchronised with SetDiscovery/HoldReadiness, which update the flags.
const ClusterOptions& Cluster::options() const ABSL_NO_THREAD_SAFETY_ANALYSIS { return state_->core->options; }

}  // namespace srfleet::kubesim
