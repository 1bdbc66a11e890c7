// Tree-walking evaluator. Errors are values in CEL: they propagate through
// strict operations and are absorbed by `&&`, `||` and the all/exists macros
// when the other operands decide the result.
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/schema/cel/cel_internal.h"

namespace srfleet::cel::internal {
namespace {

absl::Status Error(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

std::string Signature(const std::vector<Value>& args) {
  std::vector<std::string> kinds;
  for (const Value& a : args) kinds.emplace_back(KindName(a.kind()));
  return absl::StrCat("(", absl::StrJoin(kinds, ", "), ")");
}

bool Accepts(const Overload& o, const std::vector<Value>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (o.params[i] != Kind::kDyn && o.params[i] != args[i].kind()) return false;
  }
  return true;
}

class Evaluator {
 public:
  Evaluator(int num_slots, const Json& self, const Json* old_self)
      : slots_(static_cast<size_t>(num_slots)), self_(self), old_self_(old_self) {}

  absl::StatusOr<Value> Eval(const Node& n) {
    switch (n.kind) {
      case NodeKind::kLiteral: return n.literal;
      case NodeKind::kSelf: return FromJson(self_);
      case NodeKind::kOldSelf:
        if (old_self_ == nullptr) return Error("oldSelf is not available");
        return FromJson(*old_self_);
      case NodeKind::kVar: return slots_[static_cast<size_t>(n.slot)];
      case NodeKind::kSelect: return Select(n);
      case NodeKind::kHas: return Has(n);
      case NodeKind::kCall: return Call(n);
      case NodeKind::kAnd: return Logic(n, false);
      case NodeKind::kOr: return Logic(n, true);
      case NodeKind::kTernary: return Ternary(n);
      case NodeKind::kList: return ListLiteral(n);
      case NodeKind::kMap: return MapLiteral(n);
      case NodeKind::kComprehension: return Comprehension(n);
    }
    return absl::InternalError("unknown CEL node");
  }

 private:
  absl::StatusOr<Value> Select(const Node& n) {
    absl::StatusOr<Value> operand = Eval(*n.args[0]);
    if (!operand.ok()) return operand.status();
    if (operand->kind() != Kind::kMap) {
      return Error(absl::StrCat("type '", KindName(operand->kind()),
                                "' does not support field selection (field '",
                                n.name, "')"));
    }
    std::optional<Value> v = MapFind(operand->get<Map>(), String(n.name));
    if (!v.has_value()) return Error(absl::StrCat("no such key: ", n.name));
    return *std::move(v);
  }

  absl::StatusOr<Value> Has(const Node& n) {
    absl::StatusOr<Value> operand = Eval(*n.args[0]);
    if (!operand.ok()) return operand.status();
    if (operand->kind() != Kind::kMap) {
      return Error(absl::StrCat("has() cannot test field '", n.name,
                                "' on type '", KindName(operand->kind()), "'"));
    }
    return Bool(MapFind(operand->get<Map>(), String(n.name)).has_value());
  }

  absl::StatusOr<Value> Call(const Node& n) {
    std::vector<Value> args;
    args.reserve(n.args.size());
    for (const auto& a : n.args) {
      absl::StatusOr<Value> v = Eval(*a);
      if (!v.ok()) return v.status();
      args.push_back(*std::move(v));
    }
    for (const Overload* o : n.overloads) {
      if (Accepts(*o, args)) return o->impl(n, args);
    }
    return Error(absl::StrCat("no matching overload for '", n.name,
                              "' applied to ", Signature(args)));
  }

  // `||` when `absorbing` is true, else `&&`. Both sides are evaluated when the
  // left one errs so that `error || true` is true, as in CEL.
  absl::StatusOr<Value> Logic(const Node& n, bool absorbing) {
    absl::Status first_error;
    for (const auto& operand : n.args) {
      absl::StatusOr<Value> v = Eval(*operand);
      if (v.ok() && v->kind() != Kind::kBool) {
        v = Error(absl::StrCat("no matching overload for '",
                               absorbing ? "_||_" : "_&&_", "' applied to a ",
                               KindName(v->kind())));
      }
      if (!v.ok()) {
        if (first_error.ok()) first_error = v.status();
        continue;
      }
      if (v->get<bool>() == absorbing) return Bool(absorbing);
    }
    if (!first_error.ok()) return first_error;
    return Bool(!absorbing);
  }

  absl::StatusOr<Value> Ternary(const Node& n) {
    absl::StatusOr<Value> cond = Eval(*n.args[0]);
    if (!cond.ok()) return cond.status();
    if (cond->kind() != Kind::kBool) {
      return Error(absl::StrCat("condition of '?:' must be bool, not ",
                                KindName(cond->kind())));
    }
    return Eval(*n.args[cond->get<bool>() ? 1 : 2]);
  }

  absl::StatusOr<Value> ListLiteral(const Node& n) {
    std::vector<Value> items;
    items.reserve(n.args.size());
    for (const auto& a : n.args) {
      absl::StatusOr<Value> v = Eval(*a);
      if (!v.ok()) return v.status();
      items.push_back(*std::move(v));
    }
    return OwnedList(std::move(items));
  }

  absl::StatusOr<Value> MapLiteral(const Node& n) {
    std::vector<std::pair<Value, Value>> entries;
    for (size_t i = 0; i + 1 < n.args.size(); i += 2) {
      absl::StatusOr<Value> key = Eval(*n.args[i]);
      if (!key.ok()) return key.status();
      const Kind k = key->kind();
      if (k != Kind::kString && k != Kind::kInt && k != Kind::kUint &&
          k != Kind::kBool) {
        return Error(absl::StrCat("unsupported map key type ", KindName(k)));
      }
      for (const auto& entry : entries) {
        if (Equal(entry.first, *key)) return Error("duplicate map key");
      }
      absl::StatusOr<Value> value = Eval(*n.args[i + 1]);
      if (!value.ok()) return value.status();
      entries.emplace_back(*std::move(key), *std::move(value));
    }
    return Value{Map{nullptr, std::make_shared<const std::vector<std::pair<Value, Value>>>(
                                  std::move(entries))}};
  }

  absl::StatusOr<Value> Comprehension(const Node& n) {
    absl::StatusOr<Value> range = Eval(*n.args[0]);
    if (!range.ok()) return range.status();
    std::vector<Value> items;
    if (range->kind() == Kind::kList) {
      const List& list = range->get<List>();
      items.reserve(ListSize(list));
      for (size_t i = 0; i < ListSize(list); ++i) items.push_back(ListAt(list, i));
    } else if (range->kind() == Kind::kMap) {
      items = MapKeys(range->get<Map>());  // maps iterate over their keys
    } else {
      return Error(absl::StrCat("cannot iterate over ", KindName(range->kind())));
    }
    Value& var = slots_[static_cast<size_t>(n.slot)];
    const Node& step = *n.args.back();

    switch (n.macro) {
      case Macro::kAll:
      case Macro::kExists: {
        // all: any false decides; exists: any true decides. Errors matter only
        // when nothing decided.
        const bool decisive = n.macro == Macro::kExists;
        absl::Status first_error;
        for (Value& item : items) {
          var = std::move(item);
          absl::StatusOr<bool> p = Predicate(step);
          if (!p.ok()) {
            if (first_error.ok()) first_error = p.status();
          } else if (*p == decisive) {
            return Bool(decisive);
          }
        }
        if (!first_error.ok()) return first_error;
        return Bool(!decisive);
      }
      case Macro::kExistsOne: {
        int64_t count = 0;
        for (Value& item : items) {
          var = std::move(item);
          absl::StatusOr<bool> p = Predicate(step);
          if (!p.ok()) return p.status();
          count += *p ? 1 : 0;
        }
        return Bool(count == 1);
      }
      case Macro::kFilter:
      case Macro::kMap: {
        const bool filtered = n.macro == Macro::kFilter || n.args.size() == 3;
        std::vector<Value> out;
        for (Value& item : items) {
          var = std::move(item);
          if (filtered) {
            absl::StatusOr<bool> keep = Predicate(*n.args[1]);
            if (!keep.ok()) return keep.status();
            if (!*keep) continue;
          }
          if (n.macro == Macro::kFilter) {
            out.push_back(var);
            continue;
          }
          absl::StatusOr<Value> mapped = Eval(step);
          if (!mapped.ok()) return mapped.status();
          out.push_back(*std::move(mapped));
        }
        return OwnedList(std::move(out));
      }
    }
    return absl::InternalError("unknown CEL macro");
  }

  absl::StatusOr<bool> Predicate(const Node& n) {
    absl::StatusOr<Value> v = Eval(n);
    if (!v.ok()) return v.status();
    if (v->kind() != Kind::kBool) {
      return Error(absl::StrCat("predicate must be bool, not ", KindName(v->kind())));
    }
    return v->get<bool>();
  }

  std::vector<Value> slots_;
  const Json& self_;
  const Json* old_self_;
};

}  // namespace

absl::StatusOr<Value> Eval(const Node& root, int num_slots, const Json& self,
                           const Json* old_self) {
  return Evaluator(num_slots, self, old_self).Eval(root);
}

}  // namespace srfleet::cel::internal
