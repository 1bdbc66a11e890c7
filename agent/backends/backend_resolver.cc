#include "agent/backends/backend_resolver.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/reconcile/json_fields.h"

namespace srfleet::agent {
namespace {

std::string Endpoint(const render::ResolvedBackend& b) { return absl::StrCat(b.host, ":", b.port); }

std::string ServiceHost(const std::string& name, const std::string& ns) {
  return absl::StrCat(name, ".", ns, ".svc.cluster.local");
}

// Whether `ns` can be looked at (see BackendSources::watched_namespace).
bool Visible(const BackendSources& s, const std::string& ns) {
  return s.watched_namespace.empty() || s.watched_namespace == ns;
}

// Fills `b` from the InferenceService, or returns why it cannot.
std::string ResolveKServe(const BackendSources& s, const Json& endpoint, const std::string& ns,
                          render::ResolvedBackend& b) {
  const std::string isvc = StringField(endpoint, {"backend", "inferenceServiceName"});
  if (isvc.empty()) return "backend.inferenceServiceName is empty";
  if (!s.inference_services) {
    return absl::StrCat("KServe (serving.kserve.io/v1beta1 InferenceService) is not installed on this cluster; "
                        "install KServe or change the backend type");
  }
  std::optional<Json> live = s.inference_services->Get(ns, isvc);
  if (!live) {
    return absl::StrCat("InferenceService ", ns, "/", isvc, " not found; create it or fix inferenceServiceName");
  }
  // The address KServe publishes wins (it knows about its own ingress and
  // TLS); the predictor Service convention is the fallback.
  for (auto path : {std::initializer_list<const char*>{"status", "address", "url"},
                    std::initializer_list<const char*>{"status", "url"}}) {
    const std::string url = StringField(*live, path);
    if (!url.empty() && ParseServiceUrl(url, &b.host, &b.port, &b.protocol)) return "";
  }
  b.host = ServiceHost(isvc + "-predictor", ns);
  b.port = 8443;
  b.protocol = "https";
  return "";
}

std::string ResolveLlamaStack(const BackendSources& s, const Json& endpoint, const std::string& ns,
                              render::ResolvedBackend& b) {
  const Json* labels = FindField(endpoint, {"backend", "discoveryLabels"});
  std::vector<std::pair<std::string, std::string>> match;
  if (labels && labels->is_object()) {
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      if (it.value().is_string()) match.emplace_back(it.key(), it.value().get<std::string>());
    }
  }
  if (match.empty()) return "backend.discoveryLabels is empty";
  std::vector<std::string> selector;
  for (const auto& [k, v] : match) selector.push_back(absl::StrCat(k, "=", v));
  const std::string sel = absl::StrJoin(selector, ",");
  if (!s.services) return "Services are not watched yet";
  // List() is sorted by namespace/name: the choice is stable across passes.
  std::vector<Json> found = s.services->List(ns, match);
  if (found.empty()) {
    return absl::StrCat("no Service in namespace ", ns, " matches labels ", sel,
                        "; label the Llama Stack Service or fix discoveryLabels");
  }
  const Json& svc = found.front();
  const Json* ports = FindField(svc, {"spec", "ports"});
  if (!ports || !ports->is_array() || ports->empty()) {
    return absl::StrCat("Service ", ns, "/", NameOf(svc), " (matching ", sel, ") has no ports");
  }
  const Json* chosen = &(*ports)[0];
  for (const auto& p : *ports) {
    if (StringField(p, {"name"}) == "http") {
      chosen = &p;
      break;
    }
  }
  b.host = ServiceHost(NameOf(svc), ns);
  b.port = static_cast<int>(IntField(*chosen, {"port"}, 0));
  b.protocol = "http";
  if (b.port <= 0) return absl::StrCat("Service ", ns, "/", NameOf(svc), " has a port without a number");
  return "";
}

std::string ResolveService(const BackendSources& s, const Json& endpoint, const std::string& ns,
                           render::ResolvedBackend& b, std::string* note) {
  const Json* svc = FindField(endpoint, {"backend", "service"});
  if (!svc || !svc->is_object()) return "backend.service is missing";
  const std::string name = StringField(*svc, {"name"});
  const std::string svc_ns = StringField(*svc, {"namespace"}, ns);
  if (name.empty()) return "backend.service.name is empty";
  b.host = ServiceHost(name, svc_ns);
  b.port = static_cast<int>(IntField(*svc, {"port"}, 0));
  b.protocol = "http";
  if (b.port <= 0) return "backend.service.port is not set";
  if (!Visible(s, svc_ns)) {
    *note = absl::StrCat("not verified: the agent watches namespace ", s.watched_namespace, " only");
    return "";
  }
  if (!s.services) return "Services are not watched yet";
  if (!s.services->Get(svc_ns, name)) {
    return absl::StrCat("Service ", svc_ns, "/", name, " not found; create it or fix backend.service");
  }
  return "";
}

}  // namespace

Json BackendStatus::ToJson() const {
  Json j = Json::object();
  j["name"] = name;
  j["model"] = model;
  if (!endpoint.empty()) j["endpoint"] = endpoint;
  if (!protocol.empty()) j["protocol"] = protocol;
  j["resolved"] = resolved;
  if (!message.empty()) j["message"] = message;
  return j;
}

bool BackendResolution::AllResolved() const {
  for (const auto& s : statuses) {
    if (!s.resolved) return false;
  }
  return true;
}

std::string BackendResolution::UnresolvedSummary() const {
  std::vector<std::string> parts;
  for (const auto& s : statuses) {
    if (!s.resolved) parts.push_back(absl::StrCat(s.name, ": ", s.message));
  }
  return absl::StrJoin(parts, "; ");
}

BackendResolution BackendResolver::Resolve(const Json& spec, const std::string& ns) const {
  BackendResolution out;
  const Json* endpoints = FindField(spec, {"vllmEndpoints"});
  if (!endpoints || !endpoints->is_array()) return out;
  for (const auto& e : *endpoints) {
    render::ResolvedBackend b;
    b.endpoint_name = StringField(e, {"name"});
    b.model = StringField(e, {"model"});
    b.weight = static_cast<int>(IntField(e, {"weight"}, 1));
    if (b.weight <= 0) b.weight = 1;
    const std::string type = StringField(e, {"backend", "type"});
    std::string problem, note;
    if (type == "kserve") {
      problem = ResolveKServe(sources_, e, ns, b);
    } else if (type == "llamastack") {
      problem = ResolveLlamaStack(sources_, e, ns, b);
    } else if (type == "service") {
      problem = ResolveService(sources_, e, ns, b, &note);
    } else {
      problem = absl::StrCat("unknown backend type \"", type, "\"");
    }
    BackendStatus st;
    st.name = b.endpoint_name;
    st.model = b.model;
    st.resolved = problem.empty();
    if (st.resolved) {
      st.endpoint = Endpoint(b);
      st.protocol = b.protocol;
      st.message = note;
      out.resolved.push_back(std::move(b));
    } else {
      st.message = std::move(problem);
    }
    out.statuses.push_back(std::move(st));
  }
  return out;
}

bool ParseServiceUrl(const std::string& url, std::string* host, int* port, std::string* protocol) {
  std::string rest;
  int default_port = 0;
  if (url.rfind("https://", 0) == 0) {
    *protocol = "https";
    default_port = 443;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    *protocol = "http";
    default_port = 80;
    rest = url.substr(7);
  } else {
    return false;
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.empty() || rest.find('@') != std::string::npos) return false;
  std::string h = rest;
  int p = default_port;
  if (rest.front() == '[') {  // [v6]:port
    size_t close = rest.find(']');
    if (close == std::string::npos) return false;
    h = rest.substr(0, close + 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':' || !absl::SimpleAtoi(rest.substr(close + 2), &p)) return false;
    }
  } else if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
    h = rest.substr(0, colon);
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &p)) return false;
  }
  if (h.empty() || p <= 0 || p > 65535) return false;
  *host = h;
  *port = p;
  return true;
}

}  // namespace srfleet::agent
