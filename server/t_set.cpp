// t_set.cpp — SetValue (see t_set.hpp) and the set commands (Redis t_set.c): SADD SREM
// SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE
// SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
//
// Multi-key commands run with every key's shard locked by the dispatcher (their key specs
// name all keys, the STORE destination and SINTERCARD's numkeys keys included), so a command
// sees and writes all its sets atomically. A result is computed completely before the
// destination is written, because the destination may also be a source. Like Redis 7.0, every
// source is type-checked before a missing one short-circuits (SINTER a-missing-key
// a-string-key is WRONGTYPE), results start as an intset and convert as members arrive, and a
// STORE replaces any type at the destination (dropping its TTL) or deletes it when the result
// is empty.
//
// Random selection follows Redis's strategies, which bound the work by the request rather than
// the set: SPOP count pops members one by one while the remainder is large, and otherwise
// rebuilds the set from the members that stay; SRANDMEMBER count samples with rejection when
// the set is much larger than the request, and otherwise samples the members to drop.
#include "t_set.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>
#include <optional>
#include <unordered_set>
#include <vector>

#include "commands.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "small_alloc.hpp"

namespace gorodis {

// ---- SetValue -------------------------------------------------------------------------------

namespace {

// Redis's per-member bookkeeping in a hash table: a 24-byte dictEntry plus the sds member.
constexpr std::size_t kDictEntry = 24;
// Redis 7.0's dict struct, and its bucket pointers.
constexpr std::size_t kDictHeader = 56;
constexpr std::size_t kBucketPointer = 8;

}  // namespace

std::size_t SetMember::length_bytes(std::size_t length) {
  return length >= kLongLength ? 1 + sizeof(std::size_t) : 1;
}

std::size_t SetMember::allocation_bytes(std::size_t length) {
  return sizeof(SetMember) + length_bytes(length) + length;
}

void SetMember::operator delete(SetMember* node, std::destroying_delete_t) {
  const std::size_t bytes = allocation_bytes(node->key_view().size());
  node->~SetMember();
  small_alloc::deallocate(node, bytes);
}

std::unique_ptr<SetMember> SetMember::make(std::string_view member, std::uint64_t hash) {
  void* storage = small_alloc::allocate(allocation_bytes(member.size()));
  std::unique_ptr<SetMember> node(new (storage) SetMember(hash));
  auto* tail = reinterpret_cast<unsigned char*>(node.get() + 1);
  const std::size_t length = member.size();
  if (length_bytes(length) == 1) {
    tail[0] = static_cast<unsigned char>(length);
  } else {
    tail[0] = kLongLength;
    std::memcpy(tail + 1, &length, sizeof length);
  }
  std::memcpy(tail + length_bytes(length), member.data(), length);
  return node;
}

std::string_view SetMember::key_view() const {
  const unsigned char* bytes = tail();
  if (bytes[0] != kLongLength) return {reinterpret_cast<const char*>(bytes + 1), bytes[0]};
  std::size_t length;
  std::memcpy(&length, bytes + 1, sizeof length);
  return {reinterpret_cast<const char*>(bytes + 1 + sizeof length), length};
}

SetValue::SetValue(const SetValue& other) {
  if (other.table()) {
    fill_table(other);
  } else {
    repr_ = Intset(other.ints());
  }
}

SetValue SetValue::create_for(std::string_view first_member) {
  SetValue set;
  if (!parse_int64(first_member)) set.convert_to_table();
  return set;
}

std::size_t SetValue::memory_usage(std::size_t samples) const {
  if (!table()) return jemalloc_size(ints().bytes().size());
  // Redis objectComputeSize: the dict and its buckets, plus the average of the first
  // `samples` members (0: all of them) times the member count.
  std::size_t total = kDictHeader + kBucketPointer * table()->bucket_count();
  std::size_t sampled = 0;
  std::size_t sampled_bytes = 0;
  for_each([&](std::string_view member) {
    if (samples != 0 && sampled == samples) return;
    sampled_bytes += kDictEntry + sds_allocation(member.size());
    ++sampled;
  });
  if (sampled != 0) {
    total += static_cast<std::size_t>(static_cast<double>(sampled_bytes) /
                                      static_cast<double>(sampled) * static_cast<double>(size()));
  }
  return total;
}

bool SetValue::contains(std::string_view member) const {
  // find() may advance an incremental rehash: a change of layout, not of contents.
  if (table()) return table()->find(member, dict_hash(member)) != nullptr;
  auto value = parse_int64(member);
  return value && ints().contains(*value);
}

void SetValue::fill_table(const SetValue& source) {
  auto table = std::make_unique<HashTable<SetMember>>();
  // Presized like Redis's dictExpand in setTypeConvert/setTypeDup: no resize on the way.
  table->reserve(source.size());
  source.for_each([&table](std::string_view member) {
    table->insert(SetMember::make(member, dict_hash(member)));
  });
  repr_ = std::move(table);
}

void SetValue::convert_to_table() {
  fill_table(*this);
}

bool SetValue::add(std::string_view member, std::size_t max_intset_entries) {
  if (!table()) {
    if (auto value = parse_int64(member)) {
      if (!ints().add(*value)) return false;
      if (ints().size() > max_intset_entries) convert_to_table();
      return true;
    }
    convert_to_table();
  }
  std::uint64_t hash = dict_hash(member);
  if (table()->find(member, hash) != nullptr) return false;
  table()->insert(SetMember::make(member, hash));
  return true;
}

bool SetValue::remove(std::string_view member) {
  if (!table()) {
    auto value = parse_int64(member);
    return value && ints().remove(*value);
  }
  if (!table()->remove(member, dict_hash(member))) return false;
  table()->shrink_if_sparse();
  return true;
}

std::string SetValue::random_member(std::mt19937_64& rng) {
  if (!table()) return int64_to_string(ints().at(rng() % ints().size()));
  // random_node draws a bucket, then a member of its chain: a member sharing its bucket with
  // L - 1 others comes up L times less often than one alone (Redis's dictGetFairRandomKey
  // evens that out only partly). Accepting the draw with probability L / kMaxChain makes every
  // member equally likely, except members of chains longer than kMaxChain (at load factor 1,
  // under 0.4% of buckets), which stay slightly less likely. While a rehash is under way a
  // bucket's chain cannot be counted through scan (it visits several), so the draw is taken
  // as is for that short while.
  constexpr std::size_t kMaxChain = 4;
  while (true) {
    const SetMember* node = table()->random_node(rng);
    if (table()->is_rehashing()) return std::string(node->key_view());
    std::size_t chain = 0;
    table()->scan(node->hash, [&chain](const SetMember&) { ++chain; });
    if (rng() % kMaxChain < chain) return std::string(node->key_view());
  }
}

// ---- commands ------------------------------------------------------------------------------

namespace {

// Redis SPOP_MOVE_STRATEGY_MUL and SRANDMEMBER_SUB_STRATEGY_MUL.
constexpr unsigned long long kSpopMoveStrategyFactor = 5;
constexpr unsigned long long kSrandmemberSubStrategyFactor = 3;

// Looks up a set: nullptr when missing (nothing replied); nullptr with `wrong_type` set after
// replying WRONGTYPE when the key holds another type. A read lookup (keyspace hit or miss)
// unless `mode` says otherwise, as in Redis (SADD, SREM, SPOP look up for writing).
Entry* lookup_set(CommandContext& ctx, std::string_view key, bool& wrong_type,
                  Lookup mode = Lookup::kRead) {
  wrong_type = false;
  Entry* entry = lookup_key(ctx, key, mode);
  if (entry != nullptr && entry->value.type() != ObjectType::kSet) {
    wrong_type = true;
    ctx.reply.error(errors::kWrongType);
    return nullptr;
  }
  return entry;
}

SetValue& set_of(Entry& entry) {
  return entry.value.as<SetValue>();
}

std::size_t max_intset_entries(CommandContext& ctx) {
  return static_cast<std::size_t>(
      ctx.server.settings().set_max_intset_entries.load(std::memory_order_relaxed));
}

// The shard's generator: the caller holds the key's shard lock, which guards it.
std::mt19937_64& rng_for(CommandContext& ctx, std::string_view key) {
  return ctx.db().shard(ctx.db().shard_of(key)).rng;
}

// The members as bulk strings, after a header the caller wrote.
void reply_each(CommandContext& ctx, const SetValue& set) {
  set.for_each([&](std::string_view member) { ctx.reply.bulk(member); });
}

void reply_members(CommandContext& ctx, const SetValue& set) {
  ctx.reply.set_header(set.size());
  reply_each(ctx, set);
}

// After members left `entry`'s set: raises `event`, then removes the key ("del") when its set
// became empty, otherwise records the modification (Redis's event order).
void finish_removal(CommandContext& ctx, Entry& entry, std::string_view key,
                    std::string_view event) {
  notify_keyspace_event(ctx, kNotifySet, event, key);
  if (set_of(entry).empty()) {
    ctx.db().remove(key);
    notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
  } else {
    ctx.db().mark_modified(entry);
  }
}

// The sets named by `keys` (nullptr for a missing key); nullopt after a WRONGTYPE reply.
std::optional<std::vector<SetValue*>> lookup_sets(CommandContext& ctx,
                                                  std::span<const std::string_view> keys) {
  std::vector<SetValue*> sets;
  sets.reserve(keys.size());
  for (std::string_view key : keys) {
    bool wrong_type;
    Entry* entry = lookup_set(ctx, key, wrong_type);
    if (wrong_type) return std::nullopt;
    sets.push_back(entry != nullptr ? &set_of(*entry) : nullptr);
  }
  return sets;
}

// The *STORE epilogue: `result` replaces whatever the destination held (any type; its TTL is
// dropped) and raises `event`, or the destination is deleted ("del" if it existed) when the
// result is empty. Replies the result's size.
void store_result(CommandContext& ctx, std::string_view destination, SetValue result,
                  std::string_view event) {
  const auto size = static_cast<long long>(result.size());
  if (size > 0) {
    ctx.db().set(destination, Object::composite(std::move(result)), false, ctx.now_ms);
    notify_keyspace_event(ctx, kNotifySet, event, destination);
  } else if (ctx.db().remove(destination)) {
    notify_keyspace_event(ctx, kNotifyGeneric, "del", destination);
  }
  ctx.reply.integer(size);
}

// What an intersection produces: the members (SINTER), their count (SINTERCARD) or a stored
// set (SINTERSTORE).
struct IntersectionOutput {
  std::optional<std::string_view> destination;
  bool cardinality_only = false;
  unsigned long long limit = 0;  // SINTERCARD LIMIT; 0: none
};

// Redis sinterGenericCommand.
void intersect(CommandContext& ctx, std::span<const std::string_view> keys,
               const IntersectionOutput& output) {
  auto found = lookup_sets(ctx, keys);
  if (!found) return;
  std::vector<SetValue*>& sets = *found;
  std::optional<SetValue> result;
  if (output.destination) result.emplace();
  // Intersecting with a missing (empty) set is empty.
  if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) {
    if (output.destination) {
      store_result(ctx, *output.destination, std::move(*result), "sinterstore");
    } else if (output.cardinality_only) {
      ctx.reply.integer(0);
    } else {
      ctx.reply.set_header(0);
    }
    return;
  }
  // Walk the smallest set and probe the others.
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
  const SetValue* smallest = sets.front();
  const std::size_t max_intset = max_intset_entries(ctx);
  std::vector<std::string> members;
  unsigned long long cardinality = 0;
  smallest->for_each([&](std::string_view member) {
    if (output.limit != 0 && cardinality >= output.limit) return;
    for (const SetValue* other : sets) {
      if (other != smallest && !other->contains(member)) return;
    }
    ++cardinality;
    if (result) {
      result->add(member, max_intset);
    } else if (!output.cardinality_only) {
      members.emplace_back(member);
    }
  });
  if (output.destination) {
    store_result(ctx, *output.destination, std::move(*result), "sinterstore");
  } else if (output.cardinality_only) {
    ctx.reply.integer(static_cast<long long>(cardinality));
  } else {
    ctx.reply.set_header(members.size());
    for (const std::string& member : members) ctx.reply.bulk(member);
  }
}

enum class SetOperation { kUnion, kDifference };

// Redis sunionDiffGenericCommand; `destination` for the STORE variants.
void union_or_difference(CommandContext& ctx, std::span<const std::string_view> keys,
                         SetOperation operation, std::optional<std::string_view> destination) {
  auto found = lookup_sets(ctx, keys);
  if (!found) return;
  std::vector<SetValue*>& sets = *found;
  const std::size_t max_intset = max_intset_entries(ctx);
  SetValue result;
  auto add_all = [&](const SetValue& set) {
    set.for_each([&](std::string_view member) { result.add(member, max_intset); });
  };
  SetValue* first = sets.front();
  // A later key naming the first set again empties the difference.
  const bool first_repeats =
      first != nullptr && std::find(sets.begin() + 1, sets.end(), first) != sets.end();
  if (operation == SetOperation::kUnion) {
    for (const SetValue* set : sets) {
      if (set != nullptr) add_all(*set);
    }
  } else if (first != nullptr && !first_repeats) {
    // Redis's choice between probing every other set for each member of the first (work
    // |first| * sets, favoured 2:1 for its better constants) and copying the first set then
    // removing the members of the others (work: the sum of the sizes).
    unsigned long long probe_work = 0;
    unsigned long long remove_work = 0;
    for (const SetValue* set : sets) {
      if (set == nullptr) continue;
      probe_work += first->size();
      remove_work += set->size();
    }
    if (probe_work / 2 <= remove_work) {
      // Larger sets first: a member is more likely to be found (and rejected) early.
      std::stable_sort(sets.begin() + 1, sets.end(), [](const SetValue* a, const SetValue* b) {
        return (a ? a->size() : 0) > (b ? b->size() : 0);
      });
      first->for_each([&](std::string_view member) {
        for (auto it = sets.begin() + 1; it != sets.end(); ++it) {
          if (*it != nullptr && (*it)->contains(member)) return;
        }
        result.add(member, max_intset);
      });
    } else {
      add_all(*first);
      for (auto it = sets.begin() + 1; it != sets.end() && !result.empty(); ++it) {
        if (*it == nullptr) continue;
        (*it)->for_each([&](std::string_view member) { result.remove(member); });
      }
    }
  }
  if (destination) {
    store_result(ctx, *destination, std::move(result),
                 operation == SetOperation::kUnion ? "sunionstore" : "sdiffstore");
  } else {
    reply_members(ctx, result);
  }
}

// SPOP key count (Redis spopWithCountCommand).
void spop_with_count(CommandContext& ctx) {
  auto parsed = parse_int64(ctx.argv[2]);
  if (!parsed || *parsed < 0) {
    ctx.reply.error("ERR value is out of range, must be positive");
    return;
  }
  const auto count = static_cast<unsigned long long>(*parsed);
  std::string_view key = ctx.argv[1];
  bool wrong_type;
  Entry* entry = lookup_set(ctx, key, wrong_type, Lookup::kWrite);
  if (wrong_type) return;
  if (entry == nullptr || count == 0) {
    ctx.reply.set_header(0);
    return;
  }
  SetValue& set = set_of(*entry);
  const std::size_t size = set.size();
  notify_keyspace_event(ctx, kNotifySet, "spop", key);
  if (count >= size) {
    reply_members(ctx, set);
    ctx.db().remove(key);
    notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
    ctx.log_as_command({"DEL", std::string(key)});
    return;
  }
  std::mt19937_64& rng = rng_for(ctx, key);
  const unsigned long long remaining = size - count;
  ctx.reply.set_header(count);
  // The AOF gets the members actually popped (Redis propagates SREMs).
  std::vector<std::string> srem = {"SREM", std::string(key)};
  if (remaining * kSpopMoveStrategyFactor > count) {
    // Few members requested: pop them one at a time.
    for (unsigned long long i = 0; i < count; ++i) {
      std::string member = set.random_member(rng);
      ctx.reply.bulk(member);
      set.remove(member);
      srem.push_back(std::move(member));
    }
  } else {
    // Most of the set requested: move the members that stay into a new set, return the rest.
    std::optional<SetValue> kept;
    const std::size_t max_intset = max_intset_entries(ctx);
    for (unsigned long long i = 0; i < remaining; ++i) {
      std::string member = set.random_member(rng);
      if (!kept) kept = SetValue::create_for(member);
      kept->add(member, max_intset);
      set.remove(member);
    }
    reply_each(ctx, set);
    set.for_each([&](std::string_view member) { srem.emplace_back(member); });
    std::uint8_t lfu_counter = entry->value.lfu_counter;
    entry->value = Object::composite(std::move(*kept));
    entry->value.access_time_ms = ctx.now_ms;
    entry->value.lfu_counter = lfu_counter;
  }
  ctx.db().mark_modified(*entry);
  ctx.log_as_command(std::move(srem));
}

// SRANDMEMBER key count (Redis srandmemberWithCountCommand): distinct members for a positive
// count, independent draws (repetitions allowed) for a negative one.
void srandmember_with_count(CommandContext& ctx) {
  auto parsed = parse_int64(ctx.argv[2]);
  if (!parsed) {
    ctx.reply.error(errors::kNotInteger);
    return;
  }
  if (*parsed == LLONG_MIN) {
    ctx.reply.error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return;
  }
  const bool distinct = *parsed >= 0;
  const auto count = static_cast<unsigned long long>(distinct ? *parsed : -*parsed);
  std::string_view key = ctx.argv[1];
  bool wrong_type;
  Entry* entry = lookup_set(ctx, key, wrong_type);
  if (wrong_type) return;
  if (entry == nullptr || count == 0) {
    ctx.reply.array_header(0);
    return;
  }
  SetValue& set = set_of(*entry);
  std::mt19937_64& rng = rng_for(ctx, key);
  const std::size_t size = set.size();
  if (!distinct || count == 1) {
    ctx.reply.array_header(count);
    for (unsigned long long i = 0; i < count; ++i) ctx.reply.bulk(set.random_member(rng));
    return;
  }
  if (count >= size) {
    ctx.reply.array_header(size);
    reply_each(ctx, set);
    return;
  }
  std::vector<std::string> chosen;
  chosen.reserve(count);
  if (count * kSrandmemberSubStrategyFactor > size) {
    // Close to the whole set: copy it and drop random members until `count` remain.
    set.for_each([&](std::string_view member) { chosen.emplace_back(member); });
    while (chosen.size() > count) {
      std::size_t victim = rng() % chosen.size();
      std::swap(chosen[victim], chosen.back());
      chosen.pop_back();
    }
  } else {
    // Much larger than the request: draw until `count` distinct members came up.
    std::unordered_set<std::string> seen;
    while (chosen.size() < count) {
      std::string member = set.random_member(rng);
      if (seen.insert(member).second) chosen.push_back(std::move(member));
    }
  }
  ctx.reply.array_header(chosen.size());
  for (const std::string& member : chosen) ctx.reply.bulk(member);
}

// The prologue SPOP and SRANDMEMBER share (Redis spopCommand/srandmemberCommand): with a count
// argument runs `with_count`; otherwise looks the set up, itself replying the syntax error,
// WRONGTYPE or nil (missing key). Returns the set's entry when the caller is to pick one member,
// nullptr when the reply is written.
Entry* single_member_target(CommandContext& ctx, void (*with_count)(CommandContext&), Lookup mode) {
  if (ctx.argc() == 3) {
    with_count(ctx);
    return nullptr;
  }
  if (ctx.argc() > 3) {
    ctx.reply.error(errors::kSyntax);
    return nullptr;
  }
  bool wrong_type;
  Entry* entry = lookup_set(ctx, ctx.argv[1], wrong_type, mode);
  if (entry == nullptr && !wrong_type) ctx.reply.null();
  return entry;
}

}  // namespace

void sadd_command(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  bool wrong_type;
  Entry* entry = lookup_set(ctx, key, wrong_type, Lookup::kWrite);
  if (wrong_type) return;
  if (entry == nullptr) {
    entry = &ctx.db().add(std::string(key), Object::composite(SetValue::create_for(ctx.argv[2])),
                          ctx.now_ms);
  }
  SetValue& set = set_of(*entry);
  const std::size_t max_intset = max_intset_entries(ctx);
  long long added = 0;
  for (std::size_t i = 2; i < ctx.argc(); ++i) {
    if (set.add(ctx.argv[i], max_intset)) ++added;
  }
  if (added != 0) {
    ctx.db().mark_modified(*entry);
    notify_keyspace_event(ctx, kNotifySet, "sadd", key);
  }
  ctx.reply.integer(added);
}

void srem_command(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  bool wrong_type;
  Entry* entry = lookup_set(ctx, key, wrong_type, Lookup::kWrite);
  if (wrong_type) return;
  long long removed = 0;
  if (entry != nullptr) {
    SetValue& set = set_of(*entry);
    for (std::size_t i = 2; i < ctx.argc() && !set.empty(); ++i) {
      if (set.remove(ctx.argv[i])) ++removed;
    }
    if (removed != 0) finish_removal(ctx, *entry, key, "srem");
  }
  ctx.reply.integer(removed);
}

void smembers_command(CommandContext& ctx) {
  intersect(ctx, ctx.argv.subspan(1), {});
}

void sismember_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_set(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  ctx.reply.integer(entry != nullptr && set_of(*entry).contains(ctx.argv[2]) ? 1 : 0);
}

void smismember_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_set(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  ctx.reply.array_header(ctx.argc() - 2);
  for (std::size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply.integer(entry != nullptr && set_of(*entry).contains(ctx.argv[i]) ? 1 : 0);
  }
}

void scard_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_set(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  ctx.reply.integer(entry != nullptr ? static_cast<long long>(set_of(*entry).size()) : 0);
}

void spop_command(CommandContext& ctx) {
  Entry* entry = single_member_target(ctx, spop_with_count, Lookup::kWrite);
  if (entry == nullptr) return;
  std::string_view key = ctx.argv[1];
  SetValue& set = set_of(*entry);
  std::string member = set.random_member(rng_for(ctx, key));
  set.remove(member);
  ctx.reply.bulk(member);
  finish_removal(ctx, *entry, key, "spop");
  ctx.log_as_command({"SREM", std::string(key), std::move(member)});
}

void srandmember_command(CommandContext& ctx) {
  Entry* entry = single_member_target(ctx, srandmember_with_count, Lookup::kRead);
  if (entry == nullptr) return;
  ctx.reply.bulk(set_of(*entry).random_member(rng_for(ctx, ctx.argv[1])));
}

void smove_command(CommandContext& ctx) {
  std::string_view source_key = ctx.argv[1];
  std::string_view destination_key = ctx.argv[2];
  std::string_view member = ctx.argv[3];
  Entry* source = lookup_key(ctx, source_key);
  Entry* destination = lookup_key(ctx, destination_key);
  if (source == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  if (source->value.type() != ObjectType::kSet ||
      (destination != nullptr && destination->value.type() != ObjectType::kSet)) {
    ctx.reply.error(errors::kWrongType);
    return;
  }
  if (source == destination) {
    ctx.reply.integer(set_of(*source).contains(member) ? 1 : 0);
    return;
  }
  if (!set_of(*source).remove(member)) {
    ctx.reply.integer(0);
    return;
  }
  finish_removal(ctx, *source, source_key, "srem");
  if (destination == nullptr) {
    destination = &ctx.db().add(std::string(destination_key),
                                Object::composite(SetValue::create_for(member)), ctx.now_ms);
  }
  // A member the destination already holds changes nothing there (no event, WATCH intact).
  if (set_of(*destination).add(member, max_intset_entries(ctx))) {
    ctx.db().mark_modified(*destination);
    notify_keyspace_event(ctx, kNotifySet, "sadd", destination_key);
  }
  ctx.reply.integer(1);
}

void sinter_command(CommandContext& ctx) {
  intersect(ctx, ctx.argv.subspan(1), {});
}

void sintercard_command(CommandContext& ctx) {
  auto keys = parse_int64(ctx.argv[1]);
  if (!keys || *keys < 1) {
    ctx.reply.error("ERR numkeys should be greater than 0");
    return;
  }
  if (*keys > static_cast<long long>(ctx.argc()) - 2) {
    ctx.reply.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  const auto key_count = static_cast<std::size_t>(*keys);
  IntersectionOutput output{.destination = std::nullopt, .cardinality_only = true};
  for (std::size_t j = 2 + key_count; j < ctx.argc(); ++j) {
    if (iequals(ctx.argv[j], "limit") && j + 1 < ctx.argc()) {
      auto limit = parse_int64(ctx.argv[++j]);
      if (!limit || *limit < 0) {
        ctx.reply.error("ERR LIMIT can't be negative");
        return;
      }
      output.limit = static_cast<unsigned long long>(*limit);
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  intersect(ctx, ctx.argv.subspan(2, key_count), output);
}

void sinterstore_command(CommandContext& ctx) {
  intersect(ctx, ctx.argv.subspan(2), {.destination = ctx.argv[1]});
}

void sunion_command(CommandContext& ctx) {
  union_or_difference(ctx, ctx.argv.subspan(1), SetOperation::kUnion, std::nullopt);
}

void sunionstore_command(CommandContext& ctx) {
  union_or_difference(ctx, ctx.argv.subspan(2), SetOperation::kUnion, ctx.argv[1]);
}

void sdiff_command(CommandContext& ctx) {
  union_or_difference(ctx, ctx.argv.subspan(1), SetOperation::kDifference, std::nullopt);
}

void sdiffstore_command(CommandContext& ctx) {
  union_or_difference(ctx, ctx.argv.subspan(2), SetOperation::kDifference, ctx.argv[1]);
}

void sscan_command(CommandContext& ctx) {
  auto cursor = cursor_argument(ctx, 2);
  if (!cursor) return;
  bool wrong_type;
  Entry* entry = lookup_set(ctx, ctx.argv[1], wrong_type);
  if (wrong_type) return;
  std::vector<std::string> members;
  std::uint64_t next = 0;
  if (entry != nullptr) {
    auto options = scan_options(ctx, 3, false);
    if (!options) return;
    next = set_of(*entry).scan(*cursor, static_cast<std::size_t>(options->count),
                               [&](std::string_view member) {
                                 if (options->matches(member)) members.emplace_back(member);
                               });
  }
  ctx.reply.array_header(2);
  ctx.reply.bulk(std::to_string(next));
  ctx.reply.array_header(members.size());
  for (const std::string& member : members) ctx.reply.bulk(member);
}

}  // namespace gorodis
