// kube-apiserver's printers (pkg/printers/internalversion/printers.go, 1.30)
// for the built-in kinds kubesim serves. The server generates the wide form;
// kubectl drops priority-1 columns unless asked for -o wide.
#include <algorithm>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/table_columns.h"

namespace srfleet::kubesim {
namespace {

const Json* At(const Json& o, std::initializer_list<const char*> path) {
  const Json* v = &o;
  for (const char* key : path) {
    v = Child(*v, key);
    if (!v) return nullptr;
  }
  return v;
}
std::string Str(const Json& o, std::initializer_list<const char*> path) {
  const Json* v = At(o, path);
  return v && v->is_string() ? v->get<std::string>() : "";
}
int64_t Int(const Json& o, std::initializer_list<const char*> path) {
  const Json* v = At(o, path);
  if (v && v->is_number_integer()) return v->get<int64_t>();
  if (v && v->is_number_float()) return static_cast<int64_t>(v->get<double>());
  return 0;
}
size_t Size(const Json& o, std::initializer_list<const char*> path) {
  const Json* v = At(o, path);
  return v && (v->is_object() || v->is_array()) ? v->size() : 0;
}
std::vector<const Json*> Items(const Json& o, std::initializer_list<const char*> path) {
  std::vector<const Json*> out;
  if (const Json* v = At(o, path); v && v->is_array()) {
    for (const auto& e : *v) out.push_back(&e);
  }
  return out;
}
std::string Name(const Json& o) { return MetaString(o, "name"); }
std::string Age(const Json& o, TableTime now) { return AgeSince(MetaString(o, "creationTimestamp"), now); }
// IntOrString.String()
std::string IntOrString(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// labels.FormatLabels: sorted k=v pairs, "<none>" when empty.
std::string FormatLabels(const Json* labels) {
  if (!labels || !labels->is_object() || labels->empty()) return "<none>";
  std::set<std::string> pairs;
  for (auto it = labels->begin(); it != labels->end(); ++it) {
    pairs.insert(it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump()));
  }
  return absl::StrJoin(pairs, ",");
}

// metav1.LabelSelectorAsSelector(s).String(): requirements sorted by key.
std::string SelectorString(const Json* selector) {
  if (!selector || !selector->is_object()) return "";
  std::vector<std::pair<std::string, std::string>> reqs;
  if (const Json* ml = Child(*selector, "matchLabels"); ml && ml->is_object()) {
    for (auto it = ml->begin(); it != ml->end(); ++it) {
      reqs.push_back({it.key(), it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump())});
    }
  }
  if (const Json* exprs = Child(*selector, "matchExpressions"); exprs && exprs->is_array()) {
    for (const auto& e : *exprs) {
      const std::string key = ChildString(e, "key");
      const std::string op = ChildString(e, "operator");
      std::set<std::string> values;
      if (const Json* vs = Child(e, "values"); vs && vs->is_array()) {
        for (const auto& v : *vs) values.insert(v.is_string() ? v.get<std::string>() : v.dump());
      }
      const std::string list = "(" + absl::StrJoin(values, ",") + ")";
      if (op == "In") reqs.push_back({key, key + " in " + list});
      if (op == "NotIn") reqs.push_back({key, key + " notin " + list});
      if (op == "Exists") reqs.push_back({key, key});
      if (op == "DoesNotExist") reqs.push_back({key, "!" + key});
    }
  }
  std::stable_sort(reqs.begin(), reqs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> parts;
  for (auto& r : reqs) parts.push_back(std::move(r.second));
  return absl::StrJoin(parts, ",");
}

// layoutContainerCells
std::pair<std::string, std::string> Containers(const Json& o) {
  std::vector<std::string> names, images;
  for (const Json* c : Items(o, {"spec", "template", "spec", "containers"})) {
    names.push_back(ChildString(*c, "name"));
    images.push_back(ChildString(*c, "image"));
  }
  return {absl::StrJoin(names, ","), absl::StrJoin(images, ",")};
}

// Load-balancer ingress points (IP, else hostname), sorted and unique.
std::string LoadBalancerIngress(const Json& o) {
  std::set<std::string> result;
  for (const Json* i : Items(o, {"status", "loadBalancer", "ingress"})) {
    std::string ip = ChildString(*i, "ip");
    std::string host = ChildString(*i, "hostname");
    if (!ip.empty()) {
      result.insert(ip);
    } else if (!host.empty()) {
      result.insert(host);
    }
  }
  return absl::StrJoin(result, ",");
}

std::vector<std::string> Strings(const Json& o, std::initializer_list<const char*> path) {
  std::vector<std::string> out;
  for (const Json* v : Items(o, path)) {
    if (v->is_string()) out.push_back(v->get<std::string>());
  }
  return out;
}

TableColumn Col(const char* name, const char* type, const char* description, int priority = 0) {
  return {name, type, "", description, priority};
}
TableColumn NameCol() { return {"Name", "string", "name", kNameColumnDoc, 0}; }
TableColumn AgeCol() { return Col("Age", "string", kCreationTimestampDoc); }

// ---- per kind ----------------------------------------------------------------

Json Namespace(const Json& o, TableTime now) { return Json::array({Name(o), Str(o, {"status", "phase"}), Age(o, now)}); }

Json ConfigMap(const Json& o, TableTime now) {
  return Json::array({Name(o), static_cast<int64_t>(Size(o, {"data"}) + Size(o, {"binaryData"})), Age(o, now)});
}

Json Secret(const Json& o, TableTime now) {
  return Json::array({Name(o), Str(o, {"type"}), static_cast<int64_t>(Size(o, {"data"})), Age(o, now)});
}

Json ServiceAccount(const Json& o, TableTime now) {
  return Json::array({Name(o), static_cast<int64_t>(Size(o, {"secrets"})), Age(o, now)});
}

Json Service(const Json& o, TableTime now) {
  const std::string type = Str(o, {"spec", "type"});
  std::vector<std::string> cluster_ips = Strings(o, {"spec", "clusterIPs"});
  std::vector<std::string> external = Strings(o, {"spec", "externalIPs"});
  std::string external_ip = "<unknown>";
  if (type == "ClusterIP" || type == "NodePort") {
    external_ip = external.empty() ? "<none>" : absl::StrJoin(external, ",");
  } else if (type == "LoadBalancer") {
    std::string lb = LoadBalancerIngress(o);
    std::vector<std::string> all;
    if (!lb.empty()) all.push_back(lb);
    for (auto& e : external) all.push_back(e);
    external_ip = all.empty() ? "<pending>" : absl::StrJoin(all, ",");
  } else if (type == "ExternalName") {
    external_ip = Str(o, {"spec", "externalName"});
  }
  std::vector<std::string> ports;
  for (const Json* p : Items(o, {"spec", "ports"})) {
    const int64_t node_port = Int(*p, {"nodePort"});
    ports.push_back(node_port > 0 ? absl::StrCat(Int(*p, {"port"}), ":", node_port, "/", ChildString(*p, "protocol"))
                                  : absl::StrCat(Int(*p, {"port"}), "/", ChildString(*p, "protocol")));
  }
  return Json::array({Name(o), type, cluster_ips.empty() ? "<none>" : cluster_ips[0], external_ip,
                      ports.empty() ? "<none>" : absl::StrJoin(ports, ","), Age(o, now),
                      FormatLabels(At(o, {"spec", "selector"}))});
}

// helper.GetAccessModesAsString
std::string AccessModes(const std::vector<std::string>& modes) {
  std::vector<std::string> out;
  auto has = [&](const char* m) { return std::find(modes.begin(), modes.end(), m) != modes.end(); };
  if (has("ReadWriteOnce")) out.push_back("RWO");
  if (has("ReadOnlyMany")) out.push_back("ROX");
  if (has("ReadWriteMany")) out.push_back("RWX");
  if (has("ReadWriteOncePod")) out.push_back("RWOP");
  return absl::StrJoin(out, ",");
}

Json PersistentVolumeClaim(const Json& o, TableTime now) {
  std::string phase = Str(o, {"status", "phase"});
  if (!MetaString(o, "deletionTimestamp").empty()) phase = "Terminating";
  const std::string volume = Str(o, {"spec", "volumeName"});
  std::string capacity, modes;
  if (!volume.empty()) {
    const Json* storage = At(o, {"status", "capacity", "storage"});
    capacity = storage ? IntOrString(*storage) : "0";
    modes = AccessModes(Strings(o, {"status", "accessModes"}));
  }
  std::string storage_class = Str(o, {"spec", "storageClassName"});
  if (const Json* beta = At(o, {"metadata", "annotations", "volume.beta.kubernetes.io/storage-class"});
      beta && beta->is_string()) {
    storage_class = beta->get<std::string>();
  }
  const Json* vac = At(o, {"spec", "volumeAttributesClassName"});
  const Json* mode = At(o, {"spec", "volumeMode"});
  return Json::array({Name(o), phase, volume, capacity, modes, storage_class,
                      vac && vac->is_string() ? vac->get<std::string>() : "<unset>", Age(o, now),
                      mode && mode->is_string() ? mode->get<std::string>() : "<unset>"});
}

Json Event(const Json& o, TableTime now) {
  std::string first = AgeSince(Str(o, {"firstTimestamp"}), now);
  if (Str(o, {"firstTimestamp"}).empty()) first = AgeSince(Str(o, {"eventTime"}), now);
  std::string last = Str(o, {"lastTimestamp"}).empty() ? first : AgeSince(Str(o, {"lastTimestamp"}), now);
  int64_t count = Int(o, {"count"});
  if (const Json* series = At(o, {"series"}); series && series->is_object()) {
    last = AgeSince(Str(o, {"series", "lastObservedTime"}), now);
    count = Int(o, {"series", "count"});
  } else if (count == 0) {
    count = 1;  // singleton events of the new API carry no count
  }
  const std::string kind = absl::AsciiStrToLower(Str(o, {"involvedObject", "kind"}));
  const std::string target = Str(o, {"involvedObject", "name"}).empty() ? kind
                                                                         : kind + "/" + Str(o, {"involvedObject", "name"});
  std::string component = Str(o, {"source", "component"});
  if (component.empty()) component = Str(o, {"reportingComponent"});
  std::string instance = Str(o, {"source", "host"});
  if (instance.empty()) instance = Str(o, {"reportingInstance"});
  const std::string source = instance.empty() ? component : component + ", " + instance;
  return Json::array({last, Str(o, {"type"}), Str(o, {"reason"}), target, Str(o, {"involvedObject", "fieldPath"}),
                      source, std::string(absl::StripAsciiWhitespace(Str(o, {"message"}))), first, count, Name(o)});
}

Json StorageClass(const Json& o, TableTime now) {
  std::string name = Name(o);
  if (Str(o, {"metadata", "annotations", "storageclass.kubernetes.io/is-default-class"}) == "true" ||
      Str(o, {"metadata", "annotations", "storageclass.beta.kubernetes.io/is-default-class"}) == "true") {
    name += " (default)";
  }
  std::string reclaim = Str(o, {"reclaimPolicy"});
  std::string binding = Str(o, {"volumeBindingMode"});
  const Json* expansion = At(o, {"allowVolumeExpansion"});
  return Json::array({name, Str(o, {"provisioner"}), reclaim.empty() ? "Delete" : reclaim,
                      binding.empty() ? "Immediate" : binding, expansion && expansion->is_boolean() && expansion->get<bool>(),
                      Age(o, now)});
}

Json Deployment(const Json& o, TableTime now) {
  auto [names, images] = Containers(o);
  return Json::array({Name(o), absl::StrCat(Int(o, {"status", "readyReplicas"}), "/", Int(o, {"spec", "replicas"})),
                      Int(o, {"status", "updatedReplicas"}), Int(o, {"status", "availableReplicas"}), Age(o, now), names,
                      images, SelectorString(At(o, {"spec", "selector"}))});
}

// formatHPAMetrics: the first two metrics as current/target.
std::string HpaMetrics(const Json& o) {
  std::vector<const Json*> specs = Items(o, {"spec", "metrics"});
  std::vector<const Json*> statuses = Items(o, {"status", "currentMetrics"});
  if (specs.empty()) return "<none>";
  std::vector<std::string> list;
  for (size_t i = 0; i < specs.size(); ++i) {
    const Json& spec = *specs[i];
    const std::string type = ChildString(spec, "type");
    const Json* status = i < statuses.size() ? statuses[i] : nullptr;
    auto current = [&](std::initializer_list<const char*> path) -> std::string {
      const Json* v = status ? At(*status, path) : nullptr;
      return v ? IntOrString(*v) : "<unknown>";
    };
    auto target = [&](std::initializer_list<const char*> path) -> const Json* { return At(spec, path); };
    if (type == "Resource" || type == "ContainerResource") {
      const char* key = type == "Resource" ? "resource" : "containerResource";
      const std::string name = Str(spec, {key, "name"});
      if (const Json* avg = target({key, "target", "averageValue"})) {
        list.push_back(absl::StrCat(name, ": ", current({key, "current", "averageValue"}), "/", IntOrString(*avg)));
      } else {
        const Json* cur = status ? At(*status, {key, "current", "averageUtilization"}) : nullptr;
        const Json* util = target({key, "target", "averageUtilization"});
        list.push_back(absl::StrCat(name, ": ", cur ? IntOrString(*cur) + "%" : "<unknown>", "/",
                                    util ? IntOrString(*util) + "%" : "<auto>"));
      }
    } else if (type == "Pods") {
      const Json* avg = target({"pods", "target", "averageValue"});
      list.push_back(current({"pods", "current", "averageValue"}) + "/" + (avg ? IntOrString(*avg) : ""));
    } else if (type == "Object" || type == "External") {
      const char* key = type == "Object" ? "object" : "external";
      if (const Json* avg = target({key, "target", "averageValue"})) {
        list.push_back(current({key, "current", "averageValue"}) + "/" + IntOrString(*avg) + " (avg)");
      } else {
        const Json* value = target({key, "target", "value"});
        list.push_back(current({key, "current", "value"}) + "/" + (value ? IntOrString(*value) : ""));
      }
    } else {
      list.push_back("<unknown type>");
    }
  }
  const size_t count = list.size();
  if (count > 2) {
    list.resize(2);
    return absl::StrCat(absl::StrJoin(list, ", "), " + ", count - 2, " more...");
  }
  return absl::StrJoin(list, ", ");
}

Json HorizontalPodAutoscaler(const Json& o, TableTime now) {
  const Json* min = At(o, {"spec", "minReplicas"});
  return Json::array({Name(o),
                      absl::StrCat(Str(o, {"spec", "scaleTargetRef", "kind"}), "/",
                                   Str(o, {"spec", "scaleTargetRef", "name"})),
                      HpaMetrics(o), min ? IntOrString(*min) : "<unset>", Int(o, {"spec", "maxReplicas"}),
                      Int(o, {"status", "currentReplicas"}), Age(o, now)});
}

Json Ingress(const Json& o, TableTime now) {
  std::vector<std::string> hosts;
  const std::vector<const Json*> rules = Items(o, {"spec", "rules"});
  bool more = false;
  for (const Json* r : rules) {
    if (hosts.size() == 3) more = true;
    if (!more && !ChildString(*r, "host").empty()) hosts.push_back(ChildString(*r, "host"));
  }
  std::string host_text = hosts.empty() ? "*" : absl::StrJoin(hosts, ",");
  if (more) host_text = absl::StrCat(host_text, " + ", rules.size() - 3, " more...");
  const std::string cls = Str(o, {"spec", "ingressClassName"});
  return Json::array({Name(o), At(o, {"spec", "ingressClassName"}) ? cls : "<none>", host_text,
                      LoadBalancerIngress(o), Size(o, {"spec", "tls"}) ? "80, 443" : "80", Age(o, now)});
}

Json PodDisruptionBudget(const Json& o, TableTime now) {
  const Json* min = At(o, {"spec", "minAvailable"});
  const Json* max = At(o, {"spec", "maxUnavailable"});
  return Json::array({Name(o), min ? IntOrString(*min) : "N/A", max ? IntOrString(*max) : "N/A",
                      Int(o, {"status", "disruptionsAllowed"}), Age(o, now)});
}

Json Lease(const Json& o, TableTime now) { return Json::array({Name(o), Str(o, {"spec", "holderIdentity"}), Age(o, now)}); }

struct Printer {
  const char* group;
  const char* resource;
  std::vector<TableColumn> columns;
  TableCellsFn cells;
};

const std::vector<Printer>& Printers() {
  static const auto* printers = new std::vector<Printer>{
      {"", "namespaces", {NameCol(), Col("Status", "string", "The status of the namespace"), AgeCol()}, Namespace},
      {"", "configmaps", {NameCol(), Col("Data", "string", "Data contains the configuration data."), AgeCol()}, ConfigMap},
      {"", "secrets",
       {NameCol(), Col("Type", "string", "Used to facilitate programmatic handling of secret data."),
        Col("Data", "string", "Data contains the secret data."), AgeCol()},
       Secret},
      {"", "serviceaccounts",
       {NameCol(), Col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running "
                                           "using this ServiceAccount are allowed to use."),
        AgeCol()},
       ServiceAccount},
      {"", "services",
       {NameCol(), Col("Type", "string", "type determines how the Service is exposed."),
        Col("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
        Col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also "
                                     "accept traffic for this service."),
        Col("Port(s)", "string", "The list of ports that are exposed by this service."), AgeCol(),
        Col("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.",
            1)},
       Service},
      {"", "persistentvolumeclaims",
       {NameCol(), Col("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
        Col("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
        Col("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
        Col("Access Modes", "string", "accessModes contains the actual access modes the volume backing the PVC has."),
        Col("StorageClass", "string", "StorageClass of the pvc"),
        Col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"), AgeCol(),
        Col("VolumeMode", "string", "volumeMode defines what type of volume is required by the claim.", 1)},
       PersistentVolumeClaim},
      {"", "events",
       {Col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
        Col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
        Col("Reason", "string", "This should be a short, machine understandable string that gives the reason for "
                                "the transition into the object's current status."),
        Col("Object", "string", "The object that this event is about."),
        Col("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string "
                                   "should contain a valid JSON/Go field access statement.", 1),
        Col("Source", "string", "The component reporting this event. Should be a short machine understandable "
                                "string.", 1),
        Col("Message", "string", "A human-readable description of the status of this operation."),
        Col("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in "
                                    "TypeMeta.)", 1),
        Col("Count", "string", "The number of times this event has occurred.", 1),
        {"Name", "string", "name", kNameColumnDoc, 1}},
       Event},
      {"storage.k8s.io", "storageclasses",
       {NameCol(), Col("Provisioner", "string", "provisioner indicates the type of the provisioner."),
        Col("ReclaimPolicy", "string", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned "
                                       "PersistentVolumes of this storage class. Defaults to Delete."),
        Col("VolumeBindingMode", "string", "volumeBindingMode indicates how PersistentVolumeClaims should be "
                                           "provisioned and bound.  When unset, VolumeBindingImmediate is used."),
        Col("AllowVolumeExpansion", "string", "allowVolumeExpansion shows whether the storage class allow volume "
                                              "expand."),
        AgeCol()},
       StorageClass},
      {"apps", "deployments",
       {NameCol(), Col("Ready", "string", "Number of the pod with ready state"),
        Col("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the "
                                    "desired template spec."),
        Col("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by "
                                   "this deployment."),
        AgeCol(), Col("Containers", "string", "Names of each container in the template.", 1),
        Col("Images", "string", "Images referenced by each container in the template.", 1),
        Col("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will "
                                  "be the ones affected by this deployment.", 1)},
       Deployment},
      {"autoscaling", "horizontalpodautoscalers",
       {NameCol(), Col("Reference", "string", "reference to scaled resource; horizontal pod autoscaler will learn "
                                              "the current resource consumption and will set the desired number of "
                                              "pods by using its Scale subresource."),
        Col("Targets", "string", "metrics contains the specifications for which to use to calculate the desired "
                                 "replica count (the maximum replica count across all metrics will be used)."),
        Col("MinPods", "string", "minReplicas is the lower limit for the number of replicas to which the autoscaler "
                                 "can scale down."),
        Col("MaxPods", "string", "maxReplicas is the upper limit for the number of replicas to which the autoscaler "
                                 "can scale up."),
        Col("Replicas", "string", "currentReplicas is current number of replicas of pods managed by this "
                                  "autoscaler, as last seen by the autoscaler."),
        AgeCol()},
       HorizontalPodAutoscaler},
      {"networking.k8s.io", "ingresses",
       {NameCol(),
        Col("Class", "string", "The name of the IngressClass resource that should be used for additional "
                               "configuration"),
        Col("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
        Col("Address", "string", "Address is a list containing ingress points for the load-balancer"),
        Col("Ports", "string", "Ports of TLS configurations that open"), AgeCol()},
       Ingress},
      {"policy", "poddisruptionbudgets",
       {NameCol(), Col("Min Available", "string", "The minimum number of pods that must be available."),
        Col("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
        Col("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
        AgeCol()},
       PodDisruptionBudget},
      {"coordination.k8s.io", "leases",
       {NameCol(), Col("Holder", "string", "holderIdentity contains the identity of the holder of a current lease."),
        AgeCol()},
       Lease},
  };
  return *printers;
}

}  // namespace

bool BuiltinPrinter(const std::string& group, const std::string& resource, std::vector<TableColumn>* columns,
                    TableCellsFn* cells) {
  for (const auto& p : Printers()) {
    if (group == p.group && resource == p.resource) {
      *columns = p.columns;
      *cells = p.cells;
      return true;
    }
  }
  return false;
}

}  // namespace srfleet::kubesim
