#!/usr/bin/python3
"""WATCH against every modifying command of the list, hash, set, sorted set and HyperLogLog
families (and BITFIELD), with redis-py, on gorodis and (when installed) Debian's redis-server 7.0 side by side.

Usage: watch_py_test.py <gorodis binary>; exit status 0 on success.

Each row of ROWS: setup commands, the watched key, one command run by another connection
between WATCH and MULTI, and whether that aborts the transaction (EXEC answers null: redis-py
raises WatchError). The expectation is Redis's: a command that changes nothing (SREM of a
missing member, ZADD of an equal score, HSETNX of an existing field, ...) leaves the watch
intact, one that changes the key aborts, and some that change nothing still do because Redis
signals the key anyway (HSET of an equal value, LTRIM keeping everything, PFCOUNT refreshing
its cached cardinality). Every row runs on both servers: gorodis must agree with redis-server,
and the table with both (so the table stays true to Redis). Rows whose command gorodis does not
know (COMMAND INFO) are skipped and listed."""
import os
import sys

import redis

from differential_py_test import REDIS_SERVER, Connection, known_commands, side_by_side
from gorodis_process import gorodis

LIST = [["RPUSH", "k", "a", "b", "c"]]
HASH = [["HSET", "k", "a", "1", "n", "5"]]
SET = [["SADD", "k", "a", "b"]]
ZSET = [["ZADD", "k", "1", "a", "2", "b", "3", "c"]]
HLL = [["PFADD", "k", "a"]]
OTHERS = [["SADD", "s1", "a", "z"], ["SADD", "s2", "a", "y"], ["RPUSH", "src", "x"],
          ["ZADD", "z1", "1", "a"], ["PFADD", "h1", "q"]]

# (setup, watched key, command, aborts)
ROWS = [
    # Hashes.
    (HASH, "k", ["HSET", "k", "f", "v"], True),
    (HASH, "k", ["HSET", "k", "a", "1"], True),  # equal value: Redis signals anyway
    (HASH, "k", ["HMSET", "k", "a", "2"], True),
    (HASH, "k", ["HSETNX", "k", "a", "2"], False),
    (HASH, "k", ["HSETNX", "k", "b", "2"], True),
    (HASH, "k", ["HDEL", "k", "a"], True),
    (HASH, "k", ["HDEL", "k", "a", "n"], True),  # deletes the key
    (HASH, "k", ["HDEL", "k", "missing"], False),
    ([], "k", ["HDEL", "k", "a"], False),
    (HASH, "k", ["HINCRBY", "k", "n", "1"], True),
    (HASH, "k", ["HINCRBY", "k", "z", "1"], True),
    (HASH, "k", ["HINCRBYFLOAT", "k", "n", "1.5"], True),
    (HASH, "k", ["HGETALL", "k"], False),
    # Sets.
    (SET, "k", ["SADD", "k", "c"], True),
    (SET, "k", ["SADD", "k", "a"], False),
    ([], "k", ["SADD", "k", "a"], True),
    (SET, "k", ["SREM", "k", "a"], True),
    (SET, "k", ["SREM", "k", "a", "b"], True),
    (SET, "k", ["SREM", "k", "missing"], False),
    (SET, "k", ["SPOP", "k"], True),
    (SET, "k", ["SPOP", "k", "5"], True),
    (SET, "k", ["SPOP", "k", "0"], False),
    (SET, "k", ["SMOVE", "k", "dst", "a"], True),
    (SET, "k", ["SMOVE", "k", "dst", "missing"], False),
    (SET, "k", ["SMOVE", "k", "k", "a"], False),
    (SET + OTHERS, "k", ["SMOVE", "s1", "k", "a"], False),  # the destination holds it already
    (SET + OTHERS, "k", ["SMOVE", "s1", "k", "z"], True),
    (SET + OTHERS, "k", ["SINTERSTORE", "k", "s1", "s2"], True),
    (SET + OTHERS, "k", ["SINTERSTORE", "k", "s1", "nosuch"], True),  # deletes k
    (OTHERS, "k", ["SINTERSTORE", "k", "s1", "nosuch"], False),  # nothing to delete
    (SET + OTHERS, "k", ["SUNIONSTORE", "k", "s1"], True),
    (SET + OTHERS, "k", ["SDIFFSTORE", "k", "s1", "s2"], True),
    (OTHERS, "k", ["SDIFFSTORE", "k", "s1", "s1"], False),
    (SET, "k", ["SMEMBERS", "k"], False),
    (SET, "k", ["SINTERCARD", "1", "k"], False),
    # Lists.
    (LIST, "k", ["LPUSH", "k", "x"], True),
    (LIST, "k", ["RPUSH", "k", "x"], True),
    (LIST, "k", ["LPUSHX", "k", "x"], True),
    ([], "k", ["RPUSHX", "k", "x"], False),
    (LIST, "k", ["LPOP", "k"], True),
    (LIST, "k", ["RPOP", "k", "5"], True),
    (LIST, "k", ["LPOP", "k", "0"], False),
    (LIST, "k", ["LMPOP", "1", "k", "LEFT"], True),
    (LIST, "k", ["LSET", "k", "0", "z"], True),
    (LIST, "k", ["LSET", "k", "9", "z"], False),
    (LIST, "k", ["LINSERT", "k", "BEFORE", "b", "z"], True),
    (LIST, "k", ["LINSERT", "k", "BEFORE", "missing", "z"], False),
    (LIST, "k", ["LREM", "k", "0", "a"], True),
    (LIST, "k", ["LREM", "k", "0", "missing"], False),
    (LIST, "k", ["LTRIM", "k", "0", "-1"], True),  # keeps everything: Redis signals anyway
    (LIST, "k", ["LTRIM", "k", "5", "9"], True),
    (LIST, "k", ["LMOVE", "k", "dst", "LEFT", "RIGHT"], True),
    (LIST + OTHERS, "k", ["LMOVE", "src", "k", "LEFT", "RIGHT"], True),
    (LIST, "k", ["RPOPLPUSH", "k", "k"], True),
    (LIST + OTHERS, "k", ["RPOPLPUSH", "src", "k"], True),
    (LIST, "k", ["BLPOP", "k", "0"], True),
    (LIST, "k", ["BRPOP", "nosuch", "k", "0"], True),
    (LIST, "k", ["BLMOVE", "k", "dst", "RIGHT", "LEFT", "0"], True),
    (LIST + OTHERS, "k", ["BRPOPLPUSH", "src", "k", "0"], True),
    (LIST, "k", ["BLMPOP", "0", "1", "k", "RIGHT", "COUNT", "2"], True),
    (LIST, "k", ["LRANGE", "k", "0", "-1"], False),
    (LIST, "k", ["LPOS", "k", "b"], False),
    # Sorted sets.
    (ZSET, "k", ["ZADD", "k", "5", "d"], True),
    (ZSET, "k", ["ZADD", "k", "1", "a"], False),  # equal score
    (ZSET, "k", ["ZADD", "k", "5", "a"], True),
    (ZSET, "k", ["ZADD", "k", "NX", "5", "a"], False),
    (ZSET, "k", ["ZADD", "k", "XX", "5", "d"], False),
    (ZSET, "k", ["ZADD", "k", "GT", "0", "a"], False),
    (ZSET, "k", ["ZADD", "k", "INCR", "0", "a"], False),
    (ZSET, "k", ["ZINCRBY", "k", "1", "a"], True),
    (ZSET, "k", ["ZINCRBY", "k", "0", "a"], False),
    (ZSET, "k", ["ZREM", "k", "a"], True),
    (ZSET, "k", ["ZREM", "k", "missing"], False),
    (ZSET, "k", ["ZREMRANGEBYSCORE", "k", "2", "3"], True),
    (ZSET, "k", ["ZREMRANGEBYSCORE", "k", "5", "9"], False),
    (ZSET, "k", ["ZREMRANGEBYRANK", "k", "0", "-1"], True),
    (ZSET, "k", ["ZREMRANGEBYRANK", "k", "5", "9"], False),
    (ZSET, "k", ["ZREMRANGEBYLEX", "k", "[a", "[b"], True),
    (ZSET, "k", ["ZREMRANGEBYLEX", "k", "[x", "[y"], False),
    (ZSET, "k", ["ZPOPMIN", "k"], True),
    (ZSET, "k", ["ZPOPMAX", "k", "9"], True),
    (ZSET, "k", ["ZPOPMIN", "k", "0"], False),
    (ZSET, "k", ["ZMPOP", "1", "k", "MIN"], True),
    (ZSET, "k", ["BZPOPMIN", "k", "0"], True),
    (ZSET, "k", ["BZPOPMAX", "k", "0"], True),
    (ZSET, "k", ["BZMPOP", "0", "1", "k", "MAX"], True),
    (ZSET + OTHERS, "k", ["ZUNIONSTORE", "k", "1", "z1"], True),
    (ZSET + OTHERS, "k", ["ZINTERSTORE", "k", "2", "z1", "nosuch"], True),  # deletes k
    (OTHERS, "k", ["ZINTERSTORE", "k", "2", "z1", "nosuch"], False),
    (ZSET + OTHERS, "k", ["ZDIFFSTORE", "k", "1", "z1"], True),
    (ZSET + OTHERS, "k", ["ZRANGESTORE", "k", "z1", "0", "-1"], True),
    (OTHERS, "k", ["ZRANGESTORE", "k", "z1", "5", "9"], False),
    (ZSET, "k", ["ZRANGE", "k", "0", "-1"], False),
    (ZSET, "k", ["ZSCORE", "k", "a"], False),
    # HyperLogLog.
    (HLL, "k", ["PFADD", "k", "b"], True),
    (HLL, "k", ["PFADD", "k", "a"], False),
    ([], "k", ["PFADD", "k"], True),
    (HLL + OTHERS, "k", ["PFMERGE", "k", "h1"], True),
    (HLL, "k", ["PFCOUNT", "k"], True),  # refreshes the cached cardinality
    (HLL + [["PFCOUNT", "k"]], "k", ["PFCOUNT", "k"], False),
    (HLL + OTHERS, "k", ["PFCOUNT", "k", "h1"], False),
    # BITFIELD (a string command whose change detection this branch fixed): storing an equal
    # value changes nothing unless the string grew.
    ([["SET", "k", "a"]], "k", ["BITFIELD", "k", "SET", "u8", "0", "97"], False),
    ([["SET", "k", "a"]], "k", ["BITFIELD", "k", "SET", "u8", "0", "98"], True),
    ([["SET", "k", "a"]], "k", ["BITFIELD", "k", "INCRBY", "u1", "0", "2"], False),
    ([["SET", "k", "a"]], "k", ["BITFIELD", "k", "INCRBY", "u1", "100", "2"], True),
    ([["SET", "k", "a"]], "k", ["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "9"],
     False),
]


def watch_aborts(watcher, other, setup, watched, command):
    """Runs `command` on `other` between WATCH `watched` and MULTI on `watcher`; returns
    whether EXEC was aborted."""
    other.flushall()
    for args in setup:
        other.execute_command(*args)
    with watcher.pipeline() as pipe:
        pipe.watch(watched)
        try:
            other.execute_command(*command)
        except redis.ResponseError:
            pass
        pipe.multi()
        pipe.ping()
        try:
            pipe.execute()
            return False
        except redis.WatchError:
            return True


def clients(port):
    return [redis.Redis(port=port, socket_timeout=10, decode_responses=True) for _ in range(2)]


def check_rows(port, reference):
    """Runs ROWS on gorodis at `port` and on the `reference` clients (None: the table is the
    reference); returns the failures and the skipped command names."""
    failures = []
    skipped = set()
    known = known_commands(Connection(port), sorted({row[2][0] for row in ROWS}))
    ours = clients(port)
    for setup, watched, command, expected in ROWS:
        if command[0] not in known:
            skipped.add(command[0])
            continue
        got = watch_aborts(*ours, setup, watched, command)
        want = watch_aborts(*reference, setup, watched, command) if reference else expected
        if got != want or want != expected:
            failures.append(f"{' '.join(command)} (setup {setup}): gorodis aborts={got}, "
                            f"redis aborts={want}, table says {expected}")
    return failures, skipped


def main():
    binary = sys.argv[1]
    if os.path.exists(REDIS_SERVER):
        with side_by_side(binary) as (port, redis_conn):
            failures, skipped = check_rows(port, clients(redis_conn.sock.getpeername()[1]))
    else:
        print(f"{REDIS_SERVER} is not installed: gorodis is checked against the table only")
        with gorodis(binary) as r:
            failures, skipped = check_rows(r.connection_pool.connection_kwargs["port"], None)
    for failure in failures:
        print("FAIL", failure)
    if skipped:
        print(f"skipped (gorodis lacks them): {' '.join(sorted(skipped))}")
    checked = sum(1 for row in ROWS if row[2][0] not in skipped)
    print(f"watch: {checked} rows checked, {len(failures)} failures")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
