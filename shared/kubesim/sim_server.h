// The network face of kubesim: an HTTP/1.1 (or HTTPS) server on loopback that
// turns requests into Cluster::Handle() calls, so the real kube client is what
// tests exercise. One server can front many clusters, each under its own path
// prefix (/clusters/<name>), which a kubeconfig server URL may carry.
//
// Cost: all connections share a small fixed thread pool (asio, async
// everywhere, one strand per connection); an idle keep-alive connection or an
// open watch costs a socket and a few KB, never a thread.
//
// This header deliberately includes no Beast/Asio: those live in the .cc files.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace srfleet::kubesim {

class Cluster;  // shared/kubesim/cluster.h (not included: it pulls in the JSON library)

struct SimServerOptions {
  bool tls = true;
  int threads = 2;
  // Listens on 127.0.0.1:port; 0 lets the OS choose (see Url()).
  int port = 0;
  // When set, a request needs "Authorization: Bearer <token>" (or a verified
  // client certificate); otherwise it gets the apiserver's 401 Status.
  std::string bearer_token;
  // TLS refuses clients that present no certificate signed by the client CA.
  // (Without it a certificate is still requested, and a bad one is refused.)
  bool require_client_cert = false;

  // Bring your own server identity (PEM). Empty: Start() generates a CA and a
  // loopback server certificate, and can then issue client certificates.
  std::string server_cert_pem;
  std::string server_key_pem;
  std::string server_ca_pem;  // what ca_pem() reports / kubeconfigs embed
  // Verifies client certificates; empty: the server's own CA.
  std::string client_ca_pem;
};

class SimServer {
 public:
  // Binds, starts the thread pool and begins accepting.
  static absl::StatusOr<std::unique_ptr<SimServer>> Start(const SimServerOptions& options);
  ~SimServer();  // calls Stop()
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Serves `cluster` at `prefix` ("" = root, or "/clusters/<name>"); the prefix
  // is stripped before Cluster::Handle(). The longest matching prefix wins.
  // nullptr unmounts. The cluster must outlive the server: a request already
  // routed to it may still be running after an unmount.
  void Mount(const std::string& prefix, Cluster* cluster);

  // https://127.0.0.1:PORT[prefix] (http:// without TLS).
  std::string Url(const std::string& prefix = "") const;
  int port() const;
  // The CA that signed the server certificate (and issued client certs);
  // empty without TLS.
  const std::string& ca_pem() const;

  struct ClientCredentials {
    std::string cert_pem, key_pem;
  };
  // A client certificate for `user` (CN) in `groups` (O), signed by ca_pem().
  // FailedPrecondition when the server was given its own certificate.
  absl::StatusOr<ClientCredentials> IssueClientCert(
      const std::string& user, const std::vector<std::string>& groups = {"system:masters"}) const;

  // A kubeconfig for the cluster at `prefix`: server URL, CA data, and either
  // the token or (token empty, TLS on) a fresh client certificate.
  std::string KubeconfigYaml(const std::string& prefix, const std::string& user_token_or_empty) const;
  // One context per prefix, named after its last path segment ("kubesim" for
  // the root); the first is the current context.
  std::string MultiClusterKubeconfigYaml(const std::vector<std::string>& prefixes,
                                         const std::string& user_token_or_empty) const;

  // Closes every open connection at once, watches included (network loss).
  void DropConnections();
  // Stops accepting, closes connections, cancels watches and joins the pool.
  // Idempotent and bounded in time (no TLS close_notify waits). Call it from
  // any thread but the server's own (it joins them).
  void Stop();

  int64_t connections_accepted() const;
  int64_t open_connections() const;

 private:
  struct Impl;
  explicit SimServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace srfleet::kubesim
