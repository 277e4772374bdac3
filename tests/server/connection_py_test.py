#!/usr/bin/python3
"""Connection-level behaviour over real sockets, checked against what redis-server 7.0.15 does:
protected mode (only 127.0.0.1, ::1 and Unix sockets are local: a client connecting from
127.0.0.2, loopback too, is refused), CLIENT LIST's fd= being the server's socket descriptor,
CONFIG SET proto-max-bulk-len / client-query-buffer-limit applying to the next request, and the
tighter length limits before AUTH. Usage: connection_py_test.py <gorodis binary>."""
import os
import socket
import sys
import time

import redis

from gorodis_process import gorodis

DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from the "
    b"loopback interface. If you want to connect from external computers to Redis you may adopt "
    b"one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    b"SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    b"host the server is running, however MAKE SURE Redis is not publicly accessible from "
    b"internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    b"you can just disable the protected mode by editing the Redis configuration file, and "
    b"setting the protected mode option to 'no', and then restarting the server. 3) If you "
    b"started the server manually just for testing, restart it with the '--protected-mode no' "
    b"option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    b"to do one of the above things in order for the server to start accepting connections from "
    b"the outside.\r\n")


def port_of(client):
    return client.connection_pool.connection_kwargs["port"]


def exchange(port, data, source="127.0.0.1", host="127.0.0.1"):
    """Sends `data` from `source`, returns everything read until EOF or a reset (with b"<open>"
    appended when the server keeps the connection open for 1 s)."""
    with socket.socket() as s:
        s.bind((source, 0))
        s.connect((host, port))
        s.settimeout(1)
        if data:
            s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return out
                out += chunk
        except socket.timeout:
            return out + b"<open>"
        except ConnectionResetError:  # closed with our bytes unread
            return out


def check_protected_mode(binary):
    with gorodis(binary, "--bind", "127.0.0.2", "127.0.0.1") as r:
        port = port_of(r)
        rejected = r.info("stats")["rejected_connections"]
        assert exchange(port, b"", source="127.0.0.2") == DENIED
        assert exchange(port, b"", source="127.0.0.2", host="127.0.0.2") == DENIED
        assert exchange(port, b"PING\r\n", source="127.0.0.1", host="127.0.0.2") == b"+PONG\r\n<open>"
        assert r.info("stats")["rejected_connections"] == rejected + 2
        assert r.config_get("protected-mode") == {"protected-mode": "yes"}
        assert r.config_set("protected-mode", "no") is True
        assert exchange(port, b"PING\r\n", source="127.0.0.2") == b"+PONG\r\n<open>"
        assert r.config_set("protected-mode", "yes") is True
        # A password for the default user lifts protected mode; the client must then AUTH.
        assert r.config_set("requirepass", "pw") is True
        assert exchange(port, b"PING\r\n", source="127.0.0.2") == \
            b"-NOAUTH Authentication required.\r\n<open>"
    print("protected mode: ok")


def socket_inode(server_port, client_port):
    """The inode of the server's end of the connection from client_port, from /proc/net/tcp."""
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if int(local.split(":")[1], 16) == server_port and \
                    int(remote.split(":")[1], 16) == client_port:
                return inode
    raise AssertionError("connection not found in /proc/net/tcp")


def check_client_fd(binary):
    with gorodis(binary) as r:
        pid = r.info("server")["process_id"]
        other = redis.Redis(port=port_of(r), socket_timeout=10)
        other.client_setname("other")
        fds = set()
        for entry in r.client_list():
            fd = int(entry["fd"])
            client_port = int(entry["addr"].rsplit(":", 1)[1])
            assert os.readlink(f"/proc/{pid}/fd/{fd}") == \
                f"socket:[{socket_inode(port_of(r), client_port)}]", entry
            fds.add(fd)
        assert len(fds) == 2
        info = r.client_info()
        assert int(info["fd"]) in fds and info["flags"] == "N"
    print("client fd: ok")


def check_runtime_limits(binary):
    with gorodis(binary) as r:
        port = port_of(r)
        assert r.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "536870912"}
        try:
            r.config_set("proto-max-bulk-len", "1k")
            raise AssertionError("1k accepted")
        except redis.ResponseError as e:
            assert str(e) == ("CONFIG SET failed (possibly related to argument "
                              "'proto-max-bulk-len') - argument must be between 1048576 and "
                              "9223372036854775807 inclusive"), str(e)
        assert r.config_set("proto-max-bulk-len", "1mb") is True
        assert r.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "1048576"}
        assert exchange(port, b"*1\r\n$1048577\r\n") == \
            b"-ERR Protocol error: invalid bulk length\r\n"
        assert exchange(port, b"*1\r\n$1048576\r\n") == b"<open>"
        # Strings built by commands are bounded by the new value too.
        try:
            r.setrange("big", 1048576, "x")
            raise AssertionError("setrange past proto-max-bulk-len accepted")
        except redis.ResponseError as e:
            assert str(e) == "string exceeds maximum allowed size (proto-max-bulk-len)", str(e)
        assert r.config_set("proto-max-bulk-len", "512mb") is True
        assert r.config_set("client-query-buffer-limit", "1mb") is True
        assert r.config_get("client-query-buffer-limit") == \
            {"client-query-buffer-limit": "1048576"}
        # Over the query buffer limit the client is closed without a reply.
        assert exchange(port, b"*1\r\n$2000000\r\n" + b"x" * 1100000) == b""
        assert r.ping() is True
        total_errors = r.info("stats")["total_error_replies"]
        assert exchange(port, b"*2147483647\r\n") == b"<open>"
        assert exchange(port, b"*2147483648\r\n") == \
            b"-ERR Protocol error: invalid multibulk length\r\n"
        # A protocol error is an error reply for INFO, as in Redis.
        assert r.info("stats")["total_error_replies"] == total_errors + 1
        assert r.config_set("requirepass", "pw") is True
        assert exchange(port, b"*11\r\n") == \
            b"-ERR Protocol error: unauthenticated multibulk length\r\n"
        assert exchange(port, b"*1\r\n$16385\r\n") == \
            b"-ERR Protocol error: unauthenticated bulk length\r\n"
        assert exchange(port, b"*1\r\n$16384\r\n") == b"<open>"
        assert exchange(port, b"AUTH pw\r\n*11\r\n$1\r\n") == b"+OK\r\n<open>"
    print("runtime limits: ok")


def check_stats(binary):
    with gorodis(binary) as r:
        r.set("k", "v")
        r.get("k")
        r.get("missing")
        assert r.mget("k", "missing", "k") == ["v", None, "v"]
        stats = r.info("stats")
        assert (stats["keyspace_hits"], stats["keyspace_misses"]) == (3, 2), stats
        try:
            r.incr("k")  # redis-py sends INCRBY k 1
        except redis.ResponseError:
            pass
        assert r.info("errorstats") == {"errorstat_ERR": "count=1"}
        assert r.info("commandstats")["cmdstat_incrby"]["failed_calls"] == 1
        assert r.config_resetstat() is True
        stats = r.info("stats")
        assert (stats["keyspace_hits"], stats["keyspace_misses"]) == (0, 0), stats
        assert stats["total_error_replies"] == 0
        assert r.info("errorstats") == {}
    print("stats: ok")


def main():
    check_protected_mode(sys.argv[1])
    check_client_fd(sys.argv[1])
    check_runtime_limits(sys.argv[1])
    check_stats(sys.argv[1])
    print("connection: all checks passed")


if __name__ == "__main__":
    main()
