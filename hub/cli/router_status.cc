#include "hub/cli/router_status.h"

#include "absl/strings/str_cat.h"

namespace srfleet::cli {
namespace {

// Higher is worse. Phases we do not know rank with Progressing.
int Severity(const std::string& phase) {
  if (phase == "Running") return 0;
  if (phase == "Failed") return 5;
  if (phase == "NACKed") return 4;
  if (phase == "Degraded") return 3;
  if (phase == "Pending") return 2;
  return 1;
}

}  // namespace

std::string RouterRef(const std::string& ns, const std::string& name) {
  return absl::StrCat(kRouterResource, "/", ns, "/", name);
}

std::string IntentIdFor(const std::string& name_arg, const std::string& ns) {
  std::string name = name_arg;
  for (const char* prefix : {"semanticrouter.vllm.ai/", "semanticrouters.vllm.ai/", "semanticrouter/"}) {
    if (name.rfind(prefix, 0) == 0) {
      name = name.substr(std::string(prefix).size());
      break;
    }
  }
  if (name.find('/') != std::string::npos) return name;
  return absl::StrCat(ns.empty() ? "default" : ns, "/", name);
}

const v1::Delivery* FindDelivery(const v1::IntentView& view, const std::string& cluster) {
  for (const auto& d : view.deliveries()) {
    if (d.cluster() == cluster) return &d;
  }
  return nullptr;
}

std::string ClusterPhase(const v1::IntentView& view, const v1::Delivery* delivery) {
  if (!view.hub_managed()) {
    if (delivery == nullptr || !delivery->has_status() || delivery->status().phase().empty()) return "Unknown";
    return delivery->status().phase();
  }
  if (delivery == nullptr) return "Progressing";
  if (!delivery->nack_error().empty()) return "NACKed";
  if (!delivery->has_status() || delivery->status().intent_revision() != view.revision() ||
      delivery->status().phase().empty()) {
    return "Progressing";
  }
  return delivery->status().phase();
}

RouterSummary Summarize(const v1::IntentView& view) {
  RouterSummary summary;
  std::string worst;
  auto consider = [&](const std::string& phase) {
    if (phase == "Running") ++summary.ready;
    if (worst.empty() || Severity(phase) > Severity(worst)) worst = phase;
  };
  if (!view.hub_managed()) {
    for (const auto& d : view.deliveries()) {
      if (!d.has_status()) continue;
      ++summary.clusters;
      consider(ClusterPhase(view, &d));
    }
    summary.phase = summary.clusters == 0 ? "Unknown" : worst;
    return summary;
  }
  summary.clusters = view.target_clusters_size();
  if (summary.clusters == 0) {
    summary.phase = "Unscheduled";
    return summary;
  }
  for (const auto& cluster : view.target_clusters()) consider(ClusterPhase(view, FindDelivery(view, cluster)));
  // A refused push anywhere, even to a cluster being cleaned up, needs eyes.
  for (const auto& d : view.deliveries()) {
    if (!d.nack_error().empty()) consider("NACKed");
  }
  summary.phase = worst;
  return summary;
}

}  // namespace srfleet::cli
