#!/usr/bin/python3
"""maxmemory and eviction against a real gorodis, one fresh server per policy: each test fills
the keyspace past a small maxmemory and checks that used memory stays within the limit (5%
tolerance, like Redis's own maxmemory tests allow some slack) and that the policy evicted what
it says: noeviction refuses writes (also inside MULTI) but serves reads and DEL; allkeys-lru
and allkeys-lfu keep a working set that is read continuously; volatile-* never evict a key
without a TTL and refuse writes once no volatile key is left; volatile-ttl evicts the nearest
expiries first; a lower maxmemory set at run time evicts on the next write; evicted keys raise
the "evicted" keyspace event and count in INFO evicted_keys; writers on several connections
evict concurrently without losing count.
Usage: evict_py_test.py <gorodis binary>; exit status 0 on success."""
import sys
import tempfile
import threading
import time

import redis

from gorodis_process import gorodis

OOM = "OOM command not allowed when used memory > 'maxmemory'."
VALUE = "v" * 200
TOLERANCE = 1.05


def used(r):
    return r.info("memory")["used_memory"]


def evicted(r):
    return r.info("stats")["evicted_keys"]


def limit_above_usage(r, extra):
    """Sets maxmemory `extra` bytes above what the server uses now and returns it."""
    limit = used(r) + extra
    r.config_set("maxmemory", limit)
    return limit


def fill(r, prefix, count, ttl=None, batch=200):
    """Writes `count` keys (with a TTL in seconds when given), checking the limit after each
    batch; returns how many writes were refused with OOM."""
    refused = 0
    limit = int(r.config_get("maxmemory")["maxmemory"])
    for start in range(0, count, batch):
        pipe = r.pipeline(transaction=False)
        for i in range(start, min(count, start + batch)):
            if ttl is None:
                pipe.set(f"{prefix}:{i}", VALUE)
            else:
                pipe.set(f"{prefix}:{i}", VALUE, ex=ttl(i) if callable(ttl) else ttl)
        for reply in pipe.execute(raise_on_error=False):
            if isinstance(reply, redis.ResponseError):
                assert str(reply) == OOM, str(reply)
                refused += 1
        assert limit == 0 or used(r) <= limit * TOLERANCE, (used(r), limit)
    return refused


def existing(r, keys):
    pipe = r.pipeline(transaction=False)
    for key in keys:
        pipe.exists(key)
    return sum(pipe.execute())


def check_noeviction(binary):
    with gorodis(binary) as r:
        assert r.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
        r.set("before", "1")
        limit_above_usage(r, 1 << 20)
        refused = fill(r, "k", 20000)
        assert refused > 0, "writes past maxmemory must be refused"
        assert evicted(r) == 0
        # Reads and DEL still work; a refused write changed nothing.
        assert r.get("before") == "1"
        try:
            r.set("new", "x")
            raise AssertionError("SET over maxmemory must fail")
        except redis.ResponseError as error:
            assert str(error) == OOM, str(error)
        assert r.exists("new") == 0
        # Inside MULTI every command but EXEC/DISCARD is refused at queue time.
        pipe = r.pipeline(transaction=True)
        pipe.get("before")
        try:
            pipe.execute()
            raise AssertionError("MULTI over maxmemory must abort")
        except redis.ResponseError as error:
            assert OOM in str(error), str(error)
        # Freeing memory with DEL makes writes possible again.
        keys = [f"k:{i}" for i in range(20000)]
        for start in range(0, len(keys), 1000):
            r.delete(*keys[start:start + 1000])
        assert r.set("new", "x") is True
        assert r.get("before") == "1"


def check_hot_set(binary, policy):
    """allkeys-lru / allkeys-lfu keep keys that are read all along while new keys arrive."""
    with gorodis(binary, "--maxmemory-policy", policy) as r:
        hot = [f"hot:{i}" for i in range(50)]
        for key in hot:
            r.set(key, VALUE)
        limit = limit_above_usage(r, 3 << 20)
        fill(r, "cold", 8000)  # about 2.5 MB: under the limit
        assert evicted(r) == 0
        # The LRU clock has a resolution of one second: let the cold keys age.
        time.sleep(2.1)
        for rounds in range(50):
            pipe = r.pipeline(transaction=False)
            for key in hot:
                pipe.get(key)
            assert all(value == VALUE for value in pipe.execute())
            fill(r, f"new{rounds}", 100)
        assert evicted(r) > 0, "the limit must have been crossed"
        assert used(r) <= limit * TOLERANCE, (used(r), limit)
        assert existing(r, hot) == len(hot), "a hot key was evicted"
        assert existing(r, [f"cold:{i}" for i in range(8000)]) < 8000


def check_volatile(binary, policy):
    """volatile-* evict only keys with a TTL, and refuse writes when none is left."""
    with gorodis(binary, "--maxmemory-policy", policy) as r:
        limit = limit_above_usage(r, 3 << 20)
        fill(r, "persistent", 4000)
        fill(r, "volatile", 6000, ttl=10000)
        assert fill(r, "more", 4000, ttl=10000) == 0
        assert evicted(r) > 0, r.info("memory")
        assert used(r) <= limit * TOLERANCE, (used(r), limit)
        assert existing(r, [f"persistent:{i}" for i in range(4000)]) == 4000
        # Without TTLs nothing is evictable: writes past the limit are refused.
        assert fill(r, "plain", 20000) > 0
        assert existing(r, [f"persistent:{i}" for i in range(4000)]) == 4000


def check_volatile_ttl(binary):
    with gorodis(binary, "--maxmemory-policy", "volatile-ttl") as r:
        limit_above_usage(r, 3 << 20)
        fill(r, "soon", 4000, ttl=lambda i: 1000 + i)
        fill(r, "late", 4000, ttl=lambda i: 100000 + i)
        before = evicted(r)
        # Keys without a TTL are never candidates: they push out the volatile ones.
        batch = 0
        while evicted(r) - before < 2000:
            fill(r, f"plain{batch}", 500)
            batch += 1
        assert existing(r, [f"late:{i}" for i in range(4000)]) == 4000, "a far TTL went first"
        assert existing(r, [f"soon:{i}" for i in range(4000)]) < 4000


def check_random_and_events(binary):
    with gorodis(binary, "--maxmemory-policy", "allkeys-random") as r:
        r.config_set("notify-keyspace-events", "Ee")
        pubsub = r.pubsub()
        pubsub.subscribe("__keyevent@0__:evicted")
        assert pubsub.get_message(timeout=5)["type"] == "subscribe"
        limit = limit_above_usage(r, 2 << 20)
        fill(r, "k", 12000)
        count = evicted(r)
        assert count > 0
        assert used(r) <= limit * TOLERANCE, (used(r), limit)
        assert r.dbsize() == 12000 - count
        names = set()
        while len(names) < count:
            message = pubsub.get_message(timeout=5)
            assert message is not None, f"{len(names)} of {count} evicted events"
            if message["type"] == "message":
                names.add(message["data"])
        assert existing(r, names) == 0, "an evicted key is still there"


def check_evictions_reach_the_aof(binary):
    """An evicted key is logged as DEL: after a restart from the AOF it is still gone."""
    with tempfile.TemporaryDirectory() as directory:
        args = ("--dir", directory, "--appendonly", "yes", "--appendfsync", "always")
        with gorodis(binary, "--maxmemory-policy", "allkeys-random", *args) as r:
            limit_above_usage(r, 2 << 20)
            fill(r, "k", 12000)
            assert evicted(r) > 0, r.info("memory")
            # Stop eviction (the cron may go on with one cut short), then write once: under
            # appendfsync always its reply means every DEL logged before it is on disk too.
            r.config_set("maxmemory", 0)
            r.set("marker", "1")
            kept = {key for key in r.scan_iter(count=1000)}
        with gorodis(binary, *args) as r:
            assert {key for key in r.scan_iter(count=1000)} == kept


def check_runtime_limit(binary):
    """CONFIG SET maxmemory below current usage: the next write evicts."""
    with gorodis(binary, "--maxmemory-policy", "allkeys-lru") as r:
        fill(r, "k", 10000)
        assert evicted(r) == 0
        limit = used(r) // 2
        r.config_set("maxmemory", limit)
        r.set("trigger", "1")
        assert evicted(r) > 0, r.info("memory")
        # Eviction has a time budget per command (maxmemory-eviction-tenacity), which a busy
        # machine can use up after a key or two; more commands bring memory under the limit.
        deadline = time.time() + 60
        while used(r) > limit and time.time() < deadline:
            r.ping()
        assert used(r) <= limit, (used(r), limit)
        assert r.dbsize() < 10001
        assert r.config_get("maxmemory-samples") == {"maxmemory-samples": "5"}
        r.config_set("maxmemory-samples", 10)
        assert r.config_get("maxmemory-samples") == {"maxmemory-samples": "10"}
        assert r.config_get("maxmemory-eviction-tenacity")["maxmemory-eviction-tenacity"] == "10"
        info = r.info("memory")
        for field in ("used_memory", "used_memory_human", "used_memory_rss",
                      "used_memory_rss_human", "used_memory_peak", "used_memory_peak_human",
                      "maxmemory", "maxmemory_human", "maxmemory_policy",
                      "mem_fragmentation_ratio"):
            assert field in info, field
        assert info["maxmemory"] == limit and info["maxmemory_policy"] == "allkeys-lru"
        assert info["used_memory_peak"] >= info["used_memory"]


def check_concurrent_writers(binary):
    """Writers on several connections (the server runs commands on several Ps) evict in turn:
    every write succeeds, every key is either present or counted as evicted."""
    with gorodis(binary, "--maxmemory-policy", "allkeys-lru") as r:
        limit = limit_above_usage(r, 2 << 20)
        port = r.connection_pool.connection_kwargs["port"]
        errors = []

        def writer(index):
            try:
                client = redis.Redis(port=port, socket_timeout=10, decode_responses=True)
                fill(client, f"w{index}", 5000)
            except Exception as error:  # reported by the main thread
                errors.append(error)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert used(r) <= limit * TOLERANCE, (used(r), limit)
        assert r.dbsize() + evicted(r) == 4 * 5000


def check_lfu_counter(binary):
    with gorodis(binary, "--maxmemory-policy", "allkeys-lfu") as r:
        r.set("k", "v")
        assert r.object("freq", "k") == 5  # Redis's LFU_INIT_VAL
        for _ in range(200):
            r.get("k")
        assert r.object("freq", "k") > 5
        r.config_set("maxmemory-policy", "allkeys-lru")
        try:
            r.object("freq", "k")
            raise AssertionError("OBJECT FREQ needs an LFU policy")
        except redis.ResponseError as error:
            assert "An LFU maxmemory policy is not selected" in str(error)


def main():
    binary = sys.argv[1]
    check_noeviction(binary)
    check_hot_set(binary, "allkeys-lru")
    check_hot_set(binary, "allkeys-lfu")
    for policy in ("volatile-lru", "volatile-lfu", "volatile-random"):
        check_volatile(binary, policy)
    check_volatile_ttl(binary)
    check_random_and_events(binary)
    check_runtime_limit(binary)
    check_evictions_reach_the_aof(binary)
    check_concurrent_writers(binary)
    check_lfu_counter(binary)
    print("evict_py_test: OK")


if __name__ == "__main__":
    main()
