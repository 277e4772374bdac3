"""Starts a real gorodis for the redis-py tests (tests/server/*_py_test.py).

Each such script is run by ctest as `python3 <script> <path to gorodis>`; `gorodis(sys.argv[1])`
starts the binary on a free loopback port with GOMAXPROCS=2, waits (at most 30 s) until it
answers PING, yields a decode_responses redis-py client, and stops the server with SIGTERM
(SIGKILL after 10 s) however the block ends. Socket timeouts bound every call. Helpers for the
blocking-command tests: blocked_ids, wait_until_blocked, in_thread, unblocked_result,
close_while_blocked."""
import contextlib
import os
import signal
import socket
import subprocess
import threading
import time

import redis


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gorodis(binary, *args):
    port = free_port()
    # No save rules unless a test asks (later arguments win): like Redis's own test servers,
    # and no dump.rdb left in the working directory for the next test to load.
    server = subprocess.Popen([binary, "--port", str(port), "--save", "", *args],
                              stdout=subprocess.DEVNULL,
                              env=dict(os.environ, GOMAXPROCS="2"))
    try:
        client = redis.Redis(port=port, socket_timeout=10, decode_responses=True)
        deadline = time.time() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        yield client
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def blocked_ids(r, command):
    """Clients blocked in `command` (CLIENT LIST flag b), oldest connection first."""
    return [c["id"] for c in r.client_list() if c["cmd"] == command and "b" in c["flags"]]


def wait_until_blocked(r, command, count=1):
    """Polls CLIENT LIST until `count` clients are blocked in `command` (no sleeping)."""
    while len(blocked_ids(r, command)) < count:
        pass


def in_thread(fn):
    """Runs fn() in a new thread; returns the thread and a dict whose "value" is its result."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", fn()))
    thread.start()
    return thread, result


def unblocked_result(r, command, call, error=False):
    """Runs call() (a `command` that blocks) in a thread, unblocks it with CLIENT UNBLOCK (ERROR
    when `error`) from `r` and returns what call() returned, or the ResponseError it raised."""

    def catching():
        try:
            return call()
        except redis.ResponseError as e:
            return e

    thread, result = in_thread(catching)
    wait_until_blocked(r, command)
    assert r.client_unblock(blocked_ids(r, command)[0], error=error) is True
    thread.join()
    return result["value"]


def close_while_blocked(r, raw_command, command):
    """Sends raw_command (a `command` that blocks) on a new connection, closes it once blocked and
    waits until the server no longer counts it blocked."""
    port = r.connection_pool.connection_kwargs["port"]
    raw = socket.create_connection(("127.0.0.1", port))
    raw.sendall(raw_command)
    wait_until_blocked(r, command)
    raw.close()
    while blocked_ids(r, command):
        pass
