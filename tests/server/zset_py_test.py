#!/usr/bin/python3
"""redis-py (Debian python3-redis) against a real gorodis: the sorted-set commands through
redis-py's high-level API, on both encodings. Usage: zset_py_test.py <gorodis binary>; exit
status 0 on success."""
import math
import sys

import redis

from gorodis_process import gorodis


def check_basics(r):
    assert r.zadd("z", {"a": 1, "b": 2, "c": 3}) == 3
    assert r.zadd("z", {"a": 5, "d": 4}, ch=True) == 2
    assert r.zadd("z", {"a": 0, "e": 9}, nx=True) == 1
    assert r.zadd("z", {"a": 6, "f": 1}, xx=True) == 0
    assert r.zadd("z", {"a": 10}, gt=True, ch=True) == 1
    assert r.zadd("z", {"a": 7}, gt=True, ch=True) == 0
    assert r.zadd("z", {"a": 2.5}, incr=True) == 12.5
    assert r.zincrby("z", -0.5, "a") == 12.0
    assert r.zscore("z", "a") == 12.0 and r.zscore("z", "nope") is None
    assert r.zmscore("z", ["a", "nope", "b"]) == [12.0, None, 2.0]
    assert r.zcard("z") == 5
    assert r.zrange("z", 0, -1) == ["b", "c", "d", "e", "a"]
    assert r.zrange("z", 0, 1, withscores=True) == [("b", 2.0), ("c", 3.0)]
    assert r.zrevrange("z", 0, 0, withscores=True) == [("a", 12.0)]
    assert r.zrangebyscore("z", "(2", 9) == ["c", "d", "e"]
    assert r.zrangebyscore("z", "-inf", "+inf", start=1, num=2) == ["c", "d"]
    assert r.zrevrangebyscore("z", 9, 3, withscores=True) == [("e", 9.0), ("d", 4.0), ("c", 3.0)]
    assert r.zrange("z", 9, 3, byscore=True, desc=True, offset=1, num=1) == ["d"]
    assert r.zrank("z", "c") == 1 and r.zrevrank("z", "c") == 3 and r.zrank("z", "x") is None
    assert r.zcount("z", 3, 9) == 3 and r.zcount("z", "(3", "(9") == 1
    assert r.zrem("z", "e", "nope") == 1
    assert r.zpopmin("z") == [("b", 2.0)]
    assert r.zpopmax("z", 2) == [("a", 12.0), ("d", 4.0)]
    assert r.zrange("z", 0, -1) == ["c"]
    assert r.zpopmin("z", 5) == [("c", 3.0)]
    assert r.exists("z") == 0


def check_lex_and_removal(r):
    r.zadd("lex", {m: 0 for m in "abcdefg"})
    assert r.zrangebylex("lex", "[b", "(e") == ["b", "c", "d"]
    assert r.zrevrangebylex("lex", "+", "(e") == ["g", "f"]
    assert r.zlexcount("lex", "-", "+") == 7
    assert r.zremrangebylex("lex", "[a", "[b") == 2
    assert r.zremrangebyrank("lex", 0, 0) == 1
    assert r.zremrangebyscore("lex", "-inf", "(0") == 0
    assert r.zremrangebyscore("lex", 0, 0) == 4
    assert r.exists("lex") == 0


def check_algebra(r):
    r.zadd("s1", {"a": 1, "b": 2, "c": 3})
    r.zadd("s2", {"b": 10, "c": 20, "d": 30})
    assert r.zunionstore("u", {"s1": 1, "s2": 2}) == 4
    assert r.zrange("u", 0, -1, withscores=True) == [
        ("a", 1.0), ("b", 22.0), ("c", 43.0), ("d", 60.0)]
    assert r.zinterstore("i", ["s1", "s2"], aggregate="MAX") == 2
    assert r.zrange("i", 0, -1, withscores=True) == [("b", 10.0), ("c", 20.0)]
    assert r.zunion(["s1", "s2"], aggregate="MIN", withscores=True) == [
        ("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 30.0)]
    assert r.zinter(["s1", "s2"]) == ["b", "c"]
    assert r.zdiff(["s1", "s2"], withscores=True) == ["a", "1"]  # redis-py 4.3 leaves it flat
    assert r.zdiffstore("d", ["s2", "s1"]) == 1
    assert r.zintercard(2, ["s1", "s2"]) == 2 and r.zintercard(2, ["s1", "s2"], limit=1) == 1
    assert r.zrangestore("rs", "s2", 0, 1) == 2 and r.zrange("rs", 0, -1) == ["b", "c"]
    assert r.zmpop(2, ["nope", "s1"], min=True, count=2) == ["s1", [["a", "1"], ["b", "2"]]]


def check_random_and_scan(r):
    members = {f"m{i}": i for i in range(300)}
    r.zadd("big", members)
    assert r.object("encoding", "big") == "skiplist"
    scanned = dict(r.zscan_iter("big", count=17))
    assert scanned == {m: float(s) for m, s in members.items()}
    assert dict(r.zscan_iter("big", match="m1?")) == {f"m1{i}": 10.0 + i for i in range(10)}
    sample = r.zrandmember("big", 20)
    assert len(set(sample)) == 20 and all(m in members for m in sample)
    assert len(r.zrandmember("big", -500)) == 500
    assert r.zrandmember("big") in members
    assert r.zscore("big", "m299") == 299.0


def check_errors(r):
    r.set("str", "x")
    for call in (lambda: r.zadd("str", {"a": 1}), lambda: r.zrange("str", 0, -1),
                 lambda: r.zunion(["str"])):
        try:
            call()
            raise AssertionError("WRONGTYPE expected")
        except redis.ResponseError as e:
            assert str(e).startswith("WRONGTYPE"), str(e)
    r.zadd("inf", {"p": math.inf, "n": -math.inf})
    assert r.zscore("inf", "p") == math.inf
    try:
        r.zincrby("inf", -math.inf, "p")
        raise AssertionError("NaN error expected")
    except redis.ResponseError as e:
        assert str(e) == "resulting score is not a number (NaN)", str(e)
    try:
        r.zrangebyscore("inf", "x", 1)
        raise AssertionError("range error expected")
    except redis.ResponseError as e:
        assert str(e) == "min or max is not a float", str(e)


def main():
    with gorodis(sys.argv[1]) as r:
        for entries in ("128", "0"):
            r.flushall()
            assert r.config_set("zset-max-listpack-entries", entries) is True
            check_basics(r)
            check_lex_and_removal(r)
            check_algebra(r)
            check_errors(r)
        r.config_set("zset-max-listpack-entries", "128")
        assert r.config_get("zset-max-ziplist-entries") == {"zset-max-ziplist-entries": "128"}
        check_random_and_scan(r)
    print("zset_py_test: OK")


if __name__ == "__main__":
    main()
