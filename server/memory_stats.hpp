// memory_stats.hpp — where the used memory goes (Redis getMemoryOverheadData), for INFO memory
// and MEMORY STATS / DOCTOR / PURGE / MALLOC-STATS.
//
// Redis splits used memory into overhead (the server's own structures: what it used at
// start-up, client buffers, the AOF buffer, the keyspace's hash tables) and dataset (keys and
// values: the rest). gorodis's parts: start-up is memory::used() when the server was ready to
// load data; clients are their query buffers and pending pub/sub output; the AOF buffer is the
// log not yet written; a database's main table is its shards' bucket arrays plus each entry's
// fields beside its key and value, its expires table the shards' indexes of keys with a TTL.
// Everything is summed one shard lock at a time, so MEMORY STATS never stops the server (the
// figure is a sum of moments, as Redis's is a snapshot of its single thread).
#pragma once

#include <cstddef>
#include <vector>

namespace gorodis {

class Server;

struct MemoryOverhead {
  struct Database {
    int index;
    std::size_t keys;
    std::size_t main;     // overhead.hashtable.main
    std::size_t expires;  // overhead.hashtable.expires
  };

  std::size_t peak = 0;
  std::size_t total = 0;  // memory::used()
  std::size_t startup = 0;
  std::size_t clients_normal = 0;
  std::size_t aof_buffer = 0;
  std::vector<Database> databases;  // those holding keys, as Redis lists them
  std::size_t overhead_total = 0;
  std::size_t keys = 0;
  std::size_t bytes_per_key = 0;  // (total - startup) / keys
  std::size_t dataset = 0;        // total - overhead_total
  float dataset_percentage = 0;   // of total - startup
  float peak_percentage = 0;      // total / peak
};

MemoryOverhead memory_overhead(Server& server);

// The resident set size of the process (/proc/self/statm).
std::size_t resident_memory();

}  // namespace gorodis
