// What every write goes through between the request body and CommitPut,
// following the real registry: strategy (server-owned metadata, status vs
// spec isolation, generation), field validation (Strict/Warn/Ignore),
// defaulting, validation, managedFields, no-op detection, finalizers.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/json/json.h"
#include "shared/kubesim/cluster_core.h"

namespace srfleet::kubesim {

struct WriteSpec {
  TypeId type_id = 0;
  const ResourceType* type = nullptr;
  std::string version;  // request version (schema, response encoding)
  std::string ns;       // from the URL
  std::string name;     // from the URL ("" for POST)
  bool status_subresource = false;
  std::string manager;
  std::string field_validation = "Warn";  // Strict, Warn, Ignore
  bool dry_run = false;
  // Server-side apply: managedFields are already computed and unknown
  // fields already refused, so the pipeline must not redo either.
  bool apply = false;
};

struct WriteResult {
  StoredObject object;  // as committed (or as it would be, for dry runs)
  bool created = false;
  bool changed = false;  // false: nothing was written (no-op update)
  bool deleted = false;  // the update removed the last finalizer of a deleting object
  std::vector<std::string> warnings;
};

absl::StatusOr<WriteResult> CreateObject(ClusterCore& core, const WriteSpec& spec, Json body)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);
// `body` is the full desired object (a PUT body, or the live object with a
// patch applied).
absl::StatusOr<WriteResult> UpdateObject(ClusterCore& core, const WriteSpec& spec, const StoredObject& live, Json body)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);

// The schema a write of `type` in `version` is checked against (nullptr for
// built-ins, which kubesim validates natively).
const schema::SchemaNode* SchemaOf(const ResourceType& type, const std::string& version);

}  // namespace srfleet::kubesim
