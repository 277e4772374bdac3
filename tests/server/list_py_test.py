#!/usr/bin/python3
"""redis-py (Debian python3-redis) against a real gorodis: the list commands through redis-py's
high-level API, including a list large enough to span many nodes, checked against a Python list
model. Usage: list_py_test.py <gorodis binary>; exit status 0 on success."""
import random
import sys

import redis

from gorodis_process import gorodis


def check_api(r):
    assert r.rpush("l", "a", "b", "c") == 3
    assert r.lpush("l", "z") == 4
    assert r.lrange("l", 0, -1) == ["z", "a", "b", "c"]
    assert r.lpushx("missing", "x") == 0 and r.exists("missing") == 0
    assert r.rpushx("l", "d") == 5
    assert r.llen("l") == 5
    assert r.lindex("l", -1) == "d" and r.lindex("l", 99) is None
    assert r.lset("l", 1, "A") is True
    assert r.linsert("l", "BEFORE", "b", "B") == 6
    assert r.linsert("l", "AFTER", "nope", "x") == -1
    assert r.lrem("l", 0, "B") == 1
    assert r.lpos("l", "c") == 3
    assert r.lpos("l", "c", count=0) == [3]
    assert r.ltrim("l", 1, -1) is True
    assert r.lrange("l", 0, -1) == ["A", "b", "c", "d"]
    assert r.lpop("l") == "A"
    assert r.rpop("l", 2) == ["d", "c"]
    assert r.lpop("missing", 2) is None
    assert r.lmove("l", "m", "LEFT", "RIGHT") == "b"
    assert r.exists("l") == 0
    assert r.rpoplpush("m", "m") == "b"
    assert r.lmpop(2, "none", "m", direction="LEFT", count=5) == ["m", ["b"]]
    assert r.lmpop(1, "none", direction="RIGHT") is None
    r.set("s", "v")
    try:
        r.lpush("s", "x")
        raise AssertionError("WRONGTYPE expected")
    except redis.ResponseError as e:
        assert str(e).startswith("WRONGTYPE"), str(e)
    r.rpush("e", 1)
    assert r.object("encoding", "e") == "quicklist"


def check_against_model(r):
    assert r.config_set("list-max-listpack-size", 4) is True
    rng = random.Random(5)
    model = []
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        value = str(rng.randrange(100)) if i % 3 else "v%d" % rng.randrange(100)
        if i % 2:
            pipe.rpush("big", value)
            model.append(value)
        else:
            pipe.lpush("big", value)
            model.insert(0, value)
    pipe.execute()
    for _ in range(200):
        op = rng.randrange(5)
        if op == 0:
            pivot = model[rng.randrange(len(model))]
            assert r.linsert("big", "AFTER", pivot, "ins") == len(model) + 1
            model.insert(model.index(pivot) + 1, "ins")
        elif op == 1:
            value = str(rng.randrange(100))
            count = rng.randrange(-2, 3)
            removed = r.lrem("big", count, value)
            matches = [i for i, v in enumerate(model) if v == value]
            chosen = matches if count == 0 else (matches[:count] if count > 0 else matches[count:])
            assert removed == len(chosen)
            for i in reversed(chosen):
                del model[i]
        elif op == 2:
            i = rng.randrange(len(model))
            assert r.lset("big", i, "set") is True
            model[i] = "set"
        elif op == 3:
            start, stop = sorted(rng.randrange(-len(model), len(model)) for _ in range(2))
            first, last = start % len(model), stop % len(model)
            expected = model[first:last + 1] if first <= last else []
            assert r.lrange("big", start, stop) == expected, (start, stop)
        else:
            value = model[rng.randrange(len(model))]
            assert r.lpos("big", value, rank=-1) == len(model) - 1 - model[::-1].index(value)
    assert r.lrange("big", 0, -1) == model
    assert r.ltrim("big", 10, -10) is True
    assert r.lrange("big", 0, -1) == model[10:-9]
    assert r.config_set("list-max-listpack-size", -2) is True


def main():
    with gorodis(sys.argv[1]) as r:
        check_api(r)
        check_against_model(r)
        print("redis-py lists: all checks passed")


if __name__ == "__main__":
    main()
