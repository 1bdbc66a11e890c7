// The per-connection HTTP/1.1 state machine. Everything below runs on the
// connection's strand, so no member needs a lock; only the watch sink is
// touched from other threads (it has its own mutex).
//
//   [TLS handshake] -> read header -> [100 Continue] -> read body -> auth ->
//   route -> [latency timer] -> Cluster::Handle -> write response -> read ...
//                                               \-> watch: write chunked header,
//   keep reading (to notice the client leaving), stream sink data as chunks,
//   last chunk on Close()/timeoutSeconds, then back to keep-alive.
#include "shared/kubesim/sim_session.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <exception>
#include <optional>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "shared/kubesim/cluster.h"

namespace srfleet::kubesim::sim {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr uint64_t kMaxRequestBody = 64ull << 20;
constexpr uint32_t kMaxRequestHeader = 64u << 10;
// A watcher that stops reading must not grow our memory without bound: past
// this many undelivered bytes the connection is dropped, as the apiserver
// drops slow watchers.
constexpr size_t kMaxUndeliveredWatchBytes = 64u << 20;
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// Bounded wait for the peer's close_notify: never hang on a silent client.
constexpr auto kTlsShutdownTimeout = std::chrono::seconds(1);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string Str(beast::string_view s) { return std::string(s.data(), s.size()); }

ApiRequest ToApiRequest(const http::request<http::string_body>& req, std::string target) {
  ApiRequest api;
  api.method = Str(req.method_string());
  api.target = std::move(target);
  for (const auto& field : req) {
    api.headers.emplace_back(absl::AsciiStrToLower(Str(field.name_string())), Str(field.value()));
  }
  api.body = req.body();
  api.user_agent = Str(req[http::field::user_agent]);
  return api;
}

template <class Body>
void ApplyHeaders(http::response<Body>& res, const ApiResponse& api) {
  for (const auto& [name, value] : ResponseHeaders(api)) {
    // Framing is ours to decide (Content-Length, chunked, keep-alive).
    if (absl::EqualsIgnoreCase(name, "content-length") || absl::EqualsIgnoreCase(name, "transfer-encoding") ||
        absl::EqualsIgnoreCase(name, "connection")) {
      continue;
    }
    res.insert(name, value);
  }
}

template <class Stream>
class Session final : public SessionBase {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... StreamArgs>
  Session(ServerContext& server, tcp::socket&& socket, StreamArgs&... stream_args)
      : server_(server),
        executor_(socket.get_executor()),
        stream_(std::move(socket), stream_args...),
        latency_timer_(executor_),
        watch_timer_(executor_) {}

  ~Session() override {
    CancelWatch();
    server_.registry.Remove(this);
  }

  void Start() {
    server_.registry.Add(shared_from_this());
    net::dispatch(executor_, [self = Self()] { self->Begin(); });
  }

  void Drop() override {
    net::post(executor_, [self = Self()] { self->Abort(); });
  }

  void NotifyWatchData() override {
    net::post(executor_, [self = Self()] { self->OnWatchData(); });
  }

 private:
  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  auto& Tcp() { return beast::get_lowest_layer(stream_); }

  void Begin() {
    if constexpr (kTls) {
      Tcp().expires_after(kHandshakeTimeout);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Session::OnHandshake, Self()));
    } else {
      DoRead();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (ec || closed_) return Abort();
    Tcp().expires_never();  // idle keep-alive and watch connections stay open
    if constexpr (kTls) {
      // The context refuses bad certificates during the handshake, so a
      // certificate present here chains to the client CA.
      SSL* ssl = stream_.native_handle();
      client_cert_verified_ =
          SSL_get0_peer_certificate(ssl) != nullptr && SSL_get_verify_result(ssl) == X509_V_OK;
    }
    DoRead();
  }

  // ---- reading requests ------------------------------------------------------

  void DoRead() {
    if (closed_ || reading_) return;
    reading_ = true;
    parser_.emplace();
    parser_->body_limit(kMaxRequestBody);
    parser_->header_limit(kMaxRequestHeader);
    http::async_read_header(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnHeader, Self()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec || closed_) return OnReadFailed();
    // curl and others wait for "100 Continue" before sending a large body.
    // (Not while a watch streams: that response owns the write side.)
    if (!watch_active_ && !writing_ &&
        absl::EqualsIgnoreCase(Str(parser_->get()[http::field::expect]), "100-continue")) {
      writing_ = true;
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = Self()](beast::error_code write_ec, std::size_t) {
                         self->writing_ = false;
                         if (write_ec || self->closed_) return self->Abort();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnBody({}, 0);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnBody, Self()));
  }

  void OnBody(beast::error_code ec, std::size_t) {
    if (ec || closed_) return OnReadFailed();
    reading_ = false;
    http::request<http::string_body> request = parser_->release();
    parser_.reset();
    if (watch_active_) {
      // HTTP/1.1 pipelining: answer after the watch response has ended.
      pipelined_ = std::move(request);
      return;
    }
    Process(std::move(request));
  }

  // EOF, reset, timeout or a malformed request: the connection is over, and
  // with it any watch it carries (the cluster learns via cancel_watch).
  void OnReadFailed() {
    reading_ = false;
    Abort();
  }

  // ---- answering -------------------------------------------------------------

  void Process(http::request<http::string_body> request) {
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    ApiRequest api = ToApiRequest(request, Str(request.target()));
    if (!Authorized(server_.bearer_token, api, client_cert_verified_)) {
      return WriteResponse(UnauthorizedResponse());
    }
    std::optional<MountTable::Route> route = server_.mounts.Resolve(api.target);
    if (!route) return WriteResponse(PageNotFoundResponse());
    cluster_ = route->cluster;
    api.target = std::move(route->target);
    api.mount_prefix = std::move(route->prefix);
    api_request_ = std::move(api);
    int latency_ms = cluster_->faults().added_latency_ms;
    if (latency_ms <= 0) return Execute();
    // Injected latency: a timer on this connection's strand, no thread sleeps.
    latency_timer_.expires_after(std::chrono::milliseconds(latency_ms));
    latency_timer_.async_wait([self = Self()](beast::error_code ec) {
      if (ec || self->closed_) return;
      self->Execute();
    });
  }

  void Execute() {
    auto sink = std::make_shared<StreamSink>(server_.gate, weak_from_this());
    HandleResult result;
    try {
      result = cluster_->Handle(api_request_, sink);
    } catch (const std::exception& e) {  // never let a cluster bug kill a server thread
      result = HandleResult{InternalErrorResponse(e.what()), false, nullptr};
    }
    if (result.is_watch) return StartWatch(std::move(result), std::move(sink));
    WriteResponse(result.response);
  }

  void WriteResponse(const ApiResponse& api) {
    response_ = {};
    response_.version(version_);
    response_.result(static_cast<unsigned>(api.status));
    ApplyHeaders(response_, api);
    response_.body() = api.body;
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    writing_ = true;
    http::async_write(stream_, response_, [self = Self()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      self->response_ = {};
      if (ec || self->closed_) return self->Abort();
      if (!self->keep_alive_) return self->CloseGracefully();
      self->DoRead();
    });
  }

  // ---- watch streaming -------------------------------------------------------

  void StartWatch(HandleResult result, std::shared_ptr<StreamSink> sink) {
    watch_active_ = true;
    watch_header_sent_ = false;
    watch_ending_ = false;
    sink_ = std::move(sink);
    cancel_watch_ = std::move(result.cancel_watch);
    watch_header_ = {};
    watch_header_.version(version_);
    watch_header_.result(static_cast<unsigned>(result.response.status));
    ApplyHeaders(watch_header_, result.response);
    watch_header_.keep_alive(keep_alive_);
    watch_header_.chunked(true);
    AppendChunks(result.response.body, &out_);
    serializer_.emplace(watch_header_);
    writing_ = true;
    http::async_write_header(stream_, *serializer_, [self = Self()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec || self->closed_) return self->Abort();
      self->watch_header_sent_ = true;
      self->OnWatchData();
    });
    if (int seconds = WatchTimeoutSeconds(api_request_.target); seconds > 0) {
      watch_timer_.expires_after(std::chrono::seconds(seconds));
      watch_timer_.async_wait([self = Self()](beast::error_code ec) {
        if (ec || self->closed_) return;
        self->EndWatch();
      });
    }
    // Keep a read pending for the whole stream: it is how we notice that the
    // client went away (EOF/reset), and it buffers a pipelined next request.
    DoRead();
  }

  void OnWatchData() {
    if (closed_ || !watch_active_ || !watch_header_sent_ || watch_ending_ || !sink_) return;
    StreamSink::Taken taken = sink_->Take();
    AppendChunks(taken.data, &out_);
    if (out_.size() > kMaxUndeliveredWatchBytes) return Abort();
    if (taken.closed) return EndWatch();
    FlushWatch();
  }

  // Ends the response (cluster closed the watch, or timeoutSeconds passed):
  // what the sink still holds, then the last chunk.
  void EndWatch() {
    if (closed_ || !watch_active_ || watch_ending_) return;
    watch_ending_ = true;
    watch_timer_.cancel();
    if (sink_) AppendChunks(sink_->Take().data, &out_);
    CancelWatch();
    out_ += kLastChunk;
    FlushWatch();
  }

  void FlushWatch() {
    if (closed_ || writing_ || !watch_header_sent_ || out_.empty()) return;
    in_flight_ = std::exchange(out_, {});
    writing_ = true;
    net::async_write(stream_, net::buffer(in_flight_), [self = Self()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      self->in_flight_.clear();
      if (ec || self->closed_) return self->Abort();
      if (!self->out_.empty()) return self->FlushWatch();
      if (self->watch_ending_) self->FinishWatch();
    });
  }

  // The last chunk is on the wire: the connection is an ordinary keep-alive
  // one again.
  void FinishWatch() {
    watch_active_ = false;
    watch_ending_ = false;
    watch_header_sent_ = false;
    sink_.reset();
    serializer_.reset();
    if (!keep_alive_) return CloseGracefully();
    if (pipelined_) {
      http::request<http::string_body> next = std::move(*pipelined_);
      pipelined_.reset();
      return Process(std::move(next));
    }
    DoRead();  // no-op when the read started with the watch is still pending
  }

  // Idempotent: the sink ignores the cluster from now on, and the cluster
  // forgets the watch.
  void CancelWatch() {
    if (sink_) sink_->Detach();
    if (std::function<void()> cancel = std::exchange(cancel_watch_, nullptr)) cancel();
  }

  // ---- closing -----------------------------------------------------------------

  void CloseGracefully() {
    if (closed_) return;
    if constexpr (kTls) {
      if (!reading_) {
        Tcp().expires_after(kTlsShutdownTimeout);
        stream_.async_shutdown([self = Self()](beast::error_code) { self->Abort(); });
        return;
      }
    } else {
      beast::error_code ec;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    Abort();
  }

  // Closes the socket at once: pending operations complete with
  // operation_aborted and the session is destroyed when the last one returns.
  void Abort() {
    if (closed_) return;
    closed_ = true;
    latency_timer_.cancel();
    watch_timer_.cancel();
    CancelWatch();
    Tcp().close();
  }

  ServerContext& server_;
  net::any_io_executor executor_;  // the connection's strand
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request<http::string_body>> pipelined_;
  bool reading_ = false;
  bool writing_ = false;
  bool closed_ = false;
  bool client_cert_verified_ = false;

  // The request being answered.
  bool keep_alive_ = true;
  unsigned version_ = 11;
  Cluster* cluster_ = nullptr;
  ApiRequest api_request_;
  net::steady_timer latency_timer_;
  http::response<http::string_body> response_;

  // The watch being streamed, if any.
  bool watch_active_ = false;
  bool watch_header_sent_ = false;
  bool watch_ending_ = false;
  std::shared_ptr<StreamSink> sink_;
  std::function<void()> cancel_watch_;
  http::response<http::empty_body> watch_header_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  std::string out_;        // framed chunks not yet handed to the socket
  std::string in_flight_;  // framed chunks being written
  net::steady_timer watch_timer_;
};

}  // namespace

void StartPlainSession(ServerContext& server, tcp::socket socket) {
  std::make_shared<Session<beast::tcp_stream>>(server, std::move(socket))->Start();
}

void StartTlsSession(ServerContext& server, tcp::socket socket, ssl::context& tls) {
  std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(server, std::move(socket), tls)->Start();
}

}  // namespace srfleet::kubesim::sim
