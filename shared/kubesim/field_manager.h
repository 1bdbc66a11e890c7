// Field ownership for kubesim: server-side apply and metadata.managedFields,
// reproducing the real API server (structured-merge-diff, "SMD"):
//
//  - Apply merges the applied configuration into the live object: objects
//    per field, map-type lists per key, set-type lists per value, atomic lists
//    and maps replaced. Setting a field to a different value that another
//    manager owns is a conflict unless forced (force moves the ownership).
//    Fields the applier owned and no longer applies are removed from the
//    object unless another manager owns them too.
//  - Non-apply writes (create, update, patch, status) hand the fields they
//    change to the writer's "Update" entry; every other manager (Apply or
//    Update) loses the fields whose value changed, as the real server does
//    ("whenever a field's value does change, ownership moves").
//
// Entries are written as the server writes them (manager, operation,
// apiVersion, time, fieldsType "FieldsV1", fieldsV1[, subresource]), Apply
// entries first, then by time, manager, apiVersion and subresource.
//
// List semantics come from the schema (x-kubernetes-list-type/-list-map-keys,
// or x-kubernetes-patch-merge-key); without a schema, from a built-in table of
// the core types (containers/env/volumes by name, container ports by
// containerPort+protocol, Service ports by port+protocol, volumeMounts by
// mountPath, ...). ObjectMeta always uses the built-in table.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/schema/schema_node.h"

namespace srfleet::kubesim {

struct FieldConflict {
  std::string manager;
  std::string field;  // ".data.key", ".spec.containers[name=\"router\"].image"
};

struct ApplyOutcome {
  Json object;  // null when there are conflicts
  std::vector<FieldConflict> conflicts;
  bool changed = false;
};

// Server-side apply of `config` (apiVersion, kind, metadata, spec...) by
// `manager`. live == nullptr: create. On conflicts (and !force) returns the
// conflicts and leaves `object` null. Otherwise returns the merged object with
// metadata.managedFields updated (the applier's entry gets `now_rfc3339` when
// the object or its fields change). `changed` is false when the result equals
// `live` (a no-op re-apply; `object` is then `*live` verbatim), so the caller
// keeps the resourceVersion and emits no watch event. The server-owned
// metadata (uid, resourceVersion, generation, creationTimestamp,
// deletionTimestamp, managedFields) and status are never taken from `config`.
// Errors: InvalidArgument for a config that is not an object, lacks
// apiVersion/kind, or has map-list items without keys or duplicate keys.
absl::StatusOr<ApplyOutcome> ApplyWithFieldManager(const Json* live, const Json& config, const std::string& manager,
                                                   bool force, const std::string& now_rfc3339,
                                                   const schema::SchemaNode* schema /*nullable*/);

// Ownership for non-apply writes (create when old_object is null, update,
// patch, or the status subresource): returns `new_object` with
// metadata.managedFields updated. Fields this write set or changed become
// owned by `manager` (operation "Update", the object's apiVersion, and
// `subresource` when given, e.g. "status"); they leave every other entry.
// A client may replace managedFields in the request (honored) or clear them
// with `[{}]` (the object is then stored without managedFields). Never fails:
// on malformed input the object is returned with its managedFields as sent.
Json RecordUpdate(const Json* old_object, const Json& new_object, const std::string& manager,
                  const std::string& now_rfc3339, const schema::SchemaNode* schema,
                  const std::string& subresource = "");

}  // namespace srfleet::kubesim
