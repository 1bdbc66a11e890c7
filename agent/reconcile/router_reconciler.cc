#include "agent/reconcile/router_reconciler.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/backends/backend_resolver.h"
#include "agent/reconcile/apply_plan.h"
#include "agent/reconcile/json_fields.h"
#include "agent/reconcile/owner_refs.h"
#include "agent/reconcile/resource_kinds.h"
#include "agent/reconcile/secret_values.h"
#include "agent/reconcile/storage_check.h"
#include "shared/model/semantic_router.h"
#include "spdlog/spdlog.h"

namespace srfleet::agent {
namespace {

bool HasFinalizer(const Json& object, const std::string& finalizer) {
  const Json* list = FindField(object, {"metadata", "finalizers"});
  if (!list || !list->is_array()) return false;
  for (const auto& f : *list) {
    if (f.is_string() && f.get<std::string>() == finalizer) return true;
  }
  return false;
}

std::string ErrorText(const absl::Status& s) { return std::string(s.message()); }

}  // namespace

// State of one reconcile pass, shared by the steps.
struct RouterReconciler::Pass {
  std::string key, ns, name, uid;
  Json router;  // live object (as the server has it)
  render::PlatformFacts platform;
  DesiredState desired;
  std::vector<StatusProblem> problems;  // apply/prune/secret/API problems
  bool api_error = false;               // something to retry with backoff
  bool gateway_mode = false, gateway_ready = false;
  std::string gateway_reason, gateway_message;
};

RouterReconciler::RouterReconciler(kube::KubeClient& client, const CacheSet& caches, PlatformSource platform,
                                   EventRecorder& events, RouterReconcilerOptions options)
    : client_(client),
      caches_(caches),
      platform_(std::move(platform)),
      events_(events),
      options_(std::move(options)),
      status_writer_(client) {}

std::optional<Json> RouterReconciler::Live(const std::string& kind, const std::string& ns, const std::string& name) {
  std::shared_ptr<const ObjectCache> cache = caches_.Find(kind);
  return recent_.Live(kind, cache.get(), ns, name);
}

bool RouterReconciler::NoteWarningsChanged(const std::string& key, const std::vector<std::string>& warnings) {
  const std::string joined = absl::StrJoin(warnings, "\n");
  absl::MutexLock lock(&mu_);
  auto it = warnings_.find(key);
  if (it == warnings_.end()) {
    if (joined.empty()) return false;
    warnings_[key] = joined;
    return true;
  }
  if (it->second == joined) return false;
  if (joined.empty()) {
    warnings_.erase(it);
    return false;
  }
  it->second = joined;
  return true;
}

void RouterReconciler::Forget(const std::string& key, bool keep_recent_writes) {
  if (!keep_recent_writes) recent_.ForgetRouter(key);
  std::string uid;
  {
    absl::MutexLock lock(&mu_);
    warnings_.erase(key);
    auto it = uids_.find(key);
    if (it == uids_.end()) return;
    uid = it->second;
    uids_.erase(it);
  }
  events_.Forget(uid);
}

absl::StatusOr<ReconcileResult> RouterReconciler::Reconcile(const std::string& key) {
  // Objects come from other writers; a JSON surprise (a type error deep in a
  // live object) must fail this key's pass, not the worker.
  try {
    return ReconcileOnce(key);
  } catch (const std::exception& e) {
    spdlog::error("msg=\"reconcile threw\" router={} error=\"{}\"", key, e.what());
    return absl::InternalError(absl::StrCat("reconcile of ", key, " failed: ", e.what()));
  }
}

absl::StatusOr<ReconcileResult> RouterReconciler::ReconcileOnce(const std::string& key) {
  const size_t slash = key.find('/');
  if (slash == std::string::npos) return absl::InvalidArgumentError(absl::StrCat("bad key \"", key, "\""));
  const std::string ns = key.substr(0, slash), name = key.substr(slash + 1);

  std::optional<render::PlatformFacts> platform = platform_();
  if (!platform || !caches_.AllSynced()) {
    return ReconcileResult{options_.retry_not_ready};  // caches or discovery not loaded yet
  }
  std::optional<Json> live = Live(kRouterKind, ns, name);
  if (!live) {
    // Deleted: nothing of ours is left to do (the GC has the rest). Recent
    // write entries stay until they expire: the cache may still lag.
    Forget(key, /*keep_recent_writes=*/true);
    return ReconcileResult{};
  }
  {
    absl::MutexLock lock(&mu_);
    uids_[key] = UidOf(*live);
  }
  if (!StringField(*live, {"metadata", "deletionTimestamp"}).empty()) {
    if (!HasFinalizer(*live, kFinalizer)) return ReconcileResult{};
    return Finalize(key, *live);
  }
  if (!HasFinalizer(*live, kFinalizer)) {
    absl::StatusOr<Json> patched = EnsureFinalizer(key, *live);
    if (!patched.ok()) return patched.status();
    live = *std::move(patched);
  }

  // Validate a copy: the server checked the schema, but the model's own
  // cross-field rules and defaults are what the renderer relies on.
  Json validated = *live;
  validated.erase("status");
  if (Json* meta = &validated["metadata"]; meta->is_object()) meta->erase("managedFields");
  schema::FieldErrors errors = model::ValidateSemanticRouter(validated);
  if (!errors.empty()) {
    return FailRouter(key, *live, "InvalidSpec",
                      absl::StrCat("the spec is invalid: ", schema::JoinFieldErrors(errors)));
  }
  const model::SemanticRouter router(std::move(validated));

  Pass pass;
  pass.key = key;
  pass.ns = ns;
  pass.name = name;
  pass.uid = UidOf(*live);
  pass.router = *live;
  pass.platform = *platform;
  const Json& spec = router.spec();

  // Backends, from the InferenceService and Service caches.
  std::shared_ptr<const ObjectCache> isvcs = caches_.Find("InferenceService");
  std::shared_ptr<const ObjectCache> services = caches_.Find("Service");
  BackendSources sources;
  sources.inference_services = platform->kserve ? isvcs.get() : nullptr;
  sources.services = services.get();
  sources.watched_namespace = options_.watched_namespace;
  const BackendResolution backends = BackendResolver(sources).Resolve(spec, ns);

  // Storage, before a PVC is created.
  std::shared_ptr<const ObjectCache> storage_classes = caches_.Find("StorageClass");
  const StorageCheck storage = CheckStorage(spec, name, storage_classes.get());

  // Secrets the config needs.
  SecretValues secrets = ReadSecretValues(client_, ns, SecretRefsOf(spec));
  for (const auto& p : secrets.problems) pass.problems.push_back({"SecretNotFound", p});
  if (secrets.transient_error) pass.api_error = true;

  DesiredInputs inputs;
  inputs.platform = *platform;
  inputs.backends = backends.resolved;
  inputs.secret_values = std::move(secrets.values);
  inputs.hold_config = !secrets.problems.empty();
  inputs.hold_models_claim = storage.pvc_wanted && !storage.ready;
  absl::StatusOr<DesiredState> desired = BuildDesiredState(router, *live, inputs);
  if (!desired.ok()) {
    return FailRouter(key, *live, "RenderFailed",
                      absl::StrCat("the router cannot be rendered: ", desired.status().message()));
  }
  pass.desired = *std::move(desired);

  ApplyAndPrune(pass);
  CheckGateway(pass);

  // Status.
  StatusInputs in;
  in.generation = GenerationOf(*live);
  in.live_status = FindField(*live, {"status"});
  in.now = absl::Now();
  in.problems = pass.problems;
  in.backends = &backends;
  in.storage = &storage;
  in.gateway_mode = pass.gateway_mode;
  in.gateway_ready = pass.gateway_ready;
  in.gateway_reason = pass.gateway_reason;
  in.gateway_message = pass.gateway_message;
  in.routes_wanted = platform->openshift && BoolField(spec, {"openshift", "routes", "enabled"}, false);
  std::optional<Json> route = in.routes_wanted ? Live("Route", ns, name) : std::nullopt;
  in.route = route ? &*route : nullptr;
  std::optional<Json> deployment = Live("Deployment", ns, name);
  in.deployment = deployment ? &*deployment : nullptr;
  in.deployment_name = name;
  in.ns = ns;
  in.autoscaling = BoolField(spec, {"autoscaling", "enabled"}, false);
  in.spec_replicas = IntField(spec, {"replicas"}, 1);
  const Json status = ComputeStatus(in);
  absl::Status written = WriteStatus(key, *live, status);

  // Events for what is wrong (aggregated by the recorder, so a problem that
  // persists does not add an Event per pass).
  if (!backends.AllResolved()) {
    events_.Record(*live, "Warning", "BackendUnresolved", backends.UnresolvedSummary());
  }
  if (storage.pvc_wanted && !storage.ready) events_.Record(*live, "Warning", "StorageClassMissing", storage.message);
  for (const auto& p : secrets.problems) events_.Record(*live, "Warning", "SecretNotFound", p);
  if (pass.gateway_mode && !pass.gateway_ready) {
    events_.Record(*live, "Warning", pass.gateway_reason, pass.gateway_message);
  }
  // What the renderer wants a person to know (e.g. a Route asked for on a
  // cluster that is not OpenShift): one Event each time the set changes, not
  // one per pass.
  std::vector<std::string> notes;
  for (const auto& w : pass.desired.warnings) {
    // Missing Secret values are reported as SecretNotFound already.
    if (w.rfind("Secret ", 0) == 0 && w.find("is not resolved here") != std::string::npos) continue;
    notes.push_back(w);
  }
  for (const auto& u : pass.desired.unserved) notes.push_back(u + "; not created");
  if (NoteWarningsChanged(key, notes)) {
    for (const auto& w : notes) events_.Record(*live, "Warning", "RenderWarning", w);
  }

  if (pass.api_error) {
    std::vector<std::string> messages;
    for (const auto& p : pass.problems) messages.push_back(p.message);
    return absl::UnavailableError(absl::StrJoin(messages, "; "));
  }
  if (!written.ok()) return written;
  const bool waiting = !backends.AllResolved() || !pass.problems.empty();
  return ReconcileResult{waiting ? options_.retry_unresolved : absl::ZeroDuration()};
}

absl::StatusOr<Json> RouterReconciler::EnsureFinalizer(const std::string& key, const Json& router) {
  Json finalizers = Json::array();
  if (const Json* f = FindField(router, {"metadata", "finalizers"}); f && f->is_array()) finalizers = *f;
  finalizers.push_back(kFinalizer);
  // A merge patch of metadata.finalizers alone, guarded by resourceVersion:
  // never a full-object update (upstream's re-defaulted the spec).
  Json patch = {{"metadata", {{"finalizers", finalizers}, {"resourceVersion", ResourceVersionOf(router)}}}};
  const kube::ResourceRef ref = RouterKindInfo().ref.WithNamespace(NamespaceOf(router)).WithName(NameOf(router));
  absl::StatusOr<Json> patched = client_.MergePatch(ref, patch);
  if (!patched.ok()) return patched.status();
  recent_.RecordWrite(key, kRouterKind, *patched);
  return patched;
}

absl::StatusOr<ReconcileResult> RouterReconciler::Finalize(const std::string& key, const Json& router) {
  const std::string ns = NamespaceOf(router), uid = UidOf(router);
  // Delete what the router owns explicitly (the garbage collector would too,
  // but not on every distribution, and not before the CR is gone).
  std::vector<std::string> failures;
  for (const KindInfo* info : OwnedKinds()) {
    std::shared_ptr<const ObjectCache> cache = caches_.Find(info->kind);
    if (!cache) continue;
    for (const Json& obj : cache->ListOwnedBy(uid)) {
      if (NamespaceOf(obj) != ns || ControllingRouterUid(obj) != uid) continue;
      if (!StringField(obj, {"metadata", "deletionTimestamp"}).empty()) continue;
      if (recent_.RecentlyDeleted(info->kind, obj)) continue;
      kube::DeleteOptions options;
      options.propagation_policy = "Foreground";
      options.precondition_uid = UidOf(obj);
      absl::StatusOr<Json> deleted = client_.Delete(info->ref.WithNamespace(ns).WithName(NameOf(obj)), options);
      if (!deleted.ok() && !kube::IsNotFound(deleted.status())) {
        failures.push_back(absl::StrCat("delete ", info->kind, " ", ns, "/", NameOf(obj), ": ",
                                        ErrorText(deleted.status())));
        continue;
      }
      recent_.RecordDelete(key, info->kind, obj);
      if (deleted.ok()) {
        spdlog::info("msg=\"deleted owned object\" router={} kind={} name={} why=finalizer", key, info->kind,
                     NameOf(obj));
      }
    }
  }
  if (!failures.empty()) return absl::UnavailableError(absl::StrJoin(failures, "; "));

  Json remaining = Json::array();
  if (const Json* f = FindField(router, {"metadata", "finalizers"}); f && f->is_array()) {
    for (const auto& x : *f) {
      if (!(x.is_string() && x.get<std::string>() == kFinalizer)) remaining.push_back(x);
    }
  }
  Json patch = {{"metadata", {{"finalizers", remaining}, {"resourceVersion", ResourceVersionOf(router)}}}};
  const kube::ResourceRef ref = RouterKindInfo().ref.WithNamespace(ns).WithName(NameOf(router));
  absl::StatusOr<Json> patched = client_.MergePatch(ref, patch);
  if (!patched.ok() && !kube::IsNotFound(patched.status())) return patched.status();
  spdlog::info("msg=\"finalized\" router={}", key);
  // Until the cache sees the router go, the next pass must not finalize it
  // again: remember the delete (the overlay entries expire on their own).
  recent_.RecordDelete(key, kRouterKind, router);
  Forget(key, /*keep_recent_writes=*/true);
  return ReconcileResult{};
}

void RouterReconciler::ApplyAndPrune(Pass& pass) {
  // Live state of a desired object: the caches (with our recent writes);
  // they hold only objects labelled as srfleet's, so before creating, GET
  // whether an unlabelled object of that name exists (only creates pay).
  LiveLookup live = [&](const std::string& kind, const std::string& name) -> absl::StatusOr<std::optional<Json>> {
    std::optional<Json> cached = Live(kind, pass.ns, name);
    if (cached) return cached;
    absl::StatusOr<Json> existing = client_.Get(FindKind(kind)->ref.WithNamespace(pass.ns).WithName(name));
    if (existing.ok()) return std::optional<Json>(*std::move(existing));
    if (kube::IsNotFound(existing.status())) return std::optional<Json>();
    return existing.status();
  };
  std::vector<std::pair<std::string, Json>> owned;
  for (const KindInfo* info : OwnedKinds()) {
    std::shared_ptr<const ObjectCache> cache = caches_.Find(info->kind);
    if (!cache) continue;
    for (Json& obj : cache->ListOwnedBy(pass.uid)) {
      if (!recent_.RecentlyDeleted(info->kind, obj)) owned.emplace_back(info->kind, std::move(obj));
    }
  }
  const ApplyPlan plan = PlanApply(pass.desired, pass.ns, pass.uid, live, owned);
  for (const auto& p : plan.problems) {
    pass.problems.push_back({"ApplyFailed", p.message});
    if (p.transient) pass.api_error = true;
    events_.Record(pass.router, "Warning", "ApplyFailed", p.message);
  }

  kube::ApplyOptions apply;
  apply.field_manager = options_.field_manager;
  apply.force = true;
  for (const ApplyStep& step : plan.apply) {
    const std::string kind = KindOf(step.desired), name = NameOf(step.desired);
    absl::StatusOr<Json> applied =
        client_.Apply(FindKind(kind)->ref.WithNamespace(pass.ns).WithName(name), step.desired, apply);
    if (!applied.ok()) {
      const std::string message = absl::StrCat("apply ", kind, " ", pass.ns, "/", name, ": ", ErrorText(applied.status()));
      spdlog::warn("msg=\"apply failed\" router={} kind={} name={} error=\"{}\"", pass.key, kind, name,
                   ErrorText(applied.status()));
      pass.problems.push_back({"ApplyFailed", message});
      pass.api_error = true;
      events_.Record(pass.router, "Warning", "ApplyFailed", message);
      continue;
    }
    recent_.RecordWrite(pass.key, kind, *applied);
    const char* action = step.live ? "updated" : "created";
    spdlog::info("msg=\"applied\" router={} kind={} name={} action={}", pass.key, kind, name, action);
    events_.Record(pass.router, "Normal", step.live ? "Updated" : "Created", absl::StrCat(action, " ", kind, " ", name));
  }

  for (const auto& [kind, obj] : plan.prune) {
    const std::string name = NameOf(obj);
    kube::DeleteOptions options;
    options.propagation_policy = "Background";
    options.precondition_uid = UidOf(obj);  // that object, not a successor of the same name
    absl::StatusOr<Json> deleted = client_.Delete(FindKind(kind)->ref.WithNamespace(pass.ns).WithName(name), options);
    if (!deleted.ok() && !kube::IsNotFound(deleted.status())) {
      const std::string message = absl::StrCat("delete ", kind, " ", pass.ns, "/", name, ": ", ErrorText(deleted.status()));
      pass.problems.push_back({"DeleteFailed", message});
      pass.api_error = true;
      events_.Record(pass.router, "Warning", "DeleteFailed", message);
      continue;
    }
    recent_.RecordDelete(pass.key, kind, obj);
    spdlog::info("msg=\"pruned\" router={} kind={} name={} why=\"no longer desired\"", pass.key, kind, name);
    events_.Record(pass.router, "Normal", "Deleted",
                   absl::StrCat("deleted ", kind, " ", name, " (no longer wanted by the spec)"));
  }
}

void RouterReconciler::CheckGateway(Pass& pass) {
  const Json* ref = FindField(pass.router, {"spec", "gateway", "existingRef"});
  pass.gateway_mode = ref != nullptr;
  if (!ref) return;
  const std::string gw_name = StringField(*ref, {"name"});
  const std::string gw_ns = StringField(*ref, {"namespace"}, pass.ns);
  const std::string gw = absl::StrCat(gw_ns, "/", gw_name);
  if (!pass.platform.gateway_api) {
    pass.gateway_reason = "GatewayAPINotInstalled";
    pass.gateway_message = absl::StrCat("gateway mode needs the Gateway API (gateway.networking.k8s.io), which this "
                                        "cluster does not serve; install its CRDs or remove spec.gateway.existingRef. "
                                        "The HTTPRoute to Gateway ",
                                        gw, " is created once it is installed");
    return;
  }
  if (!options_.watched_namespace.empty() && gw_ns != options_.watched_namespace) {
    pass.gateway_ready = true;
    pass.gateway_reason = "GatewayNotVerified";
    pass.gateway_message = absl::StrCat("HTTPRoute ", pass.name, " attaches to Gateway ", gw,
                                        "; not verified: the agent watches namespace ", options_.watched_namespace,
                                        " only");
    return;
  }
  std::shared_ptr<const ObjectCache> gateways = caches_.Find("Gateway");
  if (gateways && gateways->Get(gw_ns, gw_name)) {
    pass.gateway_ready = true;
    pass.gateway_reason = "GatewayFound";
    pass.gateway_message = absl::StrCat("HTTPRoute ", pass.name, " attaches the router to Gateway ", gw);
    return;
  }
  pass.gateway_reason = "GatewayNotFound";
  pass.gateway_message = absl::StrCat("Gateway ", gw, " not found; create it or fix spec.gateway.existingRef (the "
                                      "HTTPRoute exists but no Gateway serves it)");
}

absl::Status RouterReconciler::WriteStatus(const std::string& key, const Json& router, const Json& status) {
  absl::StatusOr<std::optional<Json>> written = status_writer_.Write(router, status);
  if (!written.ok()) {
    spdlog::warn("msg=\"status write failed\" router={} error=\"{}\"", key, ErrorText(written.status()));
    return written.status();
  }
  if (*written) {
    recent_.RecordWrite(key, kRouterKind, **written);
    spdlog::debug("msg=\"status written\" router={} phase={}", key, StringField(status, {"phase"}));
  }
  return absl::OkStatus();
}

absl::StatusOr<ReconcileResult> RouterReconciler::FailRouter(const std::string& key, const Json& router,
                                                            const std::string& reason, const std::string& message) {
  spdlog::warn("msg=\"router failed\" router={} reason={} error=\"{}\"", key, reason, message);
  events_.Record(router, "Warning", reason, message);
  StatusInputs in;
  in.generation = GenerationOf(router);
  in.live_status = FindField(router, {"status"});
  in.now = absl::Now();
  in.failure = StatusProblem{reason, message};
  absl::Status written = WriteStatus(key, router, ComputeStatus(in));
  if (!written.ok()) return written;
  // Nothing to retry: a spec change (a new generation) triggers the next pass.
  return ReconcileResult{};
}

}  // namespace srfleet::agent
