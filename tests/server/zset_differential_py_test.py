#!/usr/bin/python3
"""Sorted sets, gorodis against Debian's redis-server 7.0 side by side: the same seeded random
workload (ZADD with its flags, ZINCRBY, ZREM, every range form with REV/LIMIT/WITHSCORES, ranks,
counts, range removals, pops and the STORE set operations, OBJECT ENCODING) goes to both, and
every reply (or error text) must be the same; at the end DUMP payloads must be the same bytes and
each server must RESTORE the other's. Run with listpack limits of 128, 16 and 0 members, so small
sets, conversions and skiplist-only sets are all compared.
Usage: zset_differential_py_test.py <gorodis binary>; exit status 0 on success."""
import random
import sys

import redis

from gorodis_process import gorodis


def workload(rng):
    def member():
        return "m%d" % rng.randrange(400)

    def plain_score():
        return rng.choice(["%d" % rng.randrange(-50, 50), "%.1f" % rng.uniform(-50, 50)])

    def bound():
        return rng.choice([plain_score(), "inf", "-inf", "(%d" % rng.randrange(-50, 50)])

    def index():
        return str(rng.randrange(-450, 450))

    def lex():
        return rng.choice(["-", "+", "[" + member(), "(" + member()])

    def key():
        return rng.choice(["k1", "k2", "k3"])

    while True:
        op = rng.randrange(17)
        if op in (11, 12, 14) and rng.random() < 0.9:
            op = 0  # keep sets growing past the listpack limit
        if op < 4:
            pairs = [x for _ in range(rng.randrange(1, 8)) for x in (plain_score(), member())]
            yield ["zadd", key()] + pairs
        elif op == 4:
            yield ["zadd", key(), rng.choice(["nx", "xx", "gt", "lt", "ch", "incr"]),
                   plain_score(), member()]
        elif op == 5:
            yield ["zincrby", key(), plain_score(), member()]
        elif op == 6:
            yield ["zrem", key(), member(), member(), member()]
        elif op == 7:
            yield ["zrange", key(), index(), index()] + rng.choice(
                [[], ["withscores"], ["rev"], ["rev", "withscores"]])
        elif op == 8:
            limit = rng.choice(
                [[], ["limit", str(rng.randrange(-2, 20)), str(rng.randrange(-2, 20))]])
            yield (["zrange", key(), bound(), bound(), "byscore"] + rng.choice([[], ["rev"]]) +
                   limit + rng.choice([[], ["withscores"]]))
        elif op == 9:
            yield [rng.choice(["zrank", "zrevrank", "zscore"]), key(), member()]
        elif op == 10:
            yield ["zcount", key(), bound(), bound()]
        elif op == 11:
            yield ["zremrangebyrank", key(), index(), str(int(index()) // 40)]
        elif op == 12:
            yield ["zremrangebyscore", key(), bound(), bound()]
        elif op == 13:
            command = rng.choice(["zunionstore", "zinterstore", "zdiffstore"])
            options = [] if command == "zdiffstore" else rng.choice(
                [[], ["weights", "2", "0.5"], ["aggregate", "max"]])
            yield [command, key(), "2", key(), key()] + options
        elif op == 14:
            # The blocking pops answer at once when a key exists, else nil after 10 ms.
            yield rng.choice([
                [rng.choice(["zpopmin", "zpopmax"]), key(), str(rng.randrange(0, 4))],
                [rng.choice(["bzpopmin", "bzpopmax"]), key(), key(), "0.01"],
                ["bzmpop", "0.01", "2", key(), key(), rng.choice(["min", "max"]), "count",
                 str(rng.randrange(1, 4))]])
        elif op == 15:
            # Lex ranges on a set whose scores are all equal (otherwise they are unspecified).
            yield rng.choice([["zadd", "lex", "0", member()],
                              ["zrangebylex", "lex", lex(), lex(), "limit", "0", "9"],
                              ["zlexcount", "lex", lex(), lex()],
                              ["zremrangebylex", "lex", lex(), lex()]])
        else:
            yield ["object", "encoding", key()]


def reply(connection, command):
    """The reply as redis-py parses it, without its per-command reply callbacks."""
    connection.send_command(*command)
    try:
        return connection.read_response()
    except redis.ResponseError as error:
        return "error: %s" % error


def main():
    with gorodis(sys.argv[1]) as ours, \
            gorodis("redis-server", "--save", "", "--appendonly", "no") as theirs:
        for seed, entries in ((1, "128"), (2, "16"), (3, "0")):
            for client in (ours, theirs):
                client.flushall()
                client.config_set("zset-max-listpack-entries", entries)
            commands = workload(random.Random(seed))
            our_connection = ours.connection_pool.get_connection("zset")
            their_connection = theirs.connection_pool.get_connection("zset")
            for _ in range(6000):
                command = next(commands)
                expected = reply(their_connection, command)
                actual = reply(our_connection, command)
                assert actual == expected, (command, expected, actual)
            ours.connection_pool.release(our_connection)
            theirs.connection_pool.release(their_connection)
            for key in ("k1", "k2", "k3", "lex"):
                assert (ours.zrange(key, 0, -1, withscores=True) ==
                        theirs.zrange(key, 0, -1, withscores=True)), key
                # DUMP payloads are the same bytes, and each server restores the other's.
                assert ours.dump(key) == theirs.dump(key), key
                if ours.exists(key):
                    assert ours.restore(key + ":r", 0, theirs.dump(key))
                    assert theirs.restore(key + ":r", 0, ours.dump(key))
                    for client in (ours, theirs):
                        assert (client.zrange(key + ":r", 0, -1, withscores=True) ==
                                client.zrange(key, 0, -1, withscores=True)), key
                        assert client.object("encoding", key + ":r") == client.object(
                            "encoding", key), key
    print("zset_differential_py_test: OK")


if __name__ == "__main__":
    main()
