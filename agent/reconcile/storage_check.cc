#include "agent/reconcile/storage_check.h"

#include "absl/strings/str_cat.h"
#include "agent/reconcile/json_fields.h"

namespace srfleet::agent {

std::string DefaultStorageClass(const ObjectCache& storage_classes) {
  for (const Json& sc : storage_classes.List("")) {  // sorted by name
    for (const char* key :
         {"storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"}) {
      const Json* annotations = FindField(sc, {"metadata", "annotations"});
      if (annotations && annotations->is_object() && StringField(*annotations, {key}) == "true") return NameOf(sc);
    }
  }
  return "";
}

StorageCheck CheckStorage(const Json& spec, const std::string& router_name, const ObjectCache* storage_classes) {
  StorageCheck out;
  const bool enabled = BoolField(spec, {"persistence", "enabled"}, true);
  const std::string existing = StringField(spec, {"persistence", "existingClaim"});
  if (!enabled) {
    out.reason = "PersistenceDisabled";
    out.message = "persistence is disabled: models live in an emptyDir and are downloaded again by each pod";
    return out;
  }
  if (!existing.empty()) {
    out.reason = "ExistingClaim";
    out.message = absl::StrCat("models are on the existing claim ", existing, " (not managed by srfleet)");
    return out;
  }
  out.pvc_wanted = true;
  const std::string pvc = router_name + "-models";
  const std::string named = StringField(spec, {"persistence", "storageClassName"});
  if (!storage_classes) {
    out.reason = "StorageClassNotChecked";
    out.message = absl::StrCat("PVC ", pvc, " requested; StorageClasses are not watched, so the class is not checked");
    out.storage_class = named;
    return out;
  }
  if (!named.empty()) {
    if (!storage_classes->Get("", named)) {
      out.ready = false;
      out.reason = "StorageClassMissing";
      const std::string fallback = DefaultStorageClass(*storage_classes);
      out.message = absl::StrCat("StorageClass \"", named, "\" does not exist, so PVC ", pvc,
                                 " was not created; create the class, set spec.persistence.storageClassName to an "
                                 "existing one",
                                 fallback.empty() ? "" : absl::StrCat(" (the cluster default is \"", fallback, "\")"),
                                 ", or leave it empty for the cluster default");
      return out;
    }
    out.reason = "StorageClassFound";
    out.storage_class = named;
    out.message = absl::StrCat("PVC ", pvc, " uses StorageClass ", named);
    return out;
  }
  const std::string def = DefaultStorageClass(*storage_classes);
  if (def.empty()) {
    out.ready = false;
    out.reason = "NoDefaultStorageClass";
    out.message = absl::StrCat("no StorageClass is named in spec.persistence.storageClassName and the cluster has no "
                               "default StorageClass, so PVC ",
                               pvc,
                               " was not created; name a class, mark one as default "
                               "(storageclass.kubernetes.io/is-default-class: \"true\"), set "
                               "spec.persistence.existingClaim, or disable persistence");
    return out;
  }
  out.reason = "StorageClassFound";
  out.storage_class = def;
  out.message = absl::StrCat("PVC ", pvc, " uses the cluster default StorageClass ", def);
  return out;
}

}  // namespace srfleet::agent
