#include "hub/cli/hub_errors.h"

#include <ostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "hub/cli/exit_codes.h"

namespace srfleet::cli {
namespace {

std::string CodeName(absl::StatusCode code) { return absl::StatusCodeToString(code); }

// Case-insensitive (this absl has no StrContainsIgnoreCase).
bool Has(const std::string& haystack, const char* needle) {
  return absl::AsciiStrToLower(haystack).find(absl::AsciiStrToLower(needle)) != std::string::npos;
}

// gRPC's own connection failures, as opposed to UNAVAILABLE sent by the hub
// (its store is down): the wording of grpc core's messages.
bool IsTransportFailure(const std::string& m) {
  return Has(m, "failed to connect") || Has(m, "connection refused") || Has(m, "connect failed") ||
         Has(m, "dns resolution failed") || Has(m, "name resolution") || Has(m, "socket closed") ||
         Has(m, "connection reset") || Has(m, "handshake") || Has(m, "ssl") || Has(m, "tls") ||
         Has(m, "empty address list") || Has(m, "no route to host") || Has(m, "network is unreachable") ||
         Has(m, "connections to all backends failing") || Has(m, "broken pipe");
}

bool IsTlsFailure(const std::string& m) {
  return Has(m, "handshake") || Has(m, "ssl") || Has(m, "tls") || Has(m, "certificate");
}

// A few words on why the connection failed, for the parenthesis.
std::string ShortReason(const std::string& m) {
  if (Has(m, "connection refused")) return "connection refused";
  if (Has(m, "dns resolution failed") || Has(m, "name resolution") || Has(m, "not resolve") ||
      Has(m, "unknown host")) {
    return "the name does not resolve";
  }
  if (IsTlsFailure(m)) return "TLS handshake failed";
  if (Has(m, "socket closed") || Has(m, "connection reset") || Has(m, "broken pipe")) {
    return "the connection was closed";
  }
  if (Has(m, "no route to host") || Has(m, "network is unreachable")) return "no route to the host";
  std::string first_line = m.substr(0, m.find('\n'));
  return first_line.empty() ? "unavailable" : first_line;
}

std::string Subject(const std::string& subject) { return subject.empty() ? "" : absl::StrCat(subject, ": "); }

std::string WhereToSetTheHub(const HubEndpoint& hub) {
  return absl::StrCat("Set --hub, SRFLEET_HUB or hub: in ", hub.config_hint, ".");
}

}  // namespace

int ExitCodeForStatus(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return kOk;
    case absl::StatusCode::kNotFound:
      return kNotFound;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kUnreachable;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return kPermission;
    default:
      // INVALID_ARGUMENT, FAILED_PRECONDITION, ALREADY_EXISTS, and whatever
      // else the hub may answer (INTERNAL, UNIMPLEMENTED, ...).
      return kInvalidInput;
  }
}

int ReportHubError(const absl::Status& status, const HubEndpoint& hub, const std::string& subject,
                   std::ostream& err) {
  const std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      if (!IsTransportFailure(message)) {
        err << "error: " << Subject(subject) << "the hub at " << hub.address << " is unavailable: " << message
            << ". Retry in a moment.\n";
      } else if (IsTlsFailure(message)) {
        err << "error: cannot reach the hub at " << hub.address << " (TLS handshake failed). Check --tls-ca "
            << "(the CA that signed the hub's certificate) and --tls-server-name"
            << (hub.client_cert ? "" : "; pass --tls-cert and --tls-key if the hub requires client certificates")
            << "; use --insecure only if the hub serves plaintext. (" << message << ")\n";
      } else {
        std::string reason = ShortReason(message);
        err << "error: cannot reach the hub at " << hub.address << " (" << reason
            << "). Is srfleet-hub running? " << WhereToSetTheHub(hub) << "\n";
        if (hub.insecure && reason == "the connection was closed") {
          err << "hint: the hub may require TLS; drop --insecure (and SRFLEET_INSECURE / tls.insecure).\n";
        } else if (!hub.insecure && !hub.client_cert && reason == "the connection was closed") {
          // A hub with mutual TLS ends the handshake of a client without a
          // certificate; gRPC reports only that the connection closed.
          err << "hint: the hub may require a client certificate (mutual TLS); pass --tls-cert and --tls-key "
                 "(SRFLEET_TLS_CERT / SRFLEET_TLS_KEY) with an administrator certificate.\n";
        }
      }
      break;
    case absl::StatusCode::kDeadlineExceeded:
      err << "error: " << Subject(subject) << "the hub at " << hub.address << " did not answer within "
          << absl::FormatDuration(hub.timeout) << ". Is srfleet-hub running and reachable? Raise --timeout for a "
          << "slow link. " << WhereToSetTheHub(hub) << "\n";
      break;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      err << "error: " << Subject(subject) << "the hub at " << hub.address << " refused the request ("
          << CodeName(status.code()) << ": " << message << "). "
          << (hub.client_cert ? "Check that --tls-cert/--tls-key hold a certificate the hub trusts and allows."
                              : "The hub needs a client certificate: pass --tls-cert and --tls-key "
                                "(or SRFLEET_TLS_CERT/SRFLEET_TLS_KEY, or tls.cert/tls.key in " +
                                    hub.config_hint + ").")
          << "\n";
      break;
    case absl::StatusCode::kNotFound:
      err << "error: " << Subject(subject) << "not found" << (message.empty() ? "" : absl::StrCat(" (", message, ")"))
          << "\n";
      break;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      err << "error: " << Subject(subject) << message << "\n";
      break;
    default:
      err << "error: " << Subject(subject) << "the hub answered " << CodeName(status.code()) << ": " << message
          << "\n";
      break;
  }
  return ExitCodeForStatus(status.code());
}

}  // namespace srfleet::cli
