#include "shared/kubesim/patch.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/kubesim/json_access.h"
#include "shared/kubesim/status_errors.h"

namespace srfleet::kubesim {

Json MergePatch(const Json& target, const Json& patch) {
  if (!patch.is_object()) return patch;
  Json result = target.is_object() ? target : Json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      result.erase(it.key());
    } else {
      const Json* existing = Child(result, it.key());
      result[it.key()] = MergePatch(existing ? *existing : Json(), *it);
    }
  }
  return result;
}

namespace {

absl::Status Unprocessable(const std::string& message) {
  return ApiError(422, FailureStatus(message, "Invalid", Json(), 422));
}

// RFC 6901 pointer into reference tokens.
absl::StatusOr<std::vector<std::string>> Tokens(const std::string& pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) return out;
  if (pointer[0] != '/') return BadRequestError(absl::StrCat("invalid JSON pointer: ", GoQuote(pointer)));
  std::string cur;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      out.push_back(cur);
      cur.clear();
    } else if (pointer[i] == '~' && i + 1 < pointer.size() && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      cur.push_back(pointer[i + 1] == '0' ? '~' : '/');
      ++i;
    } else {
      cur.push_back(pointer[i]);
    }
  }
  return out;
}

bool ParseIndex(const std::string& token, size_t limit, size_t* index) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return false;
  uint64_t v = 0;
  if (!absl::SimpleAtoi(token, &v) || v > limit) return false;
  *index = static_cast<size_t>(v);
  return true;
}

Json* Resolve(Json& root, const std::vector<std::string>& tokens, size_t count) {
  Json* cur = &root;
  for (size_t i = 0; i < count; ++i) {
    if (cur->is_object()) {
      cur = MutableChild(*cur, tokens[i]);
    } else if (cur->is_array()) {
      size_t idx = 0;
      if (!ParseIndex(tokens[i], cur->size() - 1, &idx) || cur->empty()) return nullptr;
      cur = &(*cur)[idx];
    } else {
      return nullptr;
    }
    if (!cur) return nullptr;
  }
  return cur;
}

absl::StatusOr<Json> Get(Json& doc, const std::string& path) {
  auto tokens = Tokens(path);
  if (!tokens.ok()) return tokens.status();
  Json* v = Resolve(doc, *tokens, tokens->size());
  if (!v) return Unprocessable(absl::StrCat("doc is missing path: ", GoQuote(path)));
  return *v;
}

absl::Status Remove(Json& doc, const std::string& path) {
  auto tokens = Tokens(path);
  if (!tokens.ok()) return tokens.status();
  if (tokens->empty()) return Unprocessable("cannot remove the whole document");
  Json* parent = Resolve(doc, *tokens, tokens->size() - 1);
  const std::string& last = tokens->back();
  if (parent && parent->is_object() && parent->contains(last)) {
    parent->erase(last);
    return absl::OkStatus();
  }
  size_t idx = 0;
  if (parent && parent->is_array() && !parent->empty() && ParseIndex(last, parent->size() - 1, &idx)) {
    parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(idx));
    return absl::OkStatus();
  }
  return Unprocessable(absl::StrCat("Unable to remove nonexistent key: ", last, ": missing value"));
}

absl::Status Add(Json& doc, const std::string& path, Json value, bool replace) {
  auto tokens = Tokens(path);
  if (!tokens.ok()) return tokens.status();
  if (tokens->empty()) {
    doc = std::move(value);
    return absl::OkStatus();
  }
  Json* parent = Resolve(doc, *tokens, tokens->size() - 1);
  const std::string& last = tokens->back();
  if (!parent) return Unprocessable(absl::StrCat("doc is missing path: ", GoQuote(path)));
  if (parent->is_object()) {
    if (replace && !parent->contains(last)) {
      return Unprocessable(absl::StrCat("replace operation does not apply: doc is missing key: ", path));
    }
    (*parent)[last] = std::move(value);
    return absl::OkStatus();
  }
  if (parent->is_array()) {
    if (replace) {
      size_t idx = 0;
      if (parent->empty() || !ParseIndex(last, parent->size() - 1, &idx)) {
        return Unprocessable(absl::StrCat("replace operation does not apply: doc is missing key: ", path));
      }
      (*parent)[idx] = std::move(value);
      return absl::OkStatus();
    }
    if (last == "-") {
      parent->push_back(std::move(value));
      return absl::OkStatus();
    }
    size_t idx = 0;
    if (!ParseIndex(last, parent->size(), &idx)) {
      return Unprocessable(absl::StrCat("add operation does not apply: doc is missing path: ", GoQuote(path)));
    }
    parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(idx), std::move(value));
    return absl::OkStatus();
  }
  return Unprocessable(absl::StrCat("doc is missing path: ", GoQuote(path)));
}

}  // namespace

absl::StatusOr<Json> JsonPatch(const Json& target, const Json& operations) {
  if (!operations.is_array()) {
    return BadRequestError("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  }
  Json doc = target;
  for (const auto& op : operations) {
    std::string kind = ChildString(op, "op");
    std::string path = ChildString(op, "path");
    const Json* value = Child(op, "value");
    absl::Status st;
    if (kind == "add" || kind == "replace") {
      if (!value) return Unprocessable(absl::StrCat(kind, " operation does not apply: missing value"));
      st = Add(doc, path, *value, kind == "replace");
    } else if (kind == "remove") {
      st = Remove(doc, path);
    } else if (kind == "move" || kind == "copy") {
      auto from = Get(doc, ChildString(op, "from"));
      if (!from.ok()) return from.status();
      if (kind == "move") {
        st = Remove(doc, ChildString(op, "from"));
        if (!st.ok()) return st;
      }
      st = Add(doc, path, std::move(*from), false);
    } else if (kind == "test") {
      auto current = Get(doc, path);
      if (!current.ok()) return current.status();
      if (!value || !JsonEqual(*current, *value)) {
        return Unprocessable(absl::StrCat("testing value ", path, " failed: test failed"));
      }
    } else {
      return BadRequestError(absl::StrCat("Unexpected kind: ", kind));
    }
    if (!st.ok()) return st;
  }
  return doc;
}

}  // namespace srfleet::kubesim
