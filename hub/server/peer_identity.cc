#include "hub/server/peer_identity.h"

#include <algorithm>

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/auth_context.h>
#include <grpcpp/server_context.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace srfleet::hub {

PeerIdentity IdentityOf(grpc::CallbackServerContext* context, bool mtls_required) {
  PeerIdentity id;
  id.peer = context->peer();
  id.mtls_required = mtls_required;
  std::shared_ptr<const grpc::AuthContext> auth = context->auth_context();
  if (auth && auth->IsPeerAuthenticated()) {
    for (const char* property : {GRPC_X509_CN_PROPERTY_NAME, GRPC_X509_SAN_PROPERTY_NAME}) {
      for (const grpc::string_ref& v : auth->FindPropertyValues(property)) id.names.emplace_back(v.data(), v.size());
    }
  }
  return id;
}

absl::Status AuthorizeAdmin(const PeerIdentity& identity, const std::vector<std::string>& admin_names) {
  if (!identity.mtls_required) return absl::OkStatus();
  for (const std::string& name : identity.names) {
    if (std::find(admin_names.begin(), admin_names.end(), name) != admin_names.end()) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "the Fleet API needs an administrator certificate (CN or DNS SAN one of: ", absl::StrJoin(admin_names, ", "),
      "); this one names ", identity.names.empty() ? "nothing" : absl::StrJoin(identity.names, ", "),
      ". Cluster certificates only connect agents."));
}

}  // namespace srfleet::hub
