#!/usr/bin/python3
"""Blocking sorted-set pops (BZPOPMIN, BZPOPMAX, BZMPOP) over real connections (redis-py, Debian
python3-redis): many waiters served first come first served by one ZADD, a list waiter on the
same key skipped for a zset waiter, a waiter staying blocked while its key holds another type,
BZMPOP with COUNT, the RESP3 reply of a served waiter, fractional timeouts, timeout 0 waiting
past another client's timeout, CLIENT UNBLOCK (TIMEOUT and ERROR), a waiter whose connection
closes, a ZADD inside MULTI/EXEC waking waiters only after EXEC, and ZUNIONSTORE/ZRANGESTORE
creating the key. "Blocked" is observed through CLIENT LIST (flag b), never by sleeping.
Usage: bzpop_py_test.py <gorodis binary>; exit status 0 on success."""
import socket
import sys

import redis

from gorodis_process import (blocked_ids, close_while_blocked, gorodis, in_thread,
                             unblocked_result, wait_until_blocked)


def read_exactly(sock, expected):
    received = b""
    while len(received) < len(expected):
        chunk = sock.recv(4096)
        assert chunk, received
        received += chunk
    return received


def check_fifo(r, client):
    # Waiters arrive one at a time; one ZADD of five members serves them oldest first.
    waiters = []
    for i in range(5):
        c = client()
        waiters.append(in_thread(lambda c=c: c.bzpopmin(["fifo:other", "fifo"], timeout=0)))
        wait_until_blocked(r, "bzpopmin", i + 1)
    assert r.zadd("fifo", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}) == 5
    for (thread, result), member, score in zip(waiters, "abcde", range(1, 6)):
        thread.join()
        assert result["value"] == ("fifo", member, score), result
    assert r.exists("fifo") == 0

    # BZPOPMAX waiters take from the top; fewer members than waiters leaves the last blocked.
    waiters = []
    for i in range(3):
        c = client()
        waiters.append(in_thread(lambda c=c: c.bzpopmax("fifo", timeout=0)))
        wait_until_blocked(r, "bzpopmax", i + 1)
    assert r.zadd("fifo", {"x": 1.5, "y": 2.5}) == 2
    for (thread, result), expected in zip(waiters, [("fifo", "y", 2.5), ("fifo", "x", 1.5)]):
        thread.join()
        assert result["value"] == expected, result
    assert len(blocked_ids(r, "bzpopmax")) == 1
    assert r.zadd("fifo", {"z": 9}) == 1
    waiters[2][0].join()
    assert waiters[2][1]["value"] == ("fifo", "z", 9), waiters[2][1]


def check_types(r, client):
    # A list waiter that arrived first is skipped: a sorted set serves only zset waiters.
    list_waiter = client()
    list_thread, list_result = in_thread(lambda: list_waiter.blpop("mixed", timeout=0))
    wait_until_blocked(r, "blpop")
    zset_waiter = client()
    zset_thread, zset_result = in_thread(lambda: zset_waiter.bzpopmin("mixed", timeout=0))
    wait_until_blocked(r, "bzpopmin")
    assert r.zadd("mixed", {"m": 1}) == 1
    zset_thread.join()
    assert zset_result["value"] == ("mixed", "m", 1), zset_result
    assert blocked_ids(r, "blpop")
    assert r.rpush("mixed", "l") == 1
    list_thread.join()
    assert list_result["value"] == ("mixed", "l"), list_result

    # A zset waiter stays blocked while its key holds a list, and is served once it is a zset.
    waiter = client()
    thread, result = in_thread(lambda: waiter.bzpopmax("typed", timeout=0))
    wait_until_blocked(r, "bzpopmax")
    assert r.rpush("typed", "v") == 1
    assert blocked_ids(r, "bzpopmax") and r.llen("typed") == 1
    assert r.delete("typed") == 1
    assert r.zadd("typed", {"t": 3}) == 1
    thread.join()
    assert result["value"] == ("typed", "t", 3), result


def check_bzmpop(r, client, port):
    waiter = client()
    thread, result = in_thread(
        lambda: waiter.bzmpop(0, 2, ["mp1", "mp2"], max=True, count=2))
    wait_until_blocked(r, "bzmpop")
    assert r.zadd("mp2", {"a": 1, "b": 2, "c": 3}) == 3
    thread.join()
    assert result["value"] == ["mp2", [["c", "3"], ["b", "2"]]], result
    assert r.zrange("mp2", 0, -1) == ["a"]
    assert waiter.bzmpop(0.01, 1, ["mp1"], min=True) is None

    # RESP3: the served reply carries the score as a double, like the non-blocking one.
    raw = socket.create_connection(("127.0.0.1", port))
    raw.sendall(b"HELLO 3\r\nPING\r\n")
    received = b""
    while not received.endswith(b"+PONG\r\n"):
        received += raw.recv(4096)
    raw.sendall(b"BZPOPMIN r3 0\r\nBZMPOP 0 1 r3 MIN COUNT 5\r\n")
    wait_until_blocked(r, "bzpopmin")
    assert r.zadd("r3", {"a": 1.5, "b": 2}) == 2
    # The BZMPOP pipelined after the served BZPOPMIN then finds b at once.
    expected = b"*3\r\n$2\r\nr3\r\n$1\r\na\r\n,1.5\r\n*2\r\n$2\r\nr3\r\n*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"
    assert read_exactly(raw, expected) == expected
    raw.sendall(b"BZPOPMAX r3 0.01\r\n")
    assert read_exactly(raw, b"_\r\n") == b"_\r\n"
    raw.close()


def check_timeouts(r, client):
    # Fractional timeouts expire with nil.
    assert client().bzpopmin("none", timeout=0.05) is None
    assert client().bzpopmax(["none", "none2"], timeout=0.01) is None
    assert client().bzmpop(0.02, 2, ["none", "none2"], min=True, count=3) is None

    # Timeout 0 waits forever: the waiter is still blocked after a later, timed one expired.
    forever = client()
    thread, result = in_thread(lambda: forever.bzpopmin("late", timeout=0))
    wait_until_blocked(r, "bzpopmin")
    assert client().bzpopmin("late", timeout=0.05) is None
    assert blocked_ids(r, "bzpopmin")
    assert r.zadd("late", {"v": 1}) == 1
    thread.join()
    assert result["value"] == ("late", "v", 1), result


def check_unblock_and_close(r, client):
    waiter = client()
    assert unblocked_result(r, "bzpopmax", lambda: waiter.bzpopmax("u", timeout=0)) is None
    error = unblocked_result(r, "bzmpop", lambda: waiter.bzmpop(0, 1, ["u"], min=True), True)
    assert str(error) == "UNBLOCKED client unblocked via CLIENT UNBLOCK", error
    assert r.client_unblock(waiter.client_id()) is False

    # A waiter whose connection closes stops waiting and takes nothing added afterwards.
    close_while_blocked(r, b"BZPOPMIN gone 0\r\n", "bzpopmin")
    assert r.zadd("gone", {"kept": 1}) == 1
    assert r.zrange("gone", 0, -1) == ["kept"]


def check_exec_and_store_commands(r, client):
    # A ZADD inside MULTI/EXEC serves the waiter only once EXEC is done: the ZCARD queued after
    # it still sees the member.
    waiter = client()
    thread, result = in_thread(lambda: waiter.bzpopmin("tx", timeout=0))
    wait_until_blocked(r, "bzpopmin")
    pipe = r.pipeline(transaction=True)
    pipe.zadd("tx", {"a": 1}).zcard("tx")
    assert pipe.execute() == [1, 1]
    thread.join()
    assert result["value"] == ("tx", "a", 1), result
    assert r.exists("tx") == 0

    # Keys created by ZUNIONSTORE and ZRANGESTORE wake their waiters.
    r.zadd("src", {"p": 1, "q": 2})
    for command, store in [("bzpopmin", lambda: r.zunionstore("stored", ["src"])),
                           ("bzpopmax", lambda: r.zrangestore("stored", "src", 0, -1))]:
        waiter = client()
        pop = getattr(waiter, command)
        thread, result = in_thread(lambda: pop("stored", timeout=0))
        wait_until_blocked(r, command)
        assert store() == 2
        thread.join()
        expected = ("stored", "p", 1) if command == "bzpopmin" else ("stored", "q", 2)
        assert result["value"] == expected, result
        assert r.zcard("stored") == 1
        r.delete("stored")


def main():
    with gorodis(sys.argv[1]) as r:
        port = r.connection_pool.connection_kwargs["port"]

        def client():
            return redis.Redis(port=port, socket_timeout=10, decode_responses=True)

        check_fifo(r, client)
        check_types(r, client)
        check_bzmpop(r, client, port)
        check_timeouts(r, client)
        check_unblock_and_close(r, client)
        check_exec_and_store_commands(r, client)
        assert r.info("clients")["blocked_clients"] == 0
        print("redis-py blocking sorted-set pops: all checks passed")


if __name__ == "__main__":
    main()
