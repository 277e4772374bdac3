#!/usr/bin/python3
"""gorodis starts from Debian's stock /etc/redis/redis.conf (only port, paths and bind changed):
it daemonizes, writes its pid file and removes it at SHUTDOWN, keeps transparent huge pages
off, and CONFIG GET answers for every parameter of the file. Parameters gorodis supports with
one value only refuse any other; rdbcompression and rdbchecksum change what is written; `save`
lines add up as in Redis; CONFIG REWRITE keeps comments, updates and appends directives.
Usage: redis_conf_py_test.py <gorodis binary>; exit status 0 on success."""
import os
import re
import subprocess
import sys
import tempfile
import time

import redis

from gorodis_process import free_port, gorodis

STOCK = "/etc/redis/redis.conf"  # from Debian's redis-server package (scripts/deps.sh)


def wait_for(condition, what, seconds=30):
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "timed out waiting for " + what
        time.sleep(0.05)


def parameters(text):
    """The parameter names the file sets, in order."""
    names = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(line.split()[0].lower())
    return names


def stock_configuration(binary, directory):
    text = open(STOCK).read()
    port = free_port()
    pidfile = os.path.join(directory, "gorodis.pid")
    # Later lines win, as in Redis.
    text += "\nport %d\nbind 127.0.0.1\npidfile %s\nlogfile %s\ndir %s\n" % (
        port, pidfile, os.path.join(directory, "gorodis.log"), directory)
    path = os.path.join(directory, "redis.conf")
    with open(path, "w") as f:
        f.write(text)
    started = subprocess.run([binary, path], capture_output=True, text=True, timeout=30)
    assert started.returncode == 0, started.stdout + started.stderr  # the parent of the daemon
    wait_for(lambda: os.path.exists(pidfile), "the pid file")
    r = redis.Redis(port=port, socket_timeout=10, decode_responses=True)
    wait_for(lambda: _answers(r), "the daemon to answer")
    pid = int(open(pidfile).read())
    assert r.info("server")["process_id"] == pid
    status = open("/proc/%d/status" % pid).read()
    match = re.search(r"^THP_enabled:\s*(\d)", status, re.M)
    assert match is None or match.group(1) == "0", "disable-thp yes left huge pages on"

    for name in set(parameters(text)):
        assert name in r.config_get(name), "CONFIG GET %s answers nothing" % name
    assert r.config_get("repl-diskless-load") == {"repl-diskless-load": "disabled"}
    assert r.config_get("oom-score-adj-values") == {"oom-score-adj-values": "0 200 800"}
    assert r.config_get("aof-use-rdb-preamble") == {"aof-use-rdb-preamble": "yes"}
    for name, value in (("aof-use-rdb-preamble", "no"), ("aof-timestamp-enabled", "yes"),
                        ("oom-score-adj", "yes")):
        try:
            r.config_set(name, value)
            raise AssertionError("CONFIG SET %s %s was accepted" % (name, value))
        except redis.ResponseError as error:
            assert "gorodis supports only" in str(error), error
    r.config_set("aof-use-rdb-preamble", "yes")
    r.config_set("lazyfree-lazy-user-del", "yes")
    assert r.config_get("lazyfree-lazy-user-del") == {"lazyfree-lazy-user-del": "yes"}

    try:
        r.shutdown(nosave=True)
    except redis.ConnectionError:
        pass
    wait_for(lambda: not os.path.exists("/proc/%d" % pid), "the daemon to exit")
    assert not os.path.exists(pidfile), "SHUTDOWN left the pid file"


def _answers(r):
    try:
        return r.ping()
    except redis.ConnectionError:
        return False


def rdb_options(binary, directory):
    long_text = "compressible " * 100
    with gorodis(binary, "--dir", directory) as r:
        r.set("k", long_text)
        compressed = r.dump("k")
        r.config_set("rdbcompression", "no")
        plain = r.dump("k")
        assert len(plain) > len(long_text) > len(compressed), (len(plain), len(compressed))
        assert r.restore("copy", 0, plain) and r.get("copy") == long_text
    with gorodis(binary, "--dir", directory, "--rdbchecksum", "no") as r:
        r.set("k", long_text)
        assert r.save()
        assert r.config_get("rdbchecksum") == {"rdbchecksum": "no"}
        try:
            r.config_set("rdbchecksum", "yes")  # immutable, as in Redis
            raise AssertionError("rdbchecksum changed at run time")
        except redis.ResponseError:
            pass
    data = open(os.path.join(directory, "dump.rdb"), "rb").read()
    assert data[-8:] == b"\0" * 8, "rdbchecksum no still wrote a checksum"
    with gorodis(binary, "--dir", directory) as r:  # a zero checksum is "not computed"
        assert r.get("k") == long_text


def config_rewrite(binary, directory):
    path = os.path.join(directory, "rewrite.conf")
    with open(path, "w") as f:
        f.write("# keep this comment\nsave 900 1\nsave 300 10\nmaxmemory-policy noeviction\n"
                "hash-max-ziplist-entries 100\nmaxmemory-policy volatile-lru\n")
    port = free_port()
    with open(os.path.join(directory, "rewrite.log"), "w") as log:
        server = subprocess.Popen([binary, path, "--port", str(port), "--dir", directory],
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        r = redis.Redis(port=port, socket_timeout=10, decode_responses=True)
        wait_for(lambda: _answers(r), "the server to answer")
        assert r.config_get("save") == {"save": "900 1 300 10"}, r.config_get("save")
        assert r.config_get("maxmemory-policy") == {"maxmemory-policy": "volatile-lru"}
        r.config_set("hash-max-listpack-entries", "50")
        r.config_set("notify-keyspace-events", "KEA")
        r.config_set("proc-title-template", "{title} with spaces")
        r.config_set("maxmemory-policy", "allkeys-lfu")
        assert r.config_rewrite()
        text = open(path).read()
        assert text.startswith("# keep this comment\n"), text
        assert text.count("maxmemory-policy") == 1 and "maxmemory-policy allkeys-lfu" in text, text
        assert "hash-max-ziplist-entries 50" in text and "# Generated by CONFIG REWRITE" in text
        server.terminate()
        server.wait(timeout=30)
        server = subprocess.Popen([binary, path, "--port", str(port), "--dir", directory],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for(lambda: _answers(r), "the restarted server to answer")
        assert r.config_get("hash-max-listpack-entries") == {"hash-max-listpack-entries": "50"}
        assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == "AKE"
        assert r.config_get("proc-title-template") == {
            "proc-title-template": "{title} with spaces"}
        assert r.config_get("save") == {"save": "900 1 300 10"}
    finally:
        server.kill()
        server.wait()
    with gorodis(binary) as r:
        try:
            r.config_rewrite()
            raise AssertionError("CONFIG REWRITE without a config file succeeded")
        except redis.ResponseError as error:
            assert str(error) == "The server is running without a config file", error


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(dir="/tmp") as directory:
        stock_configuration(binary, directory)
    with tempfile.TemporaryDirectory(dir="/tmp") as directory:
        rdb_options(binary, directory)
    with tempfile.TemporaryDirectory(dir="/tmp") as directory:
        config_rewrite(binary, directory)
    print("redis_conf_py_test: ok")


if __name__ == "__main__":
    main()
