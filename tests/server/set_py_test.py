#!/usr/bin/python3
"""redis-py (Debian python3-redis) against a real gorodis: the set commands through redis-py's
high-level API, over a real socket. Usage: set_py_test.py <gorodis binary>; exit status 0 on
success."""
import sys

import redis

from gorodis_process import gorodis


def expect_error(call, message):
    try:
        call()
    except redis.ResponseError as e:
        assert str(e) == message, str(e)
        return
    raise AssertionError("error expected: " + message)


def main():
    with gorodis(sys.argv[1]) as r:
        assert r.sadd("py:s", 1, 2, 3) == 3
        assert r.sadd("py:s", 3, "four") == 1
        assert r.smembers("py:s") == {"1", "2", "3", "four"}
        assert r.object("encoding", "py:s") == "hashtable"
        assert r.scard("py:s") == 4
        assert r.sismember("py:s", "four") is True
        assert r.smismember("py:s", ["1", "x"]) == [True, False]
        assert r.srem("py:s", "four", "x") == 1
        assert r.sadd("py:t", 2, 3, 4) == 3
        assert r.object("encoding", "py:t") == "intset"
        assert r.sinter("py:s", "py:t") == {"2", "3"}
        assert r.sintercard(2, ["py:s", "py:t"]) == 2
        assert r.sintercard(2, ["py:s", "py:t"], limit=1) == 1
        assert r.sunion("py:s", "py:t") == {"1", "2", "3", "4"}
        assert r.sdiff("py:s", "py:t") == {"1"}
        assert r.sinterstore("py:i", "py:s", "py:t") == 2
        assert r.sunionstore("py:u", ["py:s", "py:t"]) == 4
        assert r.sdiffstore("py:d", ["py:t", "py:s"]) == 1
        assert r.smembers("py:d") == {"4"}
        assert r.smove("py:d", "py:s", "4") is True
        assert r.exists("py:d") == 0
        assert r.smembers("py:s") == {"1", "2", "3", "4"}
        # Random members: distinct for a positive count, repeated for a negative one.
        assert len(set(r.srandmember("py:s", 3))) == 3
        assert len(r.srandmember("py:s", -10)) == 10
        assert r.srandmember("py:s") in {"1", "2", "3", "4"}
        popped = r.spop("py:s", 2)
        assert len(popped) == 2 and r.scard("py:s") == 2
        assert set(popped) | r.smembers("py:s") == {"1", "2", "3", "4"}
        # SSCAN walks a large hash table completely, a pipelined 5000-member load included.
        pipe = r.pipeline(transaction=False)
        for i in range(50):
            pipe.sadd("py:big", *[f"m{i}:{j}" for j in range(100)])
        assert pipe.execute() == [100] * 50
        assert set(r.sscan_iter("py:big", count=50)) == {
            f"m{i}:{j}" for i in range(50) for j in range(100)}
        assert sorted(r.sscan_iter("py:big", match="m7:9*")) == sorted(
            ["m7:9"] + [f"m7:{j}" for j in range(90, 100)])
        r.set("py:str", "x")
        expect_error(lambda: r.sadd("py:str", "a"),
                     "WRONGTYPE Operation against a key holding the wrong kind of value")
        expect_error(lambda: r.sinter("py:missing", "py:str"),
                     "WRONGTYPE Operation against a key holding the wrong kind of value")
        assert r.sunionstore("py:str", ["py:t"]) == 3
        assert r.type("py:str") == "set"
        assert r.config_get("set-max-intset-entries") == {"set-max-intset-entries": "512"}
        assert r.config_set("set-max-intset-entries", 2) is True
        assert r.sadd("py:small", 1, 2, 3) == 3
        assert r.object("encoding", "py:small") == "hashtable"
        assert r.flushall() is True
        print("redis-py sets: all checks passed")


if __name__ == "__main__":
    main()
