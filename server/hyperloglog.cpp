// hyperloglog.cpp — HyperLogLog commands (Redis hyperloglog.c): PFADD PFCOUNT PFMERGE PFDEBUG
// PFSELFTEST.
//
// An HLL is an ordinary string value in Redis's exact byte format, so GET/SET/DUMP/RESTORE move
// it between gorodis and Redis unchanged:
//   header (16 bytes): "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes, and the cached
//     cardinality as a little-endian 64-bit integer whose top bit set means "stale";
//   dense: 16384 registers of 6 bits packed from each byte's least significant bit up
//     (12288 bytes);
//   sparse: run-length opcodes — ZERO 00xxxxxx (1..64 zero registers), XZERO 01xxxxxx yyyyyyyy
//     (1..16384 zero registers), VAL 1vvvvvxx (1..4 registers of value 1..32).
// An element hashes (MurmurHash64A, seed 0xadc83b19) to a register (the low 14 bits) and a
// count (1 + trailing zeros of the other 50 bits); a register keeps the largest count seen.
// New HLLs are sparse; one is promoted to dense when a count exceeds 32 or when growing it
// would pass hll-sparse-max-bytes. Every byte-level decision — where a sparse run is split,
// which adjacent VAL opcodes are merged afterwards, when the cache is marked stale (only its top
// bit) — follows Redis, because it is visible in GET and must be byte-identical.
// The cardinality is Ertl's improved estimator over the register histogram, as in Redis 7.
//
// Invariant checked before any command touches a value (Redis isHLLObjectOrReply): a string
// of at least 16 bytes starting with "HYLL", encoding 0 or 1, and dense ones exactly 12304 bytes
// long. Anything else is "WRONGTYPE Key is not a valid HyperLogLog string value.". Sparse
// payloads are not validated up front (that would cost a scan per PFADD); whoever walks them
// checks the runs cover exactly 16384 registers and answers INVALIDOBJ otherwise, never reading
// past the end. The one deliberate difference from Redis: PFADD/PFMERGE on a corrupted sparse
// value whose last XZERO opcode is cut short answers INVALIDOBJ (PFMERGE leaves the register
// alone), where Redis splits the opcode reading and writing the byte past the string's end.
//
// Cost model: PFADD on a sparse HLL is linear in its size (bounded by hll-sparse-max-bytes,
// 3000 by default); on a dense one O(1). PFCOUNT of one key is O(1) when cached, else one pass
// over 16384 registers; of several keys one merge pass per key. Rejected: keeping registers in
// an unpacked array and serializing on GET — every HLL read by GET/DUMP would pay a conversion,
// and the cached cardinality and sparse layout would have to be reconstructed exactly anyway.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

#include "commands.hpp"
#include "pubsub.hpp"
#include "server.hpp"
#include "util.hpp"

namespace gorodis {

namespace {

constexpr int kPrecision = 14;                       // register index bits (Redis HLL_P)
constexpr int kQ = 64 - kPrecision;                  // hash bits left for the count (HLL_Q)
constexpr std::size_t kRegisters = 1 << kPrecision;  // 16384
constexpr int kRegisterMax = 63;                     // 6-bit registers
constexpr std::size_t kHeaderSize = 16;
constexpr std::size_t kEncodingOffset = 4;
constexpr std::size_t kCardOffset = 8;
constexpr std::size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;
constexpr std::uint8_t kDense = 0;
constexpr std::uint8_t kSparse = 1;
constexpr int kZeroMaxLength = 64;
constexpr int kXzeroMaxLength = 16384;
constexpr int kValMaxValue = 32;
constexpr int kValMaxLength = 4;
constexpr std::uint64_t kHashSeed = 0xadc83b19ULL;

constexpr std::string_view kNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kCorrupted = "INVALIDOBJ Corrupted HLL object detected";

using Registers = std::array<std::uint8_t, kRegisters>;  // one byte per register

std::uint8_t byte_at(std::string_view bytes, std::size_t index) {
  return static_cast<std::uint8_t>(bytes[index]);
}

// MurmurHash2, 64-bit version (MurmurHash64A), reading 8-byte blocks little-endian as Redis
// does on every architecture.
std::uint64_t murmur_hash64a(std::string_view data, std::uint64_t seed) {
  constexpr std::uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const std::size_t len = data.size();
  std::uint64_t h = seed ^ (static_cast<std::uint64_t>(static_cast<int>(len)) * m);
  std::size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    std::uint64_t k = 0;
    for (int b = 7; b >= 0; --b) k = (k << 8) | byte_at(data, i + static_cast<std::size_t>(b));
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  if (std::size_t rest = len & 7; rest != 0) {
    for (std::size_t b = rest; b-- > 0;)
      h ^= static_cast<std::uint64_t>(byte_at(data, i + b)) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

// Where an element lands: its register and the length of its "000...1" pattern.
struct Pattern {
  std::size_t index;
  int count;
};

Pattern pattern_of(std::string_view element) {
  std::uint64_t hash = murmur_hash64a(element, kHashSeed);
  std::size_t index = hash & (kRegisters - 1);
  hash >>= kPrecision;
  hash |= std::uint64_t{1} << kQ;  // bounds the count at kQ + 1
  return {index, std::countr_zero(hash) + 1};
}

// ---- header ----

std::uint8_t encoding_of(std::string_view bytes) {
  return byte_at(bytes, kEncodingOffset);
}

bool cache_valid(std::string_view bytes) {
  return (byte_at(bytes, kCardOffset + 7) & 0x80) == 0;
}

// Redis HLL_INVALIDATE_CACHE: only the top bit is set; the stale value stays in the other bits.
void invalidate_cache(std::string& bytes) {
  bytes[kCardOffset + 7] |= static_cast<char>(0x80);
}

std::uint64_t cached_cardinality(std::string_view bytes) {
  std::uint64_t card = 0;
  for (int b = 7; b >= 0; --b)
    card = (card << 8) | byte_at(bytes, kCardOffset + static_cast<std::size_t>(b));
  return card;
}

void store_cardinality(std::string& bytes, std::uint64_t card) {
  for (std::size_t b = 0; b < 8; ++b)
    bytes[kCardOffset + b] = static_cast<char>((card >> (8 * b)) & 0xff);
}

// Redis createHLLObject: a sparse HLL of only zero registers (one XZERO of 16384), cache 0.
std::string empty_hll() {
  std::string bytes(kHeaderSize, '\0');
  bytes.replace(0, 4, "HYLL");
  bytes[kEncodingOffset] = static_cast<char>(kSparse);
  bytes.push_back(static_cast<char>(0x40 | ((kXzeroMaxLength - 1) >> 8)));
  bytes.push_back(static_cast<char>((kXzeroMaxLength - 1) & 0xff));
  return bytes;
}

bool is_hll(std::string_view bytes) {
  return bytes.size() >= kHeaderSize && bytes.starts_with("HYLL") &&
         encoding_of(bytes) <= kSparse &&
         (encoding_of(bytes) != kDense || bytes.size() == kDenseSize);
}

// ---- dense registers (starting at the header's end) ----

int dense_get(const std::uint8_t* registers, std::size_t index) {
  std::size_t bit = index * 6;
  std::size_t byte = bit / 8;
  unsigned shift = bit & 7;
  unsigned value = registers[byte] >> shift;
  if (shift > 2) value |= static_cast<unsigned>(registers[byte + 1]) << (8 - shift);
  return static_cast<int>(value & kRegisterMax);
}

void dense_put(std::uint8_t* registers, std::size_t index, int value) {
  std::size_t bit = index * 6;
  std::size_t byte = bit / 8;
  unsigned shift = bit & 7;
  auto v = static_cast<unsigned>(value);
  registers[byte] =
      static_cast<std::uint8_t>((registers[byte] & ~(kRegisterMax << shift)) | (v << shift));
  if (shift > 2) {
    unsigned high = 8 - shift;
    registers[byte + 1] =
        static_cast<std::uint8_t>((registers[byte + 1] & ~(kRegisterMax >> high)) | (v >> high));
  }
}

std::uint8_t* dense_registers(std::string& bytes) {
  return reinterpret_cast<std::uint8_t*>(bytes.data()) + kHeaderSize;
}

const std::uint8_t* dense_registers(std::string_view bytes) {
  return reinterpret_cast<const std::uint8_t*>(bytes.data()) + kHeaderSize;
}

// Raises the register to `count`; returns whether it changed.
bool dense_set(std::uint8_t* registers, std::size_t index, int count) {
  if (count <= dense_get(registers, index)) return false;
  dense_put(registers, index, count);
  return true;
}

// ---- sparse opcodes ----

enum class OpKind { kZero, kXzero, kVal };

struct SparseOp {
  OpKind kind;
  std::size_t length;  // registers covered
  int value;           // 0 for ZERO and XZERO
  std::size_t size;    // bytes
};

// Decodes the opcode at `at` (< bytes.size()). An XZERO cut short by the end of the string
// reads its second byte as 0, like Redis reading the sds terminator.
SparseOp decode_op(std::string_view bytes, std::size_t at) {
  std::uint8_t op = byte_at(bytes, at);
  if ((op & 0xc0) == 0) return {OpKind::kZero, (op & 0x3fu) + 1u, 0, 1};
  if ((op & 0xc0) == 0x40) {
    std::size_t low = at + 1 < bytes.size() ? byte_at(bytes, at + 1) : 0;
    return {OpKind::kXzero, (((op & 0x3fu) << 8) | low) + 1, 0, 2};
  }
  return {OpKind::kVal, (op & 0x3u) + 1u, ((op >> 2) & 0x1f) + 1, 1};
}

bool is_val_op(std::uint8_t op) {
  return (op & 0x80) != 0;
}

char val_op(int value, std::size_t length) {
  return static_cast<char>(0x80 | ((value - 1) << 2) | static_cast<int>(length - 1));
}

// Appends the shortest zero-run opcode for `length` registers.
void put_zeros(std::string& out, std::size_t length) {
  if (length > static_cast<std::size_t>(kZeroMaxLength)) {
    out.push_back(static_cast<char>(0x40 | ((length - 1) >> 8)));
    out.push_back(static_cast<char>((length - 1) & 0xff));
  } else {
    out.push_back(static_cast<char>(length - 1));
  }
}

// Calls visit(first_register, length, value) for each VAL run of a sparse HLL. Returns whether
// the runs cover exactly the 16384 registers; stops at the first run that would overflow them.
template <class Visit>
bool for_each_sparse_run(std::string_view bytes, Visit visit) {
  std::size_t index = 0;
  for (std::size_t at = kHeaderSize; at < bytes.size();) {
    SparseOp op = decode_op(bytes, at);
    if (index + op.length > kRegisters) return false;
    if (op.kind == OpKind::kVal) visit(index, op.length, op.value);
    index += op.length;
    at += op.size;
  }
  return index == kRegisters;
}

// Redis hllSparseToDense: rewrites a sparse HLL as dense, keeping the header (cache included).
// Returns false, leaving `bytes` alone, when the sparse payload is corrupted.
bool sparse_to_dense(std::string& bytes) {
  if (encoding_of(bytes) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), bytes.data(), kHeaderSize);
  dense[kEncodingOffset] = static_cast<char>(kDense);
  std::uint8_t* registers = dense_registers(dense);
  bool valid = for_each_sparse_run(bytes, [&](std::size_t first, std::size_t length, int value) {
    for (std::size_t i = first; i < first + length; ++i) dense_put(registers, i, value);
  });
  if (!valid) return false;
  bytes = std::move(dense);
  return true;
}

// Converts to dense and raises one register there (the register needs the update, or the
// conversion would not have been asked for). -1 when the sparse form was corrupted.
int promote_and_set(std::string& bytes, std::size_t index, int count) {
  if (!sparse_to_dense(bytes)) return -1;
  dense_set(dense_registers(bytes), index, count);
  return 1;
}

// Redis's post-update pass: from the opcode before the changed one, looks at up to 5 opcodes
// and fuses adjacent VALs of equal value whose lengths fit one opcode.
void merge_adjacent_vals(std::string& bytes, std::size_t from) {
  std::size_t end = bytes.size();
  std::size_t p = from;
  for (int scans = 5; p < end && scans-- > 0;) {
    std::uint8_t op = byte_at(bytes, p);
    if (!is_val_op(op)) {
      p += (op & 0xc0) == 0x40 ? 2 : 1;
      continue;
    }
    if (p + 1 < end && is_val_op(byte_at(bytes, p + 1))) {
      SparseOp left = decode_op(bytes, p);
      SparseOp right = decode_op(bytes, p + 1);
      if (left.value == right.value && left.length + right.length <= kValMaxLength) {
        bytes[p + 1] = val_op(left.value, left.length + right.length);
        bytes.erase(p, 1);
        --end;
        continue;  // the fused opcode may fuse again with its right neighbour
      }
    }
    ++p;
  }
}

// Redis hllSparseSet: raises register `index` to `count` in a sparse HLL, splitting the opcode
// that covers it, promoting to dense when needed. Returns 1 when changed, 0 when not, -1 when
// the payload is corrupted.
int sparse_set(std::string& bytes, std::size_t index, int count, long long max_bytes) {
  if (count > kValMaxValue) return promote_and_set(bytes, index, count);

  // Step 1: find the opcode covering `index`.
  const std::size_t end = bytes.size();
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t at = kHeaderSize;
  std::size_t prev = kNone;
  std::size_t first = 0;
  SparseOp op{OpKind::kZero, 0, 0, 1};
  while (at < end) {
    op = decode_op(bytes, at);
    if (index <= first + op.length - 1) break;
    prev = at;
    at += op.size;
    first += op.length;
  }
  // An XZERO cut short by the end of the string is corrupted. (Redis splits it anyway, reading
  // and later writing the byte past the string's end, whose content it does not control.)
  if (op.length == 0 || at >= end || at + op.size > end) return -1;

  // Step 2: trivial in-place updates.
  bool in_place = false;
  if (op.kind == OpKind::kVal) {
    if (op.value >= count) return 0;
    in_place = op.length == 1;
  } else if (op.kind == OpKind::kZero) {
    in_place = op.length == 1;
  }
  if (in_place) {
    bytes[at] = val_op(count, 1);
  } else {
    // Step 3: split the run into (before, our register, after).
    const std::size_t last = first + op.length - 1;
    std::string seq;
    if (op.kind == OpKind::kVal) {
      if (index != first) seq.push_back(val_op(op.value, index - first));
      seq.push_back(val_op(count, 1));
      if (index != last) seq.push_back(val_op(op.value, last - index));
    } else {
      if (index != first) put_zeros(seq, index - first);
      seq.push_back(val_op(count, 1));
      if (index != last) put_zeros(seq, last - index);
    }
    const long long delta = static_cast<long long>(seq.size()) - static_cast<long long>(op.size);
    if (delta > 0 && static_cast<long long>(end) + delta > max_bytes) {
      return promote_and_set(bytes, index, count);
    }
    bytes.replace(at, op.size, seq);
  }
  // Step 4.
  merge_adjacent_vals(bytes, prev != kNone ? prev : kHeaderSize);
  invalidate_cache(bytes);
  return 1;
}

// Redis hllAdd: 1 when a register changed, 0 when not, -1 for a corrupted sparse payload.
int hll_add(std::string& bytes, std::string_view element, long long max_bytes) {
  Pattern pattern = pattern_of(element);
  if (encoding_of(bytes) == kDense) {
    return dense_set(dense_registers(bytes), pattern.index, pattern.count) ? 1 : 0;
  }
  return sparse_set(bytes, pattern.index, pattern.count, max_bytes);
}

// ---- cardinality ----

using Histogram = std::array<int, 64>;  // registers per value (6 bits cannot exceed 63)

double hll_sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1;
  double z = x;
  double previous;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (previous != z);
  return z;
}

double hll_tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1 - x;
  double previous;
  do {
    x = std::sqrt(x);
    previous = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (previous != z);
  return z / 3;
}

// Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (arXiv:1702.01284),
// evaluated in the same order of floating-point operations as Redis so results are identical.
std::uint64_t estimate(const Histogram& histogram) {
  constexpr double m = kRegisters;
  constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln 2
  double z = m * hll_tau((m - histogram[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histogram[static_cast<std::size_t>(j)];
    z *= 0.5;
  }
  z += m * hll_sigma(histogram[0] / m);
  return static_cast<std::uint64_t>(std::llround(kAlphaInf * m * m / z));
}

// The cardinality of a valid-looking HLL value; nullopt for a corrupted sparse payload.
std::optional<std::uint64_t> cardinality(std::string_view bytes) {
  Histogram histogram{};
  if (encoding_of(bytes) == kDense) {
    const std::uint8_t* registers = dense_registers(bytes);
    for (std::size_t i = 0; i < kRegisters; ++i)
      ++histogram[static_cast<std::size_t>(dense_get(registers, i))];
    return estimate(histogram);
  }
  int nonzero = 0;
  bool valid = for_each_sparse_run(bytes, [&](std::size_t, std::size_t length, int value) {
    histogram[static_cast<std::size_t>(value)] += static_cast<int>(length);
    nonzero += static_cast<int>(length);
  });
  if (!valid) return std::nullopt;
  histogram[0] = static_cast<int>(kRegisters) - nonzero;
  return estimate(histogram);
}

std::uint64_t cardinality(const Registers& registers) {
  Histogram histogram{};
  for (std::uint8_t value : registers) ++histogram[value];
  return estimate(histogram);
}

// Redis hllMerge: max[i] = max(max[i], register i of the HLL). False for a corrupted one.
bool merge_into(Registers& max, std::string_view bytes) {
  if (encoding_of(bytes) == kDense) {
    const std::uint8_t* registers = dense_registers(bytes);
    for (std::size_t i = 0; i < kRegisters; ++i) {
      max[i] = std::max(max[i], static_cast<std::uint8_t>(dense_get(registers, i)));
    }
    return true;
  }
  return for_each_sparse_run(bytes, [&](std::size_t first, std::size_t length, int value) {
    for (std::size_t i = first; i < first + length; ++i) {
      max[i] = std::max(max[i], static_cast<std::uint8_t>(value));
    }
  });
}

// ---- command helpers ----

long long sparse_max_bytes(CommandContext& ctx) {
  return ctx.server.settings().hll_sparse_max_bytes.load(std::memory_order_relaxed);
}

// Looks up `key` for an HLL command: nullptr when missing (`failed` false) or after replying
// with an error (`failed` true) when it is not a valid HLL string.
Entry* lookup_hll(CommandContext& ctx, std::string_view key, bool& failed,
                  Lookup mode = Lookup::kWrite) {
  Entry* entry = lookup_string(ctx, key, failed, mode);
  if (failed || entry == nullptr) return nullptr;
  IntegerText scratch;
  if (!is_hll(entry->value.view(scratch))) {
    ctx.reply.error(kNotHll);
    failed = true;
    return nullptr;
  }
  return entry;
}

// Merges the registers of each existing key in argv[first..] into `max`. Returns false after
// replying with an error. Sets `any_dense` when one of them is dense.
bool merge_keys(CommandContext& ctx, std::size_t first, Registers& max, bool& any_dense) {
  for (std::size_t j = first; j < ctx.argc(); ++j) {
    bool failed;
    // Redis reads the keys to merge with lookupKeyRead (keyspace hits/misses, "keymiss").
    Entry* entry = lookup_hll(ctx, ctx.argv[j], failed, Lookup::kRead);
    if (failed) return false;
    if (entry == nullptr) continue;  // a missing key is an empty HLL
    IntegerText scratch;
    std::string_view bytes = entry->value.view(scratch);
    any_dense = any_dense || encoding_of(bytes) == kDense;
    if (!merge_into(max, bytes)) {
      ctx.reply.error(kCorrupted);
      return false;
    }
  }
  return true;
}

}  // namespace

void pfadd_command(CommandContext& ctx) {
  bool failed;
  Entry* entry = lookup_hll(ctx, ctx.argv[1], failed);
  if (failed) return;
  bool updated = false;
  if (entry == nullptr) {
    entry = &ctx.db().add(std::string(ctx.argv[1]), Object::raw_string(empty_hll()), ctx.now_ms);
    updated = true;
  }
  std::string& bytes = entry->value.mutable_string();
  const long long max_bytes = sparse_max_bytes(ctx);
  for (std::size_t j = 2; j < ctx.argc(); ++j) {
    int result = hll_add(bytes, ctx.argv[j], max_bytes);
    if (result < 0) {
      // Like Redis: registers already raised stay raised, without a modification signal.
      ctx.reply.error(kCorrupted);
      return;
    }
    updated = updated || result == 1;
  }
  if (updated) {
    invalidate_cache(bytes);
    ctx.db().mark_modified(*entry);
    notify_keyspace_event(ctx, kNotifyString, "pfadd", ctx.argv[1]);
  }
  ctx.reply.integer(updated ? 1 : 0);
}

void pfcount_command(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    // The cardinality of the union, computed in a scratch register array; nothing is cached.
    Registers max{};
    bool any_dense = false;
    if (!merge_keys(ctx, 1, max, any_dense)) return;
    ctx.reply.integer(static_cast<long long>(cardinality(max)));
    return;
  }
  bool failed;
  // A read lookup although the cached cardinality may be refreshed (Redis does the same).
  Entry* entry = lookup_hll(ctx, ctx.argv[1], failed, Lookup::kRead);
  if (failed) return;
  if (entry == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  std::string& bytes = entry->value.mutable_string();
  if (cache_valid(bytes)) {
    ctx.reply.integer(static_cast<long long>(cached_cardinality(bytes)));
    return;
  }
  auto card = cardinality(bytes);
  if (!card) {
    ctx.reply.error(kCorrupted);
    return;
  }
  // Refreshing the cache changes the value's bytes: Redis signals it as a modification.
  store_cardinality(bytes, *card);
  ctx.db().mark_modified(*entry);
  ctx.reply.integer(static_cast<long long>(*card));
}

void pfmerge_command(CommandContext& ctx) {
  // The destination's own registers take part in the union (argv[1] is merged too).
  Registers max{};
  bool any_dense = false;
  if (!merge_keys(ctx, 1, max, any_dense)) return;
  Entry* entry = lookup_key(ctx, ctx.argv[1]);
  if (entry == nullptr) {
    entry = &ctx.db().add(std::string(ctx.argv[1]), Object::raw_string(empty_hll()), ctx.now_ms);
  }
  std::string& bytes = entry->value.mutable_string();
  if (any_dense && !sparse_to_dense(bytes)) {
    ctx.reply.error(kCorrupted);
    return;
  }
  const long long max_bytes = sparse_max_bytes(ctx);
  for (std::size_t i = 0; i < kRegisters; ++i) {
    if (max[i] == 0) continue;
    // The encoding may change mid-way (a sparse destination outgrowing its limit).
    if (encoding_of(bytes) == kDense) {
      dense_set(dense_registers(bytes), i, max[i]);
    } else {
      sparse_set(bytes, i, max[i], max_bytes);
    }
  }
  invalidate_cache(bytes);
  ctx.db().mark_modified(*entry);
  // Redis 7.0 raises "pfadd" for PFMERGE too (a merge is a mass add).
  notify_keyspace_event(ctx, kNotifyString, "pfadd", ctx.argv[1]);
  ctx.reply.ok();
}

void pfdebug_command(CommandContext& ctx) {
  std::string_view subcommand = ctx.argv[1];
  bool failed;
  Entry* entry = lookup_hll(ctx, ctx.argv[2], failed);
  if (failed) return;
  if (entry == nullptr) {
    ctx.reply.error("ERR The specified key does not exist");
    return;
  }
  std::string& bytes = entry->value.mutable_string();
  // GETREG and TODENSE convert a sparse HLL for good. Redis propagates the conversion but does
  // not signal it as a key modification (WATCH is not touched), and neither do we.
  if (iequals(subcommand, "getreg")) {
    if (!sparse_to_dense(bytes)) {
      ctx.reply.error(kCorrupted);
      return;
    }
    const std::uint8_t* registers = dense_registers(bytes);
    ctx.reply.array_header(kRegisters);
    for (std::size_t i = 0; i < kRegisters; ++i) ctx.reply.integer(dense_get(registers, i));
  } else if (iequals(subcommand, "decode")) {
    if (encoding_of(bytes) != kSparse) {
      ctx.reply.error("ERR HLL encoding is not sparse");
      return;
    }
    std::string decoded;
    for (std::size_t at = kHeaderSize; at < bytes.size();) {
      SparseOp op = decode_op(bytes, at);
      decoded.append(decoded.empty() ? "" : " ");
      if (op.kind == OpKind::kVal) {
        decoded.append("v:" + std::to_string(op.value) + "," + std::to_string(op.length));
      } else {
        decoded.append(op.kind == OpKind::kZero ? "z:" : "Z:").append(std::to_string(op.length));
      }
      at += op.size;
    }
    ctx.reply.bulk(decoded);
  } else if (iequals(subcommand, "encoding")) {
    ctx.reply.simple_string(encoding_of(bytes) == kDense ? "dense" : "sparse");
  } else if (iequals(subcommand, "todense")) {
    bool converted = encoding_of(bytes) == kSparse;
    if (!sparse_to_dense(bytes)) {
      ctx.reply.error(kCorrupted);
      return;
    }
    ctx.reply.integer(converted ? 1 : 0);
  } else {
    ctx.reply.error("ERR Unknown PFDEBUG subcommand '" + std::string(subcommand) + "'");
  }
}

// Redis pfselftestCommand: (1) registers written with random values read back intact without
// disturbing their neighbours; (2) adding up to 10 million distinct elements to a dense and a
// sparse HLL at once, the sparse one stays sparse while small, both estimate the same and the
// error at each power of ten stays within 6 standard errors (1 at cardinality 10).
void pfselftest_command(CommandContext& ctx) {
  std::mt19937_64 random(std::random_device{}());
  std::string dense(kDenseSize, '\0');
  std::uint8_t* registers = dense_registers(dense);
  Registers expected{};
  for (int cycle = 0; cycle < 1000; ++cycle) {
    for (std::size_t i = 0; i < kRegisters; ++i) {
      expected[i] = static_cast<std::uint8_t>(random() & kRegisterMax);
      dense_put(registers, i, expected[i]);
    }
    for (std::size_t i = 0; i < kRegisters; ++i) {
      int value = dense_get(registers, i);
      if (value != expected[i]) {
        ctx.reply.error("TESTFAILED Register " + std::to_string(i) + " should be " +
                        std::to_string(expected[i]) + " but is " + std::to_string(value));
        return;
      }
    }
  }

  std::fill(dense.begin() + kHeaderSize, dense.end(), '\0');
  std::string sparse = empty_hll();
  const long long max_bytes = sparse_max_bytes(ctx);
  const double relative_error = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  const std::uint64_t seed = random();
  std::uint64_t checkpoint = 1;
  for (std::uint64_t j = 1; j <= 10'000'000; ++j) {
    std::uint64_t element = j ^ seed;
    char raw[8];
    std::memcpy(raw, &element, sizeof raw);
    std::string_view view(raw, sizeof raw);
    Pattern pattern = pattern_of(view);
    dense_set(registers, pattern.index, pattern.count);
    hll_add(sparse, view, max_bytes);
    if (j != checkpoint) continue;
    if (static_cast<long long>(j) < max_bytes / 2 && encoding_of(sparse) != kSparse) {
      ctx.reply.error("TESTFAILED sparse encoding not used");
      return;
    }
    std::uint64_t estimated = *cardinality(dense);
    if (cardinality(sparse) != estimated) {
      ctx.reply.error("TESTFAILED dense/sparse disagree");
      return;
    }
    auto max_error =
        static_cast<std::uint64_t>(std::ceil(relative_error * 6 * static_cast<double>(checkpoint)));
    if (checkpoint == 10) max_error = 1;
    std::uint64_t error = estimated > checkpoint ? estimated - checkpoint : checkpoint - estimated;
    if (error > max_error) {
      ctx.reply.error("TESTFAILED Too big error. card:" + std::to_string(checkpoint) +
                      " abserr:" + std::to_string(error));
      return;
    }
    checkpoint *= 10;
  }
  ctx.reply.ok();
}

}  // namespace gorodis
