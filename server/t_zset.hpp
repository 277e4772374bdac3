// t_zset.hpp — the sorted-set value (Redis t_zset.c's data side) and the pop primitive the
// blocking commands reuse.
//
// Encodings, as in Redis 7.0 (OBJECT ENCODING, MEMORY USAGE and the RDB format expose them):
//   listpack — member, score, member, score ... in one Redis-format listpack, ordered by score
//              then member; a score is stored as a listpack integer when it is integral within
//              ±2^62 (Redis double2ll; -0 becomes 0), else as its d2string text. Used while the
//              set has at most zset-max-listpack-entries (128) members of at most
//              zset-max-listpack-value (64) bytes: a few bytes per element, every operation a
//              scan of at most a few kilobytes.
//   skiplist — a ZSkiplist (order, ranks) whose nodes are also the nodes of a member -> node
//              HashTable (O(1) member lookup, ZSCAN with Redis's cursor guarantee); see
//              zskiplist.hpp for the shared node. O(log n) insert, remove, rank and range start.
// A listpack set becomes a skiplist set when an insertion would break either limit; a skiplist
// set never converts back on its own (like Redis), except that the store commands (ZUNIONSTORE,
// ZINTERSTORE, ZDIFFSTORE) shrink their result when it fits (zsetConvertToListpackIfNeeded).
// Rejected: a skiplist for every set (about 80 bytes per element instead of a few, which a
// million small sets cannot afford); a balanced tree for the large encoding (no O(log n) rank).
//
// The value is one word inside its key's Object (small_or_large.hpp): the listpack's pointer,
// or the skiplist's tagged, so a small set costs its Object and its listpack, as in Redis.
// Measured (bench/populate.py zset 1000000 10): see bench/README.md.
//
// Invariants: no NaN score is ever stored; members are unique; an empty set is never left in
// the keyspace (commands delete the key).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dict.hpp"
#include "listpack.hpp"
#include "object.hpp"
#include "small_or_large.hpp"
#include "zskiplist.hpp"

namespace gorodis {

struct CommandContext;
struct Entry;
class Settings;

// zset-max-listpack-entries / zset-max-listpack-value.
struct ZsetLimits {
  std::size_t max_listpack_entries = 128;
  std::size_t max_listpack_value = 64;
  static ZsetLimits from(const Settings& settings);
};

// Redis d2string: an integral score within ±2^52 as an integer, otherwise %.17g; "inf", "-inf",
// "-0". How ZSCAN shows a skiplist set's scores, and how listpacks store the non-integral ones.
std::string score_to_string(double score);

class ZsetValue {
 public:
  static constexpr ObjectType kType = ObjectType::kZset;

  // ZADD's flags (Redis ZADD_IN_*).
  enum AddFlag : unsigned {
    kIncr = 1 << 0,
    kNx = 1 << 1,
    kXx = 1 << 2,
    kGt = 1 << 3,
    kLt = 1 << 4,
  };
  // What add() did (Redis ZADD_OUT_*); kNan means nothing was changed.
  enum class AddResult { kAdded, kUpdated, kUnchanged, kSkipped, kNan };

  // An empty set in the encoding Redis picks when the first member is `first_member_length`
  // bytes long (listpack unless that breaks the limits).
  ZsetValue(const ZsetLimits& limits, std::size_t first_member_length);
  static ZsetValue skiplist();
  ZsetValue(const ZsetValue& other);
  ZsetValue(ZsetValue&&) noexcept = default;
  ZsetValue& operator=(ZsetValue&&) noexcept = default;

  Encoding encoding() const { return is_listpack() ? Encoding::kListpack : Encoding::kSkiplist; }
  std::size_t memory_usage(std::size_t samples) const;

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  // The listpack of a listpack-encoded set (RDB and DUMP write it verbatim), else nullptr.
  const Listpack* as_listpack() const { return is_listpack() ? &listpack() : nullptr; }
  std::optional<double> score(std::string_view member) const;

  // Redis zsetAdd: adds or updates `member` under ZADD `flags`; `new_score` receives the score
  // the member ends with (the incremented one for kIncr).
  AddResult add(std::string_view member, double score, unsigned flags, const ZsetLimits& limits,
                double& new_score);
  bool remove(std::string_view member);
  // 0-based rank, from the highest score when `reverse`.
  std::optional<std::size_t> rank(std::string_view member, bool reverse) const;

  // Removal of 0-based ranks [start, end] (which must be valid), or of a score or lex range;
  // return how many were removed.
  std::size_t erase_ranks(std::size_t start, std::size_t end);
  std::size_t erase_range(const ScoreRange& range);
  std::size_t erase_range(const LexRange& range);
  // How many elements are in the range.
  // Like Redis: for a lex range over members of different scores (undefined order) the count
  // is what Redis's rank arithmetic gives, which may even be negative.
  long long count_in(const ScoreRange& range) const;
  long long count_in(const LexRange& range) const;

  // zsetConvertToListpackIfNeeded: back to a listpack when the set fits the limits
  // (`longest_member` is the longest member's length).
  void shrink_if_fits(const ZsetLimits& limits, std::size_t longest_member);

  // A position in the order of either encoding. Invalidated by any modification.
  class Cursor {
   public:
    bool valid() const;
    std::string_view member(IntegerText& scratch) const;
    double score() const;
    void next();
    void previous();
    void step(bool reverse) { reverse ? previous() : next(); }

   private:
    friend class ZsetValue;
    const ZsetValue* zset_ = nullptr;
    Listpack::Position position_ = 0;  // of the member entry (listpack)
    const ZsetNode* node_ = nullptr;   // (skiplist)
  };
  // The element of 0-based rank `rank` (invalid when out of range).
  Cursor at_rank(std::size_t rank) const;
  // The first / last element in the range (invalid when there is none).
  Cursor first_in(const ScoreRange& range) const;
  Cursor last_in(const ScoreRange& range) const;
  Cursor first_in(const LexRange& range) const;
  Cursor last_in(const LexRange& range) const;

  // One ZSCAN step: calls visit(member, score text) for the elements of the buckets `cursor`
  // addresses (a listpack set is visited whole) and returns the next cursor (0 at the end).
  // `visit` must not modify the set.
  template <class Visit>
  std::uint64_t scan(std::uint64_t cursor, Visit&& visit) const;

 private:
  struct Skiplist {
    HashTable<ZsetNode> dict;
    ZSkiplist list;
  };
  ZsetValue() = default;

  bool is_listpack() const { return !repr_.is_large(); }
  Listpack& listpack() { return *repr_.small(); }
  const Listpack& listpack() const { return *repr_.small(); }
  Skiplist& sl() { return *repr_.large(); }
  const Skiplist& sl() const { return *repr_.large(); }

  void convert_to_skiplist();
  ZsetNode* find_node(std::string_view member) const;
  void skiplist_insert(std::string_view member, double score);
  void listpack_insert(std::string_view member, double score);
  Cursor listpack_cursor(Listpack::Position position) const;
  Cursor node_cursor(const ZsetNode* node) const;
  template <class Range>
  bool listpack_intersects(const Range& range) const;
  template <class Range>
  Cursor listpack_first_in(const Range& range) const;
  template <class Range>
  Cursor listpack_last_in(const Range& range) const;
  template <class Range>
  std::size_t erase_listpack_range(const Range& range);
  template <class Range>
  long long count_range(const Range& range) const;
  void forget(ZsetNode* node);

  SmallOrLarge<Listpack, Skiplist> repr_;
};

template <class Visit>
std::uint64_t ZsetValue::scan(std::uint64_t cursor, Visit&& visit) const {
  if (!is_listpack()) {
    return sl().dict.scan(cursor, [&](const ZsetNode& node) {
      visit(node.member(), std::string_view(score_to_string(node.score())));
    });
  }
  // A listpack shows its scores as stored.
  const Listpack& lp = listpack();
  IntegerText member;
  IntegerText score;
  for (Listpack::Position p = lp.first(); p != lp.end(); p = lp.next(lp.next(p))) {
    visit(lp.get(p).view(member), lp.get(lp.next(p)).view(score));
  }
  return 0;
}

// How ZPOPMIN/ZPOPMAX-style replies are shaped (Redis genericZpopCommand's emitkey and
// use_nested_array): flat [member, score, ...]; nested [[member, score], ...]; flat with the
// key first [key, member, score, ...] (BZPOPMIN/BZPOPMAX); [key, [[member, score], ...]]
// (ZMPOP/BZMPOP).
enum class PopReply { kFlat, kNested, kKeyFlat, kKeyNested };

// Pops up to `count` (>= 1) elements from the low (or, with `max`, high) end of the sorted set
// in `entry` (key `key`), writes the reply in `shape` and deletes the key when it empties. The
// caller has checked the type and holds the key's shard lock. Shared by ZPOPMIN/ZPOPMAX/ZMPOP and
// the blocking pops.
void pop_zset_and_reply(CommandContext& ctx, std::string_view key, Entry& entry, bool max,
                        std::size_t count, PopReply shape);

// ZMPOP's and BZMPOP's "numkeys key... MIN|MAX [COUNT count]", from argv[numkeys_index] (ZMPOP:
// 1, BZMPOP: 2), checked like Redis zmpopGenericCommand (so before BZMPOP's timeout, argv[1]);
// nullopt after replying with the error.
struct ZmpopArguments {
  std::size_t first_key = 0;  // argv index of the first key
  std::size_t key_count = 0;
  bool max = false;
  std::size_t count = 1;
};
std::optional<ZmpopArguments> parse_zmpop_arguments(CommandContext& ctx, std::size_t numkeys_index);

}  // namespace gorodis
