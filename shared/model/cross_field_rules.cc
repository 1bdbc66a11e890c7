#include "shared/model/cross_field_rules.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "shared/model/quantity.h"
#include "shared/text/k8s_names.h"

namespace srfleet::model {
namespace {

using schema::ChildPath;
using schema::FieldError;
using schema::FieldErrors;
using schema::IndexPath;
using schema::KeyPath;

const Json* Find(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

bool Enabled(const Json* obj, bool default_value) {
  if (!obj) return false;
  const Json* e = Find(*obj, "enabled");
  return e && e->is_boolean() ? e->get<bool>() : default_value;
}

std::string QuantityText(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// A Pod whose request exceeds its limit is rejected when the Deployment
// controller creates it, long after apply; catch it here.
void CheckResources(const Json& spec, FieldErrors* errors) {
  const Json* resources = Find(spec, "resources");
  if (!resources) return;
  const Json* requests = Find(*resources, "requests");
  const Json* limits = Find(*resources, "limits");
  for (const char* section : {"requests", "limits"}) {
    const Json* m = Find(*resources, section);
    if (!m || !m->is_object()) continue;
    for (const auto& [name, value] : m->items()) {
      if (!ParseQuantity(QuantityText(value))) {
        errors->push_back({FieldError::Kind::kInvalid, KeyPath(ChildPath("spec.resources", section), name),
                           absl::StrCat("invalid quantity ", value.dump())});
      }
    }
  }
  if (!requests || !limits || !requests->is_object() || !limits->is_object()) return;
  for (const auto& [name, request] : requests->items()) {
    auto limit_it = limits->find(name);
    if (limit_it == limits->end()) continue;
    auto r = ParseQuantity(QuantityText(request));
    auto l = ParseQuantity(QuantityText(*limit_it));
    if (r && l && *r > *l) {
      errors->push_back({FieldError::Kind::kInvalid, KeyPath("spec.resources.requests", name),
                         absl::StrCat("request ", QuantityText(request), " exceeds the limit ",
                                      QuantityText(*limit_it))});
    }
  }
}

void CheckPersistence(const Json& spec, FieldErrors* errors) {
  const Json* p = Find(spec, "persistence");
  if (!Enabled(p, true)) return;
  const Json* claim = Find(*p, "existingClaim");
  if (claim && claim->is_string() && !claim->get<std::string>().empty()) return;
  const Json* size = Find(*p, "size");
  if (!size) return;
  auto bytes = ParseQuantity(QuantityText(*size));
  if (!bytes || *bytes <= 0) {
    errors->push_back({FieldError::Kind::kInvalid, "spec.persistence.size",
                       absl::StrCat("must be a positive quantity such as 10Gi, got ", size->dump())});
  }
}

void CheckToolsDb(const Json& spec, FieldErrors* errors) {
  const Json* tools = Find(spec, "toolsDb");
  if (!tools || !tools->is_array()) return;
  for (size_t i = 0; i < tools->size(); ++i) {
    const Json& entry = (*tools)[i];
    const Json* tool = Find(entry, "tool");
    const Json* function = tool ? Find(*tool, "function") : nullptr;
    const Json* nested_name = function ? Find(*function, "name") : nullptr;
    const Json* flat_name = Find(entry, "name");
    bool has_nested = nested_name && nested_name->is_string() && !nested_name->get<std::string>().empty();
    bool has_flat = flat_name && flat_name->is_string() && !flat_name->get<std::string>().empty();
    if (!has_nested && !has_flat) {
      errors->push_back({FieldError::Kind::kRequired, ChildPath(IndexPath("spec.toolsDb", i), "tool.function.name"),
                         "required (or the flat form's name): the router cannot index a tool without a name"});
    } else if (has_nested && has_flat && *nested_name != *flat_name) {
      errors->push_back({FieldError::Kind::kInvalid, ChildPath(IndexPath("spec.toolsDb", i), "name"),
                         absl::StrCat("conflicts with tool.function.name ", nested_name->dump())});
    }
  }
}

// The ports the router's Service exposes, by name.
std::vector<std::pair<std::string, int64_t>> ServicePorts(const Json& spec) {
  std::vector<std::pair<std::string, int64_t>> ports;
  const Json* service = Find(spec, "service");
  auto port_of = [&](const char* name, int64_t fallback) {
    const Json* block = service ? Find(*service, name) : nullptr;
    const Json* port = block ? Find(*block, "port") : nullptr;
    return port && port->is_number_integer() ? port->get<int64_t>() : fallback;
  };
  ports.emplace_back("grpc", port_of("grpc", 50051));
  ports.emplace_back("api", port_of("api", 8080));
  const Json* metrics = service ? Find(*service, "metrics") : nullptr;
  if (!metrics || Enabled(metrics, true)) ports.emplace_back("metrics", port_of("metrics", 9190));
  const Json* gateway = Find(spec, "gateway");
  if (!gateway || !Find(*gateway, "existingRef")) ports.emplace_back("envoy-http", 8801);
  return ports;
}

void CheckIngress(const Json& spec, FieldErrors* errors) {
  const Json* ingress = Find(spec, "ingress");
  if (!Enabled(ingress, false)) return;
  const Json* hosts = Find(*ingress, "hosts");
  if (!hosts || !hosts->is_array()) return;
  auto ports = ServicePorts(spec);
  for (size_t h = 0; h < hosts->size(); ++h) {
    const Json* paths = Find((*hosts)[h], "paths");
    if (!paths || !paths->is_array()) continue;
    for (size_t p = 0; p < paths->size(); ++p) {
      std::string where = IndexPath(ChildPath(IndexPath("spec.ingress.hosts", h), "paths"), p);
      const Json& path = (*paths)[p];
      const Json* text = Find(path, "path");
      if (text && text->is_string() && (text->get<std::string>().empty() || text->get<std::string>()[0] != '/')) {
        errors->push_back({FieldError::Kind::kInvalid, ChildPath(where, "path"),
                           absl::StrCat("must be an absolute path starting with \"/\", got ", text->dump())});
      }
      const Json* port = Find(path, "servicePort");
      if (port && port->is_number_integer()) {
        bool known = false;
        std::string names;
        for (const auto& [name, number] : ports) {
          known = known || number == port->get<int64_t>();
          names += absl::StrCat(names.empty() ? "" : ", ", name, "=", number);
        }
        if (!known) {
          errors->push_back({FieldError::Kind::kInvalid, ChildPath(where, "servicePort"),
                             absl::StrCat(port->get<int64_t>(), " is not a port of the router's Service (", names,
                                          ")")});
        }
      }
    }
  }
}

// A named probe port must exist on the router container, or the kubelet
// reports the probe failing forever.
void CheckProbes(const Json& spec, FieldErrors* errors) {
  for (const char* probe : {"startupProbe", "livenessProbe", "readinessProbe"}) {
    const Json* p = Find(spec, probe);
    if (!p) continue;
    for (const char* handler : {"httpGet", "tcpSocket"}) {
      const Json* h = Find(*p, handler);
      const Json* port = h ? Find(*h, "port") : nullptr;
      if (!port || !port->is_string()) continue;
      const std::string& name = port->get_ref<const std::string&>();
      if (name != "grpc" && name != "api" && name != "metrics") {
        errors->push_back({FieldError::Kind::kInvalid, absl::StrCat("spec.", probe, ".", handler, ".port"),
                           absl::StrCat("\"", name,
                                        "\" is not a port of the router container (use a number, or grpc, api, "
                                        "metrics)")});
      }
    }
  }
}

void CheckEndpoints(const Json& spec, FieldErrors* errors) {
  const Json* endpoints = Find(spec, "vllmEndpoints");
  if (!endpoints || !endpoints->is_array()) return;
  for (size_t i = 0; i < endpoints->size(); ++i) {
    const Json* backend = Find((*endpoints)[i], "backend");
    const Json* service = backend ? Find(*backend, "service") : nullptr;
    if (!service) continue;
    for (const char* field : {"name", "namespace"}) {
      const Json* v = Find(*service, field);
      if (!v || !v->is_string() || v->get<std::string>().empty()) continue;
      const std::string& s = v->get_ref<const std::string&>();
      if (s.size() > text::kMaxDnsLabelLength || !text::IsDns1123Label(s)) {
        errors->push_back({FieldError::Kind::kInvalid,
                           ChildPath(IndexPath("spec.vllmEndpoints", i), absl::StrCat("backend.service.", field)),
                           absl::StrCat("\"", s, "\" is not a valid DNS label (lowercase letters, digits, '-')")});
      }
    }
  }
}

}  // namespace

FieldErrors CheckCrossFieldRules(const Json& object) {
  FieldErrors errors;
  const Json* spec = Find(object, "spec");
  if (!spec || !spec->is_object()) return errors;
  CheckResources(*spec, &errors);
  CheckPersistence(*spec, &errors);
  CheckToolsDb(*spec, &errors);
  CheckIngress(*spec, &errors);
  CheckProbes(*spec, &errors);
  CheckEndpoints(*spec, &errors);
  return errors;
}

}  // namespace srfleet::model
