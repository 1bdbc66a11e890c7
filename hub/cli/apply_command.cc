#include "hub/cli/apply_command.h"

#include <map>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hub/cli/exit_codes.h"
#include "hub/cli/hub_errors.h"
#include "hub/cli/input_files.h"
#include "hub/cli/router_status.h"
#include "hub/placement/label_selector.h"
#include "shared/model/semantic_router.h"

namespace srfleet::cli {
namespace {

constexpr size_t kClustersShown = 5;

// "2 clusters: a, b", "no cluster matches the placement", "7 clusters: a, b, c, d, e, ..."
std::string TargetsText(const v1::ApplyIntentResponse& response) {
  const auto& targets = response.target_clusters();
  if (targets.empty()) return "no cluster matches the placement";
  std::vector<std::string> shown(targets.begin(), targets.begin() + std::min<size_t>(targets.size(), kClustersShown));
  if (static_cast<size_t>(targets.size()) > kClustersShown) shown.push_back("...");
  return absl::StrCat(targets.size(), targets.size() == 1 ? " cluster: " : " clusters: ", absl::StrJoin(shown, ", "));
}

struct Input {
  std::string file;
  model::SemanticRouter router;
};

}  // namespace

int RunApply(const ApplyArgs& args, FleetApi& hub, std::ostream& out, std::ostream& err) {
  if (args.files.empty()) {
    err << "error: no input; pass -f FILE (or -f - for standard input)\n";
    return kUsage;
  }
  absl::StatusOr<v1::Placement> placement = hub::ParseSelector(args.placement);
  if (!placement.ok()) {
    err << "error: --placement: " << placement.status().message() << "\n";
    return kInvalidInput;
  }

  // Everything is parsed and validated before the first call: an invalid
  // document anywhere means nothing is sent.
  std::vector<Input> inputs;
  bool invalid = false;
  for (const auto& file : args.files) {
    std::string content;
    if (!ReadInputFile(file, &content, err)) return kIoError;
    model::ParseOptions options;
    if (!args.ns.empty()) options.default_namespace = args.ns;
    absl::StatusOr<model::ParsedDocuments> parsed = ParseRouterDocuments(content, options);
    if (!parsed.ok()) {
      err << "error: " << file << ":\n" << parsed.status().message() << "\n";
      invalid = true;
      continue;
    }
    for (const auto& other : parsed->others) {
      err << "note: " << file << ": skipping " << DescribeOtherDocument(other)
          << " (not a SemanticRouter; apply it to the clusters with kubectl)\n";
    }
    for (auto& router : parsed->routers) inputs.push_back({file, std::move(router)});
  }
  std::map<std::string, std::string> seen;  // intent id -> file
  for (const auto& in : inputs) {
    std::string id = absl::StrCat(in.router.ns(), "/", in.router.name());
    auto [it, inserted] = seen.emplace(id, in.file);
    if (!inserted) {
      err << "error: " << RouterRef(in.router.ns(), in.router.name()) << " is given twice (" << it->second << " and "
          << in.file << ")\n";
      invalid = true;
    }
  }
  if (invalid) return kInvalidInput;
  if (inputs.empty()) {
    err << "error: no SemanticRouter in " << absl::StrJoin(args.files, ", ") << "\n";
    return kInvalidInput;
  }

  int exit_code = kOk;
  for (const auto& in : inputs) {
    const std::string ref = RouterRef(in.router.ns(), in.router.name());
    // Only to tell "created" from "configured", as kubectl does.
    v1::GetIntentRequest get;
    get.set_intent_id(absl::StrCat(in.router.ns(), "/", in.router.name()));
    absl::StatusOr<v1::IntentView> existing = hub.GetIntent(get);
    bool exists = existing.ok() && existing->hub_managed();
    if (!existing.ok() && !absl::IsNotFound(existing.status())) {
      int code = ReportHubError(existing.status(), hub.endpoint(), ref, err);
      if (exit_code == kOk) exit_code = code;
      if (code == kUnreachable || code == kPermission) return code;  // the rest would fail the same way
      continue;
    }

    v1::ApplyIntentRequest request;
    request.set_manifest_json(in.router.object().dump(-1, ' ', false, Json::error_handler_t::replace));
    *request.mutable_placement() = *placement;
    request.set_default_namespace(args.ns);
    request.set_dry_run(args.dry_run);
    absl::StatusOr<v1::ApplyIntentResponse> response = hub.ApplyIntent(request);
    if (!response.ok()) {
      int code = ReportHubError(response.status(), hub.endpoint(), ref, err);
      if (exit_code == kOk) exit_code = code;
      if (code == kUnreachable || code == kPermission) return code;
      continue;
    }
    const char* verb = response->unchanged() ? "unchanged" : exists ? "configured" : "created";
    // A dry run stores no revision (the hub may answer 0): say so instead.
    out << ref << " " << verb << " ("
        << (args.dry_run ? std::string("dry run") : absl::StrCat("revision ", response->revision())) << " → "
        << TargetsText(*response) << ")\n";
    if (response->target_clusters().empty()) {
      err << "warning: " << ref << ": no cluster matches "
          << (args.placement.empty() ? std::string("(no cluster is registered)")
                                     : absl::StrCat("--placement \"", hub::FormatSelector(*placement), "\""))
          << "; it will be delivered when one does\n";
    }
  }
  return exit_code;
}

}  // namespace srfleet::cli
