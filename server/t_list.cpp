// t_list.cpp — list commands (Redis t_list.c) on the Quicklist of t_list.hpp.
//
// Argument checks run in Redis's order, which decides which error a malformed call gets: LRANGE,
// LTRIM, LREM and LPOS parse their numbers before looking the key up (so a bad index wins over
// WRONGTYPE), LINDEX and LSET look the key up first. Missing keys answer like empty lists:
// LRANGE *0, LLEN 0, LPOP nil — in the reply shape of the command's form (LPOP key count answers
// a missing key with a null array, *-1 in RESP2, where LPOP key answers a null bulk).
//
// Every write ends in finish_write(): it raises the command's keyspace event, then a list left
// empty is deleted ("del" follows, Redis never keeps an empty aggregate), otherwise the shard's
// version moves for WATCH. The pops shared with LMPOP and the
// blocking commands (which must reply exactly like their non-blocking forms) are the
// pop_reply_* helpers below.
#include <algorithm>
#include <climits>

#include "blocking.hpp"
#include "commands.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "t_list.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

enum class End { kHead, kTail };

std::optional<End> parse_end(std::string_view text) {
  if (iequals(text, "left")) return End::kHead;
  if (iequals(text, "right")) return End::kTail;
  return std::nullopt;
}

// LEFT / RIGHT (Redis getListPositionFromObjectOrReply); replies a syntax error otherwise.
std::optional<End> end_argument(CommandContext& ctx, std::size_t index) {
  auto end = parse_end(ctx.argv[index]);
  if (!end) ctx.reply.error(errors::kSyntax);
  return end;
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
// `wrong_type`. Readers pass Lookup::kRead (keyspace hits/misses, "keymiss").
Entry* lookup_list(CommandContext& ctx, std::string_view key, bool& wrong_type,
                   Lookup mode = Lookup::kWrite) {
  wrong_type = false;
  Entry* entry = lookup_key(ctx, key, mode);
  if (entry != nullptr && entry->value.type() != ObjectType::kList) {
    wrong_type = true;
    ctx.reply.error(errors::kWrongType);
    return nullptr;
  }
  return entry;
}

Quicklist& list_of(Entry& entry) {
  return entry.value.as<ListValue>().list();
}

Entry& create_list(CommandContext& ctx, std::string_view key) {
  return ctx.db().add(key, Object::composite(ListValue(list_fill(ctx.server.settings()))),
                      ctx.now_ms);
}

// After elements were removed or changed: raises `event`, then deletes an emptied list
// ("del"), else records the write.
void finish_write(CommandContext& ctx, std::string_view key, Entry& entry, std::string_view event) {
  notify_keyspace_event(ctx, kNotifyList, event, key);
  if (list_of(entry).empty()) {
    ctx.db().remove(key);
    notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
  } else {
    ctx.db().mark_modified(entry);
  }
}

std::string pop(Quicklist& list, End end) {
  return end == End::kHead ? list.pop_front() : list.pop_back();
}

std::string_view pop_event(End end) {
  return end == End::kHead ? "lpop" : "rpop";
}

std::string_view push_event(End end) {
  return end == End::kHead ? "lpush" : "rpush";
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
  finish_write(ctx, key, entry, pop_event(end));
}

// LMPOP's reply for a non-empty list: [key, [elements]].
void pop_reply_keyed(CommandContext& ctx, std::string_view key, Entry& entry, End end,
                     long long count) {
  ctx.reply.array_header(2);
  ctx.reply.bulk(key);
  pop_reply_array(ctx, key, entry, end, count);
}

// BLPOP/BRPOP's reply for a non-empty list: [key, element].
void pop_reply_pair(CommandContext& ctx, std::string_view key, Entry& entry, End end) {
  ctx.reply.array_header(2);
  ctx.reply.bulk(key);
  ctx.reply.bulk(pop(list_of(entry), end));
  finish_write(ctx, key, entry, pop_event(end));
}

// The first list among argv[first, last) (a list is never empty), or nullptr; WRONGTYPE at the
// first key of another type met before it.
Entry* first_list(CommandContext& ctx, std::size_t first, std::size_t last, std::size_t& index,
                  bool& wrong_type) {
  for (index = first; index < last; ++index) {
    Entry* entry = lookup_list(ctx, ctx.argv[index], wrong_type);
    if (wrong_type || entry != nullptr) return entry;
  }
  return nullptr;
}

// LMPOP/BLMPOP's arguments after the timeout: numkeys key... LEFT|RIGHT [COUNT count].
struct MpopArguments {
  std::size_t first_key;
  std::size_t end_key;  // one past the last key
  End end;
  long long count;
};

// Redis lmpopGenericCommand's parsing, with numkeys at `numkeys_index`.
std::optional<MpopArguments> mpop_arguments(CommandContext& ctx, std::size_t numkeys_index) {
  auto numkeys = parse_int64(ctx.argv[numkeys_index]);
  if (!numkeys || *numkeys < 1) {
    ctx.reply.error("ERR numkeys should be greater than 0");
    return std::nullopt;
  }
  // LEFT/RIGHT must follow the keys.
  if (static_cast<unsigned long long>(*numkeys) >= ctx.argc() - numkeys_index - 1) {
    ctx.reply.error(errors::kSyntax);
    return std::nullopt;
  }
  MpopArguments arguments{numkeys_index + 1, numkeys_index + 1 + static_cast<std::size_t>(*numkeys),
                          End::kHead, -1};
  auto end = end_argument(ctx, arguments.end_key);
  if (!end) return std::nullopt;
  arguments.end = *end;
  for (std::size_t j = arguments.end_key + 1; j < ctx.argc(); ++j) {
    if (arguments.count == -1 && iequals(ctx.argv[j], "count") && j + 1 < ctx.argc()) {
      auto value = parse_int64(ctx.argv[++j]);
      if (!value || *value < 1) {
        ctx.reply.error("ERR count should be greater than 0");
        return std::nullopt;
      }
      arguments.count = *value;
    } else {
      ctx.reply.error(errors::kSyntax);
      return std::nullopt;
    }
  }
  if (arguments.count == -1) arguments.count = 1;
  return arguments;
}

// A blocking command that popped is logged as the non-blocking pop it did (Redis propagates
// LPOP/RPOP key [count]), so a replay never waits.
void log_as_pop(CommandContext& ctx, std::string_view key, End end,
                std::optional<long long> count = std::nullopt) {
  std::vector<std::string> command = {end == End::kHead ? "LPOP" : "RPOP", std::string(key)};
  if (count) command.push_back(std::to_string(*count));
  ctx.log_as_command(std::move(command));
}

void pop_pair_logged(CommandContext& ctx, std::string_view key, Entry& entry, End end) {
  pop_reply_pair(ctx, key, entry, end);
  log_as_pop(ctx, key, end);
}

void pop_keyed_logged(CommandContext& ctx, std::string_view key, Entry& entry, End end,
                      long long count) {
  pop_reply_keyed(ctx, key, entry, end, count);
  log_as_pop(ctx, key, end, count);
}

// The ServeFns of the blocking commands (blocking.hpp): the non-blocking replies, from `key`.
void serve_blpop(CommandContext& ctx, std::string_view key) {
  pop_pair_logged(ctx, key, *lookup_key(ctx, key), End::kHead);
}

void serve_brpop(CommandContext& ctx, std::string_view key) {
  pop_pair_logged(ctx, key, *lookup_key(ctx, key), End::kTail);
}

void serve_blmpop(CommandContext& ctx, std::string_view key) {
  auto arguments = mpop_arguments(ctx, 2);  // valid: checked before the client blocked
  pop_keyed_logged(ctx, key, *lookup_key(ctx, key), arguments->end, arguments->count);
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
  notify_keyspace_event(ctx, kNotifyList, push_event(end), ctx.argv[1]);
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
    finish_write(ctx, ctx.argv[1], *entry, pop_event(end));
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
  // Pushing before finish_write keeps LMOVE k k of a one-element list from deleting k; it is
  // also Redis's event order: the push on the destination, then the pop (and "del").
  if (destination == nullptr) destination = &create_list(ctx, ctx.argv[2]);
  push(list_of(*destination), to, value);
  ctx.db().mark_modified(*destination);
  notify_keyspace_event(ctx, kNotifyList, push_event(to), ctx.argv[2]);
  finish_write(ctx, ctx.argv[1], *source, pop_event(from));
  ctx.reply.bulk(value);
}

// BLMOVE and BRPOPLPUSH are logged as the LMOVE / RPOPLPUSH they did.
void serve_blmove(CommandContext& ctx, std::string_view) {
  move_generic(ctx, *parse_end(ctx.argv[3]), *parse_end(ctx.argv[4]));
  ctx.log_as_command({"LMOVE", std::string(ctx.argv[1]), std::string(ctx.argv[2]),
                      std::string(ctx.argv[3]), std::string(ctx.argv[4])});
}

void serve_brpoplpush(CommandContext& ctx, std::string_view) {
  move_generic(ctx, End::kTail, End::kHead);
  ctx.log_as_command({"RPOPLPUSH", std::string(ctx.argv[1]), std::string(ctx.argv[2])});
}

// BLPOP/BRPOP: pops from the first non-empty key, or blocks on all of them.
void blocking_pop(CommandContext& ctx, End end) {
  auto timeout = timeout_argument(ctx, ctx.argc() - 1);
  if (!timeout) return;
  std::size_t index;
  bool wrong_type;
  Entry* entry = first_list(ctx, 1, ctx.argc() - 1, index, wrong_type);
  if (wrong_type) return;
  if (entry != nullptr) {
    pop_pair_logged(ctx, ctx.argv[index], *entry, end);
  } else if (!blocking_allowed(ctx)) {
    ctx.reply.null_array();
  } else {
    block_for_keys(ctx, ctx.argv.subspan(1, ctx.argc() - 2), *timeout, ObjectType::kList,
                   end == End::kHead ? serve_blpop : serve_brpop);
  }
}

// BLMOVE/BRPOPLPUSH: LMOVE when the source exists, otherwise blocks on it. Like Redis, the
// destination's type is only checked once there is an element to move.
void blocking_move(CommandContext& ctx, std::size_t timeout_index, ServeFn serve) {
  auto timeout = timeout_argument(ctx, timeout_index);
  if (!timeout) return;
  bool wrong_type;
  Entry* source = lookup_list(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  if (source != nullptr) {
    serve(ctx, ctx.argv[1]);
  } else if (!blocking_allowed(ctx)) {
    ctx.reply.null_array();
  } else {
    block_for_keys(ctx, ctx.argv.subspan(1, 1), *timeout, ObjectType::kList, serve,
                   {std::string(ctx.argv[2])});
  }
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
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  ctx.reply.integer(entry == nullptr ? 0 : static_cast<long long>(list_of(*entry).size()));
}

void lrange_command(CommandContext& ctx) {
  auto start = integer_argument(ctx, 2);
  if (!start) return;
  auto end = integer_argument(ctx, 3);
  if (!end) return;
  bool wrong_type;
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
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
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
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
  notify_keyspace_event(ctx, kNotifyList, "lset", ctx.argv[1]);
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
      notify_keyspace_event(ctx, kNotifyList, "linsert", ctx.argv[1]);
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
  if (removed > 0) finish_write(ctx, ctx.argv[1], *entry, "lrem");
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
    finish_write(ctx, ctx.argv[1], *entry, "ltrim");
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
  Entry* entry = lookup_list(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
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
  auto arguments = mpop_arguments(ctx, 1);
  if (!arguments) return;
  std::size_t index;
  bool wrong_type;
  Entry* entry = first_list(ctx, arguments->first_key, arguments->end_key, index, wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.null_array();
    return;
  }
  pop_reply_keyed(ctx, ctx.argv[index], *entry, arguments->end, arguments->count);
}

void blpop_command(CommandContext& ctx) {
  blocking_pop(ctx, End::kHead);
}

void brpop_command(CommandContext& ctx) {
  blocking_pop(ctx, End::kTail);
}

void blmove_command(CommandContext& ctx) {
  // The ends are validated here; serve_blmove reads them again once there is an element.
  if (!end_argument(ctx, 3) || !end_argument(ctx, 4)) return;
  blocking_move(ctx, 5, serve_blmove);
}

void brpoplpush_command(CommandContext& ctx) {
  blocking_move(ctx, 3, serve_brpoplpush);
}

void blmpop_command(CommandContext& ctx) {
  auto timeout = timeout_argument(ctx, 1);
  if (!timeout) return;
  auto arguments = mpop_arguments(ctx, 2);
  if (!arguments) return;
  std::size_t index;
  bool wrong_type;
  Entry* entry = first_list(ctx, arguments->first_key, arguments->end_key, index, wrong_type);
  if (wrong_type) return;
  if (entry != nullptr) {
    pop_keyed_logged(ctx, ctx.argv[index], *entry, arguments->end, arguments->count);
  } else if (!blocking_allowed(ctx)) {
    ctx.reply.null_array();
  } else {
    block_for_keys(
        ctx, ctx.argv.subspan(arguments->first_key, arguments->end_key - arguments->first_key),
        *timeout, ObjectType::kList, serve_blmpop);
  }
}

}  // namespace gorodis
