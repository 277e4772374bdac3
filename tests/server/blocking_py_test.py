#!/usr/bin/python3
"""Blocking list commands over real connections (redis-py, Debian python3-redis): a blocked
client served by a push from another connection, replies of commands pipelined before and after
a blocking one, CLIENT UNBLOCK from another connection, and blocked clients that go away (closed
by their peer, or by CLIENT KILL) without taking an element pushed afterwards.
Usage: blocking_py_test.py <gorodis binary>; exit status 0 on success."""
import socket
import sys

import redis

from gorodis_process import (blocked_ids, close_while_blocked, gorodis, in_thread,
                             unblocked_result, wait_until_blocked)


def main():
    with gorodis(sys.argv[1]) as r:
        port = r.connection_pool.connection_kwargs["port"]

        def client():
            return redis.Redis(port=port, socket_timeout=10, decode_responses=True)

        # Served by a push from another connection.
        waiter = client()
        thread, result = in_thread(lambda: waiter.blpop(["q1", "q2"], timeout=0))
        wait_until_blocked(r, "blpop")
        assert r.rpush("q2", "v") == 1
        thread.join()
        assert result["value"] == ("q2", "v") or result["value"] == ["q2", "v"], result
        assert r.exists("q2") == 0

        # Pipelined commands around a blocking one: the earlier replies come before it blocks,
        # the later ones after it is served.
        raw = socket.create_connection(("127.0.0.1", port))
        raw.sendall(b"PING\r\nBLPOP p 0\r\nECHO after\r\n")
        received = b""
        while b"+PONG\r\n" not in received:
            received += raw.recv(4096)
        wait_until_blocked(r, "blpop")
        assert r.rpush("p", "x") == 1
        expected = b"+PONG\r\n*2\r\n$1\r\np\r\n$1\r\nx\r\n$5\r\nafter\r\n"
        while len(received) < len(expected):
            received += raw.recv(4096)
        assert received == expected, received
        raw.close()

        # CLIENT UNBLOCK from another connection, as a timeout and as an error.
        waiter = client()
        assert unblocked_result(r, "brpop", lambda: waiter.brpop("u", timeout=0)) is None
        error = unblocked_result(r, "blmove", lambda: waiter.blmove("u", "d", timeout=0), True)
        assert str(error) == "UNBLOCKED client unblocked via CLIENT UNBLOCK", error
        assert r.client_unblock(waiter.client_id()) is False

        # A blocked client whose peer closes the connection stops waiting.
        close_while_blocked(r, b"BLPOP gone 0\r\n", "blpop")
        assert r.rpush("gone", "kept") == 1
        assert r.lrange("gone", 0, -1) == ["kept"]

        # A blocked client killed with CLIENT KILL stops waiting too.
        victim = client()
        def blpop_until_killed():
            try:
                victim.blpop("killed", timeout=0)
            except redis.ConnectionError:
                pass
        thread, _ = in_thread(blpop_until_killed)
        wait_until_blocked(r, "blpop")
        assert r.client_kill_filter(_id=blocked_ids(r, "blpop")[0]) == 1
        thread.join()
        while blocked_ids(r, "blpop"):
            pass
        assert r.rpush("killed", "kept") == 1
        assert r.lrange("killed", 0, -1) == ["kept"]

        # A timeout replies nil.
        assert client().blpop("none", timeout=0.05) is None
        print("redis-py blocking: all checks passed")


if __name__ == "__main__":
    main()
