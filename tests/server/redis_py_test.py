#!/usr/bin/python3
"""redis-py (Debian python3-redis) against a real gorodis: part 1's commands through redis-py's
high-level API. Usage: redis_py_test.py <gorodis binary>; exit status 0 on success."""
import sys

import redis

from gorodis_process import gorodis


def main():
    with gorodis(sys.argv[1]) as r:
        assert r.set("py:a", "1") is True
        assert r.get("py:a") == "1"
        assert r.incrbyfloat("py:f", 1.5) == 1.5
        assert r.mset({"py:x": "x", "py:y": "y"}) is True
        assert r.mget("py:x", "py:y", "py:none") == ["x", "y", None]
        assert r.expire("py:a", 100) is True
        assert 0 < r.ttl("py:a") <= 100
        assert r.set("py:nx", "1", nx=True) is True
        assert r.set("py:nx", "2", nx=True) is None
        pipe = r.pipeline(transaction=False)
        for i in range(1000):
            pipe.set(f"py:p:{i}", i)
        assert all(pipe.execute())
        assert sorted(r.scan_iter(match="py:p:*", count=100)) == sorted(
            f"py:p:{i}" for i in range(1000))
        assert r.client_setname("py-client") is True
        assert r.client_getname() == "py-client"
        assert any(c["name"] == "py-client" for c in r.client_list())
        info = r.info()
        assert info["redis_version"] == "7.0.15" and info["connected_clients"] >= 1
        assert r.config_get("maxclients") == {"maxclients": "10000"}
        assert r.config_set("timeout", 0) is True
        try:
            r.execute_command("GET")
            raise AssertionError("arity error expected")
        except redis.ResponseError as e:
            assert str(e) == "wrong number of arguments for 'get' command", str(e)
        assert r.dbsize() == 1005
        assert r.flushall() is True
        print("redis-py: all checks passed")


if __name__ == "__main__":
    main()
