#include "agent/hublink/status_reporter.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/hublink/intent_materializer.h"
#include "agent/hublink/router_status.h"
#include "agent/reconcile/json_fields.h"
#include "spdlog/spdlog.h"

namespace srfleet::agent::hublink {
namespace {

std::string KeyOf(const Json& router) { return absl::StrCat(NamespaceOf(router), "/", NameOf(router)); }

int64_t UnixMillis(absl::Time t) { return absl::ToUnixMillis(t); }

InformerOptions WithLogging(InformerOptions options) {
  if (!options.on_error) {
    options.on_error = [](const absl::Status& error) {
      spdlog::debug("msg=\"hub status informer: retrying\" error=\"{}\"", std::string(error.message()));
    };
  }
  return options;
}

}  // namespace

StatusReporter::StatusReporter(kube::KubeClient& client, StatusReporterOptions options)
    : options_(std::move(options)),
      informer_(client, SemanticRoutersRef().WithNamespace(options_.watch_namespace), WithLogging(options_.informer)) {
  ResourceEventHandlers handlers;
  handlers.on_add = [this](const Json& router) { MarkDirty(router); };
  handlers.on_update = [this](const Json&, const Json& router) { MarkDirty(router); };
  handlers.on_delete = [this](const Json& router) { MarkDirty(router); };
  informer_.AddHandlers(std::move(handlers));
}

StatusReporter::~StatusReporter() { Stop(); }

void StatusReporter::Start() { informer_.Start(); }
void StatusReporter::Stop() { informer_.Stop(); }
bool StatusReporter::Synced() const { return informer_.HasSynced(); }

void StatusReporter::MarkDirty(const Json& router) {
  absl::MutexLock lock(&mu_);
  dirty_[KeyOf(router)] = absl::Now();
}

void StatusReporter::BeginStream() {
  absl::MutexLock lock(&mu_);
  full_pending_ = true;
  sent_.clear();
}

size_t StatusReporter::pending() const {
  absl::MutexLock lock(&mu_);
  return dirty_.size();
}

std::optional<fleet::v1::StatusReport> StatusReporter::NextReport(absl::Time now) {
  absl::MutexLock lock(&mu_);
  fleet::v1::StatusReport report;
  if (full_pending_) {
    // A full report from a half-loaded cache would make the hub drop
    // routers that exist: wait for the first list.
    if (!informer_.HasSynced()) return std::nullopt;
    report.set_full(true);
    for (const Json& router : informer_.List(options_.watch_namespace)) {
      const std::string key = KeyOf(router);
      auto seen = dirty_.find(key);
      fleet::v1::RouterStatus status =
          RouterStatusFromObject(router, UnixMillis(seen != dirty_.end() ? seen->second : now));
      *report.add_routers() = status;
      sent_[key] = Sent{std::move(status), now};
    }
    dirty_.clear();
    full_pending_ = false;
    return report;
  }

  for (auto it = dirty_.begin(); it != dirty_.end();) {
    const std::string& key = it->first;
    const size_t slash = key.find('/');
    std::optional<Json> router = informer_.Get(key.substr(0, slash), key.substr(slash + 1));
    auto sent = sent_.find(key);
    if (!router) {
      // Gone: removal is final, so it is never throttled.
      if (sent != sent_.end()) {
        report.add_removed(key);
        sent_.erase(sent);
      }
      it = dirty_.erase(it);
      continue;
    }
    fleet::v1::RouterStatus status = RouterStatusFromObject(*router, UnixMillis(it->second));
    if (sent != sent_.end() && SameRouterStatus(sent->second.status, status)) {
      it = dirty_.erase(it);
      continue;
    }
    if (sent != sent_.end() && now - sent->second.at < options_.min_interval_per_router) {
      ++it;  // stays dirty: the trailing send carries the latest state
      continue;
    }
    *report.add_routers() = status;
    sent_[key] = Sent{std::move(status), now};
    it = dirty_.erase(it);
  }
  if (report.routers_size() == 0 && report.removed_size() == 0) return std::nullopt;
  return report;
}

}  // namespace srfleet::agent::hublink
