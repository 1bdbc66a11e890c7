#include "shared/kubesim/table_columns.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "shared/kubesim/crd_definition.h"
#include "shared/kubesim/json_access.h"

#include "shared/text/human_duration.h"

namespace srfleet::kubesim {

const char kNameColumnDoc[] =
    "Name must be unique within a namespace. Is required when creating resources, although some resources may "
    "allow a client to request the generation of an appropriate name automatically. Name is primarily intended for "
    "creation idempotence and configuration definition. Cannot be updated. More info: "
    "http://kubernetes.io/docs/user-guide/identifiers#names";
const char kCreationTimestampDoc[] =
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
    "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is "
    "represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// RFC 3339 ("2026-11-21T12:00:31Z", fractions and offsets allowed), as
// metav1.Time parses query parameters.
bool ParseRfc3339(const std::string& s, TableTime* out) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) != 6) return false;
  if (consumed != 19 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  }
  int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2) return false;
    offset = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  int64_t secs = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
                 mi * 60 + sec - offset;
  *out = TableTime(std::chrono::seconds(secs));
  return true;
}

TableColumn NameColumn() { return {"Name", "string", "name", kNameColumnDoc, 0}; }

// A CRD version's additionalPrinterColumns; the apiextensions server serves
// an Age column when there are none.
Json PrinterColumnsOf(const ResourceType& type, const std::string& version) {
  if (type.crd) {
    if (const Json* versions = Child(type.crd->spec, "versions"); versions && versions->is_array()) {
      for (const auto& v : *versions) {
        if (ChildString(v, "name") != version) continue;
        const Json* cols = Child(v, "additionalPrinterColumns");
        if (cols && cols->is_array() && !cols->empty()) return *cols;
      }
    }
  }
  return Json::array({Json{{"name", "Age"},
                           {"type", "date"},
                           {"description", kCreationTimestampDoc},
                           {"jsonPath", ".metadata.creationTimestamp"}}});
}

// cellForJSONValue of the apiextensions table convertor; "string" columns
// print the value the way the JSONPath printer does.
Json CustomCell(const std::string& type, const Json& value, TableTime now) {
  if (type == "string") return GoPrint(value);
  if (type == "integer") {
    if (value.is_number_integer()) return value.get<int64_t>();
    if (value.is_number_float()) return static_cast<int64_t>(value.get<double>());
  } else if (type == "number") {
    if (value.is_number()) return value.get<double>();
  } else if (type == "boolean") {
    if (value.is_boolean()) return value;
  } else if (type == "date") {
    if (value.is_string()) {
      TableTime t;
      if (!ParseRfc3339(value.get<std::string>(), &t)) return "<invalid>";
      return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - t));
    }
  }
  return nullptr;
}

}  // namespace

std::string HumanDuration(std::chrono::seconds d) { return text::HumanDuration(d.count()); }

std::string AgeSince(const std::string& rfc3339, TableTime now) {
  if (rfc3339.empty()) return "<unknown>";
  TableTime t;
  if (!ParseRfc3339(rfc3339, &t)) return "<invalid>";
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - t));
}

TablePrinter TablePrinter::For(const ResourceType& type, const std::string& version) {
  TablePrinter p;
  if (!type.unstructured) {
    if (BuiltinPrinter(type.group, type.resource, &p.columns_, &p.builtin_)) {
      p.mode_ = Mode::kBuiltin;
      return p;
    }
    // rest.NewDefaultTableConvertor (CustomResourceDefinition objects).
    p.mode_ = Mode::kDefault;
    p.columns_ = {NameColumn(), {"Created At", "date", "", kCreationTimestampDoc, 0}};
    return p;
  }
  p.mode_ = Mode::kCustom;
  p.columns_ = {NameColumn()};
  for (const auto& col : PrinterColumnsOf(type, version)) {
    TableColumn c;
    c.name = ChildString(col, "name");
    c.type = ChildString(col, "type");
    c.format = ChildString(col, "format");
    const std::string path = ChildString(col, "jsonPath");
    c.description = ChildString(col, "description");
    if (c.description.empty()) c.description = "Custom resource definition column (in JSONPath format): " + path;
    if (const Json* prio = Child(col, "priority"); prio && prio->is_number_integer()) {
      c.priority = prio->get<int>();
    }
    p.columns_.push_back(std::move(c));
    auto parsed = SimpleJsonPath::Parse(path);
    p.json_paths_.push_back(parsed.ok() ? std::optional<SimpleJsonPath>(std::move(*parsed)) : std::nullopt);
  }
  return p;
}

Json TablePrinter::Cells(const Json& object, TableTime now) const {
  const std::string name = MetaString(object, "name");
  switch (mode_) {
    case Mode::kBuiltin:
      return builtin_(object, now);
    case Mode::kDefault: {
      // The default convertor prints the timestamp itself (UTC, RFC 3339).
      TableTime t;
      const std::string created = MetaString(object, "creationTimestamp");
      return Json::array({name, ParseRfc3339(created, &t) ? created : "0001-01-01T00:00:00Z"});
    }
    case Mode::kCustom:
      break;
  }
  Json cells = Json::array({name});
  for (size_t i = 0; i < json_paths_.size(); ++i) {
    const std::string& type = columns_[i + 1].type;
    const Json* value = json_paths_[i] ? json_paths_[i]->FindFirst(object) : nullptr;
    cells.push_back(value ? CustomCell(type, *value, now) : Json());
  }
  return cells;
}

}  // namespace srfleet::kubesim
