#include "agent/reconcile/dependency_index.h"

#include "absl/strings/str_cat.h"
#include "agent/reconcile/json_fields.h"

namespace srfleet::agent {
namespace {

std::string KeyOf(const Json& object) { return absl::StrCat(NamespaceOf(object), "/", NameOf(object)); }

bool LabelsMatch(const Json& object, const std::map<std::string, std::string>& selector) {
  const Json* labels = FindField(object, {"metadata", "labels"});
  if (!labels || !labels->is_object()) return false;
  for (const auto& [k, v] : selector) {
    if (StringField(*labels, {k.c_str()}) != v) return false;
  }
  return true;
}

}  // namespace

void DependencyIndex::Update(const Json& router) {
  Refs refs;
  refs.ns = NamespaceOf(router);
  static const Json kEmpty = Json::object();
  const Json* spec_ptr = FindField(router, {"spec"});
  const Json& spec = spec_ptr ? *spec_ptr : kEmpty;
  if (const Json* endpoints = FindField(spec, {"vllmEndpoints"}); endpoints && endpoints->is_array()) {
    for (const auto& e : *endpoints) {
      const std::string type = StringField(e, {"backend", "type"});
      if (type == "kserve") {
        refs.isvcs.insert(absl::StrCat(refs.ns, "/", StringField(e, {"backend", "inferenceServiceName"})));
      } else if (type == "service") {
        refs.services.insert(absl::StrCat(StringField(e, {"backend", "service", "namespace"}, refs.ns), "/",
                                          StringField(e, {"backend", "service", "name"})));
      } else if (type == "llamastack") {
        std::map<std::string, std::string> selector;
        if (const Json* labels = FindField(e, {"backend", "discoveryLabels"}); labels && labels->is_object()) {
          for (auto it = labels->begin(); it != labels->end(); ++it) {
            if (it.value().is_string()) selector[it.key()] = it.value().get<std::string>();
          }
        }
        if (!selector.empty()) refs.selectors.push_back(std::move(selector));
      }
    }
  }
  if (const Json* ref = FindField(spec, {"gateway", "existingRef"})) {
    refs.gateways.insert(absl::StrCat(StringField(*ref, {"namespace"}, refs.ns), "/", StringField(*ref, {"name"})));
  }
  refs.wants_claim = BoolField(spec, {"persistence", "enabled"}, true) &&
                     StringField(spec, {"persistence", "existingClaim"}).empty();
  absl::MutexLock lock(&mu_);
  routers_[KeyOf(router)] = std::move(refs);
}

void DependencyIndex::Remove(const Json& router) {
  absl::MutexLock lock(&mu_);
  routers_.erase(KeyOf(router));
}

std::vector<std::string> DependencyIndex::ForService(const Json& service) const {
  const std::string key = KeyOf(service), ns = NamespaceOf(service);
  std::vector<std::string> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [router, refs] : routers_) {
    bool hit = refs.services.count(key) > 0;
    if (!hit && refs.ns == ns) {
      for (const auto& selector : refs.selectors) {
        if (LabelsMatch(service, selector)) {
          hit = true;
          break;
        }
      }
    }
    if (hit) out.push_back(router);
  }
  return out;
}

std::vector<std::string> DependencyIndex::ForInferenceService(const Json& isvc) const {
  const std::string key = KeyOf(isvc);
  std::vector<std::string> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [router, refs] : routers_) {
    if (refs.isvcs.count(key)) out.push_back(router);
  }
  return out;
}

std::vector<std::string> DependencyIndex::ForGateway(const Json& gateway) const {
  const std::string key = KeyOf(gateway);
  std::vector<std::string> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [router, refs] : routers_) {
    if (refs.gateways.count(key)) out.push_back(router);
  }
  return out;
}

std::vector<std::string> DependencyIndex::ForStorageClass(const Json&) const {
  std::vector<std::string> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [router, refs] : routers_) {
    if (refs.wants_claim) out.push_back(router);
  }
  return out;
}

size_t DependencyIndex::size() const {
  absl::MutexLock lock(&mu_);
  return routers_.size();
}

}  // namespace srfleet::agent
