#!/usr/bin/python3
"""RDB files between gorodis and Debian's redis-server 7.0: gorodis's SAVE passes
redis-check-rdb and loads in Redis with the same data; Redis's dump loads in gorodis; DEBUG
RELOAD keeps everything; a damaged file stops gorodis's start-up with a clear message.
Usage: rdb_py_test.py <gorodis binary>; exit status 0 on success."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import redis

from gorodis_process import free_port, gorodis

LONG = "compressible " * 40


def fill(r):
    r.set("small", "7")
    r.set("negative", "-30000")
    r.set("big", "123456789012345")
    r.set("text", "hello world")
    r.set("long", LONG)
    r.set("binary", "\x00\xff\r\n")
    r.set("ttl", "soon", px=3_600_000)
    r.hset("small-hash", mapping={"f1": "v1", "f2": "2", "f3": LONG})
    r.hset("tiny-hash", mapping={"a": "1", "b": "-7"})
    r.hset("big-hash", mapping={"field%d" % i: "value%d" % i for i in range(600)})
    r.sadd("int-set", 1, -5, 70000)
    r.sadd("text-set", "a", "b", LONG)
    r.zadd("small-zset", {"a": 1.5, "b": -2})
    r.zadd("big-zset", {"m%d" % i: i / 3 for i in range(300)})
    r.rpush("small-list", "x", "12", LONG)
    r.rpush("big-list", *["element-%d" % i for i in range(5000)])  # several quicklist nodes
    r.select(3)
    r.set("other-db", "3")
    r.select(0)


def check(r, extra_keys=0):
    assert r.get("small") == "7"
    assert r.get("negative") == "-30000"
    assert r.get("big") == "123456789012345"
    assert r.get("text") == "hello world"
    assert r.get("long") == LONG
    assert r.get("binary") == "\x00\xff\r\n"
    assert 3_500_000 < r.pttl("ttl") <= 3_600_000, r.pttl("ttl")
    assert r.pttl("small") == -1
    assert r.hgetall("small-hash") == {"f1": "v1", "f2": "2", "f3": LONG}
    assert r.object("encoding", "small-hash") == "hashtable"  # f3 is longer than 64 bytes
    assert r.hgetall("tiny-hash") == {"a": "1", "b": "-7"}
    assert r.object("encoding", "tiny-hash") == "listpack"
    assert r.hgetall("big-hash") == {"field%d" % i: "value%d" % i for i in range(600)}
    assert r.smembers("int-set") == {"1", "-5", "70000"}
    assert r.object("encoding", "int-set") == "intset"
    assert r.smembers("text-set") == {"a", "b", LONG}
    assert r.zrange("small-zset", 0, -1, withscores=True) == [("b", -2.0), ("a", 1.5)]
    assert r.object("encoding", "small-zset") == "listpack"
    assert r.zrange("big-zset", 0, -1, withscores=True) == [("m%d" % i, i / 3) for i in range(300)]
    assert r.object("encoding", "big-zset") == "skiplist"
    assert r.lrange("small-list", 0, -1) == ["x", "12", LONG]
    assert r.lrange("big-list", 0, -1) == ["element-%d" % i for i in range(5000)]
    assert r.dbsize() == 16 + extra_keys
    r.select(3)
    assert r.get("other-db") == "3"
    r.select(0)


class RedisServer:
    def __init__(self, directory, dbfilename):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--dir", directory, "--dbfilename",
             dbfilename, "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        self.client = redis.Redis(port=self.port, socket_timeout=10, decode_responses=True)
        deadline = time.time() + 30
        while True:
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        self.process.kill()
        self.process.wait()


def resp(*args):
    return b"".join([b"*%d\r\n" % len(args)] +
                    [b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args])


def background_save_is_a_point_in_time(binary, directory):
    """Writes racing a BGSAVE must not leak into it: after reloading the file every key has the
    value it had when BGSAVE answered, and keys created afterwards are absent."""
    keys = 1_000_000
    with gorodis(binary, "--dir", directory, "--dbfilename", "bg.rdb") as r:
        assert r.execute_command("DEBUG", "POPULATE", keys) == "OK"
        # The writes are encoded before BGSAVE and sent the moment it answers, so that they
        # race with the save.
        writes = [resp("SET", "key:%d" % i, "changed") for i in range(0, keys, 3)]
        writes += [resp("DEL", "key:%d" % i) for i in range(1, keys, 30)]
        writes += [resp("SET", "new:%d" % i, "x") for i in range(10_000)]
        port = r.connection_pool.connection_kwargs["port"]
        with socket.create_connection(("127.0.0.1", port)) as raw:
            assert r.bgsave() is True
            raw.sendall(b"".join(writes))
            expected = sum(len(b"+OK\r\n") if w.startswith(b"*3") else len(b":1\r\n")
                           for w in writes)
            received = 0
            while received < expected:
                chunk = raw.recv(1 << 20)
                assert chunk, "connection closed"
                received += len(chunk)
        deadline = time.time() + 60
        while r.info("persistence")["rdb_bgsave_in_progress"]:
            assert time.time() < deadline, "BGSAVE did not finish"
            time.sleep(0.05)
        assert r.info("persistence")["rdb_last_bgsave_status"] == "ok"
        assert r.execute_command("DEBUG", "RELOAD", "NOSAVE") == "OK"
        assert r.dbsize() == keys
        for i in range(0, keys, 997):
            assert r.get("key:%d" % i) == "value:%d" % i, i
        assert r.exists("new:0", "new:9999") == 0


def wait_for(condition, what, seconds=30):
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, what
        time.sleep(0.05)


def save_rules(binary, directory):
    """`save <seconds> <changes>` starts a BGSAVE once both are reached, like Redis's cron."""
    path = os.path.join(directory, "rules.rdb")
    with gorodis(binary, "--dir", directory, "--dbfilename", "rules.rdb", "--save", "1 5") as r:
        assert r.config_get("save") == {"save": "1 5"}
        assert r.info("persistence")["rdb_changes_since_last_save"] == 0
        r.set("a", "1")
        r.rpush("b", "x", "y")
        # The same count as Redis's server.dirty for these commands.
        assert r.info("persistence")["rdb_changes_since_last_save"] == 3
        time.sleep(2.5)  # more than a second, but three changes are fewer than five
        assert not os.path.exists(path)
        r.sadd("c", "m", "n")
        wait_for(lambda: os.path.exists(path), "the save rule never fired")
        wait_for(lambda: r.info("persistence")["rdb_changes_since_last_save"] == 0,
                 "the save was not recorded")
        try:
            r.config_set("save", "1 2 3")
            raise AssertionError("an odd number of save values was accepted")
        except redis.ResponseError as error:
            assert "Invalid save parameters" in str(error), error
        r.config_set("save", "  100   5 ")
        assert r.config_get("save") == {"save": "100 5"}
    with gorodis(binary, "--dir", directory, "--dbfilename", "rules.rdb") as r:
        assert r.get("a") == "1" and r.lrange("b", 0, -1) == ["x", "y"]
        assert r.smembers("c") == {"m", "n"}


def sigterm_saves_when_rules_exist(binary, directory):
    """Like Redis, SIGTERM saves before exiting when save rules are configured."""
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--dir", directory, "--dbfilename",
                               "term.rdb", "--save", "3600 1"], stdout=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port, socket_timeout=10, decode_responses=True)

        def ready():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False
        wait_for(ready, "gorodis did not start")
        client.set("kept", "by SIGTERM")
        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
    finally:
        if server.poll() is None:
            server.kill()
    with gorodis(binary, "--dir", directory, "--dbfilename", "term.rdb") as r:
        assert r.get("kept") == "by SIGTERM"


BGSAVE_MISCONF = (
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
    "RDB error.")


def failed_bgsave_stops_writes(binary, root):
    """Like Redis (checked against redis-server 7.0.15): after a failed BGSAVE, with save rules
    and stop-writes-on-bgsave-error yes, writes and PING get MISCONF (a queued write aborts
    EXEC) while reads go on; turning the option off or removing the save rules lifts it."""
    directory = os.path.join(root, "vanishing")
    os.mkdir(directory)
    with gorodis(binary, "--dir", directory, "--save", "3600 1") as r:
        os.rmdir(directory)  # the snapshot's temp file cannot be created now
        try:
            r.bgsave()
        except redis.ResponseError:
            pass  # gorodis opens the file before answering; Redis's child fails later
        wait_for(lambda: r.info("persistence")["rdb_last_bgsave_status"] == "err",
                 "the BGSAVE to fail")
        for command in (("SET", "k", "v"), ("PING",), ("DEL", "k")):
            try:
                r.execute_command(*command)
                raise AssertionError("%s was not refused" % (command,))
            except redis.ResponseError as error:
                assert str(error) == BGSAVE_MISCONF, error
        assert r.get("k") is None
        pipe = r.pipeline(transaction=True)
        pipe.set("a", "b")
        try:
            pipe.execute()
            raise AssertionError("a transaction with a write was not refused")
        except redis.ResponseError as error:
            assert "MISCONF" in str(error) or "EXECABORT" in str(error), error
        assert r.exists("a") == 0
        r.config_set("stop-writes-on-bgsave-error", "no")
        assert r.set("k", "v")
        r.config_set("stop-writes-on-bgsave-error", "yes")
        r.config_set("save", "")
        assert r.set("k", "v2") and r.get("k") == "v2"


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as directory:
        save_rules(binary, directory)
        failed_bgsave_stops_writes(binary, directory)
        sigterm_saves_when_rules_exist(binary, directory)
        background_save_is_a_point_in_time(binary, directory)
        with gorodis(binary, "--dir", directory, "--dbfilename", "g.rdb") as r:
            before = r.lastsave()
            fill(r)
            time.sleep(1.1)
            assert r.save() is True
            assert r.lastsave() > before
            assert r.execute_command("DEBUG", "RELOAD") == "OK"
            check(r)
        path = os.path.join(directory, "g.rdb")
        checked = subprocess.run(["redis-check-rdb", path], capture_output=True, text=True)
        assert checked.returncode == 0 and "RDB looks OK" in checked.stdout, checked.stdout

        real = RedisServer(directory, "g.rdb")
        try:
            check(real.client)
            real.client.set("from-redis", "yes")
            assert real.client.save() is True
        finally:
            real.stop()
        with gorodis(binary, "--dir", directory, "--dbfilename", "g.rdb") as r:
            check(r, extra_keys=1)
            assert r.get("from-redis") == "yes"

        data = open(path, "rb").read()
        for name, damaged in (("flipped", data[:40] + bytes([data[40] ^ 0x20]) + data[41:]),
                              ("truncated", data[:-20])):
            with open(os.path.join(directory, name + ".rdb"), "wb") as f:
                f.write(damaged)
            result = subprocess.run([binary, "--port", str(free_port()), "--dir", directory,
                                     "--dbfilename", name + ".rdb"], capture_output=True,
                                    text=True, timeout=30)
            assert result.returncode != 0, name
            assert "Fatal error loading the DB" in result.stdout + result.stderr, name
    print("rdb: all checks passed")


if __name__ == "__main__":
    main()
