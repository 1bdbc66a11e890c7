// Whether the models PVC a router wants can be provisioned: the named
// StorageClass must exist, or, with none named, the cluster must have a
// default class. Checked before creating the PVC so a typo shows up as a
// condition a person can act on instead of a claim pending forever.
#pragma once

#include <string>

#include "agent/controller/object_cache.h"
#include "shared/json/json.h"

namespace srfleet::agent {

struct StorageCheck {
  bool pvc_wanted = false;  // persistence enabled without existingClaim
  bool ready = true;        // StorageReady
  std::string reason;       // CamelCase, for the condition
  std::string message;
  std::string storage_class;  // the class the PVC will get, when known
};

// `storage_classes` may be null (not watched): then the check cannot fail.
StorageCheck CheckStorage(const Json& router_spec, const std::string& router_name, const ObjectCache* storage_classes);

// The class annotated storageclass.kubernetes.io/is-default-class (or the
// beta annotation) "true"; the first by name when several are.
std::string DefaultStorageClass(const ObjectCache& storage_classes);

}  // namespace srfleet::agent
