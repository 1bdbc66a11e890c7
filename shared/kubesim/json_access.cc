#include "shared/kubesim/json_access.h"

#include <algorithm>
#include <string>
#include <vector>

namespace srfleet::kubesim {

const Json* Child(const Json& v, const std::string& key) {
  if (!v.is_object()) return nullptr;
  auto it = v.find(key);
  return it == v.end() ? nullptr : &*it;
}

Json* MutableChild(Json& v, const std::string& key) {
  if (!v.is_object()) return nullptr;
  auto it = v.find(key);
  return it == v.end() ? nullptr : &*it;
}

std::string ChildString(const Json& v, const std::string& key) {
  const Json* c = Child(v, key);
  return c && c->is_string() ? c->get<std::string>() : std::string();
}

Json& EnsureObject(Json& v, const std::string& key) {
  if (!v.is_object()) v = Json::object();
  Json& child = v[key];
  if (!child.is_object()) child = Json::object();
  return child;
}

const Json* Meta(const Json& object) { return Child(object, "metadata"); }

Json& MutableMeta(Json& object) { return EnsureObject(object, "metadata"); }

std::string MetaString(const Json& object, const std::string& key) {
  const Json* meta = Meta(object);
  return meta ? ChildString(*meta, key) : std::string();
}

std::string WireDump(const Json& v) {
  std::string raw;
  try {
    raw = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (...) {
    return "null";
  }
  // `<`, `>` and `&` never appear outside strings in JSON text, so a plain
  // byte replacement escapes exactly the string contents, like Go's encoder.
  std::string out;
  out.reserve(raw.size() + 16);
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < raw.size() && raw[i + 1] == '\x80' &&
               (raw[i + 2] == '\xA8' || raw[i + 2] == '\xA9')) {
      out += raw[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Json SortedKeys(const Json& v) {
  if (v.is_object()) {
    std::vector<const std::string*> keys;
    keys.reserve(v.size());
    for (auto it = v.begin(); it != v.end(); ++it) keys.push_back(&it.key());
    std::sort(keys.begin(), keys.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
    Json out = Json::object();
    for (const std::string* k : keys) out[*k] = SortedKeys(*v.find(*k));
    return out;
  }
  if (v.is_array()) {
    Json out = Json::array();
    for (const auto& item : v) out.push_back(SortedKeys(item));
    return out;
  }
  return v;
}

namespace {

size_t StringHeap(const std::string& s) {
  // libstdc++ keeps up to 15 characters inline.
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

}  // namespace

size_t ApproximateJsonBytes(const Json& v) {
  switch (v.type()) {
    case Json::value_t::object: {
      const auto& obj = v.get_ref<const Json::object_t&>();
      size_t bytes = sizeof(Json::object_t) + obj.capacity() * sizeof(Json::object_t::value_type);
      for (const auto& [k, child] : obj) bytes += StringHeap(k) + ApproximateJsonBytes(child);
      return bytes;
    }
    case Json::value_t::array: {
      const auto& arr = v.get_ref<const Json::array_t&>();
      size_t bytes = sizeof(Json::array_t) + arr.capacity() * sizeof(Json);
      for (const auto& child : arr) bytes += ApproximateJsonBytes(child);
      return bytes;
    }
    case Json::value_t::string:
      return sizeof(std::string) + StringHeap(v.get_ref<const std::string&>());
    default:
      return 0;
  }
}

bool JsonEqual(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a == b;
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !JsonEqual(*it, *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!JsonEqual(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace srfleet::kubesim
