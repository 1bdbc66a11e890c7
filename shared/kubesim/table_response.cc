#include "shared/kubesim/table_response.h"

#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/kubesim/handler_support.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {
namespace {

Json ColumnDefinitions(const TablePrinter& printer) {
  Json defs = Json::array();
  for (const auto& c : printer.columns()) {
    defs.push_back(Json{{"name", c.name},
                        {"type", c.type},
                        {"format", c.format},
                        {"description", c.description},
                        {"priority", c.priority}});
  }
  return defs;
}

// The row's `object` per includeObject (asTable in the real handler).
Json RowObject(const Json& object, const std::string& api_version, const std::string& kind,
               const TableOptions& options) {
  if (options.include_object == "None") return nullptr;
  if (options.include_object == "Object") {
    if (Child(object, "kind")) return object;
    // Typed list items travel without type meta; an encoded object has it.
    Json full = Json::object();
    full["kind"] = kind;
    full["apiVersion"] = api_version;
    for (auto it = object.begin(); it != object.end(); ++it) full[it.key()] = it.value();
    return full;
  }
  Json partial = Json::object();
  partial["kind"] = "PartialObjectMetadata";
  partial["apiVersion"] = options.api_version;
  const Json* meta = Meta(object);
  partial["metadata"] = meta ? *meta : Json::object();
  return partial;
}

Json Row(const Json& object, const std::string& api_version, const std::string& kind, const TablePrinter& printer,
         const TableOptions& options, TableTime now) {
  Json row = Json::object();
  row["cells"] = printer.Cells(object, now);
  row["object"] = RowObject(object, api_version, kind, options);
  return row;
}

Json Table(const TableOptions& options, Json list_meta, Json columns, Json rows) {
  Json table = Json::object();
  table["kind"] = "Table";
  table["apiVersion"] = options.api_version;
  table["metadata"] = std::move(list_meta);
  table["columnDefinitions"] = std::move(columns);
  table["rows"] = std::move(rows);
  return table;
}

// Feeds a watch client Tables: headers with the first event only.
class TableWatchSink : public WatchSink {
 public:
  TableWatchSink(std::shared_ptr<WatchSink> inner, std::string kind, TablePrinter printer, TableOptions options,
                 std::function<TableTime()> clock)
      : inner_(std::move(inner)),
        kind_(std::move(kind)),
        printer_(std::move(printer)),
        options_(std::move(options)),
        clock_(std::move(clock)) {}

  void Send(std::string event_line) override {
    std::string line;
    {
      std::lock_guard<std::mutex> lock(mu_);
      line = TableEventLine(event_line, kind_, printer_, options_, first_, clock_ ? clock_() : TableTime::clock::now());
      first_ = false;
    }
    inner_->Send(std::move(line));
  }
  void Close() override { inner_->Close(); }

 private:
  std::shared_ptr<WatchSink> inner_;
  std::string kind_;
  TablePrinter printer_;
  TableOptions options_;
  std::function<TableTime()> clock_;
  std::mutex mu_;
  bool first_ = true;
};

}  // namespace

absl::StatusOr<std::optional<TableOptions>> NegotiateTable(const ApiRequest& request, const RequestInfo& info) {
  std::optional<TableOptions> chosen;
  for (absl::string_view clause : absl::StrSplit(request.Header("accept"), ',', absl::SkipWhitespace())) {
    std::vector<std::string> parts = absl::StrSplit(clause, ';');
    const std::string media = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[0]));
    if (media != "application/json" && media != "application/*" && media != "*/*") continue;  // JSON only
    std::string as, version, group;
    for (size_t i = 1; i < parts.size(); ++i) {
      std::vector<std::string> kv = absl::StrSplit(parts[i], absl::MaxSplits('=', 1));
      if (kv.size() != 2) continue;
      const std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(kv[0]));
      const std::string value(absl::StripAsciiWhitespace(kv[1]));
      if (key == "as") as = value;
      if (key == "v") version = value;
      if (key == "g") group = value;
    }
    if (as.empty()) return std::optional<TableOptions>();  // plain objects come first
    if (as == "Table" && group == "meta.k8s.io" && (version == "v1" || version == "v1beta1")) {
      chosen = TableOptions{"meta.k8s.io/" + version, "Metadata"};
      break;
    }
    // PartialObjectMetadata and other transformations: not offered.
  }
  if (!chosen) return chosen;
  const std::string include = info.Query("includeObject");
  if (!include.empty() && include != "None" && include != "Metadata" && include != "Object") {
    return BadRequestError(absl::StrCat("unrecognized includeObject value: ", GoQuote(include)));
  }
  if (!include.empty()) chosen->include_object = include;
  return chosen;
}

absl::StatusOr<std::string> TableFromBody(const std::string& body_json, bool is_list, const std::string& kind,
                                          const TablePrinter& printer, const TableOptions& options, TableTime now) {
  auto body = ParseJsonBody(body_json);
  if (!body.ok()) return InternalServerError("cannot convert the response to a Table");
  const std::string api_version = ChildString(*body, "apiVersion");
  Json meta = Json::object();
  Json rows = Json::array();
  if (is_list) {
    if (const Json* list_meta = Meta(*body)) {
      for (const char* key : {"resourceVersion", "continue", "remainingItemCount"}) {
        if (const Json* v = Child(*list_meta, key)) meta[key] = *v;
      }
    }
    if (const Json* items = Child(*body, "items"); items && items->is_array()) {
      for (const auto& item : *items) rows.push_back(Row(item, api_version, kind, printer, options, now));
    }
    if (rows.empty() && printer.null_when_empty()) rows = nullptr;
  } else {
    meta["resourceVersion"] = MetaString(*body, "resourceVersion");
    rows.push_back(Row(*body, api_version, kind, printer, options, now));
  }
  return WireDump(Table(options, std::move(meta), ColumnDefinitions(printer), std::move(rows)));
}

std::string TableEventLine(const std::string& line, const std::string& kind, const TablePrinter& printer,
                           const TableOptions& options, bool with_headers, TableTime now) {
  Json event = Json::parse(line, nullptr, false);
  if (event.is_discarded() || ChildString(event, "type") == "ERROR" || !Child(event, "object")) return line;
  const Json& object = event["object"];
  Json meta = Json{{"resourceVersion", MetaString(object, "resourceVersion")}};
  Json rows = Json::array({Row(object, ChildString(object, "apiVersion"), kind, printer, options, now)});
  Json table = Table(options, std::move(meta), with_headers ? ColumnDefinitions(printer) : Json(), std::move(rows));
  return absl::StrCat("{\"type\":", WireDump(event["type"]), ",\"object\":", WireDump(table), "}\n");
}

absl::StatusOr<HandleResult> HandleAsTable(ClusterCore& core, const std::shared_ptr<ClusterCore>& self,
                                           RequestContext ctx, const TableOptions& options) {
  const TablePrinter printer = TablePrinter::For(*ctx.type, ctx.version);
  const std::string kind = ctx.type->kind;
  if (ctx.verb == "watch") {
    auto clock = core.options.clock;
    if (ctx.sink) {
      ctx.sink = std::make_shared<TableWatchSink>(std::move(ctx.sink), kind, printer, options, clock);
      return HandleWatch(core, self, ctx);
    }
    auto result = HandleWatch(core, self, ctx);
    if (!result.ok() || result->is_watch) return result;
    // No stream: the events so far are in the body, one per line.
    std::string body;
    bool first = true;
    for (absl::string_view line : absl::StrSplit(result->response.body, '\n', absl::SkipEmpty())) {
      body += TableEventLine(std::string(line) + "\n", kind, printer, options, first, core.NowTime());
      first = false;
    }
    result->response.body = std::move(body);
    return result;
  }
  auto result = ctx.verb == "get" ? HandleGet(core, ctx) : HandleList(core, ctx);
  if (!result.ok() || result->response.status != 200) return result;
  auto table = TableFromBody(result->response.body, ctx.verb == "list", kind, printer, options, core.NowTime());
  if (!table.ok()) return table.status();
  result->response.body = *table + "\n";
  return result;
}

}  // namespace srfleet::kubesim
