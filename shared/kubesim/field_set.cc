#include "shared/kubesim/field_set.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace srfleet::kubesim {
namespace {

// Compact JSON as the API server writes it; invalid UTF-8 is replaced rather
// than thrown on.
std::string Dump(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

int Rank(const Json& v) {
  if (v.is_number()) return 0;
  if (v.is_string()) return 1;
  if (v.is_boolean()) return 2;
  if (v.is_array()) return 3;
  if (v.is_object()) return 4;
  return 5;  // null (and anything else)
}

int CompareNumbers(const Json& a, const Json& b) {
  if (a.is_number_float() || b.is_number_float()) {
    double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_number_unsigned() && b.is_number_unsigned()) {
    auto x = a.get<uint64_t>(), y = b.get<uint64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  // Kubernetes integers are int64; an unsigned above that range cannot occur.
  auto x = a.get<int64_t>(), y = b.get<int64_t>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

// Object keys sorted by name, as SMD compares and prints key field lists.
std::vector<std::pair<std::string, const Json*>> SortedFields(const Json& object) {
  std::vector<std::pair<std::string, const Json*>> out;
  if (!object.is_object()) return out;
  for (const auto& [k, v] : object.items()) out.emplace_back(k, &v);
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  return out;
}

// SMD's FieldList.Compare: element-wise (name, then value), then length.
int CompareFieldLists(const Json& a, const Json& b) {
  auto x = SortedFields(a), y = SortedFields(b);
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (int c = x[i].first.compare(y[i].first); c != 0) return c < 0 ? -1 : 1;
    if (int c = CompareJsonValues(*x[i].second, *y[i].second); c != 0) return c;
  }
  return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
}

}  // namespace

int CompareJsonValues(const Json& a, const Json& b) {
  int ra = Rank(a), rb = Rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return CompareNumbers(a, b);
    case 1: {
      int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case 2:
      return a.get<bool>() == b.get<bool>() ? 0 : (a.get<bool>() ? 1 : -1);
    case 3:
      for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (int c = CompareJsonValues(a[i], b[i]); c != 0) return c;
      }
      return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
    case 4:
      return CompareFieldLists(a, b);
    default:
      return 0;
  }
}

PathElement PathElement::Field(std::string name) {
  PathElement e;
  e.kind_ = Kind::kField;
  e.name_ = std::move(name);
  return e;
}

PathElement PathElement::Key(const Json& key_fields) {
  PathElement e;
  e.kind_ = Kind::kKey;
  e.value_ = Json::object();
  for (const auto& [k, v] : SortedFields(key_fields)) e.value_[k] = *v;
  return e;
}

PathElement PathElement::Value(Json value) {
  PathElement e;
  e.kind_ = Kind::kValue;
  e.value_ = std::move(value);
  return e;
}

PathElement PathElement::Index(int64_t index) {
  PathElement e;
  e.kind_ = Kind::kIndex;
  e.index_ = index;
  return e;
}

absl::StatusOr<PathElement> PathElement::FromFieldsV1Key(const std::string& key) {
  if (key.size() < 2 || key[1] != ':') {
    return absl::InvalidArgumentError(absl::StrCat("invalid fieldsV1 key \"", key, "\""));
  }
  std::string rest = key.substr(2);
  switch (key[0]) {
    case 'f':
      return Field(std::move(rest));
    case 'k':
    case 'v': {
      Json parsed = Json::parse(rest, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded() || (key[0] == 'k' && !parsed.is_object())) {
        return absl::InvalidArgumentError(absl::StrCat("invalid fieldsV1 key \"", key, "\""));
      }
      return key[0] == 'k' ? Key(parsed) : Value(std::move(parsed));
    }
    case 'i': {
      Json parsed = Json::parse(rest, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_number_integer()) {
        return absl::InvalidArgumentError(absl::StrCat("invalid fieldsV1 key \"", key, "\""));
      }
      return Index(parsed.get<int64_t>());
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat("invalid fieldsV1 key \"", key, "\""));
  }
}

std::string PathElement::FieldsV1Key() const {
  switch (kind_) {
    case Kind::kField:
      return absl::StrCat("f:", name_);
    case Kind::kKey:
      return absl::StrCat("k:", Dump(value_));
    case Kind::kValue:
      return absl::StrCat("v:", Dump(value_));
    case Kind::kIndex:
      return absl::StrCat("i:", index_);
  }
  return "";
}

std::string PathElement::ToString() const {
  switch (kind_) {
    case Kind::kField:
      return absl::StrCat(".", name_);
    case Kind::kKey: {
      std::vector<std::string> parts;
      for (const auto& [k, v] : value_.items()) parts.push_back(absl::StrCat(k, "=", Dump(v)));
      return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
    }
    case Kind::kValue:
      return absl::StrCat("[=", Dump(value_), "]");
    case Kind::kIndex:
      return absl::StrCat("[", index_, "]");
  }
  return "";
}

int PathElement::Compare(const PathElement& other) const {
  if (kind_ != other.kind_) return static_cast<int>(kind_) < static_cast<int>(other.kind_) ? -1 : 1;
  switch (kind_) {
    case Kind::kField: {
      int c = name_.compare(other.name_);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Kind::kKey:
      return CompareFieldLists(value_, other.value_);
    case Kind::kValue:
      return CompareJsonValues(value_, other.value_);
    case Kind::kIndex:
      return index_ < other.index_ ? -1 : (index_ > other.index_ ? 1 : 0);
  }
  return 0;
}

std::string PathToString(const Path& path) {
  std::string out;
  for (const auto& e : path) out += e.ToString();
  return out;
}

// ---- FieldSet -------------------------------------------------------------

FieldSet::FieldSet() = default;
FieldSet::~FieldSet() = default;
FieldSet::FieldSet(const FieldSet&) = default;
FieldSet::FieldSet(FieldSet&&) noexcept = default;
FieldSet& FieldSet::operator=(const FieldSet&) = default;
FieldSet& FieldSet::operator=(FieldSet&&) noexcept = default;

bool FieldSet::empty() const { return entries_.empty(); }

const FieldSet::Entry* FieldSet::Find(const PathElement& element) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), element,
                             [](const Entry& e, const PathElement& pe) { return e.element < pe; });
  return it != entries_.end() && it->element == element ? &*it : nullptr;
}

FieldSet::Entry& FieldSet::GetOrAdd(const PathElement& element) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), element,
                             [](const Entry& e, const PathElement& pe) { return e.element < pe; });
  if (it != entries_.end() && it->element == element) return *it;
  return *entries_.insert(it, Entry{element, false, FieldSet()});
}

void FieldSet::Prune() {
  for (auto& e : entries_) e.children.Prune();
  entries_.erase(
      std::remove_if(entries_.begin(), entries_.end(), [](const Entry& e) { return !e.member && e.children.empty(); }),
      entries_.end());
}

void FieldSet::Insert(const Path& path) {
  if (path.empty()) return;
  FieldSet* cur = this;
  for (size_t i = 0; i + 1 < path.size(); ++i) cur = &cur->GetOrAdd(path[i]).children;
  cur->GetOrAdd(path.back()).member = true;
}

bool FieldSet::Has(const Path& path) const {
  const FieldSet* cur = this;
  for (size_t i = 0; i < path.size(); ++i) {
    const Entry* e = cur->Find(path[i]);
    if (!e) return false;
    if (i + 1 == path.size()) return e->member;
    cur = &e->children;
  }
  return false;
}

bool FieldSet::IsMember(const PathElement& element) const {
  const Entry* e = Find(element);
  return e && e->member;
}

const FieldSet* FieldSet::Child(const PathElement& element) const {
  const Entry* e = Find(element);
  return e && !e->children.empty() ? &e->children : nullptr;
}

FieldSet FieldSet::Union(const FieldSet& other) const {
  FieldSet out = *this;
  for (const auto& theirs : other.entries_) {
    Entry& mine = out.GetOrAdd(theirs.element);
    mine.member = mine.member || theirs.member;
    mine.children = mine.children.Union(theirs.children);
  }
  return out;
}

FieldSet FieldSet::Difference(const FieldSet& other) const {
  FieldSet out;
  for (const auto& mine : entries_) {
    const Entry* theirs = other.Find(mine.element);
    if (!theirs) {
      out.entries_.push_back(mine);
      continue;
    }
    Entry e{mine.element, mine.member && !theirs->member, mine.children.Difference(theirs->children)};
    if (e.member || !e.children.empty()) out.entries_.push_back(std::move(e));
  }
  return out;
}

FieldSet FieldSet::RecursiveDifference(const FieldSet& other) const {
  FieldSet out;
  for (const auto& mine : entries_) {
    const Entry* theirs = other.Find(mine.element);
    if (!theirs) {
      out.entries_.push_back(mine);
      continue;
    }
    if (theirs->member) continue;  // everything at and below it goes
    Entry e{mine.element, mine.member, mine.children.RecursiveDifference(theirs->children)};
    if (e.member || !e.children.empty()) out.entries_.push_back(std::move(e));
  }
  return out;
}

FieldSet FieldSet::Intersection(const FieldSet& other) const {
  FieldSet out;
  for (const auto& mine : entries_) {
    const Entry* theirs = other.Find(mine.element);
    if (!theirs) continue;
    Entry e{mine.element, mine.member && theirs->member, mine.children.Intersection(theirs->children)};
    if (e.member || !e.children.empty()) out.entries_.push_back(std::move(e));
  }
  return out;
}

void FieldSet::ForEachMemberUnder(Path& prefix, const std::function<void(const Path&)>& fn) const {
  for (const auto& e : entries_) {
    if (!e.member) continue;
    prefix.push_back(e.element);
    fn(prefix);
    prefix.pop_back();
  }
  for (const auto& e : entries_) {
    if (e.children.empty()) continue;
    prefix.push_back(e.element);
    e.children.ForEachMemberUnder(prefix, fn);
    prefix.pop_back();
  }
}

void FieldSet::ForEachMember(const std::function<void(const Path&)>& fn) const {
  Path prefix;
  ForEachMemberUnder(prefix, fn);
}

Json FieldSet::ToFieldsV1() const {
  Json out = Json::object();
  for (const auto& e : entries_) {
    Json child = e.children.ToFieldsV1();
    if (e.member && !child.empty()) {
      // "." marks the step itself as owned; it comes first, as SMD writes it.
      Json with_dot = Json::object();
      with_dot["."] = Json::object();
      for (auto& [k, v] : child.items()) with_dot[k] = std::move(v);
      child = std::move(with_dot);
    }
    out[e.element.FieldsV1Key()] = std::move(child);
  }
  return out;
}

absl::StatusOr<FieldSet> FieldSet::FromFieldsV1(const Json& fields) {
  if (!fields.is_object()) return absl::InvalidArgumentError("fieldsV1 must be an object");
  FieldSet out;
  for (const auto& [key, value] : fields.items()) {
    if (key == ".") continue;  // handled by the parent
    auto element = PathElement::FromFieldsV1Key(key);
    if (!element.ok()) return element.status();
    auto children = FromFieldsV1(value);
    if (!children.ok()) return children.status();
    Entry& e = out.GetOrAdd(*element);
    // A leaf `{}` is a member; an object is a member only when it holds ".".
    e.member = e.member || value.empty() || value.contains(".");
    e.children = e.children.Union(*children);
  }
  out.Prune();
  return out;
}

bool FieldSet::operator==(const FieldSet& other) const {
  if (entries_.size() != other.entries_.size()) return false;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& a = entries_[i];
    const Entry& b = other.entries_[i];
    if (!(a.element == b.element) || a.member != b.member || !(a.children == b.children)) return false;
  }
  return true;
}

}  // namespace srfleet::kubesim
