#!/usr/bin/python3
"""redis-py (Debian python3-redis) transactions against a real gorodis: pipelines with
transaction=True, WATCH/MULTI/EXEC check-and-set with retries (redis-py's transaction()
helper) from several threads and connections, and readers that must never see half a
transaction. Usage: multi_py_test.py <gorodis binary>; exit status 0 on success."""
import os
import sys
import tempfile
import threading
import time

import redis

from gorodis_process import gorodis


def connect(r):
    return redis.Redis(port=r.connection_pool.connection_kwargs["port"], socket_timeout=10,
                       decode_responses=True)


def check_pipelines(r):
    pipe = r.pipeline(transaction=True)
    pipe.set("tx:a", "1").incr("tx:a").get("tx:a").get("tx:missing")
    assert pipe.execute() == [True, 2, "2", None]

    # A runtime error inside EXEC is that command's reply; the others still ran.
    pipe = r.pipeline(transaction=True)
    pipe.set("tx:s", "x").incr("tx:s").set("tx:after", "y")
    results = pipe.execute(raise_on_error=False)
    assert results[0] is True and results[2] is True, results
    assert isinstance(results[1], redis.ResponseError), results
    assert str(results[1]) == "value is not an integer or out of range", str(results[1])
    assert r.get("tx:after") == "y"

    # A command refused while queueing aborts the whole transaction.
    pipe = r.pipeline(transaction=True)
    pipe.set("tx:never", "1").execute_command("NOSUCHCOMMAND", "x")
    try:
        pipe.execute()
        raise AssertionError("EXECABORT expected")
    except redis.ResponseError as e:
        assert "unknown command 'NOSUCHCOMMAND'" in str(e), str(e)
    assert r.get("tx:never") is None

    # Raw protocol replies, on one connection.
    conn = r.connection_pool.get_connection("MULTI")
    try:
        def raw(*args):
            conn.send_command(*args)
            try:
                return conn.read_response()
            except redis.ResponseError as e:
                return "-" + str(e)

        assert raw("MULTI") == "OK"
        assert raw("SET", "tx:raw", "v") == "QUEUED"
        assert raw("MULTI") == "-MULTI calls can not be nested"
        assert raw("WATCH", "tx:raw") == "-WATCH inside MULTI is not allowed"
        assert raw("DISCARD") == "OK"
        assert raw("EXEC") == "-EXEC without MULTI"
        assert raw("DISCARD") == "-DISCARD without MULTI"
        assert raw("MULTI") == "OK"
        assert raw("SHUTDOWN") == "-Command not allowed inside a transaction"
        assert raw("EXEC") == "-Transaction discarded because of previous errors.", raw
    finally:
        r.connection_pool.release(conn)
    assert r.get("tx:raw") is None


def check_watch(r):
    other = connect(r)
    r.set("tx:w", "1")
    with r.pipeline() as pipe:
        pipe.watch("tx:w")
        assert pipe.get("tx:w") == "1"
        other.set("tx:w", "2")
        pipe.multi()
        pipe.set("tx:w", "mine")
        try:
            pipe.execute()
            raise AssertionError("WatchError expected")
        except redis.WatchError:
            pass
    assert r.get("tx:w") == "2"

    # Another key, even a neighbour, does not abort.
    with r.pipeline() as pipe:
        pipe.watch("tx:w")
        other.set("tx:w-neighbour", "x")
        pipe.multi()
        pipe.set("tx:w", "mine")
        assert pipe.execute() == [True]
    assert r.get("tx:w") == "mine"

    # A watched key that expires before EXEC aborts it.
    r.set("tx:ttl", "1", px=50)
    with r.pipeline() as pipe:
        pipe.watch("tx:ttl")
        threading.Event().wait(0.2)
        pipe.multi()
        pipe.set("tx:ttl-result", "ran")
        try:
            pipe.execute()
            raise AssertionError("WatchError expected after expiry")
        except redis.WatchError:
            pass
    assert r.get("tx:ttl-result") is None

    # FLUSHDB by another client touches a watched key that existed.
    with r.pipeline() as pipe:
        pipe.watch("tx:w")
        other.flushdb()
        pipe.multi()
        pipe.set("tx:w", "again")
        try:
            pipe.execute()
            raise AssertionError("WatchError expected after FLUSHDB")
        except redis.WatchError:
            pass


def check_concurrent_increments(r):
    threads, increments = 6, 150
    counters = ["tx:counter:0", "tx:counter:1"]
    successes = [0] * len(counters)
    lock = threading.Lock()
    errors = []

    def increment(index):
        try:
            client = connect(r)
            for i in range(increments):
                key = counters[(index + i) % len(counters)]

                def cas(pipe):
                    value = int(pipe.get(key) or 0)
                    pipe.multi()
                    pipe.set(key, value + 1)

                client.transaction(cas, key)
                with lock:
                    successes[counters.index(key)] += 1
        except Exception as e:  # reported by the main thread
            errors.append(e)

    workers = [threading.Thread(target=increment, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors
    for key, expected in zip(counters, successes):
        assert int(r.get(key)) == expected, (key, r.get(key), expected)
    assert sum(successes) == threads * increments


def check_no_half_transaction(r):
    stop = threading.Event()
    torn = []
    errors = []

    def writer(index):
        try:
            client = connect(r)
            for i in range(300):
                pipe = client.pipeline(transaction=True)
                value = f"{index}:{i}"
                pipe.set("tx:left", value).set("tx:right", value)
                assert pipe.execute() == [True, True]
        except Exception as e:
            errors.append(e)

    def reader():
        try:
            client = connect(r)
            while not stop.is_set():
                left, right = client.mget("tx:left", "tx:right")
                if left != right:
                    torn.append((left, right))
        except Exception as e:
            errors.append(e)

    writers = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in writers + readers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert not errors, errors
    assert not torn, torn[:5]


def check_blocking_inside_exec(r):
    # Inside EXEC a blocking command does not block: it answers as if its timeout expired.
    r.delete("tx:list", "tx:zset")
    pipe = r.pipeline(transaction=True)
    pipe.blpop("tx:list", 0).rpush("tx:list", "a").blpop("tx:list", 0).bzpopmin("tx:zset", 0)
    assert pipe.execute() == [None, 1, ("tx:list", "a"), None]

    # A client blocked on a key is served once the transaction that creates it is done.
    waiter = connect(r)
    result = []
    thread = threading.Thread(target=lambda: result.append(waiter.blpop("tx:wake", 10)))
    thread.start()
    deadline = time.time() + 10
    while r.info("clients")["blocked_clients"] != 1:
        assert time.time() < deadline, "the waiter never blocked"
        time.sleep(0.01)
    pipe = r.pipeline(transaction=True)
    pipe.rpush("tx:wake", "x", "y").llen("tx:wake")
    assert pipe.execute() == [2, 2]
    thread.join(10)
    assert result == [("tx:wake", "x")], result
    assert r.lrange("tx:wake", 0, -1) == ["y"]


def raw_exchange(r, commands):
    """Sends `commands` on one connection; returns the replies (errors as "-message")."""
    conn = r.connection_pool.get_connection("MULTI")
    replies = []
    try:
        for command in commands:
            conn.send_command(*command)
            try:
                replies.append(conn.read_response())
            except redis.ResponseError as e:
                replies.append("-" + str(e))
    finally:
        r.connection_pool.release(conn)
    return replies


def check_saves_inside_exec(binary):
    """BGSAVE inside a transaction is scheduled, as in Redis 7: the snapshot is taken after the
    EXEC, so it holds the block's writes. DEBUG RELOAD (a synchronous save and load) runs
    inside the block, which holds every shard for it."""
    with tempfile.TemporaryDirectory() as directory:
        with gorodis(binary, "--dir", directory, "--dbfilename", "tx.rdb") as r:
            r.set("tx:s", "before")
            replies = raw_exchange(r, [("MULTI",), ("BGSAVE",), ("SET", "tx:s", "after"),
                                       ("EXEC",)])
            assert replies == ["OK", "QUEUED", "QUEUED", ["Background saving scheduled", "OK"]], \
                replies
            # The file appears (renamed into place) when the scheduled save is done.
            deadline = time.time() + 30
            while not os.path.exists(os.path.join(directory, "tx.rdb")):
                assert time.time() < deadline, "BGSAVE wrote no file"
                time.sleep(0.05)
            while r.info("persistence")["rdb_bgsave_in_progress"]:
                assert time.time() < deadline, "BGSAVE did not finish"
                time.sleep(0.05)
            assert r.info("persistence")["rdb_last_bgsave_status"] == "ok"
            r.set("tx:s", "later")
            pipe = r.pipeline(transaction=True)
            pipe.execute_command("DEBUG", "RELOAD", "NOSAVE").get("tx:s")
            pipe.set("tx:s", "again").execute_command("DEBUG", "RELOAD").get("tx:s")
            results = pipe.execute()
            assert results == ["OK", "after", True, "OK", "again"], results
            assert r.get("tx:s") == "again"


def main():
    with gorodis(sys.argv[1]) as r:
        check_pipelines(r)
        check_watch(r)
        check_concurrent_increments(r)
        check_no_half_transaction(r)
        check_blocking_inside_exec(r)
    check_saves_inside_exec(sys.argv[1])
    print("redis-py transactions: all checks passed")


if __name__ == "__main__":
    main()
