// Who is on the other end of a call, as TLS proved it: the client
// certificate's CN and DNS SANs. Agents are identified by their cluster name,
// administrators (the Fleet API) by one of the hub's --admin-name values, so
// a cluster's certificate cannot drive the fleet.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace grpc {
class CallbackServerContext;
}

namespace srfleet::hub {

struct PeerIdentity {
  std::string peer;                  // ipv4:127.0.0.1:5555
  bool mtls_required = false;        // the server demands client certificates
  std::vector<std::string> names;    // certificate CN and DNS SANs
};

PeerIdentity IdentityOf(grpc::CallbackServerContext* context, bool mtls_required);

// OK when mutual TLS is off (the port is the boundary) or the certificate
// names one of `admin_names`; PermissionDenied saying which names it needs.
absl::Status AuthorizeAdmin(const PeerIdentity& identity, const std::vector<std::string>& admin_names);

}  // namespace srfleet::hub
