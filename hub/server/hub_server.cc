#include "hub/server/hub_server.h"

#include <atomic>
#include <thread>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "hub/server/agent_link_service.h"
#include "hub/server/event_bus.h"
#include "hub/server/fleet_service.h"
#include "hub/server/hub_metrics.h"
#include "shared/ops/http_server.h"

namespace srfleet::hub {

struct HubServer::Impl {
  Impl(IntentStore& store, HubOptions opts)
      : options(std::move(opts)),
        distributor(store, metrics, events, options.distributor),
        agent_link(distributor, metrics, options.mtls_required),
        fleet(distributor, events, metrics, options.mtls_required, options.admin_names) {
    fleet.set_store(&store);
  }

  HubOptions options;
  HubMetrics metrics;
  EventBus events;
  IntentDistributor distributor;
  AgentLinkService agent_link;
  FleetService fleet;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<ops::HttpServer> http;
  int port = 0;
  std::thread ticker;
  absl::Notification stop_ticker;
  std::atomic<bool> stopped{false};
};

HubServer::HubServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HubServer::~HubServer() { Stop(); }

absl::StatusOr<std::unique_ptr<HubServer>> HubServer::Start(IntentStore& store, HubOptions options) {
  auto impl = std::make_unique<Impl>(store, std::move(options));
  if (absl::Status s = impl->distributor.Load(); !s.ok()) return s;
  const HubOptions& o = impl->options;

  grpc::ServerBuilder builder;
  builder.AddListeningPort(o.grpc_address, o.credentials ? o.credentials : grpc::InsecureServerCredentials(),
                           &impl->port);
  builder.SetMaxReceiveMessageSize(o.max_message_bytes);
  builder.SetMaxSendMessageSize(o.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(absl::ToInt64Milliseconds(o.keepalive_time)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(o.keepalive_timeout)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Agents ping too (their keepalive); allow it without GOAWAY.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.RegisterService(&impl->agent_link);
  builder.RegisterService(&impl->fleet);
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", o.grpc_address, " (in use, or a bad address?)"));
  }

  impl->metrics.SetGaugeSource([d = &impl->distributor] { return d->Gauges(); });
  if (!o.http_address.empty()) {
    absl::StatusOr<ops::HttpServerOptions> bind = ops::ParseBindAddress(o.http_address);
    if (!bind.ok()) return bind.status();
    bind->tls_cert_file = o.http_tls_cert_file;
    bind->tls_key_file = o.http_tls_key_file;
    bind->tls_client_ca_file = o.http_tls_client_ca_file;
    ops::HttpRoutes routes;
    HubMetrics* metrics = &impl->metrics;
    routes["/metrics"] = [metrics] {
      return ops::HttpResponse{200, std::string(kPrometheusContentType), metrics->Render()};
    };
    routes["/healthz"] = [] { return ops::HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; };
    // Ready once the store is loaded and gRPC serves, which is before Start returns.
    routes["/readyz"] = [] { return ops::HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; };
    absl::StatusOr<std::unique_ptr<ops::HttpServer>> http = ops::HttpServer::Start(*bind, std::move(routes));
    if (!http.ok()) {
      // ops names its own fields (tls_cert_file, ...): say which server they
      // belong to, next to the gRPC side's TLS settings.
      return absl::Status(http.status().code(),
                          absl::StrCat("HTTP side (/metrics): ", std::string(http.status().message())));
    }
    impl->http = *std::move(http);
  }
  Impl* raw = impl.get();
  impl->ticker = std::thread([raw] {
    while (!raw->stop_ticker.WaitForNotificationWithTimeout(raw->options.tick_interval)) {
      raw->distributor.Tick(absl::Now());
    }
  });
  return std::unique_ptr<HubServer>(new HubServer(std::move(impl)));
}

int HubServer::grpc_port() const { return impl_->port; }
int HubServer::http_port() const { return impl_->http ? impl_->http->port() : 0; }
std::string HubServer::grpc_target() const { return absl::StrCat("127.0.0.1:", impl_->port); }
IntentDistributor& HubServer::distributor() { return impl_->distributor; }
HubMetrics& HubServer::metrics() { return impl_->metrics; }

void HubServer::Stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->stop_ticker.Notify();
  if (impl_->ticker.joinable()) impl_->ticker.join();
  impl_->distributor.BeginShutdown();
  // Cancels every stream; their reactors finish before Shutdown returns.
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->server->Wait();
  if (impl_->http) impl_->http->Stop();
  impl_->metrics.SetGaugeSource(nullptr);
  (void)impl_->distributor.FlushClusterWrites();
}

}  // namespace srfleet::hub
