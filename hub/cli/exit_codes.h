// Exit codes scripts can rely on (documented in `srfleet --help` and
// README.md). Keep kExitCodeHelp in step with the enum.
#pragma once

namespace srfleet::cli {

enum ExitCode : int {
  kOk = 0,
  kInvalidInput = 1,  // invalid manifest/selector, or refused by the hub (INVALID_ARGUMENT,
                      // FAILED_PRECONDITION, ALREADY_EXISTS, and any other hub error)
  kUsage = 2,         // bad flags or arguments
  kIoError = 3,       // a file could not be read
  kNotFound = 4,      // no such router or cluster (NOT_FOUND)
  kUnreachable = 5,   // hub unreachable or too slow (UNAVAILABLE, DEADLINE_EXCEEDED)
  kPermission = 6,    // hub refused our identity (UNAUTHENTICATED, PERMISSION_DENIED)
};

inline constexpr char kExitCodeHelp[] =
    "Exit codes:\n"
    "  0  ok\n"
    "  1  invalid input (manifest, --placement, --label, config file) or refused by the hub\n"
    "     (INVALID_ARGUMENT, FAILED_PRECONDITION, ALREADY_EXISTS, other hub errors)\n"
    "  2  usage: unknown command, bad flag or argument\n"
    "  3  a file (manifest, TLS file, config file) could not be read\n"
    "  4  not found (no such router or cluster)\n"
    "  5  hub unreachable or timed out (UNAVAILABLE, DEADLINE_EXCEEDED)\n"
    "  6  permission denied by the hub (UNAUTHENTICATED, PERMISSION_DENIED)\n";

}  // namespace srfleet::cli
