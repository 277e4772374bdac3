// commands.hpp — the handler of every command, one declaration per table entry.
//
// Handlers live in one file per family, like Redis: keys.cpp (db.c commands), expire.cpp,
// t_string.cpp, bitops.cpp, dump.cpp (DUMP/RESTORE), server_commands.cpp (connection and
// server commands, OBJECT, MEMORY, COMMAND), networking.cpp (AUTH, QUIT, RESET, CLIENT),
// server_admin.cpp (INFO, CONFIG, LASTSAVE, SHUTDOWN, DEBUG), slowlog.cpp (SLOWLOG), multi.cpp
// (MULTI EXEC DISCARD WATCH UNWATCH). A handler runs
// with its keys' shard locks held (unless its table entry says LockPolicy::kManual) and writes
// exactly one reply.
#pragma once

namespace gorodis {

struct CommandContext;

// generic
void del_command(CommandContext& ctx);
void unlink_command(CommandContext& ctx);
void exists_command(CommandContext& ctx);
void type_command(CommandContext& ctx);
void keys_command(CommandContext& ctx);
void scan_command(CommandContext& ctx);
void randomkey_command(CommandContext& ctx);
void rename_command(CommandContext& ctx);
void renamenx_command(CommandContext& ctx);
void move_command(CommandContext& ctx);
void copy_command(CommandContext& ctx);
void touch_command(CommandContext& ctx);
void expire_command(CommandContext& ctx);
void pexpire_command(CommandContext& ctx);
void expireat_command(CommandContext& ctx);
void pexpireat_command(CommandContext& ctx);
void ttl_command(CommandContext& ctx);
void pttl_command(CommandContext& ctx);
void expiretime_command(CommandContext& ctx);
void pexpiretime_command(CommandContext& ctx);
void persist_command(CommandContext& ctx);
void dump_command(CommandContext& ctx);
void restore_command(CommandContext& ctx);
void object_idletime_command(CommandContext& ctx);
void object_encoding_command(CommandContext& ctx);
void object_refcount_command(CommandContext& ctx);
void object_freq_command(CommandContext& ctx);
void object_help_command(CommandContext& ctx);

// string
void get_command(CommandContext& ctx);
void set_command(CommandContext& ctx);
void setnx_command(CommandContext& ctx);
void setex_command(CommandContext& ctx);
void psetex_command(CommandContext& ctx);
void getset_command(CommandContext& ctx);
void getex_command(CommandContext& ctx);
void getdel_command(CommandContext& ctx);
void mget_command(CommandContext& ctx);
void mset_command(CommandContext& ctx);
void msetnx_command(CommandContext& ctx);
void incr_command(CommandContext& ctx);
void decr_command(CommandContext& ctx);
void incrby_command(CommandContext& ctx);
void decrby_command(CommandContext& ctx);
void incrbyfloat_command(CommandContext& ctx);
void append_command(CommandContext& ctx);
void strlen_command(CommandContext& ctx);
void getrange_command(CommandContext& ctx);
void substr_command(CommandContext& ctx);
void setrange_command(CommandContext& ctx);
void lcs_command(CommandContext& ctx);

// bitmap
void setbit_command(CommandContext& ctx);
void getbit_command(CommandContext& ctx);
void bitcount_command(CommandContext& ctx);
void bitpos_command(CommandContext& ctx);
void bitop_command(CommandContext& ctx);
void bitfield_command(CommandContext& ctx);
void bitfield_ro_command(CommandContext& ctx);

// hyperloglog (hyperloglog.cpp)
void pfadd_command(CommandContext& ctx);
void pfcount_command(CommandContext& ctx);
void pfmerge_command(CommandContext& ctx);
void pfdebug_command(CommandContext& ctx);
void pfselftest_command(CommandContext& ctx);
// list
void lpush_command(CommandContext& ctx);
void rpush_command(CommandContext& ctx);
void lpushx_command(CommandContext& ctx);
void rpushx_command(CommandContext& ctx);
void lpop_command(CommandContext& ctx);
void rpop_command(CommandContext& ctx);
void llen_command(CommandContext& ctx);
void lrange_command(CommandContext& ctx);
void lindex_command(CommandContext& ctx);
void lset_command(CommandContext& ctx);
void linsert_command(CommandContext& ctx);
void lrem_command(CommandContext& ctx);
void ltrim_command(CommandContext& ctx);
void lpos_command(CommandContext& ctx);
void lmove_command(CommandContext& ctx);
void rpoplpush_command(CommandContext& ctx);
void lmpop_command(CommandContext& ctx);
void blpop_command(CommandContext& ctx);
void brpop_command(CommandContext& ctx);
void blmove_command(CommandContext& ctx);
void brpoplpush_command(CommandContext& ctx);
void blmpop_command(CommandContext& ctx);

// connection
void ping_command(CommandContext& ctx);
void echo_command(CommandContext& ctx);
void select_command(CommandContext& ctx);
void hello_command(CommandContext& ctx);
void auth_command(CommandContext& ctx);
void quit_command(CommandContext& ctx);
void reset_command(CommandContext& ctx);
void client_id_command(CommandContext& ctx);
void client_info_command(CommandContext& ctx);
void client_list_command(CommandContext& ctx);
void client_kill_command(CommandContext& ctx);
void client_getname_command(CommandContext& ctx);
void client_setname_command(CommandContext& ctx);
void client_pause_command(CommandContext& ctx);
void client_unpause_command(CommandContext& ctx);
void client_no_evict_command(CommandContext& ctx);
void client_reply_command(CommandContext& ctx);
void client_unblock_command(CommandContext& ctx);
void client_help_command(CommandContext& ctx);

// server
void swapdb_command(CommandContext& ctx);
void dbsize_command(CommandContext& ctx);
void flushdb_command(CommandContext& ctx);
void flushall_command(CommandContext& ctx);
void time_command(CommandContext& ctx);
void memory_help_command(CommandContext& ctx);
void memory_usage_command(CommandContext& ctx);
// memory_stats.cpp
void memory_stats_command(CommandContext& ctx);
void memory_doctor_command(CommandContext& ctx);
void memory_purge_command(CommandContext& ctx);
void memory_malloc_stats_command(CommandContext& ctx);
void command_command(CommandContext& ctx);
void command_getkeysandflags_command(CommandContext& ctx);
void command_info_command(CommandContext& ctx);
void command_getkeys_command(CommandContext& ctx);
void command_list_command(CommandContext& ctx);
void command_docs_command(CommandContext& ctx);
void command_count_command(CommandContext& ctx);
void command_help_command(CommandContext& ctx);
void info_command(CommandContext& ctx);
void config_get_command(CommandContext& ctx);
void config_set_command(CommandContext& ctx);
void config_resetstat_command(CommandContext& ctx);
void config_rewrite_command(CommandContext& ctx);
void config_help_command(CommandContext& ctx);
void slowlog_get_command(CommandContext& ctx);
void slowlog_len_command(CommandContext& ctx);
void slowlog_reset_command(CommandContext& ctx);
void slowlog_help_command(CommandContext& ctx);
void lastsave_command(CommandContext& ctx);
void save_command(CommandContext& ctx);
void bgsave_command(CommandContext& ctx);
void bgrewriteaof_command(CommandContext& ctx);
void shutdown_command(CommandContext& ctx);
void debug_command(CommandContext& ctx);

// hash (t_hash.cpp)
void hset_command(CommandContext& ctx);
void hsetnx_command(CommandContext& ctx);
void hget_command(CommandContext& ctx);
void hmget_command(CommandContext& ctx);
void hmset_command(CommandContext& ctx);
void hdel_command(CommandContext& ctx);
void hlen_command(CommandContext& ctx);
void hexists_command(CommandContext& ctx);
void hkeys_command(CommandContext& ctx);
void hvals_command(CommandContext& ctx);
void hgetall_command(CommandContext& ctx);
void hincrby_command(CommandContext& ctx);
void hincrbyfloat_command(CommandContext& ctx);
void hstrlen_command(CommandContext& ctx);
void hrandfield_command(CommandContext& ctx);
void hscan_command(CommandContext& ctx);

// set (t_set.cpp)
void sadd_command(CommandContext& ctx);
void srem_command(CommandContext& ctx);
void smembers_command(CommandContext& ctx);
void sismember_command(CommandContext& ctx);
void smismember_command(CommandContext& ctx);
void scard_command(CommandContext& ctx);
void spop_command(CommandContext& ctx);
void srandmember_command(CommandContext& ctx);
void smove_command(CommandContext& ctx);
void sinter_command(CommandContext& ctx);
void sintercard_command(CommandContext& ctx);
void sinterstore_command(CommandContext& ctx);
void sunion_command(CommandContext& ctx);
void sunionstore_command(CommandContext& ctx);
void sdiff_command(CommandContext& ctx);
void sdiffstore_command(CommandContext& ctx);
void sscan_command(CommandContext& ctx);

// sorted set (t_zset.cpp)
void zadd_command(CommandContext& ctx);
void zincrby_command(CommandContext& ctx);
void zrem_command(CommandContext& ctx);
void zcard_command(CommandContext& ctx);
void zscore_command(CommandContext& ctx);
void zmscore_command(CommandContext& ctx);
void zrank_command(CommandContext& ctx);
void zrevrank_command(CommandContext& ctx);
void zcount_command(CommandContext& ctx);
void zlexcount_command(CommandContext& ctx);
void zrange_command(CommandContext& ctx);
void zrangestore_command(CommandContext& ctx);
void zrevrange_command(CommandContext& ctx);
void zrangebyscore_command(CommandContext& ctx);
void zrevrangebyscore_command(CommandContext& ctx);
void zrangebylex_command(CommandContext& ctx);
void zrevrangebylex_command(CommandContext& ctx);
void zremrangebyrank_command(CommandContext& ctx);
void zremrangebyscore_command(CommandContext& ctx);
void zremrangebylex_command(CommandContext& ctx);
void zpopmin_command(CommandContext& ctx);
void zpopmax_command(CommandContext& ctx);
void zmpop_command(CommandContext& ctx);
void bzpopmin_command(CommandContext& ctx);
void bzpopmax_command(CommandContext& ctx);
void bzmpop_command(CommandContext& ctx);
void zrandmember_command(CommandContext& ctx);
void zscan_command(CommandContext& ctx);
void zunion_command(CommandContext& ctx);
void zunionstore_command(CommandContext& ctx);
void zinter_command(CommandContext& ctx);
void zinterstore_command(CommandContext& ctx);
void zintercard_command(CommandContext& ctx);
void zdiff_command(CommandContext& ctx);
void zdiffstore_command(CommandContext& ctx);
// pubsub (pubsub.cpp)
void subscribe_command(CommandContext& ctx);
void unsubscribe_command(CommandContext& ctx);
void psubscribe_command(CommandContext& ctx);
void punsubscribe_command(CommandContext& ctx);
void ssubscribe_command(CommandContext& ctx);
void sunsubscribe_command(CommandContext& ctx);
void publish_command(CommandContext& ctx);
void spublish_command(CommandContext& ctx);
void pubsub_channels_command(CommandContext& ctx);
void pubsub_numsub_command(CommandContext& ctx);
void pubsub_numpat_command(CommandContext& ctx);
void pubsub_shardchannels_command(CommandContext& ctx);
void pubsub_shardnumsub_command(CommandContext& ctx);
void pubsub_help_command(CommandContext& ctx);
// transactions (multi.cpp)
void multi_command(CommandContext& ctx);
void exec_command(CommandContext& ctx);
void discard_command(CommandContext& ctx);
void watch_command(CommandContext& ctx);
void unwatch_command(CommandContext& ctx);

}  // namespace gorodis
