// t_zset.cpp — the sorted-set value (see t_zset.hpp for the encodings) and the sorted-set
// commands (Redis t_zset.c).
//
// Commands read and write sets through ZsetValue's encoding-independent operations (add,
// remove, rank, cursors, range removal), so each command is written once. Argument checking
// follows Redis's order exactly (options, then ranges, then the key's type), because clients see
// which error comes first.
//
// The blocking pops (BZPOPMIN/BZPOPMAX/BZMPOP) are the non-blocking pops plus blocking.hpp: the
// same key scan (first_zset), the same pop helper for the immediate reply and for the ServeFn
// that answers a waiter, so both replies are the same bytes.
//
// Replies whose length is only known at the end (score/lex ranges with LIMIT) are written into a
// side ReplyBuilder and appended after their header, instead of Redis's deferred length.
#include "t_zset.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "blocking.hpp"
#include "commands.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "t_set.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

// Redis LISTPACK_MAX_SAFETY_SIZE: listpacks stay under 1 GB.
constexpr std::size_t kListpackSafetySize = std::size_t{1} << 30;

double parse_stored_score(std::string_view text) {
  // Scores in a listpack are Redis d2string output; strtod needs a terminated copy.
  char buffer[128];
  std::size_t length = std::min(text.size(), sizeof(buffer) - 1);
  std::memcpy(buffer, text.data(), length);
  buffer[length] = '\0';
  return std::strtod(buffer, nullptr);
}

double listpack_score(const Listpack& listpack, Listpack::Position position) {
  Listpack::Element element = listpack.get(position);
  if (element.integer) return static_cast<double>(*element.integer);
  return parse_stored_score(element.string);
}

std::mt19937_64& random_engine() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

}  // namespace

ZsetLimits ZsetLimits::from(const Settings& settings) {
  return {static_cast<std::size_t>(settings.zset_max_listpack_entries.load()),
          static_cast<std::size_t>(settings.zset_max_listpack_value.load())};
}

std::string score_to_string(double score) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  if (score == 0) return std::signbit(score) ? "-0" : "0";
  // Integral scores within ±2^52 print as integers (exact, and what Redis does).
  if (score > -4503599627370495.0 && score < 4503599627370496.0 &&
      score == static_cast<double>(static_cast<long long>(score))) {
    return int64_to_string(static_cast<long long>(score));
  }
  return double_to_string(score);
}

namespace {

// Redis double2ll: an integral score within ±LLONG_MAX/2 (-0 included, as 0).
std::optional<long long> score_as_integer(double score) {
  constexpr double kLimit = static_cast<double>(LLONG_MAX / 2);
  if (!(score >= -kLimit && score <= kLimit)) return std::nullopt;
  auto integer = static_cast<long long>(score);
  if (static_cast<double>(integer) != score) return std::nullopt;
  return integer;
}

// Redis zzlInsertAt stores a score as a listpack integer when double2ll allows, else as its
// d2string text.
Listpack::Position insert_score(Listpack& lp, Listpack::Position position, double score) {
  if (auto integer = score_as_integer(score)) return lp.insert(position, *integer);
  return lp.insert(position, score_to_string(score));
}

}  // namespace

// ---- ZsetValue ------------------------------------------------------------------------------

ZsetValue::ZsetValue(const ZsetLimits& limits, std::size_t first_member_length) {
  if (limits.max_listpack_entries == 0 || first_member_length > limits.max_listpack_value) {
    repr_ = std::make_unique<Skiplist>();
  }
}

ZsetValue ZsetValue::skiplist() {
  ZsetValue value;
  value.repr_ = std::make_unique<Skiplist>();
  return value;
}

ZsetValue::ZsetValue(const ZsetValue& other) {
  if (other.is_listpack()) {
    repr_ = other.listpack();
  } else {
    repr_ = std::make_unique<Skiplist>();
    for (const ZsetNode* node = other.sl().list.first(); node != nullptr;
         node = node->next_in_order()) {
      skiplist_insert(node->member(), node->score());
    }
  }
}

std::size_t ZsetValue::memory_usage(std::size_t samples) const {
  if (is_listpack()) return jemalloc_size(listpack().bytes());
  // Redis objectComputeSize: zset + zskiplist + dict structs, the bucket array and the 32-level
  // header node, plus the sampled per-element cost (member sds, dict entry, skiplist node)
  // scaled to the whole set.
  constexpr std::size_t kStructs = 16 + 32 + 56;
  constexpr std::size_t kDictEntry = 24;
  constexpr std::size_t kRedisNodeHeader = 24;  // ele pointer, score, backward pointer
  constexpr std::size_t kRedisLevel = 16;
  std::size_t size = kStructs + 8 * sl().dict.bucket_count() +
                     jemalloc_size(kRedisNodeHeader + kRedisLevel * ZsetNode::kMaxLevel);
  std::size_t sampled = 0;
  std::size_t element_bytes = 0;
  for (const ZsetNode* node = sl().list.first();
       node != nullptr && (samples == 0 || sampled < samples); node = node->next_in_order()) {
    element_bytes += sds_allocation(node->member().size()) + kDictEntry +
                     jemalloc_size(kRedisNodeHeader + kRedisLevel * node->level_count());
    ++sampled;
  }
  if (sampled > 0) {
    size +=
        static_cast<std::size_t>(static_cast<double>(element_bytes) / static_cast<double>(sampled) *
                                 static_cast<double>(sl().list.size()));
  }
  return size;
}

std::size_t ZsetValue::size() const {
  return is_listpack() ? listpack().size() / 2 : sl().list.size();
}

// The member dict's find does a rehash step, an internal change invisible to readers.
ZsetNode* ZsetValue::find_node(std::string_view member) const {
  auto& dict = const_cast<HashTable<ZsetNode>&>(sl().dict);
  return dict.find(member, dict_hash(member));
}

std::optional<double> ZsetValue::score(std::string_view member) const {
  if (is_listpack()) {
    const Listpack& lp = listpack();
    Listpack::Position position = lp.find(member, lp.first(), 1);
    if (position == lp.end()) return std::nullopt;
    return listpack_score(lp, lp.next(position));
  }
  const ZsetNode* node = find_node(member);
  if (node == nullptr) return std::nullopt;
  return node->score();
}

void ZsetValue::skiplist_insert(std::string_view member, double score) {
  ZsetNode* node = sl().dict.insert(ZsetNode::create(member, score, dict_hash(member)));
  sl().list.insert(node);
}

void ZsetValue::listpack_insert(std::string_view member, double score) {
  // Redis zzlInsert: before the first element with a greater score, or an equal score and a
  // greater member.
  Listpack& lp = listpack();
  IntegerText scratch;
  Listpack::Position position = lp.first();
  while (position != lp.end()) {
    Listpack::Position score_position = lp.next(position);
    double current = listpack_score(lp, score_position);
    if (current > score ||
        (current == score && compare_members(lp.get(position).view(scratch), member) > 0)) {
      break;
    }
    position = lp.next(score_position);
  }
  Listpack::Position inserted = lp.insert(position, member);
  insert_score(lp, lp.next(inserted), score);
}

void ZsetValue::convert_to_skiplist() {
  Listpack lp = std::move(listpack());
  repr_ = std::make_unique<Skiplist>();
  IntegerText scratch;
  for (Listpack::Position p = lp.first(); p != lp.end(); p = lp.next(lp.next(p))) {
    skiplist_insert(lp.get(p).view(scratch), listpack_score(lp, lp.next(p)));
  }
}

void ZsetValue::shrink_if_fits(const ZsetLimits& limits, std::size_t longest_member) {
  if (is_listpack() || size() > limits.max_listpack_entries ||
      longest_member > limits.max_listpack_value) {
    return;
  }
  std::size_t total = 0;
  for (const ZsetNode* node = sl().list.first(); node != nullptr; node = node->next_in_order()) {
    total += node->member().size();
  }
  if (total > kListpackSafetySize) return;
  Listpack lp;
  for (const ZsetNode* node = sl().list.first(); node != nullptr; node = node->next_in_order()) {
    lp.push_back(node->member());
    insert_score(lp, lp.end(), node->score());
  }
  repr_ = std::move(lp);
}

ZsetValue::AddResult ZsetValue::add(std::string_view member, double score, unsigned flags,
                                    const ZsetLimits& limits, double& new_score) {
  if (std::isnan(score)) return AddResult::kNan;
  // Redis zsetAdd: an existing member is updated (subject to NX/GT/LT, INCR adds), a new one is
  // added unless XX.
  auto update = [&](double current) -> std::optional<AddResult> {
    if (flags & kNx) return AddResult::kSkipped;
    if (flags & kIncr) {
      score += current;
      if (std::isnan(score)) return AddResult::kNan;
    }
    new_score = score;
    if (((flags & kLt) && score >= current) || ((flags & kGt) && score <= current)) {
      return AddResult::kSkipped;
    }
    return score == current ? std::optional<AddResult>(AddResult::kUnchanged) : std::nullopt;
  };
  if (is_listpack()) {
    Listpack& lp = listpack();
    Listpack::Position position = lp.find(member, lp.first(), 1);
    if (position != lp.end()) {
      if (auto done = update(listpack_score(lp, lp.next(position)))) return *done;
      lp.erase(position, 2);
      listpack_insert(member, score);
      return AddResult::kUpdated;
    }
    if (flags & kXx) return AddResult::kSkipped;
    if (size() + 1 > limits.max_listpack_entries || member.size() > limits.max_listpack_value ||
        lp.bytes() + member.size() > kListpackSafetySize) {
      convert_to_skiplist();
    } else {
      listpack_insert(member, score);
      new_score = score;
      return AddResult::kAdded;
    }
  }
  if (ZsetNode* node = find_node(member)) {
    if (auto done = update(node->score())) return *done;
    sl().list.update_score(node, score);
    return AddResult::kUpdated;
  }
  if (flags & kXx) return AddResult::kSkipped;
  skiplist_insert(member, score);
  new_score = score;
  return AddResult::kAdded;
}

void ZsetValue::forget(ZsetNode* node) {
  // Called with nodes the skiplist has just unlinked: dropping them from the dict frees them.
  sl().dict.remove(node->member(), node->hash);
}

bool ZsetValue::remove(std::string_view member) {
  if (is_listpack()) {
    Listpack& lp = listpack();
    Listpack::Position position = lp.find(member, lp.first(), 1);
    if (position == lp.end()) return false;
    lp.erase(position, 2);
    return true;
  }
  std::unique_ptr<ZsetNode> node = sl().dict.remove(member, dict_hash(member));
  if (!node) return false;
  sl().list.unlink(node->score(), node->member());
  sl().dict.shrink_if_sparse();
  return true;
}

std::optional<std::size_t> ZsetValue::rank(std::string_view member, bool reverse) const {
  std::size_t rank = 0;
  if (is_listpack()) {
    const Listpack& lp = listpack();
    Listpack::Position p = lp.first();
    while (p != lp.end() && !lp.equals(p, member)) {
      p = lp.next(lp.next(p));
      ++rank;
    }
    if (p == lp.end()) return std::nullopt;
  } else {
    const ZsetNode* node = find_node(member);
    if (node == nullptr) return std::nullopt;
    rank = sl().list.rank(node->score(), member) - 1;
  }
  return reverse ? size() - 1 - rank : rank;
}

std::size_t ZsetValue::erase_ranks(std::size_t start, std::size_t end) {
  if (is_listpack()) {
    Listpack& lp = listpack();
    lp.erase(lp.seek(static_cast<long long>(2 * start)), 2 * (end - start + 1));
    return end - start + 1;
  }
  std::size_t removed =
      sl().list.erase_ranks(start + 1, end + 1, [this](ZsetNode* node) { forget(node); });
  sl().dict.shrink_if_sparse();
  return removed;
}

namespace {

// Range tests on a cursor, by score or by member.
bool cursor_above_min(const ScoreRange& range, const ZsetValue::Cursor& c) {
  return range.above_min(c.score());
}
bool cursor_below_max(const ScoreRange& range, const ZsetValue::Cursor& c) {
  return range.below_max(c.score());
}
bool cursor_above_min(const LexRange& range, const ZsetValue::Cursor& c) {
  IntegerText scratch;
  return range.above_min(c.member(scratch));
}
bool cursor_below_max(const LexRange& range, const ZsetValue::Cursor& c) {
  IntegerText scratch;
  return range.below_max(c.member(scratch));
}

}  // namespace

// Redis zzlIsInRange / zzlIsInLexRange: the last member must reach the minimum and the first the
// maximum. Redundant for scores; for a lex range over members of different scores (whose order
// then is not lexical) it decides the reply, so it is checked first like Redis does.
template <class Range>
bool ZsetValue::listpack_intersects(const Range& range) const {
  return !range.is_empty() && !empty() && cursor_above_min(range, at_rank(size() - 1)) &&
         cursor_below_max(range, at_rank(0));
}

template <class Range>
ZsetValue::Cursor ZsetValue::listpack_first_in(const Range& range) const {
  Cursor none = listpack_cursor(listpack().end());
  if (!listpack_intersects(range)) return none;
  for (Cursor c = at_rank(0); c.valid(); c.next()) {
    if (cursor_above_min(range, c)) return cursor_below_max(range, c) ? c : none;
  }
  return none;
}

template <class Range>
ZsetValue::Cursor ZsetValue::listpack_last_in(const Range& range) const {
  Cursor none = listpack_cursor(listpack().end());
  if (!listpack_intersects(range)) return none;
  for (Cursor c = at_rank(size() - 1); c.valid(); c.previous()) {
    if (cursor_below_max(range, c)) return cursor_above_min(range, c) ? c : none;
  }
  return none;
}

template <class Range>
std::size_t ZsetValue::erase_listpack_range(const Range& range) {
  Cursor first = listpack_first_in(range);
  if (!first.valid()) return 0;
  std::size_t count = 0;
  for (Cursor c = first; c.valid() && cursor_below_max(range, c); c.next()) ++count;
  listpack().erase(first.position_, 2 * count);
  return count;
}

std::size_t ZsetValue::erase_range(const ScoreRange& range) {
  if (is_listpack()) return erase_listpack_range(range);
  std::size_t removed = sl().list.erase_range(range, [this](ZsetNode* node) { forget(node); });
  sl().dict.shrink_if_sparse();
  return removed;
}

std::size_t ZsetValue::erase_range(const LexRange& range) {
  if (is_listpack()) return erase_listpack_range(range);
  std::size_t removed = sl().list.erase_range(range, [this](ZsetNode* node) { forget(node); });
  sl().dict.shrink_if_sparse();
  return removed;
}

// Redis zcountCommand / zlexcountCommand, including their arithmetic on ranks.
template <class Range>
long long ZsetValue::count_range(const Range& range) const {
  Cursor first = first_in(range);
  if (!first.valid()) return 0;
  long long count = 0;
  if (is_listpack()) {
    for (Cursor c = first; c.valid() && cursor_below_max(range, c); c.next()) ++count;
    return count;
  }
  const auto length = static_cast<long long>(size());
  count = length -
          (static_cast<long long>(sl().list.rank(first.node_->score(), first.node_->member())) - 1);
  if (const ZsetNode* last = last_in(range).node_) {
    count -= length - static_cast<long long>(sl().list.rank(last->score(), last->member()));
  }
  return count;
}

long long ZsetValue::count_in(const ScoreRange& range) const {
  return count_range(range);
}

long long ZsetValue::count_in(const LexRange& range) const {
  return count_range(range);
}

ZsetValue::Cursor ZsetValue::listpack_cursor(Listpack::Position position) const {
  Cursor c;
  c.zset_ = this;
  c.position_ = position;
  return c;
}

ZsetValue::Cursor ZsetValue::node_cursor(const ZsetNode* node) const {
  Cursor c;
  c.zset_ = this;
  c.node_ = node;
  return c;
}

ZsetValue::Cursor ZsetValue::at_rank(std::size_t rank) const {
  if (is_listpack()) {
    const Listpack& lp = listpack();
    return listpack_cursor(rank < size() ? lp.seek(static_cast<long long>(2 * rank)) : lp.end());
  }
  return node_cursor(sl().list.at_rank(rank + 1));
}

ZsetValue::Cursor ZsetValue::first_in(const ScoreRange& range) const {
  return is_listpack() ? listpack_first_in(range) : node_cursor(sl().list.first_in_range(range));
}

ZsetValue::Cursor ZsetValue::last_in(const ScoreRange& range) const {
  return is_listpack() ? listpack_last_in(range) : node_cursor(sl().list.last_in_range(range));
}

ZsetValue::Cursor ZsetValue::first_in(const LexRange& range) const {
  return is_listpack() ? listpack_first_in(range) : node_cursor(sl().list.first_in_range(range));
}

ZsetValue::Cursor ZsetValue::last_in(const LexRange& range) const {
  return is_listpack() ? listpack_last_in(range) : node_cursor(sl().list.last_in_range(range));
}

bool ZsetValue::Cursor::valid() const {
  return zset_->is_listpack() ? position_ != zset_->listpack().end() : node_ != nullptr;
}

std::string_view ZsetValue::Cursor::member(IntegerText& scratch) const {
  if (zset_->is_listpack()) return zset_->listpack().get(position_).view(scratch);
  return node_->member();
}

double ZsetValue::Cursor::score() const {
  if (zset_->is_listpack()) {
    const Listpack& lp = zset_->listpack();
    return listpack_score(lp, lp.next(position_));
  }
  return node_->score();
}

void ZsetValue::Cursor::next() {
  if (zset_->is_listpack()) {
    const Listpack& lp = zset_->listpack();
    position_ = lp.next(lp.next(position_));
  } else {
    node_ = node_->next_in_order();
  }
}

void ZsetValue::Cursor::previous() {
  if (zset_->is_listpack()) {
    const Listpack& lp = zset_->listpack();
    position_ = position_ == lp.first() ? lp.end() : lp.prev(lp.prev(position_));
  } else {
    node_ = node_->previous_in_order();
  }
}

// ---- Command helpers ------------------------------------------------------------------------

namespace {

constexpr std::string_view kNanScore = "ERR resulting score is not a number (NaN)";
constexpr std::string_view kBadScoreRange = "ERR min or max is not a float";
constexpr std::string_view kBadLexRange = "ERR min or max not valid string range item";

ZsetLimits limits_of(CommandContext& ctx) {
  return ZsetLimits::from(ctx.server.settings());
}

// Looks up a key for a sorted-set command: nullptr when missing (nothing replied) or when it
// holds another type (`wrong_type` set, WRONGTYPE replied). Readers pass Lookup::kRead (keyspace
// hits/misses, "keymiss").
Entry* lookup_zset(CommandContext& ctx, std::string_view key, bool& wrong_type,
                   Lookup mode = Lookup::kWrite) {
  wrong_type = false;
  Entry* entry = lookup_key(ctx, key, mode);
  if (entry != nullptr && entry->value.type() != ObjectType::kZset) {
    wrong_type = true;
    ctx.reply.error(errors::kWrongType);
    return nullptr;
  }
  return entry;
}

ZsetValue& zset_of(Entry& entry) {
  return entry.value.as<ZsetValue>();
}

// After a removal: raises `event`, then deletes the key when the set emptied ("del"), else
// records the modification (Redis's event order).
void finish_removal(CommandContext& ctx, std::string_view key, Entry& entry,
                    std::string_view event) {
  notify_keyspace_event(ctx, kNotifyZset, event, key);
  if (zset_of(entry).empty()) {
    ctx.db().remove(key);
    notify_keyspace_event(ctx, kNotifyGeneric, "del", key);
  } else {
    ctx.db().mark_modified(entry);
  }
}

// Redis zslParseRange: "(" makes a bound exclusive; the rest goes through strtod, which must
// consume everything up to the first NUL, and must not be NaN.
bool parse_score_bound(std::string_view text, double& value, bool& exclusive) {
  exclusive = !text.empty() && text[0] == '(';
  if (exclusive) text.remove_prefix(1);
  std::string copy(text);
  char* end = nullptr;
  value = std::strtod(copy.c_str(), &end);
  return *end == '\0' && !std::isnan(value);
}

std::optional<ScoreRange> parse_score_range(std::string_view min, std::string_view max) {
  ScoreRange range;
  if (!parse_score_bound(min, range.min, range.min_exclusive) ||
      !parse_score_bound(max, range.max, range.max_exclusive)) {
    return std::nullopt;
  }
  return range;
}

// Redis zslParseLexRangeItem: "+", "-", "(value" or "[value" (a C string: a NUL ends "+"/"-").
bool parse_lex_bound(std::string_view text, LexBound& bound) {
  if (text.empty()) return false;
  switch (text[0]) {
    case '+':
    case '-':
      if (text.size() > 1 && text[1] != '\0') return false;
      bound.kind = text[0] == '+' ? LexBound::kPositiveInfinity : LexBound::kNegativeInfinity;
      bound.exclusive = true;
      return true;
    case '(':
    case '[':
      bound.kind = LexBound::kValue;
      bound.exclusive = text[0] == '(';
      bound.value = std::string(text.substr(1));
      return true;
    default:
      return false;
  }
}

std::optional<LexRange> parse_lex_range(std::string_view min, std::string_view max) {
  LexRange range;
  if (!parse_lex_bound(min, range.min) || !parse_lex_bound(max, range.max)) return std::nullopt;
  return range;
}

// Redis getRangeLongFromObjectOrReply: an integer in [min, max], else `error` (or Redis's
// "value is out of range, value must between ..." when none is given).
std::optional<long long> ranged_integer(CommandContext& ctx, std::size_t index, long long min,
                                        long long max, std::string_view error = {}) {
  auto value = parse_int64(ctx.argv[index]);
  if (!value) {
    ctx.reply.error(error.empty() ? errors::kNotInteger : error);
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    if (error.empty()) {
      ctx.reply.error("ERR value is out of range, value must between " + int64_to_string(min) +
                      " and " + int64_to_string(max));
    } else {
      ctx.reply.error(error);
    }
    return std::nullopt;
  }
  return value;
}

// Writes (member, score) elements of a range reply: members only, or with scores flat (RESP2)
// or as [member, score] pairs (RESP3).
class ElementWriter {
 public:
  ElementWriter(ReplyBuilder& reply, bool with_scores) : reply_(reply), with_scores_(with_scores) {}
  // The header for `count` elements.
  void header(std::size_t count) {
    reply_.array_header(with_scores_ && reply_.protocol() == 2 ? 2 * count : count);
  }
  void element(std::string_view member, double score) {
    if (with_scores_ && reply_.protocol() > 2) reply_.array_header(2);
    reply_.bulk(member);
    if (with_scores_) reply_.double_value(score);
  }

 private:
  ReplyBuilder& reply_;
  bool with_scores_;
};

// ---- ZADD / ZINCRBY -------------------------------------------------------------------------

// Redis zaddGenericCommand; ZINCRBY is ZADD INCR with its score at index 2.
void zadd_generic(CommandContext& ctx, unsigned flags) {
  bool ch = false;
  std::size_t score_index = 2;
  if (!(flags & ZsetValue::kIncr)) {
    for (; score_index < ctx.argc(); ++score_index) {
      std::string_view option = ctx.argv[score_index];
      if (iequals(option, "nx")) {
        flags |= ZsetValue::kNx;
      } else if (iequals(option, "xx")) {
        flags |= ZsetValue::kXx;
      } else if (iequals(option, "ch")) {
        ch = true;
      } else if (iequals(option, "incr")) {
        flags |= ZsetValue::kIncr;
      } else if (iequals(option, "gt")) {
        flags |= ZsetValue::kGt;
      } else if (iequals(option, "lt")) {
        flags |= ZsetValue::kLt;
      } else {
        break;
      }
    }
  }
  const bool incr = flags & ZsetValue::kIncr;
  std::size_t elements = ctx.argc() - score_index;
  if (elements % 2 != 0 || elements == 0) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  elements /= 2;
  if ((flags & ZsetValue::kNx) && (flags & ZsetValue::kXx)) {
    ctx.reply.error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  unsigned exclusive = flags & (ZsetValue::kGt | ZsetValue::kLt | ZsetValue::kNx);
  if (exclusive & (exclusive - 1)) {
    ctx.reply.error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (incr && elements > 1) {
    ctx.reply.error("ERR INCR option supports a single increment-element pair");
    return;
  }
  std::vector<double> scores(elements);
  for (std::size_t i = 0; i < elements; ++i) {
    auto score = parse_double(ctx.argv[score_index + 2 * i]);
    if (!score) {
      ctx.reply.error(errors::kNotFloat);
      return;
    }
    scores[i] = *score;
  }
  std::string_view key = ctx.argv[1];
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, key, wrong_type);
  if (wrong_type) return;
  const ZsetLimits limits = limits_of(ctx);
  if (entry == nullptr) {
    if (flags & ZsetValue::kXx) {
      incr ? ctx.reply.null() : ctx.reply.integer(0);
      return;
    }
    entry = &ctx.db().add(std::string(key),
                          Object::composite(ZsetValue(limits, ctx.argv[score_index + 1].size())),
                          ctx.now_ms);
  }
  ZsetValue& zset = zset_of(*entry);
  long long added = 0;
  long long updated = 0;
  bool processed = false;
  double score = 0;
  for (std::size_t i = 0; i < elements; ++i) {
    double new_score = 0;
    switch (zset.add(ctx.argv[score_index + 2 * i + 1], scores[i], flags, limits, new_score)) {
      case ZsetValue::AddResult::kNan:
        ctx.reply.error(kNanScore);
        return;
      case ZsetValue::AddResult::kAdded:
        ++added;
        processed = true;
        break;
      case ZsetValue::AddResult::kUpdated:
        ++updated;
        processed = true;
        break;
      case ZsetValue::AddResult::kUnchanged:
        processed = true;
        break;
      case ZsetValue::AddResult::kSkipped:
        break;
    }
    score = new_score;
  }
  if (added + updated > 0) {
    ctx.db().mark_modified(*entry);
    notify_keyspace_event(ctx, kNotifyZset, incr ? "zincr" : "zadd", key);
  }
  if (incr) {
    processed ? ctx.reply.double_value(score) : ctx.reply.null();
  } else {
    ctx.reply.integer(ch ? added + updated : added);
  }
}

// ---- Ranges ---------------------------------------------------------------------------------

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Where range results go: a reply, or the destination set of ZRANGESTORE.
class RangeResult {
 public:
  virtual ~RangeResult() = default;
  virtual void element(std::string_view member, double score) = 0;
  // Called once after the elements (`count` of them).
  virtual void finish(std::size_t count) = 0;
};

class ReplyResult final : public RangeResult {
 public:
  ReplyResult(ReplyBuilder& reply, bool with_scores)
      : reply_(reply), with_scores_(with_scores), body_(reply.protocol()) {}
  void element(std::string_view member, double score) override {
    ElementWriter(body_, with_scores_).element(member, score);
  }
  void finish(std::size_t count) override {
    ElementWriter(reply_, with_scores_).header(count);
    reply_.buffer().append(body_.buffer());
  }

 private:
  ReplyBuilder& reply_;
  bool with_scores_;
  ReplyBuilder body_;
};

// Stores a computed set at `destination`, replacing any value and TTL (Redis setKey), raises
// `event` and replies with its size; an empty result deletes the destination instead ("del"
// when it existed) and replies 0.
void store_result(CommandContext& ctx, std::string_view destination, ZsetValue value,
                  std::string_view event) {
  std::size_t size = value.size();
  if (size == 0) {
    if (ctx.db().remove(destination)) {
      notify_keyspace_event(ctx, kNotifyGeneric, "del", destination);
    }
  } else {
    ctx.db().set(destination, Object::composite(std::move(value)), false, ctx.now_ms);
    notify_keyspace_event(ctx, kNotifyZset, event, destination);
  }
  ctx.reply.integer(static_cast<long long>(size));
}

// ZRANGESTORE's destination, built the way Redis builds it: a listpack set that converts as
// elements arrive.
class StoreResult final : public RangeResult {
 public:
  StoreResult(CommandContext& ctx, std::string_view destination)
      : ctx_(ctx), destination_(destination), limits_(limits_of(ctx)), value_(limits_, 0) {}
  void element(std::string_view member, double score) override {
    double ignored;
    value_.add(member, score, 0, limits_, ignored);
  }
  void finish(std::size_t) override {
    store_result(ctx_, destination_, std::move(value_), "zrangestore");
  }

 private:
  CommandContext& ctx_;
  std::string_view destination_;
  ZsetLimits limits_;
  ZsetValue value_;
};

// Redis genericZrangebyrankCommand: Python-like indexes, clamped.
void range_by_rank(const ZsetValue& zset, long long start, long long end, bool reverse,
                   RangeResult& out) {
  const long long length = static_cast<long long>(zset.size());
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) {
    out.finish(0);
    return;
  }
  if (end >= length) end = length - 1;
  const auto count = static_cast<std::size_t>(end - start + 1);
  ZsetValue::Cursor c =
      zset.at_rank(static_cast<std::size_t>(reverse ? length - 1 - start : start));
  IntegerText scratch;
  for (std::size_t i = 0; i < count; ++i, c.step(reverse))
    out.element(c.member(scratch), c.score());
  out.finish(count);
}

// Redis genericZrangebyscoreCommand / genericZrangebylexCommand: from the first (last, when
// reversed) element in range, skip `offset`, then emit up to `limit` (all when negative) while
// still in range.
template <class Range>
void range_by_bounds(const ZsetValue& zset, const Range& range, long long offset, long long limit,
                     bool reverse, RangeResult& out) {
  std::size_t count = 0;
  if (offset < 0 || offset >= static_cast<long long>(zset.size())) {
    out.finish(0);
    return;
  }
  ZsetValue::Cursor c = reverse ? zset.last_in(range) : zset.first_in(range);
  for (; c.valid() && offset > 0; --offset) c.step(reverse);
  IntegerText scratch;
  for (; c.valid() && (limit < 0 || count < static_cast<unsigned long long>(limit));
       c.step(reverse)) {
    if (reverse ? !cursor_above_min(range, c) : !cursor_below_max(range, c)) break;
    out.element(c.member(scratch), c.score());
    ++count;
  }
  out.finish(count);
}

// Redis zrangeGenericCommand: every ZRANGE form, ZRANGESTORE (`store`: the destination is
// argv[1] and the source follows), and the legacy commands (which fix `type`/`direction`).
void zrange_generic(CommandContext& ctx, std::size_t key_index, bool store, RangeType type,
                    Direction direction) {
  std::size_t min_index = key_index + 1;
  std::size_t max_index = key_index + 2;
  bool with_scores = false;
  long long offset = 0;
  long long limit = -1;
  for (std::size_t j = key_index + 3; j < ctx.argc(); ++j) {
    std::string_view option = ctx.argv[j];
    const std::size_t left = ctx.argc() - j - 1;
    if (!store && iequals(option, "withscores")) {
      with_scores = true;
    } else if (iequals(option, "limit") && left >= 2) {
      auto parsed_offset = integer_argument(ctx, j + 1);
      if (!parsed_offset) return;
      auto parsed_limit = integer_argument(ctx, j + 2);
      if (!parsed_limit) return;
      offset = *parsed_offset;
      limit = *parsed_limit;
      j += 2;
    } else if (direction == Direction::kAuto && iequals(option, "rev")) {
      direction = Direction::kReverse;
    } else if (type == RangeType::kAuto && iequals(option, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && iequals(option, "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  if (type == RangeType::kAuto) type = RangeType::kRank;
  const bool reverse = direction == Direction::kReverse;
  if (limit != -1 && type == RangeType::kRank) {
    ctx.reply.error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (with_scores && type == RangeType::kLex) {
    ctx.reply.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  // Reversed score and lex ranges are given as max, min.
  if (reverse && type != RangeType::kRank) std::swap(min_index, max_index);
  long long start = 0;
  long long end = 0;
  std::optional<ScoreRange> score_range;
  std::optional<LexRange> lex_range;
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank: {
      auto parsed_start = integer_argument(ctx, min_index);
      if (!parsed_start) return;
      auto parsed_end = integer_argument(ctx, max_index);
      if (!parsed_end) return;
      start = *parsed_start;
      end = *parsed_end;
      break;
    }
    case RangeType::kScore:
      score_range = parse_score_range(ctx.argv[min_index], ctx.argv[max_index]);
      if (!score_range) {
        ctx.reply.error(kBadScoreRange);
        return;
      }
      break;
    case RangeType::kLex:
      lex_range = parse_lex_range(ctx.argv[min_index], ctx.argv[max_index]);
      if (!lex_range) {
        ctx.reply.error(kBadLexRange);
        return;
      }
      break;
  }
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, ctx.argv[key_index], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  std::optional<StoreResult> store_result;
  std::optional<ReplyResult> reply_result;
  RangeResult* out;
  if (store) {
    out = &store_result.emplace(ctx, ctx.argv[1]);
  } else {
    out = &reply_result.emplace(ctx.reply, with_scores);
  }
  if (entry == nullptr) {
    out->finish(0);
    return;
  }
  const ZsetValue& zset = zset_of(*entry);
  if (score_range) {
    range_by_bounds(zset, *score_range, offset, limit, reverse, *out);
  } else if (lex_range) {
    range_by_bounds(zset, *lex_range, offset, limit, reverse, *out);
  } else {
    range_by_rank(zset, start, end, reverse, *out);
  }
}

// ZCOUNT / ZLEXCOUNT.
template <class Range>
void count_generic(CommandContext& ctx, const std::optional<Range>& range,
                   std::string_view range_error) {
  if (!range) {
    ctx.reply.error(range_error);
    return;
  }
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  ctx.reply.integer(entry == nullptr ? 0 : zset_of(*entry).count_in(*range));
}

// Redis zremrangeGenericCommand.
void zremrange_generic(CommandContext& ctx, RangeType type) {
  long long start = 0;
  long long end = 0;
  std::optional<ScoreRange> score_range;
  std::optional<LexRange> lex_range;
  if (type == RangeType::kRank) {
    auto parsed_start = integer_argument(ctx, 2);
    if (!parsed_start) return;
    auto parsed_end = integer_argument(ctx, 3);
    if (!parsed_end) return;
    start = *parsed_start;
    end = *parsed_end;
  } else if (type == RangeType::kScore) {
    score_range = parse_score_range(ctx.argv[2], ctx.argv[3]);
    if (!score_range) {
      ctx.reply.error(kBadScoreRange);
      return;
    }
  } else {
    lex_range = parse_lex_range(ctx.argv[2], ctx.argv[3]);
    if (!lex_range) {
      ctx.reply.error(kBadLexRange);
      return;
    }
  }
  std::string_view key = ctx.argv[1];
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, key, wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  ZsetValue& zset = zset_of(*entry);
  std::size_t removed;
  if (score_range) {
    removed = zset.erase_range(*score_range);
  } else if (lex_range) {
    removed = zset.erase_range(*lex_range);
  } else {
    const long long length = static_cast<long long>(zset.size());
    if (start < 0) start += length;
    if (end < 0) end += length;
    if (start < 0) start = 0;
    if (start > end || start >= length) {
      ctx.reply.integer(0);
      return;
    }
    if (end >= length) end = length - 1;
    removed = zset.erase_ranks(static_cast<std::size_t>(start), static_cast<std::size_t>(end));
  }
  if (removed > 0) {
    finish_removal(ctx, key, *entry,
                   score_range ? "zremrangebyscore"
                   : lex_range ? "zremrangebylex"
                               : "zremrangebyrank");
  }
  ctx.reply.integer(static_cast<long long>(removed));
}

// ZPOPMIN / ZPOPMAX key [count] (Redis zpopMinMaxCommand).
void zpop_generic(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  long long count = -1;  // no count argument: one element, flat reply
  if (ctx.argc() == 3) {
    auto parsed =
        ranged_integer(ctx, 2, 0, LLONG_MAX, "ERR value is out of range, must be positive");
    if (!parsed) return;
    count = *parsed;
  }
  const bool nested = ctx.reply.protocol() > 2 && count != -1;
  std::string_view key = ctx.argv[1];
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, key, wrong_type);
  if (wrong_type) return;
  if (entry == nullptr || count == 0) {
    ctx.reply.array_header(0);
    return;
  }
  pop_zset_and_reply(ctx, key, *entry, max, count == -1 ? 1 : static_cast<std::size_t>(count),
                     nested ? PopReply::kNested : PopReply::kFlat);
}

std::size_t random_below(std::size_t bound) {
  return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_engine());
}

// Random access by rank for ZRANDMEMBER: a listpack set is indexed once (its at_rank walks).
class RankIndex {
 public:
  explicit RankIndex(const ZsetValue& zset) : zset_(zset) {
    if (zset.encoding() == Encoding::kListpack) {
      for (ZsetValue::Cursor c = zset.at_rank(0); c.valid(); c.next()) cursors_.push_back(c);
    }
  }
  ZsetValue::Cursor at(std::size_t rank) const {
    return cursors_.empty() ? zset_.at_rank(rank) : cursors_[rank];
  }

 private:
  const ZsetValue& zset_;
  std::vector<ZsetValue::Cursor> cursors_;
};

// Redis zrandmemberWithCountCommand. Negative counts may repeat elements; positive counts
// return distinct elements (all of them when count >= size).
void zrandmember_with_count(CommandContext& ctx, long long requested, bool with_scores) {
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  if (entry == nullptr || requested == 0) {
    ctx.reply.array_header(0);
    return;
  }
  const ZsetValue& zset = zset_of(*entry);
  const std::size_t size = zset.size();
  const bool unique = requested > 0;
  const auto count =
      static_cast<std::size_t>(unique ? requested : -static_cast<unsigned long long>(requested));
  ElementWriter writer(ctx.reply, with_scores);
  IntegerText scratch;
  auto emit = [&](const ZsetValue::Cursor& c) { writer.element(c.member(scratch), c.score()); };
  if (!unique || count == 1) {
    RankIndex index(zset);
    writer.header(count);
    for (std::size_t i = 0; i < count; ++i) emit(index.at(random_below(size)));
    return;
  }
  if (count >= size) {
    // Redis walks sorted sets from the highest element down here (its zui iterators do).
    writer.header(size);
    for (ZsetValue::Cursor c = zset.at_rank(size - 1); c.valid(); c.previous()) emit(c);
    return;
  }
  writer.header(count);
  if (count * 3 > size || zset.encoding() == Encoding::kListpack) {
    // Selection sampling (Knuth's algorithm S): each element is kept with probability
    // (still needed) / (still left), which yields exactly `count` distinct elements in order.
    std::size_t needed = count;
    std::size_t left = size;
    for (ZsetValue::Cursor c = zset.at_rank(0); needed > 0; c.next(), --left) {
      if (random_below(left) < needed) {
        emit(c);
        --needed;
      }
    }
    return;
  }
  // A small sample of a large set: draw distinct ranks, then visit them in order.
  std::unordered_set<std::size_t> drawn;
  while (drawn.size() < count) drawn.insert(random_below(size));
  std::vector<std::size_t> ranks(drawn.begin(), drawn.end());
  std::sort(ranks.begin(), ranks.end());
  for (std::size_t rank : ranks) emit(zset.at_rank(rank));
}

// ---- ZUNION / ZINTER / ZDIFF ----------------------------------------------------------------

enum class SetOperation { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// Redis zunionInterAggregate: a SUM of +inf and -inf is 0, not NaN.
void aggregate(double& target, double value, Aggregate how) {
  switch (how) {
    case Aggregate::kSum:
      target += value;
      if (std::isnan(target)) target = 0;
      break;
    case Aggregate::kMin:
      target = value < target ? value : target;
      break;
    case Aggregate::kMax:
      target = value > target ? value : target;
      break;
  }
}

// One input key of a set operation: a sorted set, a plain set (every member scores 1) or a
// missing key (empty), and its weight.
struct OperationInput {
  const ZsetValue* zset = nullptr;
  const SetValue* set = nullptr;
  double weight = 1;

  std::size_t size() const {
    if (zset != nullptr) return zset->size();
    return set == nullptr ? 0 : set->size();
  }
  std::optional<double> find(std::string_view member) const {
    if (zset != nullptr) return zset->score(member);
    if (set != nullptr && set->contains(member)) return 1.0;
    return std::nullopt;
  }
  // Calls visit(member, score) until it returns false.
  template <class Visit>
  void for_each(Visit&& visit) const {
    if (zset != nullptr) {
      IntegerText scratch;
      for (ZsetValue::Cursor c = zset->at_rank(0); c.valid(); c.next()) {
        if (!visit(c.member(scratch), c.score())) return;
      }
    } else if (set != nullptr) {
      bool going = true;
      set->for_each([&](std::string_view member) {
        if (going) going = visit(member, 1.0);
      });
    }
  }
};

// Redis zunionInterDiffGenericCommand. `destination` is set for the STORE forms;
// `cardinality_only` is ZINTERCARD.
void zset_operation(CommandContext& ctx, std::optional<std::string_view> destination,
                    std::size_t numkeys_index, SetOperation operation, bool cardinality_only) {
  auto numkeys = integer_argument(ctx, numkeys_index);
  if (!numkeys) return;
  if (*numkeys < 1) {
    ctx.reply.error("ERR at least 1 input key is needed for '" + ctx.command.full_name +
                    "' command");
    return;
  }
  if (*numkeys > static_cast<long long>(ctx.argc() - numkeys_index - 1)) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  const auto setnum = static_cast<std::size_t>(*numkeys);
  std::vector<OperationInput> inputs(setnum);
  std::size_t j = numkeys_index + 1;
  for (std::size_t i = 0; i < setnum; ++i, ++j) {
    // Read lookups for the STORE forms too, like Redis 7.0.
    Entry* entry = lookup_key(ctx, ctx.argv[j], Lookup::kRead);
    if (entry == nullptr) continue;
    if (entry->value.type() == ObjectType::kZset) {
      inputs[i].zset = &zset_of(*entry);
    } else if (entry->value.type() == ObjectType::kSet) {
      inputs[i].set = &entry->value.as<SetValue>();
    } else {
      ctx.reply.error(errors::kWrongType);
      return;
    }
  }
  Aggregate how = Aggregate::kSum;
  bool with_scores = false;
  long long limit = 0;  // ZINTERCARD: stop counting there (0: no limit)
  const bool weighted = operation != SetOperation::kDiff && !cardinality_only;
  while (j < ctx.argc()) {
    std::string_view option = ctx.argv[j];
    const std::size_t remaining = ctx.argc() - j;
    if (weighted && remaining >= setnum + 1 && iequals(option, "weights")) {
      ++j;
      for (std::size_t i = 0; i < setnum; ++i, ++j) {
        auto weight = parse_double(ctx.argv[j]);
        if (!weight) {
          ctx.reply.error("ERR weight value is not a float");
          return;
        }
        inputs[i].weight = *weight;
      }
    } else if (weighted && remaining >= 2 && iequals(option, "aggregate")) {
      std::string_view name = ctx.argv[j + 1];
      if (iequals(name, "sum")) {
        how = Aggregate::kSum;
      } else if (iequals(name, "min")) {
        how = Aggregate::kMin;
      } else if (iequals(name, "max")) {
        how = Aggregate::kMax;
      } else {
        ctx.reply.error(errors::kSyntax);
        return;
      }
      j += 2;
    } else if (!destination && !cardinality_only && iequals(option, "withscores")) {
      with_scores = true;
      ++j;
    } else if (cardinality_only && remaining >= 2 && iequals(option, "limit")) {
      auto parsed = ranged_integer(ctx, j + 1, 0, LLONG_MAX, "ERR LIMIT can't be negative");
      if (!parsed) return;
      limit = *parsed;
      j += 2;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  // Smallest inputs first (Redis sorts them with glibc's qsort, a stable merge sort here).
  if (operation != SetOperation::kDiff) {
    std::stable_sort(
        inputs.begin(), inputs.end(),
        [](const OperationInput& a, const OperationInput& b) { return a.size() < b.size(); });
  }
  const ZsetLimits limits = limits_of(ctx);
  ZsetValue result = ZsetValue::skiplist();
  std::size_t longest = 0;
  auto insert = [&](std::string_view member, double score) {
    double ignored;
    result.add(member, score, 0, limits, ignored);
    longest = std::max(longest, member.size());
  };
  long long cardinality = 0;
  switch (operation) {
    case SetOperation::kInter:
      inputs[0].for_each([&](std::string_view member, double first_score) {
        double score = inputs[0].weight * first_score;
        if (std::isnan(score)) score = 0;
        for (std::size_t i = 1; i < setnum; ++i) {
          auto value = inputs[i].find(member);
          if (!value) return true;
          aggregate(score, *value * inputs[i].weight, how);
        }
        if (!cardinality_only) {
          insert(member, score);
          return true;
        }
        ++cardinality;
        return limit == 0 || cardinality < limit;
      });
      break;
    case SetOperation::kUnion: {
      std::unordered_map<std::string, double> accumulator;
      for (const OperationInput& input : inputs) {
        input.for_each([&](std::string_view member, double member_score) {
          double score = input.weight * member_score;
          if (std::isnan(score)) score = 0;
          auto [it, inserted] = accumulator.try_emplace(std::string(member), score);
          if (!inserted) aggregate(it->second, score, how);
          return true;
        });
      }
      for (const auto& [member, score] : accumulator) insert(member, score);
      break;
    }
    case SetOperation::kDiff:
      inputs[0].for_each([&](std::string_view member, double score) {
        for (std::size_t i = 1; i < setnum; ++i) {
          if (inputs[i].find(member)) return true;
        }
        insert(member, score);
        return true;
      });
      break;
  }
  if (cardinality_only) {
    ctx.reply.integer(cardinality);
  } else if (destination) {
    result.shrink_if_fits(limits, longest);
    store_result(ctx, *destination, std::move(result),
                 operation == SetOperation::kUnion   ? "zunionstore"
                 : operation == SetOperation::kInter ? "zinterstore"
                                                     : "zdiffstore");
  } else {
    ElementWriter writer(ctx.reply, with_scores);
    writer.header(result.size());
    IntegerText scratch;
    for (ZsetValue::Cursor c = result.at_rank(0); c.valid(); c.next()) {
      writer.element(c.member(scratch), c.score());
    }
  }
}

}  // namespace

void pop_zset_and_reply(CommandContext& ctx, std::string_view key, Entry& entry, bool max,
                        std::size_t count, PopReply shape) {
  ZsetValue& zset = zset_of(entry);
  const std::size_t size = zset.size();
  const std::size_t popped = std::min(count, size);
  const bool nested = shape == PopReply::kNested || shape == PopReply::kKeyNested;
  switch (shape) {
    case PopReply::kFlat:
      ctx.reply.array_header(2 * popped);
      break;
    case PopReply::kNested:
      ctx.reply.array_header(popped);
      break;
    case PopReply::kKeyFlat:
      ctx.reply.array_header(2 * popped + 1);
      ctx.reply.bulk(key);
      break;
    case PopReply::kKeyNested:
      ctx.reply.array_header(2);
      ctx.reply.bulk(key);
      ctx.reply.array_header(popped);
      break;
  }
  IntegerText scratch;
  ZsetValue::Cursor c = zset.at_rank(max ? size - 1 : 0);
  for (std::size_t i = 0; i < popped; ++i, c.step(max)) {
    if (nested) ctx.reply.array_header(2);
    ctx.reply.bulk(c.member(scratch));
    ctx.reply.double_value(c.score());
  }
  if (max) {
    zset.erase_ranks(size - popped, size - 1);
  } else {
    zset.erase_ranks(0, popped - 1);
  }
  finish_removal(ctx, key, entry, max ? "zpopmax" : "zpopmin");
}

namespace {

// The first existing key among the `key_count` keys from argv[first_key] (Redis
// genericZpopCommand's scan): its entry, with its argv index in `index`; nullptr when none
// exists. A key of another type before any sorted set replies WRONGTYPE (wrong_type set).
Entry* first_zset(CommandContext& ctx, std::size_t first_key, std::size_t key_count,
                  std::size_t& index, bool& wrong_type) {
  for (index = first_key; index < first_key + key_count; ++index) {
    Entry* entry = lookup_zset(ctx, ctx.argv[index], wrong_type);
    if (wrong_type || entry != nullptr) return entry;
  }
  return nullptr;
}

// A blocking pop that popped is logged as the ZPOPMIN/ZPOPMAX key count it did (Redis rewrites
// BZPOPMIN and BZMPOP so), so a replay never waits and pops from the key that was served.
void pop_zset_logged(CommandContext& ctx, std::string_view key, Entry& entry, bool max,
                     std::size_t count, PopReply shape) {
  pop_zset_and_reply(ctx, key, entry, max, count, shape);
  ctx.log_as_command({max ? "ZPOPMAX" : "ZPOPMIN", std::string(key), std::to_string(count)});
}

// The ServeFns of the blocking pops (blocking.hpp): the replies of the non-blocking path.
void serve_bzpopmin(CommandContext& ctx, std::string_view key) {
  pop_zset_logged(ctx, key, *lookup_key(ctx, key), false, 1, PopReply::kKeyFlat);
}

void serve_bzpopmax(CommandContext& ctx, std::string_view key) {
  pop_zset_logged(ctx, key, *lookup_key(ctx, key), true, 1, PopReply::kKeyFlat);
}

void serve_bzmpop(CommandContext& ctx, std::string_view key) {
  auto arguments = parse_zmpop_arguments(ctx, 2);  // valid: checked before the client blocked
  pop_zset_logged(ctx, key, *lookup_key(ctx, key), arguments->max, arguments->count,
                  PopReply::kKeyNested);
}

// BZPOPMIN/BZPOPMAX/BZMPOP (Redis blockingGenericZpopCommand): the timeout at argv[timeout_index]
// is checked first, then the first existing sorted set among the keys is popped like ZPOPMIN/
// ZMPOP would; when none exists the client blocks on all of them (or, inside EXEC, gets nil).
void blocking_zpop(CommandContext& ctx, std::size_t timeout_index, std::size_t first_key,
                   std::size_t key_count, bool max, std::size_t count, PopReply shape,
                   ServeFn serve) {
  auto timeout = timeout_argument(ctx, timeout_index);
  if (!timeout) return;
  std::size_t index;
  bool wrong_type;
  Entry* entry = first_zset(ctx, first_key, key_count, index, wrong_type);
  if (wrong_type) return;
  if (entry != nullptr) {
    pop_zset_logged(ctx, ctx.argv[index], *entry, max, count, shape);
  } else if (!blocking_allowed(ctx)) {
    ctx.reply.null_array();
  } else {
    block_for_keys(ctx, ctx.argv.subspan(first_key, key_count), *timeout, ObjectType::kZset, serve);
  }
}

}  // namespace

// ---- Commands -------------------------------------------------------------------------------

void zadd_command(CommandContext& ctx) {
  zadd_generic(ctx, 0);
}

void zincrby_command(CommandContext& ctx) {
  zadd_generic(ctx, ZsetValue::kIncr);
}

void zrem_command(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, key, wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  ZsetValue& zset = zset_of(*entry);
  long long removed = 0;
  for (std::size_t i = 2; i < ctx.argc() && !zset.empty(); ++i) removed += zset.remove(ctx.argv[i]);
  if (removed > 0) finish_removal(ctx, key, *entry, "zrem");
  ctx.reply.integer(removed);
}

void zcard_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  ctx.reply.integer(entry == nullptr ? 0 : static_cast<long long>(zset_of(*entry).size()));
}

void zscore_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  std::optional<double> score;
  if (entry != nullptr) score = zset_of(*entry).score(ctx.argv[2]);
  score ? ctx.reply.double_value(*score) : ctx.reply.null();
}

void zmscore_command(CommandContext& ctx) {
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  ctx.reply.array_header(ctx.argc() - 2);
  for (std::size_t i = 2; i < ctx.argc(); ++i) {
    std::optional<double> score;
    if (entry != nullptr) score = zset_of(*entry).score(ctx.argv[i]);
    score ? ctx.reply.double_value(*score) : ctx.reply.null();
  }
}

namespace {

void zrank_generic(CommandContext& ctx, bool reverse) {
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  std::optional<std::size_t> rank;
  if (entry != nullptr) rank = zset_of(*entry).rank(ctx.argv[2], reverse);
  rank ? ctx.reply.integer(static_cast<long long>(*rank)) : ctx.reply.null();
}

}  // namespace

void zrank_command(CommandContext& ctx) {
  zrank_generic(ctx, false);
}

void zrevrank_command(CommandContext& ctx) {
  zrank_generic(ctx, true);
}

void zcount_command(CommandContext& ctx) {
  count_generic(ctx, parse_score_range(ctx.argv[2], ctx.argv[3]), kBadScoreRange);
}

void zlexcount_command(CommandContext& ctx) {
  count_generic(ctx, parse_lex_range(ctx.argv[2], ctx.argv[3]), kBadLexRange);
}

void zrange_command(CommandContext& ctx) {
  zrange_generic(ctx, 1, false, RangeType::kAuto, Direction::kAuto);
}

void zrangestore_command(CommandContext& ctx) {
  zrange_generic(ctx, 2, true, RangeType::kAuto, Direction::kAuto);
}

void zrevrange_command(CommandContext& ctx) {
  zrange_generic(ctx, 1, false, RangeType::kRank, Direction::kReverse);
}

void zrangebyscore_command(CommandContext& ctx) {
  zrange_generic(ctx, 1, false, RangeType::kScore, Direction::kForward);
}

void zrevrangebyscore_command(CommandContext& ctx) {
  zrange_generic(ctx, 1, false, RangeType::kScore, Direction::kReverse);
}

void zrangebylex_command(CommandContext& ctx) {
  zrange_generic(ctx, 1, false, RangeType::kLex, Direction::kForward);
}

void zrevrangebylex_command(CommandContext& ctx) {
  zrange_generic(ctx, 1, false, RangeType::kLex, Direction::kReverse);
}

void zremrangebyrank_command(CommandContext& ctx) {
  zremrange_generic(ctx, RangeType::kRank);
}

void zremrangebyscore_command(CommandContext& ctx) {
  zremrange_generic(ctx, RangeType::kScore);
}

void zremrangebylex_command(CommandContext& ctx) {
  zremrange_generic(ctx, RangeType::kLex);
}

void zpopmin_command(CommandContext& ctx) {
  zpop_generic(ctx, false);
}

void zpopmax_command(CommandContext& ctx) {
  zpop_generic(ctx, true);
}

std::optional<ZmpopArguments> parse_zmpop_arguments(CommandContext& ctx,
                                                    std::size_t numkeys_index) {
  auto numkeys =
      ranged_integer(ctx, numkeys_index, 1, LLONG_MAX, "ERR numkeys should be greater than 0");
  if (!numkeys) return std::nullopt;
  // The MIN|MAX argument follows the keys.
  if (static_cast<unsigned long long>(*numkeys) >= ctx.argc() - numkeys_index - 1) {
    ctx.reply.error(errors::kSyntax);
    return std::nullopt;
  }
  ZmpopArguments arguments;
  arguments.first_key = numkeys_index + 1;
  arguments.key_count = static_cast<std::size_t>(*numkeys);
  const std::size_t where_index = arguments.first_key + arguments.key_count;
  if (iequals(ctx.argv[where_index], "min")) {
    arguments.max = false;
  } else if (iequals(ctx.argv[where_index], "max")) {
    arguments.max = true;
  } else {
    ctx.reply.error(errors::kSyntax);
    return std::nullopt;
  }
  bool counted = false;
  for (std::size_t j = where_index + 1; j < ctx.argc(); ++j) {
    if (!counted && iequals(ctx.argv[j], "count") && j + 1 < ctx.argc()) {
      auto parsed = ranged_integer(ctx, ++j, 1, LLONG_MAX, "ERR count should be greater than 0");
      if (!parsed) return std::nullopt;
      arguments.count = static_cast<std::size_t>(*parsed);
      counted = true;
    } else {
      ctx.reply.error(errors::kSyntax);
      return std::nullopt;
    }
  }
  return arguments;
}

void zmpop_command(CommandContext& ctx) {
  auto arguments = parse_zmpop_arguments(ctx, 1);
  if (!arguments) return;
  std::size_t index;
  bool wrong_type;
  Entry* entry = first_zset(ctx, arguments->first_key, arguments->key_count, index, wrong_type);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.null_array();
    return;
  }
  pop_zset_and_reply(ctx, ctx.argv[index], *entry, arguments->max, arguments->count,
                     PopReply::kKeyNested);
}

void bzpopmin_command(CommandContext& ctx) {
  blocking_zpop(ctx, ctx.argc() - 1, 1, ctx.argc() - 2, false, 1, PopReply::kKeyFlat,
                serve_bzpopmin);
}

void bzpopmax_command(CommandContext& ctx) {
  blocking_zpop(ctx, ctx.argc() - 1, 1, ctx.argc() - 2, true, 1, PopReply::kKeyFlat,
                serve_bzpopmax);
}

// Like Redis zmpopGenericCommand, BZMPOP checks numkeys/MIN|MAX/COUNT before its timeout.
void bzmpop_command(CommandContext& ctx) {
  auto arguments = parse_zmpop_arguments(ctx, 2);
  if (!arguments) return;
  blocking_zpop(ctx, 1, arguments->first_key, arguments->key_count, arguments->max,
                arguments->count, PopReply::kKeyNested, serve_bzmpop);
}

void zrandmember_command(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    auto count = ranged_integer(ctx, 2, -LLONG_MAX, LLONG_MAX);
    if (!count) return;
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !iequals(ctx.argv[3], "withscores"))) {
      ctx.reply.error(errors::kSyntax);
      return;
    }
    const bool with_scores = ctx.argc() == 4;
    // With scores the reply has twice as many entries: Redis refuses what could overflow that.
    if (with_scores && (*count < -LLONG_MAX / 2 || *count > LLONG_MAX / 2)) {
      ctx.reply.error("ERR value is out of range");
      return;
    }
    zrandmember_with_count(ctx, *count, with_scores);
    return;
  }
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.null();
    return;
  }
  const ZsetValue& zset = zset_of(*entry);
  IntegerText scratch;
  ctx.reply.bulk(zset.at_rank(random_below(zset.size())).member(scratch));
}

void zscan_command(CommandContext& ctx) {
  auto cursor = cursor_argument(ctx, 2);
  if (!cursor) return;
  bool wrong_type;
  Entry* entry = lookup_zset(ctx, ctx.argv[1], wrong_type, Lookup::kRead);
  if (wrong_type) return;
  if (entry == nullptr) {
    ctx.reply.array_header(2);
    ctx.reply.bulk("0");
    ctx.reply.array_header(0);
    return;
  }
  auto options = scan_options(ctx, 3, false);
  if (!options) return;
  const ZsetValue& zset = zset_of(*entry);
  std::vector<std::pair<std::string, std::string>> found;
  auto collect = [&](std::string_view member, std::string_view score) {
    found.emplace_back(std::string(member), std::string(score));
  };
  std::uint64_t next = *cursor;
  // Like Redis, visit at most 10*COUNT buckets, and stop once COUNT reply entries (a member and
  // its score are two) are collected.
  long long budget = options->count * 10;
  do {
    next = zset.scan(next, collect);
  } while (next != 0 && budget-- > 0 && static_cast<long long>(2 * found.size()) < options->count);
  std::vector<std::string> reply;
  for (const auto& [member, score] : found) {
    if (!options->matches(member)) continue;
    reply.push_back(member);
    reply.push_back(score);
  }
  ctx.reply.array_header(2);
  ctx.reply.bulk(std::to_string(next));
  ctx.reply.array_header(reply.size());
  for (const std::string& item : reply) ctx.reply.bulk(item);
}

void zunion_command(CommandContext& ctx) {
  zset_operation(ctx, std::nullopt, 1, SetOperation::kUnion, false);
}

void zunionstore_command(CommandContext& ctx) {
  zset_operation(ctx, ctx.argv[1], 2, SetOperation::kUnion, false);
}

void zinter_command(CommandContext& ctx) {
  zset_operation(ctx, std::nullopt, 1, SetOperation::kInter, false);
}

void zinterstore_command(CommandContext& ctx) {
  zset_operation(ctx, ctx.argv[1], 2, SetOperation::kInter, false);
}

void zintercard_command(CommandContext& ctx) {
  zset_operation(ctx, std::nullopt, 1, SetOperation::kInter, true);
}

void zdiff_command(CommandContext& ctx) {
  zset_operation(ctx, std::nullopt, 1, SetOperation::kDiff, false);
}

void zdiffstore_command(CommandContext& ctx) {
  zset_operation(ctx, ctx.argv[1], 2, SetOperation::kDiff, false);
}

}  // namespace gorodis
