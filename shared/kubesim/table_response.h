// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (kubectl get):
// GET, LIST and WATCH answer with meta.k8s.io Tables instead of objects.
//
// The verbs run as usual; their JSON is then converted, so paging,
// selectors and resourceVersion semantics stay those of the plain answer.
// Rows carry the object as PartialObjectMetadata by default
// (?includeObject=None|Metadata|Object). A watch sends one Table per event,
// with column definitions only in the first, like the real watch server.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "shared/kubesim/api_request.h"
#include "shared/kubesim/handlers.h"
#include "shared/kubesim/request_router.h"
#include "shared/kubesim/table_columns.h"

namespace srfleet::kubesim {

struct TableOptions {
  std::string api_version = "meta.k8s.io/v1";  // or meta.k8s.io/v1beta1
  std::string include_object = "Metadata";     // None, Metadata, Object
};

// Content negotiation: the first Accept clause the server can produce
// decides. nullopt: plain objects. 400 for an unknown ?includeObject.
absl::StatusOr<std::optional<TableOptions>> NegotiateTable(const ApiRequest& request, const RequestInfo& info);

// The Table for a GET (`object_json` is the object) or LIST body.
// `kind` completes typed list items for ?includeObject=Object.
absl::StatusOr<std::string> TableFromBody(const std::string& body_json, bool is_list, const std::string& kind,
                                          const TablePrinter& printer, const TableOptions& options, TableTime now);

// One watch event line (`{"type":..,"object":..}\n`) with its object turned
// into a one-row Table (ERROR events pass through).
std::string TableEventLine(const std::string& line, const std::string& kind, const TablePrinter& printer,
                           const TableOptions& options, bool with_headers, TableTime now);

// GET/LIST/WATCH of `ctx` answered as Tables.
absl::StatusOr<HandleResult> HandleAsTable(ClusterCore& core, const std::shared_ptr<ClusterCore>& self,
                                           RequestContext ctx, const TableOptions& options)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(core.mu);

}  // namespace srfleet::kubesim
