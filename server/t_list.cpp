// t_list.cpp — list commands (Redis t_list.c) on the Quicklist of t_list.hpp.
//
// Argument checks run in Redis's order, which decides which error a malformed call gets: LRANGE,
// LTRIM, LREM and LPOS parse their numbers before looking the key up (so a bad index wins over
// WRONGTYPE), LINDEX and LSET look the key up first. Missing keys answer like empty lists:
// LRANGE *0, LLEN 0, LPOP nil — in the reply shape of the command's form (LPOP key count answers
// a missing key with a null array, *-1 in RESP2, where LPOP key answers a null bulk).
//
// Every write ends in finish_write(): a list left empty is deleted (Redis never keeps an empty
// aggregate), otherwise the shard's version moves for WATCH. The pops shared with LMPOP and the
// blocking commands (which must reply exactly like their non-blocking forms) are the
// pop_reply_* helpers below.
#include <algorithm>
#include <climits>

#include "commands.hpp"
#include "server.hpp"
#include "t_list.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

enum class End { kHead, kTail };

// LEFT / RIGHT (Redis getListPositionFromObjectOrReply); replies a syntax error otherwise.
std::optional<End> end_argument(CommandContext& ctx, std::size_t index) {
  if (iequals(ctx.argv[index], "left")) return End::kHead;
  if (iequals(ctx.argv[index], "right")) return End::kTail;
  ctx.reply.error(errors::kSyntax);
  return std::nullopt;
}

// A non-negative integer (Redis getPositiveLongFromObjectOrReply): anything else, including a
// malformed number, replies `error`.
std::optional<long long> non_negative_argument(CommandContext& ctx, std::size_t index,
                                               std::string_view error) {
  auto value = parse_int64(ctx.argv[index]);
  if (!value || *value < 0) {
    ctx.reply.error(error);
    return std::nullopt;
  }
  return value;
}

// A live list, or nullptr when the key is missing; another type replies WRONGTYPE and sets
// `wrong_type`.
Entry* lookup_list(CommandContext& ctx, std::string_view key, bool& wrong_type) {
  wrong_type = false;
  Entry* entry = lookup_key(ctx, key);
  if (entry != nullptr && entry->value.type() != ObjectType::kList) {
    wrong_type = true;
    ctx.reply.error(errors::kWrongType);
    return nullptr;
  }
  return entry;
}

Quicklist& list_of(Entry& entry) {
  return entry.value.as<ListValue>().list;
}

Entry& create_list(CommandContext& ctx, std::string_view key) {
  const long long fill = ctx.server.settings().list_max_listpack_size.load();
  const int bounded = static_cast<int>(std::clamp<long long>(fill, INT_MIN, INT_MAX));
  return ctx.db().add(std::string(key), Object::composite(std::make_unique<ListValue>(bounded)),
                      ctx.now_ms);
}

// After elements were removed or changed: deletes an emptied list, else records the write.
void finish_write(CommandContext& ctx, std::string_view key, Entry& entry) {
  if (list_of(entry).empty()) {
    ctx.db().remove(key);
  } else {
    ctx.db().mark_modified(entry);
  }
}

std::string pop(Quicklist& list, End end) {
  return end == End::kHead ? list.pop_front() : list.pop_back();
}

void push(Quicklist& list, End end, std::string_view value) {
  if (end == End::kHead) {
    list.push_front(value);
  } else {
    list.push_back(value);
  }
}

// Pops up to `count` elements of a non-empty list as an array (LPOP key count, LMPOP's inner
// array), deleting the key when it empties.
void pop_reply_array(CommandContext& ctx, std::string_view key, Entry& entry, End end,
                     long long count) {
  Quicklist& list = list_of(entry);
  const std::size_t n = std::min(static_cast<std::size_t>(count), list.size());
  ctx.reply.array_header(n);
  for (std::size_t i = 0; i < n; ++i) ctx.reply.bulk(pop(list, end));
  finish_write(ctx, key, entry);
}

// LMPOP's reply for a non-empty list: [key, [elements]].
void pop_reply_keyed(CommandContext& ctx, std::string_view key, Entry& entry, End end,
                     long long count) {
  ctx.reply.array_header(2);
  ctx.reply.bulk(key);
  pop_reply_array(ctx, key, entry, end, count);
}

void push_generic(CommandContext& ctx, End end, bool only_existing) {
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    if (only_existing) {
      ctx.reply.integer(0);
      return;
    }
    entry = &create_list(ctx, ctx.argv[1]);
  }
  Quicklist& list = list_of(*entry);
  for (std::size_t j = 2; j < ctx.argc(); ++j) push(list, end, ctx.argv[j]);
  ctx.db().mark_modified(*entry);
  ctx.reply.integer(static_cast<long long>(list.size()));
}

void pop_generic(CommandContext& ctx, End end) {
  if (ctx.argc() > 3) {
    reply_arity_error(ctx);
    return;
  }
  std::optional<long long> count;
  if (ctx.argc() == 3) {
    count = non_negative_argument(ctx, 2, "ERR value is out of range, must be positive");
    if (!count) return;
  }
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    if (count) {
      ctx.reply.null_array();
    } else {
      ctx.reply.null();
    }
    return;
  }
  if (!count) {
    ctx.reply.bulk(pop(list_of(*entry), end));
    finish_write(ctx, ctx.argv[1], *entry);
  } else if (*count == 0) {
    ctx.reply.array_header(0);
  } else {
    pop_reply_array(ctx, ctx.argv[1], *entry, end, *count);
  }
}

// LMOVE's work once its arguments are known (Redis lmoveGenericCommand): replies the moved
// element, or null when the source is missing.
void move_generic(CommandContext& ctx, End from, End to) {
  bool wrong_type;
  Entry* source = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (source == nullptr) {
    ctx.reply.null();
    return;
  }
  Entry* destination = lookup_list(ctx, ctx.argv[2], wrong_type);
  if (wrong_type) return;
  std::string value = pop(list_of(*source), from);
  // Pushing before finish_write keeps LMOVE k k of a one-element list from deleting k.
  if (destination == nullptr) destination = &create_list(ctx, ctx.argv[2]);
  push(list_of(*destination), to, value);
  ctx.db().mark_modified(*destination);
  finish_write(ctx, ctx.argv[1], *source);
  ctx.reply.bulk(value);
}

// Redis's LRANGE/LTRIM index normalization: [start, end] clamped to the list, or nullopt when
// the range is empty.
std::optional<std::pair<std::size_t, std::size_t>> normalize_range(long long start, long long end,
                                                                   std::size_t size) {
  const long long length = static_cast<long long>(size);
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) return std::nullopt;
  if (end >= length) end = length - 1;
  return std::pair{static_cast<std::size_t>(start), static_cast<std::size_t>(end)};
}

}  // namespace

void lpush_command(CommandContext& ctx) {
  push_generic(ctx, End::kHead, false);
}

void rpush_command(CommandContext& ctx) {
  push_generic(ctx, End::kTail, false);
}

void lpushx_command(CommandContext& ctx) {
  push_generic(ctx, End::kHead, true);
}

void rpushx_command(CommandContext& ctx) {
  push_generic(ctx, End::kTail, true);
}

void lpop_command(CommandContext& ctx) {
  pop_generic(ctx, End::kHead);
}

void rpop_command(CommandContext& ctx) {
  pop_generic(ctx, End::kTail);
}

void llen_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  ctx.reply.integer(entry == nullptr ? 0 : static_cast<long long>(list_of(*entry).size()));
}

void lrange_command(CommandContext& ctx) {
  auto start = integer_argument(ctx, 2);
  if (!start) return;
  auto end = integer_argument(ctx, 3);
  if (!end) return;
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.array_header(0);
    return;
  }
  Quicklist& list = list_of(*entry);
  auto range = normalize_range(*start, *end, list.size());
  if (!range) {
    ctx.reply.array_header(0);
    return;
  }
  ctx.reply.array_header(range->second - range->first + 1);
  Quicklist::Iterator it;
  list.at(static_cast<long long>(range->first), it);
  IntegerText scratch;
  for (std::size_t i = range->first; i <= range->second; ++i, list.next(it)) {
    ctx.reply.bulk(list.get(it).view(scratch));
  }
}

void lindex_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.null();
    return;
  }
  auto index = integer_argument(ctx, 2);
  if (!index) return;
  Quicklist& list = list_of(*entry);
  Quicklist::Iterator it;
  if (!list.at(*index, it)) {
    ctx.reply.null();
    return;
  }
  IntegerText scratch;
  ctx.reply.bulk(list.get(it).view(scratch));
}

void lset_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.error(errors::kNoSuchKey);
    return;
  }
  auto index = integer_argument(ctx, 2);
  if (!index) return;
  Quicklist& list = list_of(*entry);
  Quicklist::Iterator it;
  if (!list.at(*index, it)) {
    ctx.reply.error("ERR index out of range");
    return;
  }
  list.replace(it, ctx.argv[3]);
  ctx.db().mark_modified(*entry);
  ctx.reply.ok();
}

void linsert_command(CommandContext& ctx) {
  bool after;
  if (iequals(ctx.argv[2], "after")) {
    after = true;
  } else if (iequals(ctx.argv[2], "before")) {
    after = false;
  } else {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  Quicklist& list = list_of(*entry);
  for (auto it = list.begin(); !list.is_end(it); list.next(it)) {
    if (list.equals(it, ctx.argv[3])) {
      list.insert(it, ctx.argv[4], after);
      ctx.db().mark_modified(*entry);
      ctx.reply.integer(static_cast<long long>(list.size()));
      return;
    }
  }
  ctx.reply.integer(-1);
}

void lrem_command(CommandContext& ctx) {
  auto count = integer_argument(ctx, 2);
  if (!count) return;
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  Quicklist& list = list_of(*entry);
  const std::string_view element = ctx.argv[3];
  // count > 0 removes the first count matches, count < 0 the last -count, 0 all of them.
  const unsigned long long limit =
      *count == 0 ? ULLONG_MAX
                  : (*count > 0 ? static_cast<unsigned long long>(*count)
                                : 0ULL - static_cast<unsigned long long>(*count));
  unsigned long long removed = 0;
  if (*count >= 0) {
    for (auto it = list.begin(); !list.is_end(it) && removed < limit;) {
      if (list.equals(it, element)) {
        it = list.erase(it);
        ++removed;
      } else {
        list.next(it);
      }
    }
  } else {
    // Walking backwards, erase() returns the element after the removed one; step back from it.
    for (auto it = list.last(); !list.is_end(it) && removed < limit;) {
      if (list.equals(it, element)) {
        auto following = list.erase(it);
        ++removed;
        if (list.empty()) break;
        if (list.is_end(following)) {
          it = list.last();
        } else {
          it = following;
          list.prev(it);
        }
      } else {
        list.prev(it);
      }
    }
  }
  if (removed > 0) finish_write(ctx, ctx.argv[1], *entry);
  ctx.reply.integer(static_cast<long long>(removed));
}

void ltrim_command(CommandContext& ctx) {
  auto start = integer_argument(ctx, 2);
  if (!start) return;
  auto end = integer_argument(ctx, 3);
  if (!end) return;
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (entry != nullptr) {
    Quicklist& list = list_of(*entry);
    const std::size_t size = list.size();
    auto range = normalize_range(*start, *end, size);
    if (!range) {
      list.erase_range(0, size);
    } else {
      list.erase_range(range->second + 1, size - range->second - 1);
      list.erase_range(0, range->first);
    }
    finish_write(ctx, ctx.argv[1], *entry);
  }
  ctx.reply.ok();
}

void lpos_command(CommandContext& ctx) {
  long long rank = 1;
  long long count = -1;  // -1: no COUNT option (reply a single index, not an array)
  long long maxlen = 0;  // 0: no limit
  for (std::size_t j = 3; j < ctx.argc(); ++j) {
    const std::string_view option = ctx.argv[j];
    const bool more = j + 1 < ctx.argc();
    if (iequals(option, "rank") && more) {
      auto value = integer_argument(ctx, ++j);
      if (!value) return;
      if (*value == 0) {
        ctx.reply.error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return;
      }
      rank = *value;
    } else if (iequals(option, "count") && more) {
      auto value = non_negative_argument(ctx, ++j, "ERR COUNT can't be negative");
      if (!value) return;
      count = *value;
    } else if (iequals(option, "maxlen") && more) {
      auto value = non_negative_argument(ctx, ++j, "ERR MAXLEN can't be negative");
      if (!value) return;
      maxlen = *value;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  const bool from_tail = rank < 0;
  // Negating LLONG_MIN leaves it negative, so like Redis it then takes the first match.
  if (from_tail) rank = static_cast<long long>(0ULL - static_cast<unsigned long long>(rank));
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    if (count != -1) {
      ctx.reply.array_header(0);
    } else {
      ctx.reply.null();
    }
    return;
  }
  Quicklist& list = list_of(*entry);
  const long long length = static_cast<long long>(list.size());
  std::vector<long long> found;
  long long matches = 0;
  long long index = 0;
  auto it = from_tail ? list.last() : list.begin();
  for (; !list.is_end(it) && (maxlen == 0 || index < maxlen); ++index) {
    if (list.equals(it, ctx.argv[2]) && ++matches >= rank) {
      found.push_back(from_tail ? length - index - 1 : index);
      if (count == -1 || (count != 0 && matches - rank + 1 >= count)) break;
    }
    if (from_tail) {
      list.prev(it);
    } else {
      list.next(it);
    }
  }
  if (count != -1) {
    ctx.reply.array_header(found.size());
    for (long long position : found) ctx.reply.integer(position);
  } else if (found.empty()) {
    ctx.reply.null();
  } else {
    ctx.reply.integer(found.front());
  }
}

void lmove_command(CommandContext& ctx) {
  auto from = end_argument(ctx, 3);
  if (!from) return;
  auto to = end_argument(ctx, 4);
  if (!to) return;
  move_generic(ctx, *from, *to);
}

void rpoplpush_command(CommandContext& ctx) {
  move_generic(ctx, End::kTail, End::kHead);
}

void lmpop_command(CommandContext& ctx) {
  auto numkeys = parse_int64(ctx.argv[1]);
  if (!numkeys || *numkeys < 1) {
    ctx.reply.error("ERR numkeys should be greater than 0");
    return;
  }
  // The keys are argv[2 .. numkeys+1]; LEFT/RIGHT must follow them.
  if (static_cast<unsigned long long>(*numkeys) >= ctx.argc() - 2) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  const std::size_t where_index = 2 + static_cast<std::size_t>(*numkeys);
  auto end = end_argument(ctx, where_index);
  if (!end) return;
  long long count = -1;
  for (std::size_t j = where_index + 1; j < ctx.argc(); ++j) {
    if (count == -1 && iequals(ctx.argv[j], "count") && j + 1 < ctx.argc()) {
      auto value = parse_int64(ctx.argv[++j]);
      if (!value || *value < 1) {
        ctx.reply.error("ERR count should be greater than 0");
        return;
      }
      count = *value;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  if (count == -1) count = 1;
  for (std::size_t j = 2; j < where_index; ++j) {
    bool wrong_type;
    Entry* entry = lookup_list(ctx, ctx.argv[j], wrong_type);
    if (wrong_type) return;
    if (entry != nullptr) {
      pop_reply_keyed(ctx, ctx.argv[j], *entry, *end, count);
      return;
    }
  }
  ctx.reply.null_array();
}

}  // namespace gorodis
