#include "shared/kubesim/builtin_validation.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/selectors.h"
#include "shared/text/k8s_names.h"

namespace srfleet::kubesim {
namespace {

using Type = FieldProblem::Type;

// Hand-written matchers for the regexes quoted in the messages below
// (std::regex would cost microseconds per name on every write).
bool LowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool AnyAlnum(char c) { return LowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

using text::IsDns1035Label;
using text::IsDns1123Label;
using text::IsDns1123Subdomain;

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool IsQualifiedNamePart(std::string_view v) {
  if (v.empty() || !AnyAlnum(v.front()) || !AnyAlnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return AnyAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool IsLabelValue(std::string_view v) { return v.empty() || IsQualifiedNamePart(v); }

// [-._a-zA-Z0-9]+
bool IsConfigKey(std::string_view v) {
  return !v.empty() &&
         std::all_of(v.begin(), v.end(), [](char c) { return AnyAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

constexpr char kLabelMsg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
constexpr char kSubdomainMsg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr char kDns1035Msg[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
    "is '[a-z]([-a-z0-9]*[a-z0-9])?')";
constexpr char kQualifiedNameMsg[] =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
constexpr char kLabelValueMsg[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
constexpr char kConfigKeyMsg[] =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
    "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

std::vector<std::string> LabelMessages(const std::string& v) {
  std::vector<std::string> out;
  if (v.size() > 63) out.push_back("must be no more than 63 characters");
  if (!IsDns1123Label(v)) out.push_back(kLabelMsg);
  return out;
}

std::vector<std::string> SubdomainMessages(const std::string& v) {
  std::vector<std::string> out;
  if (v.size() > 253) out.push_back("must be no more than 253 characters");
  if (!IsDns1123Subdomain(v)) out.push_back(kSubdomainMsg);
  return out;
}

std::vector<std::string> Dns1035Messages(const std::string& v) {
  std::vector<std::string> out;
  if (v.size() > 63) out.push_back("must be no more than 63 characters");
  if (!IsDns1035Label(v)) out.push_back(kDns1035Msg);
  return out;
}

std::vector<std::string> QualifiedNameMessages(const std::string& key) {
  std::vector<std::string> out;
  std::string name = key;
  if (auto slash = key.find('/'); slash != std::string::npos) {
    std::string prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) {
      out.push_back("prefix part must be non-empty");
    } else {
      for (auto& m : SubdomainMessages(prefix)) out.push_back("prefix part " + m);
    }
  }
  if (name.empty()) {
    out.push_back("name part must be non-empty");
  } else {
    if (name.size() > 63) out.push_back("name part must be no more than 63 characters");
    if (!IsQualifiedNamePart(name)) out.push_back(kQualifiedNameMsg);
  }
  return out;
}

void AddAll(std::vector<FieldProblem>& out, const std::string& field, const std::string& value,
            const std::vector<std::string>& messages) {
  for (const auto& m : messages) out.push_back({Type::kInvalid, field, GoQuote(value), m});
}

const Json* At(const Json& obj, std::initializer_list<const char*> path) {
  const Json* cur = &obj;
  for (const char* p : path) {
    cur = Child(*cur, p);
    if (!cur) return nullptr;
  }
  return cur;
}

bool IsInt(const Json* v) { return v && (v->is_number_integer() || v->is_number_unsigned()); }
int64_t IntOf(const Json* v) { return v->get<int64_t>(); }

std::string GoStringMap(const Json* m) {
  std::vector<std::string> parts;
  if (m && m->is_object()) {
    std::vector<std::string> keys;
    for (auto it = m->begin(); it != m->end(); ++it) keys.push_back(it.key());
    std::sort(keys.begin(), keys.end());
    for (const auto& k : keys) parts.push_back(GoQuote(k) + ":" + GoQuote(ChildString(*m, k)));
  }
  return "map[string]string{" + absl::StrJoin(parts, ", ") + "}";
}

void ValidatePortNumber(std::vector<FieldProblem>& out, const std::string& field, const Json* v) {
  if (!IsInt(v)) return;
  int64_t p = IntOf(v);
  if (p < 1 || p > 65535) out.push_back({Type::kInvalid, field, std::to_string(p), "must be between 1 and 65535, inclusive"});
}

void ValidateStringMap(std::vector<FieldProblem>& out, const std::string& field, const Json* map, bool values_are_labels) {
  if (!map || !map->is_object()) return;
  for (auto it = map->begin(); it != map->end(); ++it) {
    AddAll(out, field, it.key(), QualifiedNameMessages(it.key()));
    if (values_are_labels && it->is_string()) {
      std::string v = it->get<std::string>();
      std::vector<std::string> msgs;
      if (v.size() > 63) msgs.push_back("must be no more than 63 characters");
      if (!IsLabelValue(v)) msgs.push_back(kLabelValueMsg);
      AddAll(out, field, v, msgs);
    }
  }
}

void ValidateService(const Json& obj, std::vector<FieldProblem>& out) {
  const Json* spec = Child(obj, "spec");
  if (!spec) return;
  std::string type = ChildString(*spec, "type");
  static const std::set<std::string> kTypes = {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"};
  if (!type.empty() && !kTypes.count(type)) {
    out.push_back({Type::kNotSupported, "spec.type", GoQuote(type),
                   "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""});
  }
  const Json* ports = Child(*spec, "ports");
  bool headless = ChildString(*spec, "clusterIP") == "None";
  if ((!ports || !ports->is_array() || ports->empty()) && !headless && type != "ExternalName") {
    out.push_back({Type::kRequired, "spec.ports", "", ""});
  }
  std::set<std::string> names;
  if (ports && ports->is_array()) {
    for (size_t i = 0; i < ports->size(); ++i) {
      const Json& p = (*ports)[i];
      std::string base = absl::StrCat("spec.ports[", i, "]");
      std::string name = ChildString(p, "name");
      if (ports->size() > 1 && name.empty()) {
        out.push_back({Type::kRequired, base + ".name", "", ""});
      } else if (!name.empty()) {
        AddAll(out, base + ".name", name, LabelMessages(name));
        if (!names.insert(name).second) out.push_back({Type::kDuplicate, base + ".name", GoQuote(name), ""});
      }
      ValidatePortNumber(out, base + ".port", Child(p, "port"));
      if (!Child(p, "port")) out.push_back({Type::kRequired, base + ".port", "", ""});
      std::string protocol = ChildString(p, "protocol");
      if (!protocol.empty() && protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
        out.push_back({Type::kNotSupported, base + ".protocol", GoQuote(protocol), "\"SCTP\", \"TCP\", \"UDP\""});
      }
      const Json* target = Child(p, "targetPort");
      if (IsInt(target)) {
        ValidatePortNumber(out, base + ".targetPort", target);
      } else if (target && target->is_string()) {
        std::string t = target->get<std::string>();
        if (t.size() > 15) out.push_back({Type::kInvalid, base + ".targetPort", GoQuote(t), "must be no more than 15 characters"});
        if (std::none_of(t.begin(), t.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); })) {
          out.push_back({Type::kInvalid, base + ".targetPort", GoQuote(t), "must contain at least one letter (a-z)"});
        }
      }
    }
  }
  ValidateStringMap(out, "spec.selector", Child(*spec, "selector"), true);
}

void ValidateContainers(const Json* list, const std::string& base, const std::set<std::string>& volumes,
                        std::set<std::string>& names, std::vector<FieldProblem>& out) {
  if (!list || !list->is_array()) return;
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& c = (*list)[i];
    std::string path = absl::StrCat(base, "[", i, "]");
    std::string name = ChildString(c, "name");
    if (name.empty()) {
      out.push_back({Type::kRequired, path + ".name", "", ""});
    } else {
      AddAll(out, path + ".name", name, LabelMessages(name));
      if (!names.insert(name).second) out.push_back({Type::kDuplicate, path + ".name", GoQuote(name), ""});
    }
    if (ChildString(c, "image").empty()) out.push_back({Type::kRequired, path + ".image", "", ""});
    if (const Json* ports = Child(c, "ports"); ports && ports->is_array()) {
      for (size_t j = 0; j < ports->size(); ++j) {
        std::string pp = absl::StrCat(path, ".ports[", j, "]");
        const Json* cp = Child((*ports)[j], "containerPort");
        if (!cp) {
          out.push_back({Type::kRequired, pp + ".containerPort", "", ""});
        } else {
          ValidatePortNumber(out, pp + ".containerPort", cp);
        }
      }
    }
    if (const Json* mounts = Child(c, "volumeMounts"); mounts && mounts->is_array()) {
      for (size_t j = 0; j < mounts->size(); ++j) {
        std::string mname = ChildString((*mounts)[j], "name");
        if (!volumes.count(mname)) {
          out.push_back({Type::kNotFound, absl::StrCat(path, ".volumeMounts[", j, "].name"), GoQuote(mname), ""});
        }
      }
    }
  }
}

void ValidateDeployment(const Json& obj, const Json* old, std::vector<FieldProblem>& out) {
  const Json* spec = Child(obj, "spec");
  if (!spec) {
    out.push_back({Type::kRequired, "spec.selector", "", ""});
    return;
  }
  if (const Json* r = Child(*spec, "replicas"); IsInt(r) && IntOf(r) < 0) {
    out.push_back({Type::kInvalid, "spec.replicas", std::to_string(IntOf(r)), "must be greater than or equal to 0"});
  }
  const Json* selector = Child(*spec, "selector");
  const Json* labels = At(*spec, {"template", "metadata", "labels"});
  if (!selector) {
    out.push_back({Type::kRequired, "spec.selector", "", ""});
  } else {
    auto sel = LabelSelector::FromLabelSelectorJson(*selector);
    if (sel.ok() && sel->empty()) {
      out.push_back({Type::kInvalid, "spec.selector", "v1.LabelSelector{MatchLabels:map[string]string(nil), "
                                                      "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}",
                     "empty selector is invalid for deployment"});
    } else if (sel.ok() && !sel->MatchesLabels(labels)) {
      out.push_back({Type::kInvalid, "spec.template.metadata.labels", GoStringMap(labels),
                     "`selector` does not match template `labels`"});
    }
    if (old) {
      const Json* old_sel = At(*old, {"spec", "selector"});
      if (old_sel && !JsonEqual(*old_sel, *selector)) {
        out.push_back({Type::kInvalid, "spec.selector", "v1.LabelSelector{...}", "field is immutable"});
      }
    }
  }
  ValidateStringMap(out, "spec.template.metadata.labels", labels, true);
  const Json* pod = At(*spec, {"template", "spec"});
  const Json* containers = pod ? Child(*pod, "containers") : nullptr;
  if (!containers || !containers->is_array() || containers->empty()) {
    out.push_back({Type::kRequired, "spec.template.spec.containers", "", ""});
  }
  std::set<std::string> volumes;
  if (const Json* vs = pod ? Child(*pod, "volumes") : nullptr; vs && vs->is_array()) {
    for (const auto& v : *vs) volumes.insert(ChildString(v, "name"));
  }
  std::set<std::string> names;
  if (pod) {
    ValidateContainers(Child(*pod, "initContainers"), "spec.template.spec.initContainers", volumes, names, out);
    ValidateContainers(containers, "spec.template.spec.containers", volumes, names, out);
    std::string restart = ChildString(*pod, "restartPolicy");
    if (!restart.empty() && restart != "Always") {
      out.push_back({Type::kNotSupported, "spec.template.spec.restartPolicy", GoQuote(restart), "\"Always\""});
    }
  }
  std::string strategy = ChildString(Child(*spec, "strategy") ? *Child(*spec, "strategy") : Json(), "type");
  if (!strategy.empty() && strategy != "Recreate" && strategy != "RollingUpdate") {
    out.push_back({Type::kNotSupported, "spec.strategy.type", GoQuote(strategy), "\"Recreate\", \"RollingUpdate\""});
  }
  if (const Json* r = Child(*spec, "revisionHistoryLimit"); IsInt(r) && IntOf(r) < 0) {
    out.push_back({Type::kInvalid, "spec.revisionHistoryLimit", std::to_string(IntOf(r)),
                   "must be greater than or equal to 0"});
  }
}

void ValidateHpa(const Json& obj, std::vector<FieldProblem>& out) {
  const Json* spec = Child(obj, "spec");
  if (!spec) return;
  const Json* ref = Child(*spec, "scaleTargetRef");
  if (!ref || ChildString(*ref, "kind").empty()) out.push_back({Type::kRequired, "spec.scaleTargetRef.kind", "", ""});
  if (!ref || ChildString(*ref, "name").empty()) out.push_back({Type::kRequired, "spec.scaleTargetRef.name", "", ""});
  const Json* min = Child(*spec, "minReplicas");
  const Json* max = Child(*spec, "maxReplicas");
  if (IsInt(min) && IntOf(min) < 1) {
    out.push_back({Type::kInvalid, "spec.minReplicas", std::to_string(IntOf(min)), "must be greater than or equal to 1"});
  }
  if (IsInt(max) && IntOf(max) < 1) {
    out.push_back({Type::kInvalid, "spec.maxReplicas", std::to_string(IntOf(max)), "must be greater than 0"});
  }
  if (!max) out.push_back({Type::kInvalid, "spec.maxReplicas", "0", "must be greater than 0"});
  if (IsInt(min) && IsInt(max) && IntOf(max) < IntOf(min)) {
    out.push_back({Type::kInvalid, "spec.maxReplicas", std::to_string(IntOf(max)),
                   "must be greater than or equal to `minReplicas`"});
  }
}

void ValidatePdb(const Json& obj, std::vector<FieldProblem>& out) {
  const Json* spec = Child(obj, "spec");
  if (spec && Child(*spec, "minAvailable") && Child(*spec, "maxUnavailable")) {
    out.push_back({Type::kInvalid, "spec", "policy.PodDisruptionBudgetSpec{...}",
                   "minAvailable and maxUnavailable cannot be both set"});
  }
}

void ValidateIngress(const Json& obj, std::vector<FieldProblem>& out) {
  const Json* rules = At(obj, {"spec", "rules"});
  if (!rules || !rules->is_array()) return;
  for (size_t i = 0; i < rules->size(); ++i) {
    const Json* paths = At((*rules)[i], {"http", "paths"});
    if (!paths || !paths->is_array()) continue;
    for (size_t j = 0; j < paths->size(); ++j) {
      const Json& p = (*paths)[j];
      std::string base = absl::StrCat("spec.rules[", i, "].http.paths[", j, "]");
      std::string type = ChildString(p, "pathType");
      if (type.empty()) {
        out.push_back({Type::kRequired, base + ".pathType", "", "pathType must be specified"});
      } else if (type != "Exact" && type != "Prefix" && type != "ImplementationSpecific") {
        out.push_back({Type::kNotSupported, base + ".pathType", GoQuote(type),
                       "\"Exact\", \"ImplementationSpecific\", \"Prefix\""});
      }
      std::string path = ChildString(p, "path");
      if ((type == "Exact" || type == "Prefix") && (path.empty() || path[0] != '/')) {
        out.push_back({Type::kInvalid, base + ".path", GoQuote(path), "must be an absolute path"});
      }
      const Json* backend = Child(p, "backend");
      if (!backend || (!Child(*backend, "service") && !Child(*backend, "resource"))) {
        out.push_back({Type::kInvalid, base + ".backend", "\"\"", "must specify a backend"});
      }
    }
  }
}

void ValidatePvc(const Json& obj, std::vector<FieldProblem>& out) {
  const Json* spec = Child(obj, "spec");
  const Json* modes = spec ? Child(*spec, "accessModes") : nullptr;
  if (!modes || !modes->is_array() || modes->empty()) {
    out.push_back({Type::kRequired, "spec.accessModes", "", "at least 1 access mode is required"});
  }
  const Json* storage = spec ? At(*spec, {"resources", "requests", "storage"}) : nullptr;
  if (!storage) out.push_back({Type::kRequired, "spec.resources[storage]", "", ""});
}

void ValidateConfigData(const Json& obj, std::vector<FieldProblem>& out) {
  std::set<std::string> keys;
  for (const char* field : {"data", "binaryData"}) {
    const Json* data = Child(obj, field);
    if (!data || !data->is_object()) continue;
    for (auto it = data->begin(); it != data->end(); ++it) {
      std::string path = absl::StrCat(field, "[", it.key(), "]");
      std::vector<std::string> msgs;
      if (it.key().size() > 253) msgs.push_back("must be no more than 253 characters");
      if (!IsConfigKey(it.key())) msgs.push_back(kConfigKeyMsg);
      if (it.key() == "." || it.key() == "..") msgs.push_back("must not be '.' or '..'");
      AddAll(out, path, it.key(), msgs);
      if (!keys.insert(it.key()).second) out.push_back({Type::kInvalid, path, GoQuote(it.key()), "duplicate of key present in data"});
    }
  }
}

// Top-level fields of the built-in types' Go structs (besides type meta).
const std::set<std::string>* KnownTopLevel(const ResourceType& t) {
  static const std::set<std::string> kSpecStatus = {"spec", "status"};
  static const std::set<std::string> kConfigMap = {"data", "binaryData", "immutable"};
  static const std::set<std::string> kSecret = {"data", "stringData", "type", "immutable"};
  static const std::set<std::string> kServiceAccount = {"secrets", "imagePullSecrets", "automountServiceAccountToken"};
  static const std::set<std::string> kStorageClass = {"provisioner",    "parameters",           "reclaimPolicy",
                                                      "mountOptions",   "allowVolumeExpansion", "volumeBindingMode",
                                                      "allowedTopologies"};
  static const std::set<std::string> kEvent = {
      "involvedObject", "reason",  "message", "source",  "firstTimestamp",     "lastTimestamp",    "count",
      "type",           "eventTime", "series", "action", "related",            "reportingComponent", "reportingInstance"};
  static const std::set<std::string> kLease = {"spec"};
  if (t.unstructured) return nullptr;
  const std::string& r = t.resource;
  if (r == "configmaps") return &kConfigMap;
  if (r == "secrets") return &kSecret;
  if (r == "serviceaccounts") return &kServiceAccount;
  if (r == "storageclasses") return &kStorageClass;
  if (r == "events") return &kEvent;
  if (r == "leases") return &kLease;
  return &kSpecStatus;
}

bool IsObjectMetaField(const std::string& key) {
  static const std::set<std::string> kMeta = {
      "name",       "generateName",      "namespace",  "selfLink",        "uid",
      "resourceVersion", "generation",   "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
      "labels",     "annotations",       "ownerReferences",   "finalizers",  "managedFields"};
  return kMeta.count(key) > 0;
}

}  // namespace

std::vector<std::string> UnknownTopLevelFields(const ResourceType& type, const Json& object) {
  std::vector<std::string> out;
  if (!object.is_object()) return out;
  const std::set<std::string>* known = KnownTopLevel(type);
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& k = it.key();
    if (k == "apiVersion" || k == "kind" || k == "metadata") continue;
    if (known && !known->count(k)) out.push_back(k);
  }
  if (const Json* meta = Meta(object); meta && meta->is_object()) {
    for (auto it = meta->begin(); it != meta->end(); ++it) {
      if (!IsObjectMetaField(it.key())) out.push_back("metadata." + it.key());
    }
  }
  return out;
}

void PruneUnknownTopLevelFields(const ResourceType& type, Json& object) {
  for (const auto& path : UnknownTopLevelFields(type, object)) {
    if (path.rfind("metadata.", 0) == 0) {
      if (Json* meta = MutableChild(object, "metadata")) meta->erase(path.substr(9));
    } else {
      object.erase(path);
    }
  }
}

std::vector<std::string> ValidateResourceName(const ResourceType& type, const std::string& name) {
  if (type.group.empty() && type.resource == "namespaces") return LabelMessages(name);
  if (type.group.empty() && type.resource == "services") return Dns1035Messages(name);
  return SubdomainMessages(name);
}

std::vector<FieldProblem> ValidateObjectMeta(const ResourceType& type, const Json& object) {
  std::vector<FieldProblem> out;
  const Json* meta = Meta(object);
  std::string name = meta ? ChildString(*meta, "name") : "";
  if (name.empty()) {
    out.push_back({Type::kRequired, "metadata.name", "", "name or generateName is required"});
  } else {
    AddAll(out, "metadata.name", name, ValidateResourceName(type, name));
  }
  if (!meta) return out;
  ValidateStringMap(out, "metadata.labels", Child(*meta, "labels"), true);
  if (const Json* ann = Child(*meta, "annotations"); ann && ann->is_object()) {
    size_t total = 0;
    for (auto it = ann->begin(); it != ann->end(); ++it) {
      AddAll(out, "metadata.annotations", it.key(), QualifiedNameMessages(it.key()));
      total += it.key().size() + (it->is_string() ? it->get_ref<const std::string&>().size() : 0);
    }
    if (total > 262144) out.push_back({Type::kTooLong, "metadata.annotations", "", "must have at most 262144 bytes"});
  }
  if (const Json* fin = Child(*meta, "finalizers"); fin && fin->is_array()) {
    for (size_t i = 0; i < fin->size(); ++i) {
      if ((*fin)[i].is_string()) {
        AddAll(out, absl::StrCat("metadata.finalizers[", i, "]"), (*fin)[i].get<std::string>(),
               QualifiedNameMessages((*fin)[i].get<std::string>()));
      }
    }
  }
  if (const Json* refs = Child(*meta, "ownerReferences"); refs && refs->is_array()) {
    for (size_t i = 0; i < refs->size(); ++i) {
      const Json& r = (*refs)[i];
      std::string base = absl::StrCat("metadata.ownerReferences[", i, "]");
      if (ChildString(r, "apiVersion").empty()) out.push_back({Type::kInvalid, base + ".apiVersion", "\"\"", "version must not be empty"});
      if (ChildString(r, "kind").empty()) out.push_back({Type::kInvalid, base + ".kind", "\"\"", "kind must not be empty"});
      if (ChildString(r, "name").empty()) out.push_back({Type::kInvalid, base + ".name", "\"\"", "name must not be empty"});
      if (ChildString(r, "uid").empty()) out.push_back({Type::kInvalid, base + ".uid", "\"\"", "uid must not be empty"});
    }
  }
  return out;
}

std::vector<FieldProblem> ValidateBuiltin(const ResourceType& type, const Json& object, const Json* old_object) {
  std::vector<FieldProblem> out;
  if (type.unstructured) return out;
  const std::string& r = type.resource;
  if (r == "services") {
    ValidateService(object, out);
  } else if (r == "deployments") {
    ValidateDeployment(object, old_object, out);
  } else if (r == "horizontalpodautoscalers") {
    ValidateHpa(object, out);
  } else if (r == "poddisruptionbudgets") {
    ValidatePdb(object, out);
  } else if (r == "ingresses") {
    ValidateIngress(object, out);
  } else if (r == "persistentvolumeclaims") {
    ValidatePvc(object, out);
  } else if (r == "configmaps" || r == "secrets") {
    ValidateConfigData(object, out);
  } else if (r == "storageclasses") {
    if (ChildString(object, "provisioner").empty()) out.push_back({Type::kRequired, "provisioner", "", ""});
  }
  return out;
}

}  // namespace srfleet::kubesim
