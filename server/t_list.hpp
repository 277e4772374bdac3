// t_list.hpp — the list value (Redis t_list.c's object side): a Quicklist behind the
// CompositeValue interface.
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

class ListValue final : public CompositeValue {
 public:
  explicit ListValue(int fill) : list(fill) {}

  ObjectType type() const override { return ObjectType::kList; }
  Encoding encoding() const override { return Encoding::kQuicklist; }
  std::unique_ptr<CompositeValue> clone() const override {
    return std::make_unique<ListValue>(*this);
  }
  std::size_t memory_usage(std::size_t samples) const override {
    return list.memory_usage(samples);
  }

  Quicklist list;
};

// The node bound of a list created now (list-max-listpack-size).
inline int list_fill(const Settings& settings) {
  const long long fill = settings.list_max_listpack_size.load();
  return static_cast<int>(std::clamp<long long>(fill, INT_MIN, INT_MAX));
}

}  // namespace gorodis
