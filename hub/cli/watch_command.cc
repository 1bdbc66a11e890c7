#include "hub/cli/watch_command.h"

#include <ostream>

#include "absl/strings/str_cat.h"
#include "hub/cli/exit_codes.h"
#include "hub/cli/human_time.h"
#include "hub/cli/hub_connection.h"
#include "hub/cli/hub_errors.h"
#include "hub/cli/router_status.h"

namespace srfleet::cli {
namespace {

// A stream cannot be aligned after the fact: fixed widths that fit the
// usual values, like `kubectl get events --watch`.
constexpr size_t kWidths[] = {20, 7, 16, 24, 8, 16};

std::string Line(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) {
      size_t width = i < std::size(kWidths) ? kWidths[i] : 0;
      line.append(cells[i].size() < width ? width - cells[i].size() + 3 : 3, ' ');
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

std::string EventHeaderLine() { return Line({"TIME", "TYPE", "REASON", "INTENT", "REVISION", "CLUSTER", "MESSAGE"}); }

std::string FormatEventLine(const v1::FleetEvent& e) {
  return Line({Timestamp(e.unix_ms()), OrDash(e.type()), OrDash(e.reason()), OrDash(e.intent_id()),
               e.revision() > 0 ? absl::StrCat(e.revision()) : "-", OrDash(e.cluster()), e.message()});
}

int RunWatch(const WatchArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err) {
  absl::Duration duration = absl::ZeroDuration();
  if (!args.timeout.empty()) {
    absl::StatusOr<absl::Duration> d = ParseTimeout(args.timeout);
    if (!d.ok()) {
      err << "error: --timeout: " << d.status().message() << "\n";
      return kUsage;
    }
    duration = *d;
  }
  v1::WatchEventsRequest request;
  if (!args.router.empty()) request.set_intent_id(IntentIdFor(args.router, args.ns));
  request.set_cluster(args.cluster);

  bool header_printed = false;
  absl::Status status = hub.WatchEvents(request, duration, args.stop, [&](const v1::FleetEvent& event) {
    if (!header_printed) {
      out << EventHeaderLine() << "\n";
      header_printed = true;
    }
    out << FormatEventLine(event) << std::endl;  // flushed: someone is watching
  });
  if (!status.ok()) return ReportHubError(status, hub.endpoint(), "", err);
  if ((args.stop == nullptr || !args.stop->load()) && duration == absl::ZeroDuration()) {
    err << "note: the hub at " << hub.endpoint().address << " ended the watch\n";
  }
  return kOk;
}

}  // namespace srfleet::cli
