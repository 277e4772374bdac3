// memory_stats.cpp — see memory_stats.hpp. Also the MEMORY subcommands built on it (Redis
// object.c's memoryCommand): STATS, DOCTOR, PURGE and MALLOC-STATS.
#include "memory_stats.hpp"

#include <malloc.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <string>

#include "aof.hpp"
#include "commands.hpp"
#include "db.hpp"
#include "memory.hpp"
#include "pubsub.hpp"
#include "server.hpp"

namespace gorodis {

std::size_t resident_memory() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  std::size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

MemoryOverhead memory_overhead(Server& server) {
  MemoryOverhead m;
  m.total = memory::used();
  m.peak = std::max(memory::peak(), m.total);
  m.startup = server.startup_memory().load();
  server.clients().for_each([&](ClientState& client) {
    m.clients_normal += client.query_buffer_bytes.load(std::memory_order_relaxed);
    std::lock_guard lock(client.info_mutex);  // client.pubsub is set under it
    if (client.pubsub != nullptr) m.clients_normal += client.pubsub->outbox.pending_bytes();
  });
  m.aof_buffer = server.aof().buffer_length();
  m.overhead_total = m.startup + m.clients_normal + m.aof_buffer;
  // An entry's fields beside its value (whose bytes, like the key's, are dataset).
  constexpr std::size_t kEntryOverhead = sizeof(Entry) - sizeof(Object);
  for (int index = 0; index < server.database_count(); ++index) {
    Db& db = server.db(index);
    MemoryOverhead::Database d{index, 0, 0, 0};
    for (std::size_t s = 0; s < db.shard_count(); ++s) {
      ShardGuard guard(db, s);
      const Shard& shard = db.shard(s);
      d.keys += shard.keys.size();
      d.main += shard.keys.bucket_count() * sizeof(Entry*) + shard.keys.size() * kEntryOverhead;
      d.expires += shard.volatile_keys.capacity() * sizeof(Entry*);
    }
    if (d.keys == 0) continue;
    m.keys += d.keys;
    m.overhead_total += d.main + d.expires;
    m.databases.push_back(d);
  }
  const std::size_t net = m.total > m.startup ? m.total - m.startup : 0;
  m.dataset = m.total > m.overhead_total ? m.total - m.overhead_total : 0;
  if (m.keys != 0) m.bytes_per_key = net / m.keys;
  if (net != 0) m.dataset_percentage = static_cast<float>(m.dataset) * 100 / net;
  if (m.peak != 0) m.peak_percentage = static_cast<float>(m.total) * 100 / m.peak;
  return m;
}

namespace {

// The allocator's figures (Redis's allocator.* fields): glibc's allocated bytes and the heap
// it holds (arenas plus mmapped blocks); its resident share is taken as the process RSS, as
// Redis fakes it for allocators without statistics.
struct AllocatorFigures {
  std::size_t allocated;
  std::size_t active;
  std::size_t resident;
};

AllocatorFigures allocator_figures(std::size_t rss) {
  const struct mallinfo2 info = mallinfo2();
  return {info.uordblks + info.hblkhd, info.arena + info.hblkhd, rss};
}

float ratio(std::size_t a, std::size_t b) {
  return b == 0 ? 0 : static_cast<float>(a) / static_cast<float>(b);
}

long long difference(std::size_t a, std::size_t b) {
  return static_cast<long long>(a) - static_cast<long long>(b);
}

}  // namespace

void memory_stats_command(CommandContext& ctx) {
  const MemoryOverhead m = memory_overhead(ctx.server);
  const std::size_t rss = resident_memory();
  const AllocatorFigures a = allocator_figures(rss);
  ReplyBuilder& r = ctx.reply;
  r.map_header(27 + m.databases.size());
  auto field = [&r](std::string_view name, long long value) {
    r.bulk(name);
    r.integer(value);
  };
  auto real = [&r](std::string_view name, float value) {
    r.bulk(name);
    r.double_value(value);
  };
  field("peak.allocated", static_cast<long long>(m.peak));
  field("total.allocated", static_cast<long long>(m.total));
  field("startup.allocated", static_cast<long long>(m.startup));
  field("replication.backlog", 0);
  field("clients.slaves", 0);
  field("clients.normal", static_cast<long long>(m.clients_normal));
  field("cluster.links", 0);
  field("aof.buffer", static_cast<long long>(m.aof_buffer));
  field("lua.caches", 0);
  field("functions.caches", 0);
  for (const MemoryOverhead::Database& d : m.databases) {
    r.bulk("db." + std::to_string(d.index));
    r.map_header(3);
    field("overhead.hashtable.main", static_cast<long long>(d.main));
    field("overhead.hashtable.expires", static_cast<long long>(d.expires));
    field("overhead.hashtable.slot-to-keys", 0);
  }
  field("overhead.total", static_cast<long long>(m.overhead_total));
  field("keys.count", static_cast<long long>(m.keys));
  field("keys.bytes-per-key", static_cast<long long>(m.bytes_per_key));
  field("dataset.bytes", static_cast<long long>(m.dataset));
  real("dataset.percentage", m.dataset_percentage);
  real("peak.percentage", m.peak_percentage);
  field("allocator.allocated", static_cast<long long>(a.allocated));
  field("allocator.active", static_cast<long long>(a.active));
  field("allocator.resident", static_cast<long long>(a.resident));
  real("allocator-fragmentation.ratio", ratio(a.active, a.allocated));
  field("allocator-fragmentation.bytes", difference(a.active, a.allocated));
  real("allocator.rss-ratio", ratio(a.resident, a.active));
  field("allocator.rss-bytes", difference(a.resident, a.active));
  real("rss-overhead.ratio", ratio(rss, a.resident));
  field("rss-overhead.bytes", difference(rss, a.resident));
  real("fragmentation", ratio(rss, m.total));
  field("fragmentation.bytes", difference(rss, m.total));
}

// Redis getMemoryDoctorReport: the same checks and texts, on gorodis's figures.
void memory_doctor_command(CommandContext& ctx) {
  const MemoryOverhead m = memory_overhead(ctx.server);
  const std::size_t rss = resident_memory();
  const AllocatorFigures a = allocator_figures(rss);
  std::string report;
  if (m.total < 1024 * 1024 * 5) {
    report =
        "Hi Sam, this instance is empty or is using very little memory, my issues detector "
        "can't be used in these conditions. Please, leave for your mission on Earth and fill it "
        "with some data. The new Sam and I will be back to our programming as soon as I "
        "finished rebooting.";
  } else {
    std::string issues;
    if (static_cast<double>(m.peak) / static_cast<double>(m.total) > 1.5) {
      issues +=
          " * Peak memory: In the past this instance used more than 150% the memory that is "
          "currently using. The allocator is normally not able to release memory after a peak, "
          "so you can expect to see a big fragmentation ratio, however this is actually "
          "harmless and is only due to the memory peak, and if the Redis instance Resident Set "
          "Size (RSS) is currently bigger than expected, the memory will be used as soon as "
          "you fill the Redis instance with more data. If the memory peak was only occasional "
          "and you want to try to reclaim memory, please try the MEMORY PURGE command, "
          "otherwise the only other option is to shutdown and restart the instance.\n\n";
    }
    if (ratio(rss, m.total) > 1.4) {
      issues +=
          " * High total RSS: This instance has a memory fragmentation and RSS overhead "
          "greater than 1.4 (this means that the Resident Set Size of the Redis process is "
          "much larger than the sum of the logical allocations Redis performed). This problem "
          "is usually due either to a large peak memory (check if there is a peak memory entry "
          "above in the report) or may result from a workload that causes the allocator to "
          "fragment memory a lot. If the problem is a large peak memory, then there is no "
          "issue. Otherwise, make sure you are using the Jemalloc allocator and not the "
          "default libc malloc. Note: The currently used allocator is \"libc\".\n\n";
    }
    if (ratio(a.active, a.allocated) > 1.1) {
      issues +=
          " * High allocator fragmentation: This instance has an allocator external "
          "fragmentation greater than 1.1. This problem is usually due either to a large peak "
          "memory (check if there is a peak memory entry above in the report) or may result "
          "from a workload that causes the allocator to fragment memory a lot. You can try "
          "enabling 'activedefrag' config option.\n\n";
    }
    const std::size_t clients = ctx.server.clients().size();
    if (clients != 0 && m.clients_normal / clients > 1024 * 200) {
      issues +=
          " * Big client buffers: The clients output buffers in this instance are greater than "
          "200K per client (on average). This may result from different causes, like Pub/Sub "
          "clients subscribed to channels bot not receiving data fast enough, so that data "
          "piles on the Redis instance output buffer, or clients sending commands with large "
          "replies or very large sequences of commands in the same pipeline. Please use the "
          "CLIENT LIST command in order to investigate the issue if it causes problems in your "
          "instance, or to understand better why certain clients are using a big amount of "
          "memory.\n\n";
    }
    if (issues.empty()) {
      report =
          "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
          "occurs on this base.";
    } else {
      report = "Sam, I detected a few issues in this Redis instance memory implants:\n\n" + issues +
               "I'm here to keep you safe, Sam. I want to help you.\n";
    }
  }
  ctx.reply.verbatim("txt", report);
}

// Redis returns memory to the system only with jemalloc; glibc's malloc_trim does the same
// for this allocator.
void memory_purge_command(CommandContext& ctx) {
  malloc_trim(0);
  ctx.reply.ok();
}

// What Redis answers when built with an allocator other than jemalloc.
void memory_malloc_stats_command(CommandContext& ctx) {
  ctx.reply.verbatim("txt", "Stats not supported for the current allocator");
}

}  // namespace gorodis
