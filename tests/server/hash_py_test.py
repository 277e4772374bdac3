#!/usr/bin/python3
"""redis-py (Debian python3-redis) against a real gorodis: the hash commands through redis-py's
high-level API, both encodings, RESP2 replies as redis-py parses them.
Usage: hash_py_test.py <gorodis binary>; exit status 0 on success."""
import sys

import redis

from gorodis_process import gorodis


def main():
    with gorodis(sys.argv[1]) as r:
        assert r.hset("py:h", "a", "1") == 1
        assert r.hset("py:h", mapping={"a": "2", "b": "x", "c": "3"}) == 2
        assert r.hget("py:h", "a") == "2"
        assert r.hget("py:h", "none") is None
        assert r.hmget("py:h", ["a", "none", "b"]) == ["2", None, "x"]
        assert r.hmset("py:h", {"d": "4"}) is True
        assert r.hsetnx("py:h", "a", "9") == 0 and r.hsetnx("py:h", "e", "5") == 1
        assert r.hlen("py:h") == 5
        assert r.hexists("py:h", "b") is True and r.hexists("py:h", "zz") is False
        assert r.hstrlen("py:h", "b") == 1
        assert r.hkeys("py:h") == ["a", "b", "c", "d", "e"]
        assert r.hvals("py:h") == ["2", "x", "3", "4", "5"]
        assert r.hgetall("py:h") == {"a": "2", "b": "x", "c": "3", "d": "4", "e": "5"}
        assert r.hincrby("py:h", "a", 40) == 42
        assert r.hincrbyfloat("py:h", "c", 0.5) == 3.5
        try:
            r.hincrby("py:h", "b", 1)
            raise AssertionError("error expected")
        except redis.ResponseError as e:
            assert str(e) == "hash value is not an integer", str(e)
        assert r.object("encoding", "py:h") == "listpack"
        assert r.hrandfield("py:h") in r.hkeys("py:h")
        assert sorted(r.hrandfield("py:h", 10)) == sorted(r.hkeys("py:h"))
        assert len(r.hrandfield("py:h", -20, withvalues=True)) == 40
        assert r.hscan("py:h") == (0, r.hgetall("py:h"))
        assert r.hdel("py:h", "a", "b", "c", "d", "e", "none") == 5
        assert r.exists("py:h") == 0

        big = {f"field:{i}": f"value:{i}" for i in range(1000)}
        assert r.hset("py:big", mapping=big) == 1000
        assert r.object("encoding", "py:big") == "hashtable"
        assert r.hgetall("py:big") == big
        assert dict(r.hscan_iter("py:big", count=50)) == big
        assert dict(r.hscan_iter("py:big", match="field:99*")) == {
            k: v for k, v in big.items() if k.startswith("field:99")}
        assert len(set(r.hrandfield("py:big", 500))) == 500
        assert r.memory_usage("py:big", samples=0) > 1000 * 40
        assert r.config_get("hash-max-*") == {
            "hash-max-listpack-entries": "512", "hash-max-ziplist-entries": "512",
            "hash-max-listpack-value": "64", "hash-max-ziplist-value": "64"}
        r.set("py:s", "x")
        try:
            r.hget("py:s", "a")
            raise AssertionError("WRONGTYPE expected")
        except redis.ResponseError as e:
            assert str(e).startswith("WRONGTYPE"), str(e)
        assert r.flushall() is True
        print("redis-py hashes: all checks passed")


if __name__ == "__main__":
    main()
