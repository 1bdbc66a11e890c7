#include "shared/kubesim/write_pipeline.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/kubesim/builtin_defaults.h"
#include "shared/kubesim/builtin_validation.h"
#include "shared/kubesim/crd_definition.h"
#include "shared/kubesim/field_manager.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/object_meta.h"
#include "shared/kubesim/schema_check.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {
namespace {

constexpr const char* kServerOwnedMeta[] = {"uid",        "resourceVersion",   "creationTimestamp",
                                            "generation", "deletionTimestamp", "deletionGracePeriodSeconds",
                                            "selfLink"};

bool IsCrdType(const ResourceType& t) {
  return t.group == "apiextensions.k8s.io" && t.resource == "customresourcedefinitions";
}

// generateName: prefix plus five characters from the real server's alphabet.
std::string GenerateName(ClusterCore& core, const std::string& prefix) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string base = prefix.size() > 58 ? prefix.substr(0, 58) : prefix;
  for (int i = 0; i < 5; ++i) base.push_back(kAlphabet[SplitMix64(core.rng) % (sizeof(kAlphabet) - 1)]);
  return base;
}

// Strict: refuse; Warn: prune and warn; Ignore: prune silently. Custom
// types are checked against their schema, built-ins at the top level and in
// metadata (kubesim has no schema for their nested fields).
absl::Status CheckUnknownFields(const WriteSpec& spec, const schema::SchemaNode* schema, Json& object,
                                std::vector<std::string>& warnings) {
  std::vector<std::string> unknown = UnknownTopLevelFields(*spec.type, object);
  if (schema) {
    for (auto& f : UnknownFields(*schema, object)) unknown.push_back(std::move(f));
  }
  if (!unknown.empty() && spec.field_validation == "Strict" && !spec.apply) {
    std::vector<std::string> parts;
    for (const auto& f : unknown) parts.push_back(absl::StrCat("unknown field \"", f, "\""));
    return BadRequestError("strict decoding error: " + absl::StrJoin(parts, ", "));
  }
  // Schema-less parts are pruned here; schema-backed ones while defaulting.
  PruneUnknownTopLevelFields(*spec.type, object);
  if (spec.apply || spec.field_validation == "Ignore") return absl::OkStatus();
  for (const auto& f : unknown) warnings.push_back(absl::StrCat("unknown field \"", f, "\""));
  return absl::OkStatus();
}

// Defaults, schema/native validation; 422 on problems.
absl::Status DefaultAndValidateObject(ClusterCore& core, const WriteSpec& spec, Json& object, const Json* old)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  const ResourceType& t = *spec.type;
  std::vector<FieldProblem> problems = ValidateObjectMeta(t, object);
  if (const schema::SchemaNode* schema = SchemaOf(t, spec.version)) {
    for (auto& p : DefaultAndValidate(*schema, object, old)) problems.push_back(std::move(p));
  } else {
    DefaultingContext ctx;
    ctx.old_object = old;
    ctx.allocate_cluster_ip = [&core]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return core.AllocateClusterIp(); };
    ctx.allocate_node_port = [&core]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return core.AllocateNodePort(); };
    if (t.resource == "persistentvolumeclaims") ctx.default_storage_class = core.DefaultStorageClass();
    ApplyBuiltinDefaults(t, object, ctx);
    for (auto& p : ValidateBuiltin(t, object, old)) problems.push_back(std::move(p));
  }
  if (problems.empty()) return absl::OkStatus();
  return InvalidError(t.kind, t.group, MetaString(object, "name"), problems);
}

absl::Status CheckNamespace(ClusterCore& core, const ResourceType& t, const std::string& ns, const std::string& name)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu) {
  if (!t.namespaced) return absl::OkStatus();
  if (!core.NamespaceExists(ns)) return NamespaceNotFoundError(ns);
  if (core.NamespaceTerminating(ns)) {
    return ForbiddenError(t, name,
                          absl::StrCat("unable to create new content in namespace ", ns,
                                       " because it is being terminated"));
  }
  return absl::OkStatus();
}

// The request's object must address the same namespace as the URL.
absl::Status ReconcileNamespace(const ResourceType& t, const std::string& url_ns, Json& object) {
  Json& meta = MutableMeta(object);
  if (!t.namespaced) {
    meta.erase("namespace");
    return absl::OkStatus();
  }
  std::string body_ns = ChildString(meta, "namespace");
  if (!body_ns.empty() && body_ns != url_ns) {
    return BadRequestError("the namespace of the provided object does not match the namespace sent on the request");
  }
  meta["namespace"] = url_ns;
  return absl::OkStatus();
}

void SetStatus(Json& object, const Json* status) {
  if (status) {
    object["status"] = *status;
  } else {
    object.erase("status");
  }
}

}  // namespace

const schema::SchemaNode* SchemaOf(const ResourceType& type, const std::string& version) {
  return type.unstructured ? type.SchemaFor(version) : nullptr;
}

absl::StatusOr<WriteResult> CreateObject(ClusterCore& core, const WriteSpec& spec, Json body) {
  const ResourceType& t = *spec.type;
  WriteResult result;
  if (!body.is_object()) return BadRequestError("the body of the request was not a JSON object");
  if (auto st = ReconcileNamespace(t, spec.ns, body); !st.ok()) return st;
  Json& meta = MutableMeta(body);
  std::string name = ChildString(meta, "name");
  if (!spec.name.empty() && name != spec.name) {
    return BadRequestError(absl::StrCat("the name of the object (", name, ") does not match the name on the URL (",
                                        spec.name, ")"));
  }
  if (name.empty() && !ChildString(meta, "generateName").empty()) {
    name = GenerateName(core, ChildString(meta, "generateName"));
    meta["name"] = name;
  }
  if (!ChildString(meta, "resourceVersion").empty() && !spec.apply) return ResourceVersionOnCreateError();
  for (const char* key : kServerOwnedMeta) meta.erase(key);
  body["kind"] = t.kind;
  body["apiVersion"] = t.ApiVersion(spec.version);

  // Creates cannot set status where a status subresource exists.
  Json initial = InitialStatus(t);
  if (t.status_subresource) SetStatus(body, initial.is_null() ? nullptr : &initial);

  const schema::SchemaNode* schema = SchemaOf(t, spec.version);
  if (auto st = CheckUnknownFields(spec, schema, body, result.warnings); !st.ok()) return st;
  if (auto st = CheckNamespace(core, t, spec.ns, name); !st.ok()) return st;
  if (auto st = DefaultAndValidateObject(core, spec, body, nullptr); !st.ok()) return st;

  std::shared_ptr<const CrdDefinition> crd;
  if (IsCrdType(t)) {
    auto def = InternCrd(body);
    if (!def.ok()) return def.status();
    crd = *def;
    body["status"] = EstablishedCrdStatus(*crd, core.Now());
  }
  if (core.Find(spec.type_id, t.namespaced ? spec.ns : "", name)) return AlreadyExistsError(t, name);

  Json& m = MutableMeta(body);
  m["uid"] = core.NewUid();
  m["creationTimestamp"] = core.Now();
  if (t.has_generation) m["generation"] = 1;
  // Objects are kept in the storage version.
  body["apiVersion"] = t.StorageApiVersion();
  if (!spec.apply) body = RecordUpdate(nullptr, body, spec.manager, core.Now(), schema);

  result.created = true;
  result.changed = true;
  if (spec.dry_run) {
    Canonicalize(body, t.unstructured);
    result.object = MakeStored(std::move(body), crd);
    return result;
  }
  result.object = core.CommitPut(spec.type_id, std::move(body), crd);
  if (crd) core.registry.InstallCustom(ServableType(crd));
  return result;
}

absl::StatusOr<WriteResult> UpdateObject(ClusterCore& core, const WriteSpec& spec, const StoredObject& live,
                                         Json body) {
  const ResourceType& t = *spec.type;
  WriteResult result;
  if (!body.is_object()) return BadRequestError("the body of the request was not a JSON object");
  const Json live_full = live.Materialize();
  const std::string name = MetaString(live_full, "name");
  {
    Json& meta = MutableMeta(body);
    std::string body_name = ChildString(meta, "name");
    if (!body_name.empty() && body_name != name) {
      return BadRequestError(absl::StrCat("the name of the object (", body_name,
                                          ") does not match the name on the URL (", name, ")"));
    }
    meta["name"] = name;
    if (auto st = ReconcileNamespace(t, spec.ns, body); !st.ok()) return st;
    // Optimistic concurrency: a resourceVersion in the body is a precondition.
    std::string rv = ChildString(MutableMeta(body), "resourceVersion");
    if (!rv.empty() && rv != MetaString(live_full, "resourceVersion")) return StaleResourceVersionError(t, name);
    std::string uid = ChildString(MutableMeta(body), "uid");
    if (!uid.empty() && uid != MetaString(live_full, "uid")) {
      return ConflictError(t, name,
                           absl::StrCat("Precondition failed: UID in precondition: ", uid,
                                        ", UID in object meta: ", MetaString(live_full, "uid")));
    }
  }

  Json desired;
  const Json* live_status = Child(live_full, "status");
  if (spec.status_subresource) {
    // Only status (and the field ownership of this write) may change.
    desired = live_full;
    SetStatus(desired, Child(body, "status"));
  } else {
    desired = std::move(body);
    if (t.status_subresource) SetStatus(desired, live_status);
  }
  const Json* live_meta = Meta(live_full);
  {
    Json& meta = MutableMeta(desired);  // invalidated by the inserts below
    for (const char* key : kServerOwnedMeta) {
      const Json* v = live_meta ? Child(*live_meta, key) : nullptr;
      if (v) {
        meta[key] = *v;
      } else {
        meta.erase(key);
      }
    }
  }
  desired["kind"] = t.kind;
  desired["apiVersion"] = t.ApiVersion(spec.version);

  // A deleting object may only lose finalizers.
  if (!MetaString(live_full, "deletionTimestamp").empty()) {
    auto old_f = FinalizersOf(live_full);
    std::vector<std::string> added;
    for (const auto& f : FinalizersOf(desired)) {
      if (std::find(old_f.begin(), old_f.end(), f) == old_f.end()) added.push_back(GoQuote(f));
    }
    if (!added.empty()) {
      return InvalidError(t.kind, t.group, name,
                          {{FieldProblem::Type::kForbidden, "metadata.finalizers", "",
                            absl::StrCat("no new finalizers can be added if the object is being deleted, found new "
                                         "finalizers []string{",
                                         absl::StrJoin(added, ", "), "}")}});
    }
  }

  const schema::SchemaNode* schema = SchemaOf(t, spec.version);
  if (!spec.status_subresource) {
    if (auto st = CheckUnknownFields(spec, schema, desired, result.warnings); !st.ok()) return st;
  }
  if (auto st = DefaultAndValidateObject(core, spec, desired, &live_full); !st.ok()) return st;

  std::shared_ptr<const CrdDefinition> crd = live.crd;
  if (IsCrdType(t) && !spec.status_subresource) {
    auto def = InternCrd(desired);
    if (!def.ok()) return def.status();
    if (live.crd && ((*def)->type.group != live.crd->type.group || (*def)->type.resource != live.crd->type.resource)) {
      return InvalidError(t.kind, t.group, name,
                          {{FieldProblem::Type::kInvalid, "spec.names.plural", GoQuote((*def)->type.resource),
                            "field is immutable"}});
    }
    crd = *def;
  }

  if (t.has_generation) {
    int64_t generation = 1;
    if (const Json* g = live_meta ? Child(*live_meta, "generation") : nullptr; g && g->is_number_integer()) {
      generation = g->get<int64_t>();
    }
    bool bump = !spec.status_subresource && !SpecEqual(desired, live_full);
    if (!bump && !spec.status_subresource && t.generation_tracks_annotations) {
      const Json* a = Child(MutableMeta(desired), "annotations");
      const Json* b = live_meta ? Child(*live_meta, "annotations") : nullptr;
      bump = !JsonEqual(a ? *a : Json::object(), b ? *b : Json::object());
    }
    MutableMeta(desired)["generation"] = bump ? generation + 1 : generation;
  }
  desired["apiVersion"] = t.StorageApiVersion();
  if (!spec.apply || spec.status_subresource) {
    desired = RecordUpdate(&live_full, desired, spec.manager, core.Now(), schema,
                           spec.status_subresource ? "status" : "");
  }

  if (EqualIgnoringManagedFieldTimes(desired, live_full)) {
    result.object = live;
    return result;  // nothing to write: same resourceVersion, no event
  }
  result.changed = true;
  if (spec.dry_run) {
    Canonicalize(desired, t.unstructured);
    result.object = MakeStored(std::move(desired), crd);
    return result;
  }
  if (!MetaString(live_full, "deletionTimestamp").empty() && FinalizersOf(desired).empty()) {
    // The last finalizer went: the object is deleted instead of updated,
    // and the DELETED event carries the stored state, as in the registry.
    result.deleted = true;
    result.object = core.CommitDelete(KeyFor(spec.type_id, t.namespaced ? spec.ns : "", name));
    return result;
  }
  result.object = core.CommitPut(spec.type_id, std::move(desired), crd);
  if (crd && IsCrdType(t) && crd != live.crd) core.registry.InstallCustom(ServableType(crd));
  return result;
}

}  // namespace srfleet::kubesim
