#!/usr/bin/python3
"""The append-only file: round trip of every type with TTLs (through restarts, BGREWRITEAOF and
CONFIG SET appendonly yes), SIGKILL crash tests under appendfsync always (every acknowledged
write survives, MULTI/EXEC blocks are all or nothing), a truncated tail and a torn EXEC block
load, a corrupted byte stops start-up naming file and offset, and interoperability with
Debian's redis-server 7.0 (each loads the other's AOF directory; redis-check-aof accepts ours),
and write errors (the file size limit): MISCONF refusals, retries, nothing acknowledged lost.
Usage: aof_py_test.py <gorodis binary>; exit status 0 on success."""
import glob
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import redis

from gorodis_process import free_port

LONG = "compressible " * 40


class Server:
    """A gorodis (or redis-server) on `directory`, killed with SIGKILL or stopped with SIGTERM."""

    def __init__(self, command, directory, *args):
        self.port = free_port()
        self.log = os.path.join(directory, "server.log")
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [command, "--port", str(self.port), "--dir", directory, "--save", "",
                 "--appendonly", "yes", *args],
                stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, GOMAXPROCS="2"))
        self.client = redis.Redis(port=self.port, socket_timeout=10, decode_responses=True)
        deadline = time.time() + 30
        while True:
            try:
                self.client.ping()
                break
            except (redis.ConnectionError, redis.BusyLoadingError):
                assert self.process.poll() is None, open(self.log).read()
                assert time.time() < deadline
                time.sleep(0.02)

    def kill(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def fill(r):
    r.set("string", "hello")
    r.set("int", 12345)
    r.set("long", LONG)
    r.set("ttl", "soon", ex=3600)
    r.setex("setex", 1000, "v")
    r.set("persisted", "p", px=50000)
    r.persist("persisted")
    r.set("expiring", "x")
    r.expire("expiring", 500)
    r.set("gone", "x", px=1)
    r.incrbyfloat("float", "1.1")
    r.incrbyfloat("float", "2.25")
    r.hset("hash", mapping={"a": "1", "b": LONG})
    r.hincrbyfloat("hash", "f", "0.5")
    r.hset("big-hash", mapping={"field%d" % i: "value%d" % i for i in range(600)})
    r.pexpire("big-hash", 900000)
    r.sadd("set", *range(20))
    r.spop("set")
    r.spop("set", 3)
    r.sadd("text-set", "a", "b", LONG)
    r.zadd("zset", {"a": 1.5, "b": -2, "c": 3})
    r.zadd("big-zset", {"m%d" % i: i / 3 for i in range(300)})
    r.rpush("list", *["element-%d" % i for i in range(3000)])
    r.lpop("list")
    r.blpop(["list"], 1)
    r.blmove("list", "moved", 1, "RIGHT", "LEFT")
    r.pfadd("hll", "a", "b", "c")
    r.getex("string", px=700000)
    raw = redis.Redis(port=r.connection_pool.connection_kwargs["port"])
    raw.restore("restored", 800000, raw.dump("zset"))
    r.getdel("int")
    with r.pipeline(transaction=True) as p:
        p.set("tx1", 1).incr("tx1").rpush("tx-list", "a", "b")
        p.execute()
    r.select(3)
    r.set("other-db", "3", ex=7000)
    r.select(0)
    r.move("text-set", 5)
    r.swapdb(6, 5)


def snapshot(client):
    """Every key of every database: type, value (as bytes) and absolute expiry time."""
    r = redis.Redis(port=client.connection_pool.connection_kwargs["port"], socket_timeout=10)
    state = {}
    for db in range(16):
        r.select(db)
        for key in r.keys("*"):
            kind = r.type(key).decode()
            value = {
                "string": lambda: r.get(key),
                "hash": lambda: r.hgetall(key),
                "set": lambda: sorted(r.smembers(key)),
                "zset": lambda: r.zrange(key, 0, -1, withscores=True),
                "list": lambda: r.lrange(key, 0, -1),
            }[kind]()
            state[(db, key.decode())] = (kind, value, r.pexpiretime(key))
    return state


def blocked_pop_is_logged(r):
    """A BLPOP served by a later push replays as the pop it was."""
    def push():
        time.sleep(0.2)
        redis.Redis(port=r.connection_pool.connection_kwargs["port"]).rpush("waited", "x", "y")
    threading.Thread(target=push).start()
    assert r.blpop(["waited"], 5) == ("waited", "x")


def blocked_zset_pop_is_logged(r):
    """A BZPOPMAX served by a later ZADD replays as the ZPOPMAX it was."""
    def add():
        time.sleep(0.2)
        redis.Redis(port=r.connection_pool.connection_kwargs["port"]).zadd(
            "zwaited", {"x": 1, "y": 2})
    threading.Thread(target=add).start()
    assert r.bzpopmax(["znone", "zwaited"], 5) == ("zwaited", "y", 2)


def round_trip(binary, directory):
    server = Server(binary, directory)
    r = server.client
    fill(r)
    blocked_pop_is_logged(r)
    blocked_zset_pop_is_logged(r)
    before = snapshot(r)
    assert (0, "gone") not in before and (0, "float") in before
    assert before[(0, "float")][1] == b"3.35"
    server.kill()
    server = Server(binary, directory)
    assert snapshot(server.client) == before
    # A rewrite: the new base holds everything, writes during and after go to the new incr.
    info = server.client.info("persistence")
    assert info["aof_enabled"] == 1
    assert server.client.bgrewriteaof() in ("Background append only file rewriting started",
                                            True)
    server.client.set("during", "rewrite")
    wait_for(lambda: server.client.info("persistence")["aof_rewrite_in_progress"] == 0,
             "the rewrite")
    server.client.set("after", "rewrite", ex=100)
    before = snapshot(server.client)
    manifest = open(os.path.join(directory, "appendonlydir", "appendonly.aof.manifest")).read()
    assert manifest == ("file appendonly.aof.2.base.rdb seq 2 type b\n"
                        "file appendonly.aof.2.incr.aof seq 2 type i\n"), manifest
    assert sorted(os.listdir(os.path.join(directory, "appendonlydir"))) == [
        "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
    server.kill()
    check = subprocess.run(
        ["redis-check-aof", os.path.join(directory, "appendonlydir", "appendonly.aof.manifest")],
        capture_output=True, text=True)
    assert check.returncode == 0 and "All AOF files and manifest are valid" in check.stdout, \
        check.stdout
    server = Server(binary, directory)
    assert snapshot(server.client) == before
    server.stop()
    return before


def wait_for(condition, what, seconds=30):
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.02)


def config_set_appendonly(binary, directory):
    """Switching the AOF on at run time writes a base of the dataset first."""
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--dir", directory, "--save", ""],
                               stdout=subprocess.DEVNULL)
    r = redis.Redis(port=port, socket_timeout=10, decode_responses=True)
    wait_for(lambda: _pings(r), "start-up")
    fill(r)
    assert r.info("persistence")["aof_enabled"] == 0
    assert r.config_set("appendonly", "yes")
    wait_for(lambda: os.path.exists(os.path.join(directory, "appendonlydir",
                                                 "appendonly.aof.manifest")), "the manifest")
    wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0, "the base")
    r.set("logged", "after")
    before = snapshot(r)
    process.kill()
    process.wait()
    server = Server(binary, directory)
    assert snapshot(server.client) == before
    server.stop()


def _pings(r):
    try:
        return r.ping()
    except redis.ConnectionError:
        return False


def crash_test(binary, directory, rounds):
    """Writers under appendfsync always, SIGKILLed at random moments: after each restart every
    acknowledged write is there, and each MULTI/EXEC block is there whole or not at all."""
    rng = random.Random(7)
    acked = {}   # writer -> INCRs acknowledged
    blocks = {}  # writer -> blocks acknowledged
    for round_number in range(rounds):
        server = Server(binary, directory, "--appendfsync", "always")
        stop = threading.Event()

        def writer(name):
            r = redis.Redis(port=server.port, socket_timeout=10, decode_responses=True)
            try:
                while not stop.is_set():
                    r.incr("counter:" + name)
                    acked[name] = acked.get(name, 0) + 1
                    n = blocks.get(name, 0)
                    with r.pipeline(transaction=True) as p:
                        p.set("a:%s:%d" % (name, n), n).rpush("list:" + name, n)
                        p.set("b:%s:%d" % (name, n), n)
                        p.execute()
                    blocks[name] = n + 1
            except (redis.ConnectionError, redis.TimeoutError):
                pass

        threads = [threading.Thread(target=writer, args=("w%d" % i,)) for i in range(4)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.05, 0.4))
        server.kill()
        stop.set()
        for t in threads:
            t.join()
        server = Server(binary, directory, "--appendfsync", "always")
        r = server.client
        for name, count in acked.items():
            value = int(r.get("counter:" + name) or 0)
            # The INCR in flight at the kill may have been logged without its reply arriving.
            assert count <= value <= count + 1, (round_number, name, count, value)
            acked[name] = value
        for name, count in blocks.items():
            present = [n for n in range(count + 1) if r.exists("a:%s:%d" % (name, n))]
            for n in range(count + 1):
                whole = [r.exists("a:%s:%d" % (name, n)), r.exists("b:%s:%d" % (name, n))]
                assert whole in ([0, 0], [1, 1]), (round_number, name, n, whole)
            assert present[:count] == list(range(count)), (round_number, name, count, present)
            assert r.lrange("list:" + name, 0, -1) == [str(n) for n in present]
            blocks[name] = len(present)
        if round_number % 5 == 4:
            r.bgrewriteaof()
            wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0, "rewrite")
        server.kill()
    assert sum(acked.values()) > 0 and sum(blocks.values()) > 0


def incr_file(directory):
    (path,) = glob.glob(os.path.join(directory, "appendonlydir", "*.incr.aof"))
    return path


def restart_with_tail(binary, directory, server, tail, kept, dropped, logged):
    """Kills `server`, appends `tail` to the incr file and restarts: `kept` is there, `dropped`
    is not, the file is cut back to its size before the tail, and the log says `logged`."""
    server.kill()
    path = incr_file(directory)
    size = os.path.getsize(path)
    with open(path, "ab") as f:
        f.write(tail)
    server = Server(binary, directory)
    assert server.client.get(kept) == "1" and server.client.exists(dropped) == 0
    assert os.path.getsize(path) == size
    assert logged in open(server.log).read()
    return server


def truncated_tail(binary, directory):
    server = Server(binary, directory)
    server.client.set("kept", "1")
    server = restart_with_tail(binary, directory, server,
                               b"*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$1", "kept", "lost",
                               "short read while loading the AOF file")
    server.client.set("later", "1")
    # An EXEC block cut before its EXEC is dropped whole.
    server = restart_with_tail(binary, directory, server,
                               b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$1\r\n1\r\n",
                               "later", "half", "Revert incomplete MULTI/EXEC transaction")
    server.stop()


def corrupted_byte(binary, directory):
    server = Server(binary, directory)
    for i in range(10):
        server.client.set("key%d" % i, i)
    server.kill()
    path = incr_file(directory)
    data = bytearray(open(path, "rb").read())
    offset = data.index(b"*3\r\n$3\r\nSET\r\n$4\r\nkey5")
    data[offset] = ord("?")
    open(path, "wb").write(bytes(data))
    port = free_port()
    result = subprocess.run([binary, "--port", str(port), "--dir", directory, "--appendonly",
                             "yes"], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    expected = "Bad file format reading the append only file %s at offset %d" % (
        os.path.join("appendonlydir", os.path.basename(path)), offset)
    assert expected in result.stdout, result.stdout


def interop(binary, directory, expected):
    """redis-server 7.0 loads gorodis's AOF directory (from round_trip) with the same contents,
    and gorodis loads the directory Redis writes."""
    redis_dir = os.path.join(directory, "redis")
    os.mkdir(redis_dir)
    shutil.copytree(os.path.join(directory, "round-trip", "appendonlydir"),
                    os.path.join(redis_dir, "appendonlydir"))
    server = Server("redis-server", redis_dir)
    assert snapshot(server.client) == expected
    server.client.set("from-redis", "1", ex=1000)
    server.client.incrbyfloat("float", "1")
    expected = snapshot(server.client)
    server.kill()
    mine = os.path.join(directory, "from-redis")
    os.mkdir(mine)
    shutil.copytree(os.path.join(redis_dir, "appendonlydir"), os.path.join(mine, "appendonlydir"))
    server = Server(binary, mine)
    assert snapshot(server.client) == expected
    server.stop()


def write_errors(binary, directory):
    """A failed AOF write (here EFBIG: a file size limit set on the running server) keeps the
    unwritten commands for a retry, says aof_last_write_status:err and refuses writes and PING
    with Redis's MISCONF error while reads go on; once a retry succeeds writes are accepted
    again, and after a SIGKILL every acknowledged write is there and no refused one."""
    server = Server(binary, directory)
    r = server.client
    pid = server.process.pid
    limit = 64 * 1024
    # Only the soft limit: raising a hard limit again needs a privilege.
    soft, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, hard))
    acknowledged = []
    refused = None
    for i in range(limit):
        try:
            r.set("key:%d" % i, "v" * 100)
            acknowledged.append(i)
        except redis.ResponseError as error:
            assert str(error) == "MISCONF Errors writing to the AOF file: File too large", error
            refused = i
            break
    assert refused is not None, "writes past the file size limit were never refused"
    assert r.info("persistence")["aof_last_write_status"] == "err"
    try:
        r.ping()
        raise AssertionError("PING was not refused")
    except redis.ResponseError as error:
        assert str(error).startswith("MISCONF"), error
    assert r.get("key:0") == "v" * 100
    assert r.exists("key:%d" % refused) == 0
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (soft, hard))
    wait_for(lambda: r.info("persistence")["aof_last_write_status"] == "ok",
             "the retried write to succeed")
    assert r.set("after", "1")
    server.kill()
    server = Server(binary, directory)
    r = server.client
    missing = [i for i in acknowledged if r.get("key:%d" % i) != "v" * 100]
    assert not missing, "acknowledged writes lost: %s" % missing[:10]
    assert r.exists("key:%d" % refused) == 0 and r.get("after") == "1"
    server.kill()


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(dir="/tmp") as root:
        def fresh(name):
            path = os.path.join(root, name)
            os.mkdir(path)
            return path
        expected = round_trip(binary, fresh("round-trip"))
        config_set_appendonly(binary, fresh("config-set"))
        truncated_tail(binary, fresh("truncated"))
        corrupted_byte(binary, fresh("corrupted"))
        write_errors(binary, fresh("write-errors"))
        crash_test(binary, fresh("crash"), 15)
        if shutil.which("redis-server"):
            interop(binary, root, expected)
    print("aof_py_test: ok")


if __name__ == "__main__":
    main()
