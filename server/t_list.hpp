// t_list.hpp — the list value (Redis t_list.c's object side): the handle an Object holds for
// a Quicklist.
//
// Redis 7.0 stores every list as a quicklist (OBJECT ENCODING says "quicklist" even for one
// element), so there is a single encoding and no conversion. A list's node bound is taken from
// list-max-listpack-size when the list is created and kept for its lifetime, as in Redis, so a
// CONFIG SET affects new lists only. An empty list never stays in the keyspace: every command
// that removes elements deletes the key when the last one goes.
#pragma once

#include <algorithm>
#include <climits>
#include <memory>

#include "config.hpp"
#include "object.hpp"
#include "quicklist.hpp"

namespace gorodis {

class ListValue {
 public:
  static constexpr ObjectType kType = ObjectType::kList;

  explicit ListValue(int fill) : list_(std::make_unique<Quicklist>(fill)) {}
  ListValue(const ListValue& other) : list_(std::make_unique<Quicklist>(*other.list_)) {}
  ListValue(ListValue&&) noexcept = default;

  Encoding encoding() const { return Encoding::kQuicklist; }
  std::size_t memory_usage(std::size_t samples) const { return list_->memory_usage(samples); }

  Quicklist& list() { return *list_; }
  const Quicklist& list() const { return *list_; }

 private:
  std::unique_ptr<Quicklist> list_;  // never null: one word in the Object
};

// The node bound of a list created now (list-max-listpack-size).
inline int list_fill(const Settings& settings) {
  const long long fill = settings.list_max_listpack_size.load();
  return static_cast<int>(std::clamp<long long>(fill, INT_MIN, INT_MAX));
}

}  // namespace gorodis
