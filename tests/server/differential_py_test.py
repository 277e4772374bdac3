#!/usr/bin/python3
"""Differential test: the same seeded random command sequences against gorodis and a real
redis-server 7.0, every reply compared.

Usage: differential_py_test.py <gorodis binary> [--seed N] [--commands N] [--verbose]
Exit status 0 when every reply matched (or, with a message, when /usr/bin/redis-server is not
installed: scripts/deps.sh installs it).

How it works:
  * Both servers get byte-identical requests over raw sockets; replies are read by the small RESP
    reader below (not redis-py), so the comparison is of the exact reply bytes: error texts,
    integer vs bulk, RESP3 doubles, null kinds all count.
  * FAMILIES is the one table of generators: per command family a list of (command, generator).
    A generator draws one command (arguments from small pools, so keys and members collide and
    types clash) and says how to compare its reply. A command runs only if gorodis knows it
    (COMMAND INFO at start), so families light up by themselves as branches land. Add a family
    or a command by adding a row.
  * Replies that Redis itself does not fix are compared by what is fixed: unordered collections
    (hash/set iteration, KEYS) as sorted multisets, random picks (SRANDMEMBER, HRANDFIELD,
    ZRANDMEMBER with a negative count, RANDOMKEY) by shape and size, TTLs within a second of each
    other, DUMPs of hashtable-encoded sets and hashes (dict order) by size. Commands whose effect
    is random (SPOP with a count below the set size), time- or server-specific (TIME, INFO,
    OBJECT FREQ/IDLETIME, DEBUG, MEMORY USAGE, CLIENT *) and the SCAN family (cursor order) are
    not generated.
  * Relative expirations are at least 1000 s, so nothing expires during the run; expirations in
    the past (which delete at once) are deterministic and generated too.
  * Some commands are mutated on purpose (an argument dropped or a junk one appended) to hit the
    arity and syntax error paths of every command.
  * Every seed runs first in RESP2, then after HELLO 3 in RESP3.
On a mismatch the seed, the command's position, the command and both replies are printed."""
import argparse
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time

from gorodis_process import free_port, gorodis

REDIS_SERVER = "/usr/bin/redis-server"
SEEDS = (1, 2, 3, 4)
COMMANDS_PER_SEED = 5000  # per protocol: 4 seeds x 2 protocols x 5000 = 40000 commands
BATCH = 64  # commands pipelined per round trip (replies still compared one by one)
MAX_REPORTED = 8


# ---------------------------------------------------------------------------------------------
# RESP


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class Reply:
    """One reply: its exact bytes, type byte and (for aggregates) children."""

    __slots__ = ("raw", "kind", "children")

    def __init__(self, raw, kind, children=None):
        self.raw, self.kind, self.children = raw, kind, children

    def __repr__(self):
        if len(self.raw) <= 400:
            return repr(self.raw)
        return repr(self.raw[:400] + b"...(%d bytes)" % len(self.raw))


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""
        self.pos = 0

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf = self.buf[self.pos:] + data
        self.pos = 0

    def _line(self):
        while True:
            end = self.buf.find(b"\r\n", self.pos)
            if end >= 0:
                line = self.buf[self.pos:end + 2]
                self.pos = end + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n:
            self._fill()
        data = self.buf[self.pos:self.pos + n]
        self.pos += n
        return data

    def read(self):
        line = self._line()
        kind = line[:1]
        if kind in (b"$", b"=", b"!"):  # bulk, verbatim, bulk error
            n = int(line[1:-2])
            return Reply(line if n < 0 else line + self._exact(n + 2), kind)
        if kind in (b"*", b"~", b">", b"%", b"|"):
            n = int(line[1:-2])
            if n < 0:
                return Reply(line, kind)
            children = [self.read() for _ in range(n * 2 if kind in (b"%", b"|") else n)]
            reply = Reply(line + b"".join(c.raw for c in children), kind, children)
            if kind == b"|":  # an attribute precedes the actual reply
                actual = self.read()
                return Reply(reply.raw + actual.raw, actual.kind, actual.children)
            return reply
        return Reply(line, kind)  # + - : _ , # (

    def pipeline(self, commands):
        self.sock.sendall(b"".join(encode(c) for c in commands))
        return [self.read() for _ in commands]


# ---------------------------------------------------------------------------------------------
# Comparison modes


def _pairs(children):
    return sorted((children[i].raw, children[i + 1].raw) for i in range(0, len(children) - 1, 2))


def canonical(reply, mode):
    """What must be equal between the two servers' replies for a command of this mode."""
    if reply.kind in (b"-", b"!") or reply.children is None or mode == "exact":
        if mode == "approx" and reply.kind == b":":
            value = int(reply.raw[1:-2])
            return ("approx", value) if value >= 0 else reply.raw
        if mode == "shape" and reply.kind in (b"$", b"="):
            return (reply.kind, reply.raw.startswith(b"$-1"))
        payload = reply.raw.split(b"\r\n", 1)[1] if reply.kind == b"$" else b""
        if mode == "dump" and payload[:1] in (b"\x02", b"\x04"):
            # A hashtable-encoded set or hash is serialized in dict order, which depends on the
            # process's random hash seed: only the payload's size is fixed.
            return ("dump", len(reply.raw))
        return reply.raw
    if mode == "unordered":
        return (reply.kind, sorted(c.raw for c in reply.children))
    if mode == "pairs":  # a map, a flat array of field, value, ... or an array of [field, value]
        if all(c.children is not None for c in reply.children):
            return (reply.kind, sorted(c.raw for c in reply.children))
        return (reply.kind, _pairs(reply.children))
    if mode == "shape":  # random picks: only the kind and the number of elements are fixed
        return (reply.kind, len(reply.children))
    if mode == "dump":  # see below
        return reply.raw
    raise ValueError(mode)


def same(a, b, mode, tolerance):
    ca, cb = canonical(a, mode), canonical(b, mode)
    if isinstance(ca, tuple) and isinstance(cb, tuple) and ca[0] == cb[0] == "approx":
        return abs(ca[1] - cb[1]) <= tolerance
    return ca == cb


# ---------------------------------------------------------------------------------------------
# Generators


class Gen:
    """Argument pools. Small on purpose: commands must keep hitting the same keys."""

    KEYS = ["k1", "k2", "k3", "k4", "k5", "k6"]
    MEMBERS = ["a", "b", "c", "d", "e", "1", "2", "10", "-3", "", "long-member-" + "x" * 30]
    INTS = ["0", "1", "2", "3", "-1", "-2", "5", "10", "100", "-100", "9223372036854775807",
            "-9223372036854775808", "9223372036854775808", "abc", "1.5", "", " 1", "+1", "007"]
    FLOATS = ["0", "1", "-1", "1.5", "-2.25", "1e3", "3.0e-2", "inf", "-inf", "+inf", "nan", "abc",
              "0x10", " 1", "10", "100"]
    VALUES = ["", "a", "hello", "0", "1", "12", "-7", "3.5", "1e3", "9223372036854775807",
              "x" * 50, "\x00\xff bin", "HYLL"]

    def __init__(self, rng, dumps):
        self.rng = rng
        self.dumps = dumps  # DUMP payloads captured from Redis at start (for RESTORE)
        self.home = self.KEYS  # the current family's own keys (set per command)

    def pick(self, pool):
        return self.rng.choice(pool)

    def key(self):
        # Half the time a key every family uses (types clash), else one of the family's own (its
        # values grow past the small encodings).
        return self.pick(self.KEYS if self.rng.random() < 0.5 else self.home)

    def keys(self, low=1, high=4):
        return [self.key() for _ in range(self.rng.randint(low, high))]

    def member(self):
        return self.pick(self.MEMBERS)

    def members(self, low=1, high=4):
        return [self.member() for _ in range(self.rng.randint(low, high))]

    def int_(self, low=-5, high=20):
        if self.rng.random() < 0.15:
            return self.pick(self.INTS)
        return str(self.rng.randint(low, high))

    def float_(self):
        if self.rng.random() < 0.3:
            return self.pick(self.FLOATS)
        return repr(round(self.rng.uniform(-20, 20), self.rng.randint(0, 3)))

    def value(self):
        if self.rng.random() < 0.6:
            return self.pick(self.VALUES)
        return str(self.rng.randint(-50, 500))

    def offset(self, high, *invalid):
        return self.pick([str(self.rng.randint(0, high))] * 3 + list(invalid))

    def field_values(self, high=3):
        return [x for field in self.members(1, high) for x in (field, self.value())]

    def bounds(self, by):  # a ZRANGE-style min and max, by score or lex
        return [g_zrange_bound(self, by), g_zrange_bound(self, by)]

    def maybe(self, p, *args):
        return list(args) if self.rng.random() < p else []

    def future_s(self):  # an absolute unix time far enough ahead not to expire during the run
        return str(int(time.time()) + self.rng.randint(5000, 100000))

    def ttl_s(self):
        return str(self.rng.randint(1000, 100000))

    def expire_option(self):
        """SET/GETEX expiry option, mostly valid, sometimes in the past or malformed."""
        r = self.rng.random()
        if r < 0.25:
            return ["EX", self.ttl_s()]
        if r < 0.45:
            return ["PX", str(self.rng.randint(1000000, 100000000))]
        if r < 0.6:
            return ["EXAT", self.future_s()]
        if r < 0.7:
            return ["PXAT", str(int(time.time() * 1000) + self.rng.randint(5000000, 90000000))]
        if r < 0.8:
            return [self.pick(["EX", "PX", "EXAT", "PXAT"]), self.pick(["0", "-1", "abc", "1.5"])]
        return []


def cmd(*args, mode="exact", tolerance=0, mutable=True):
    """One generated command: its arguments, how to compare its reply, and whether mutate() may
    alter it."""
    return (list(args), mode, tolerance, mutable and mode == "exact")


def g_set(g):
    args = ["SET", g.key(), g.value()]
    for option in g.rng.sample(["NX", "XX", "GET", "KEEPTTL", "EXP", "EXP"], g.rng.randint(0, 3)):
        args += g.expire_option() if option == "EXP" else [option]
    return cmd(*args)


def g_bitfield(g, read_only=False):
    args = ["BITFIELD_RO" if read_only else "BITFIELD", g.key()]
    for _ in range(g.rng.randint(1, 4)):
        kind = g.pick(["i", "u"]) + str(g.pick([1, 4, 8, 16, 63, 64, 0, 65]))
        offset = g.pick([str(g.rng.randint(0, 64)), "#" + str(g.rng.randint(0, 8)), "-1", "x"])
        op = "GET" if read_only else g.pick(["GET", "SET", "INCRBY", "OVERFLOW"])
        if op == "OVERFLOW":
            args += ["OVERFLOW", g.pick(["WRAP", "SAT", "FAIL", "BAD"])]
        elif op == "GET":
            args += ["GET", kind, offset]
        else:
            args += [op, kind, offset, g.int_(-300, 300)]
    return cmd(*args)


def g_bit_range(g, command):
    args = [command, g.key()] + ([g.pick(["0", "1", "2"])] if command == "BITPOS" else [])
    r = g.rng.random()
    if r < 0.7:
        both = r < 0.5 or command == "BITCOUNT"
        args += [g.int_(-10, 10), g.int_(-10, 10)] if both else [g.int_(-10, 10)]
        args += g.maybe(0.4, g.pick(["BYTE", "BIT", "bit", "NOPE"]))
    return cmd(*args)


def g_restore(g):
    args = ["RESTORE", g.key(), g.pick(["0", "0", g.ttl_s() + "000", "-5", "abc"]), g.pick(g.dumps)]
    args += g.maybe(0.5, "REPLACE") + g.maybe(0.2, "ABSTTL")
    args += g.maybe(0.2, "IDLETIME", g.int_(0, 100))
    return cmd(*args)


def g_expire(g, command):
    absolute = command.endswith("AT")
    millis = command.startswith("P")
    r = g.rng.random()
    if r < 0.75:  # in the future
        seconds = int(g.future_s()) if absolute else int(g.ttl_s())
        when = str(seconds * 1000 + g.rng.randint(0, 999)) if millis else str(seconds)
    elif r < 0.9:  # in the past (relative: not positive; absolute: 1970): deletes the key
        when = g.pick(["-1", "0", "1", "100"] if absolute else ["-1", "0", "-100"])
    else:
        when = g.pick(["abc", "1.5", "", "9223372036854775807", "-9223372036854775808"])
    return cmd(command, g.key(), when, *g.maybe(0.3, g.pick(["NX", "XX", "GT", "LT", "BAD"])))


def g_zadd(g):
    args = ["ZADD", g.key()]
    args += g.rng.sample(["NX", "XX", "GT", "LT", "CH", "INCR"], g.rng.choice([0, 0, 1, 2]))
    for _ in range(g.rng.randint(1, 3)):
        args += [g.float_(), g.member()]
    return cmd(*args)


def g_zrange_bound(g, by):
    if by == "lex":
        return g.pick(["-", "+", "[a", "(b", "[c", "(1", "[", "a", "[e"])
    return g.pick(["-inf", "+inf", "0", "(1", "2.5", "(-3", "10", "abc", "(inf"])


def g_zrange(g):
    by = g.pick(["index", "index", "score", "lex"])
    if by == "index":
        args = ["ZRANGE", g.key(), g.int_(-5, 5), g.int_(-5, 5)]
    else:
        args = ["ZRANGE", g.key(), *g.bounds(by), "BYSCORE" if by == "score" else "BYLEX"]
    args += g.maybe(0.3, "REV") + g.maybe(0.3, "LIMIT", g.int_(-1, 3), g.int_(-1, 5))
    args += g.maybe(0.4, "WITHSCORES")
    return cmd(*args)


def g_zsetop(g, command):
    keys = g.keys(1, 3)
    store = command.endswith("STORE")
    args = [command] + ([g.key()] if store else []) + [str(len(keys))] + keys
    if command not in ("ZDIFF", "ZDIFFSTORE", "ZINTERCARD"):
        args += g.maybe(0.3, "WEIGHTS", *[g.float_() for _ in keys])
        args += g.maybe(0.3, "AGGREGATE", g.pick(["SUM", "MIN", "MAX", "AVG"]))
    if command == "ZINTERCARD":
        args += g.maybe(0.3, "LIMIT", g.int_(0, 3))
    if not store and command != "ZINTERCARD":
        args += g.maybe(0.4, "WITHSCORES")
    return cmd(*args)


def g_random_pick(g, command, withname):
    """Random-member commands: a count at least the size returns everything (unordered); a
    negative one repeats random picks (shape only); no count picks one (shape only)."""
    r = g.rng.random()
    extra = g.maybe(0.5, withname) if withname else []
    if r < 0.4:
        return cmd(command, g.key(), "100", *extra, mode="pairs" if extra else "unordered")
    if r < 0.8:
        return cmd(command, g.key(), str(-g.rng.randint(1, 5)), *extra, mode="shape")
    return cmd(command, g.key(), mode="shape")


def g_pop_count(g, command):
    return cmd(command, g.key(), *g.maybe(0.5, g.int_(-1, 4)))


def g_mpop(g, command, ends):
    keys = g.keys(1, 3)
    return cmd(command, str(len(keys)), *keys, g.pick(ends), *g.maybe(0.5, "COUNT", g.int_(0, 4)))


# Each family: a list of (command, generator). The command names what gorodis must know for the
# row to be used (COMMAND INFO); the generator returns cmd(...).
FAMILIES = {
    "strings": [
        ("set", g_set),
        ("get", lambda g: cmd("GET", g.key())),
        ("getset", lambda g: cmd("GETSET", g.key(), g.value())),
        ("getex", lambda g: cmd("GETEX", g.key(), *g.pick([[], ["PERSIST"], g.expire_option()]))),
        ("getdel", lambda g: cmd("GETDEL", g.key())),
        ("mget", lambda g: cmd("MGET", *g.keys())),
        ("mset", lambda g: cmd("MSET", *[x for k in g.keys(1, 3) for x in (k, g.value())])),
        ("msetnx", lambda g: cmd("MSETNX", *[x for k in g.keys(1, 3) for x in (k, g.value())])),
        ("setnx", lambda g: cmd("SETNX", g.key(), g.value())),
        ("setex", lambda g: cmd("SETEX", g.key(), g.pick([g.ttl_s(), "0", "-1", "x"]), g.value())),
        ("psetex", lambda g: cmd("PSETEX", g.key(), g.pick([g.ttl_s() + "000", "0", "x"]),
                                 g.value())),
        ("incr", lambda g: cmd("INCR", g.key())),
        ("decr", lambda g: cmd("DECR", g.key())),
        ("incrby", lambda g: cmd("INCRBY", g.key(), g.int_())),
        ("decrby", lambda g: cmd("DECRBY", g.key(), g.int_())),
        ("incrbyfloat", lambda g: cmd("INCRBYFLOAT", g.key(), g.float_())),
        ("append", lambda g: cmd("APPEND", g.key(), g.value())),
        ("strlen", lambda g: cmd("STRLEN", g.key())),
        ("getrange", lambda g: cmd("GETRANGE", g.key(), g.int_(-10, 10), g.int_(-10, 10))),
        ("substr", lambda g: cmd("SUBSTR", g.key(), g.int_(-10, 10), g.int_(-10, 10))),
        ("setrange", lambda g: cmd("SETRANGE", g.key(), g.offset(40, "-1", "x", "536870912"),
                                   g.value())),
        ("lcs", lambda g: cmd("LCS", g.key(), g.key(), *g.pick([
            [], ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN"], ["IDX", "MINMATCHLEN", g.int_(0, 3)]]))),
    ],
    "keys": [
        ("del", lambda g: cmd("DEL", *g.keys(1, 2))),
        ("unlink", lambda g: cmd("UNLINK", *g.keys(1, 2))),
        ("exists", lambda g: cmd("EXISTS", *g.keys())),
        ("type", lambda g: cmd("TYPE", g.key())),
        ("keys", lambda g: cmd("KEYS", g.pick(["*", "k[1-3]", "k?", "no*"]), mode="unordered")),
        ("rename", lambda g: cmd("RENAME", g.key(), g.key())),
        ("renamenx", lambda g: cmd("RENAMENX", g.key(), g.key())),
        ("copy", lambda g: cmd("COPY", g.key(), g.key(),
                               *g.maybe(0.3, "DB", g.pick(["0", "1", "99", "x"])),
                               *g.maybe(0.4, "REPLACE"))),
        ("move", lambda g: cmd("MOVE", g.key(), g.pick(["1", "1", "0", "16", "x"]))),
        ("touch", lambda g: cmd("TOUCH", *g.keys())),
        ("dump", lambda g: cmd("DUMP", g.key(), mode="dump")),
        ("restore", g_restore),
        ("object", lambda g: cmd("OBJECT", g.pick(["ENCODING", "ENCODING", "REFCOUNT"]), g.key())),
        ("dbsize", lambda g: cmd("DBSIZE")),
        ("randomkey", lambda g: cmd("RANDOMKEY", mode="shape")),
        ("swapdb", lambda g: cmd("SWAPDB", "0", g.pick(["1", "0", "x"]))),
        ("select", lambda g: cmd("SELECT", g.pick(["0", "0", "0", "1", "16", "x"]))),
        ("echo", lambda g: cmd(g.pick(["ECHO", "PING"]), g.value())),
        # Not mutated: a bare COMMAND lists every command, and gorodis does not have them all.
        ("command", lambda g: cmd("COMMAND", g.pick(["GETKEYS", "GETKEYSANDFLAGS"]), *g.pick([
            ["SET", g.key(), "v", *g.maybe(0.5, "GET")], ["MSET", g.key(), "1", g.key()], ["GET"],
            ["PFMERGE", g.key(), *g.keys(0, 2)], ["NOSUCH", "x"], ["PFDEBUG", "GETREG", g.key()],
            ["BITOP", "AND", g.key(), g.key()], ["BITFIELD_RO", g.key(), "GET", "u8", "0"]]),
                                  mutable=False)),
        ("flushdb", lambda g: cmd("FLUSHDB") if g.rng.random() < 0.05 else cmd("EXISTS", g.key())),
    ],
    "expiry": [
        ("expire", lambda g: g_expire(g, "EXPIRE")),
        ("pexpire", lambda g: g_expire(g, "PEXPIRE")),
        ("expireat", lambda g: g_expire(g, "EXPIREAT")),
        ("pexpireat", lambda g: g_expire(g, "PEXPIREAT")),
        ("ttl", lambda g: cmd("TTL", g.key(), mode="approx", tolerance=1)),
        ("pttl", lambda g: cmd("PTTL", g.key(), mode="approx", tolerance=1000)),
        ("expiretime", lambda g: cmd("EXPIRETIME", g.key(), mode="approx", tolerance=1)),
        ("pexpiretime", lambda g: cmd("PEXPIRETIME", g.key(), mode="approx", tolerance=1000)),
        ("persist", lambda g: cmd("PERSIST", g.key())),
    ],
    "bitmaps": [
        ("setbit", lambda g: cmd("SETBIT", g.key(), g.offset(200, "-1", "4294967296", "x"),
                                 g.pick(["0", "1", "1", "2", "x"]))),
        ("getbit", lambda g: cmd("GETBIT", g.key(), g.offset(200, "-1", "x"))),
        ("bitcount", lambda g: g_bit_range(g, "BITCOUNT")),
        ("bitpos", lambda g: g_bit_range(g, "BITPOS")),
        ("bitop", lambda g: cmd("BITOP", g.pick(["AND", "OR", "XOR", "NOT", "nope"]), g.key(),
                                *g.keys(1, 3))),
        ("bitfield", g_bitfield),
        ("bitfield_ro", lambda g: g_bitfield(g, read_only=True)),
    ],
    "hyperloglog": [
        # Up to 30 elements from a few thousand: values grow from sparse to dense.
        ("pfadd", lambda g: cmd("PFADD", g.key(), *[g.member() + str(g.rng.randint(0, 400))
                                                    for _ in range(g.rng.randint(0, 30))])),
        ("pfcount", lambda g: cmd("PFCOUNT", *g.keys(1, 3))),
        ("pfmerge", lambda g: cmd("PFMERGE", g.key(), *g.keys(0, 3))),
        ("pfdebug", lambda g: cmd("PFDEBUG", g.pick(["ENCODING", "DECODE", "TODENSE", "NOPE"]),
                                  g.key())),
        # Moves the sparse-to-dense promotion point (reset to 3000 at each seed's start).
        ("config", lambda g: cmd("CONFIG", "SET", "hll-sparse-max-bytes",
                                 g.pick(["0", "40", "300", "3000", "3000", "-1", "1kb"]))
         if g.rng.random() < 0.25 else cmd("PFCOUNT", g.key())),
    ],
    "lists": [
        ("lpush", lambda g: cmd("LPUSH", g.key(), *g.members())),
        ("rpush", lambda g: cmd("RPUSH", g.key(), *g.members())),
        ("lpushx", lambda g: cmd("LPUSHX", g.key(), *g.members())),
        ("rpushx", lambda g: cmd("RPUSHX", g.key(), *g.members())),
        ("lpop", lambda g: g_pop_count(g, "LPOP")),
        ("rpop", lambda g: g_pop_count(g, "RPOP")),
        ("llen", lambda g: cmd("LLEN", g.key())),
        ("lrange", lambda g: cmd("LRANGE", g.key(), g.int_(-6, 6), g.int_(-6, 6))),
        ("lindex", lambda g: cmd("LINDEX", g.key(), g.int_(-6, 6))),
        ("lset", lambda g: cmd("LSET", g.key(), g.int_(-6, 6), g.member())),
        ("linsert", lambda g: cmd("LINSERT", g.key(), g.pick(["BEFORE", "AFTER", "x"]),
                                  g.member(), g.member())),
        ("lrem", lambda g: cmd("LREM", g.key(), g.int_(-3, 3), g.member())),
        ("ltrim", lambda g: cmd("LTRIM", g.key(), g.int_(-6, 6), g.int_(-6, 6))),
        ("lpos", lambda g: cmd("LPOS", g.key(), g.member(), *g.maybe(0.4, "RANK", g.int_(-3, 3)),
                               *g.maybe(0.4, "COUNT", g.int_(0, 3)),
                               *g.maybe(0.2, "MAXLEN", g.int_(0, 5)))),
        ("rpoplpush", lambda g: cmd("RPOPLPUSH", g.key(), g.key())),
        ("lmove", lambda g: cmd("LMOVE", g.key(), g.key(), g.pick(["LEFT", "RIGHT"]),
                                g.pick(["LEFT", "RIGHT", "UP"]))),
        ("lmpop", lambda g: g_mpop(g, "LMPOP", ["LEFT", "RIGHT", "UP"])),
    ],
    "hashes": [
        ("hset", lambda g: cmd("HSET", g.key(), *g.field_values())),
        ("hsetnx", lambda g: cmd("HSETNX", g.key(), g.member(), g.value())),
        ("hmset", lambda g: cmd("HMSET", g.key(), *g.field_values(2))),
        ("hget", lambda g: cmd("HGET", g.key(), g.member())),
        ("hmget", lambda g: cmd("HMGET", g.key(), *g.members())),
        ("hdel", lambda g: cmd("HDEL", g.key(), *g.members(1, 2))),
        ("hlen", lambda g: cmd("HLEN", g.key())),
        ("hstrlen", lambda g: cmd("HSTRLEN", g.key(), g.member())),
        ("hexists", lambda g: cmd("HEXISTS", g.key(), g.member())),
        ("hincrby", lambda g: cmd("HINCRBY", g.key(), g.member(), g.int_())),
        ("hincrbyfloat", lambda g: cmd("HINCRBYFLOAT", g.key(), g.member(), g.float_())),
        ("hkeys", lambda g: cmd("HKEYS", g.key(), mode="unordered")),
        ("hvals", lambda g: cmd("HVALS", g.key(), mode="unordered")),
        ("hgetall", lambda g: cmd("HGETALL", g.key(), mode="pairs")),
        ("hrandfield", lambda g: g_random_pick(g, "HRANDFIELD", "WITHVALUES")),
    ],
    "sets": [
        ("sadd", lambda g: cmd("SADD", g.key(), *g.members())),
        ("srem", lambda g: cmd("SREM", g.key(), *g.members(1, 2))),
        ("scard", lambda g: cmd("SCARD", g.key())),
        ("sismember", lambda g: cmd("SISMEMBER", g.key(), g.member())),
        ("smismember", lambda g: cmd("SMISMEMBER", g.key(), *g.members())),
        ("smembers", lambda g: cmd("SMEMBERS", g.key(), mode="unordered")),
        ("sinter", lambda g: cmd("SINTER", *g.keys(), mode="unordered")),
        ("sunion", lambda g: cmd("SUNION", *g.keys(), mode="unordered")),
        ("sdiff", lambda g: cmd("SDIFF", *g.keys(), mode="unordered")),
        ("sinterstore", lambda g: cmd("SINTERSTORE", g.key(), *g.keys())),
        ("sunionstore", lambda g: cmd("SUNIONSTORE", g.key(), *g.keys())),
        ("sdiffstore", lambda g: cmd("SDIFFSTORE", g.key(), *g.keys())),
        ("sintercard", lambda g: (lambda keys: cmd("SINTERCARD", str(len(keys)), *keys, *g.maybe(
            0.3, "LIMIT", g.int_(0, 3))))(g.keys())),
        ("smove", lambda g: cmd("SMOVE", g.key(), g.key(), g.member())),
        ("srandmember", lambda g: g_random_pick(g, "SRANDMEMBER", None)),
        ("spop", lambda g: cmd("SPOP", g.key(), "100", mode="unordered")),  # pops all: no chance
    ],
    "sorted sets": [
        ("zadd", g_zadd),
        ("zrem", lambda g: cmd("ZREM", g.key(), *g.members(1, 2))),
        ("zcard", lambda g: cmd("ZCARD", g.key())),
        ("zscore", lambda g: cmd("ZSCORE", g.key(), g.member())),
        ("zmscore", lambda g: cmd("ZMSCORE", g.key(), *g.members())),
        ("zincrby", lambda g: cmd("ZINCRBY", g.key(), g.float_(), g.member())),
        ("zrank", lambda g: cmd("ZRANK", g.key(), g.member())),
        ("zrevrank", lambda g: cmd("ZREVRANK", g.key(), g.member())),
        ("zrange", g_zrange),
        ("zrangebyscore", lambda g: cmd("ZRANGEBYSCORE", g.key(), *g.bounds("score"),
                                        *g.maybe(0.4, "WITHSCORES"),
                                        *g.maybe(0.3, "LIMIT", g.int_(-1, 3), g.int_(-1, 4)))),
        ("zrevrangebyscore", lambda g: cmd("ZREVRANGEBYSCORE", g.key(), *g.bounds("score"),
                                           *g.maybe(0.4, "WITHSCORES"))),
        ("zrangebylex", lambda g: cmd("ZRANGEBYLEX", g.key(), *g.bounds("lex"),
                                      *g.maybe(0.3, "LIMIT", g.int_(-1, 3), g.int_(-1, 4)))),
        ("zrevrangebylex", lambda g: cmd("ZREVRANGEBYLEX", g.key(), *g.bounds("lex"))),
        ("zcount", lambda g: cmd("ZCOUNT", g.key(), *g.bounds("score"))),
        ("zlexcount", lambda g: cmd("ZLEXCOUNT", g.key(), *g.bounds("lex"))),
        ("zremrangebyrank", lambda g: cmd("ZREMRANGEBYRANK", g.key(), g.int_(-4, 4),
                                          g.int_(-4, 4))),
        ("zremrangebyscore", lambda g: cmd("ZREMRANGEBYSCORE", g.key(), *g.bounds("score"))),
        ("zremrangebylex", lambda g: cmd("ZREMRANGEBYLEX", g.key(), *g.bounds("lex"))),
        ("zpopmin", lambda g: g_pop_count(g, "ZPOPMIN")),
        ("zpopmax", lambda g: g_pop_count(g, "ZPOPMAX")),
        ("zunionstore", lambda g: g_zsetop(g, "ZUNIONSTORE")),
        ("zinterstore", lambda g: g_zsetop(g, "ZINTERSTORE")),
        ("zdiffstore", lambda g: g_zsetop(g, "ZDIFFSTORE")),
        ("zunion", lambda g: g_zsetop(g, "ZUNION")),
        ("zinter", lambda g: g_zsetop(g, "ZINTER")),
        ("zdiff", lambda g: g_zsetop(g, "ZDIFF")),
        ("zintercard", lambda g: g_zsetop(g, "ZINTERCARD")),
        ("zrangestore", lambda g: (lambda c: cmd("ZRANGESTORE", g.key(), *c[0][1:4]))(g_zrange(g))),
        ("zrandmember", lambda g: g_random_pick(g, "ZRANDMEMBER", "WITHSCORES")),
        ("zmpop", lambda g: g_mpop(g, "ZMPOP", ["MIN", "MAX", "MID"])),
    ],
}

# Run on both servers before each seed: what generators may change besides the keyspace.
RESET = [["SELECT", "0"], ["CONFIG", "SET", "hll-sparse-max-bytes", "3000"]]

JUNK = ["junk", "0", "-1", "", "NX", "WITHSCORES", "COUNT"]


def mutate(rng, command):
    """Sometimes drop trailing arguments or append one, to reach arity and syntax errors. Only
    exactly compared commands (a truncated SPOP key 100 would pop at random) that allow it."""
    args, mode, tolerance, mutable = command
    if not mutable:
        return args, mode, tolerance
    r = rng.random()
    if r < 0.04:
        args = args[:rng.randint(1, max(1, len(args) - 1))]
    elif r < 0.07:
        args = args + [rng.choice(JUNK)]
    return args, mode, tolerance


# ---------------------------------------------------------------------------------------------
# Driver


def known_commands(conn, names):
    replies = conn.pipeline([["COMMAND", "INFO", name] for name in names])
    # An unknown command's entry is a null; a known one's is its description (an array).
    return {name for name, reply in zip(names, replies) if reply.children[0].children is not None}


def start_redis():
    port = free_port()
    process = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--daemonize", "no",
                                "--logfile", ""],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while True:
        try:
            conn = Connection(port)
            if conn.pipeline([["PING"]])[0].raw == b"+PONG\r\n":
                return process, conn
        except (ConnectionError, OSError):
            pass
        if time.time() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)


def capture_dumps(redis):
    """DUMP payloads (for RESTORE) of a few values, made by Redis itself in db 15; plus one with a
    broken checksum."""
    setup = [["SELECT", "15"], ["SET", "s", "hello"], ["SET", "i", "12345"], ["SET", "l", "x" * 60],
             ["PFADD", "h", "a", "b"]]
    redis.pipeline(setup)
    dumps = [r.raw.split(b"\r\n", 1)[1][:-2] for r in redis.pipeline([["DUMP", k] for k in "silh"])]
    redis.pipeline([["FLUSHDB"], ["SELECT", "0"]])
    return dumps + [dumps[0][:-1] + bytes([dumps[0][-1] ^ 1])]


def usable_rows(conn, families):
    """Per family, the rows whose command gorodis knows (COMMAND INFO; a family without any is
    left out), the names each family lacks, and the set of known names."""
    names = sorted({name for rows in families.values() for name, _ in rows})
    known = known_commands(conn, names)
    rows, missing = {}, {}
    for family, family_rows in families.items():
        usable = [(name, generator) for name, generator in family_rows if name in known]
        missing[family] = [name for name, _ in family_rows if name not in known]
        if usable:
            rows[family] = usable
    return rows, missing, known


class Draw:
    """Draws seeded random commands from `rows`: a family (families weigh the same, whatever
    their size), one of its rows with the family's own keys as home, then mutate()."""

    def __init__(self, seed, rows, dumps):
        self.rng = random.Random(seed)
        self.gen = Gen(self.rng, dumps)
        self.rows = rows
        self.families = sorted(rows)
        self.homes = {f: [f"{f.replace(' ', '')}:{i}" for i in range(3)] for f in self.families}

    def __call__(self):
        """(family, (args, mode, tolerance))."""
        family = self.rng.choice(self.families)
        _, generator = self.rng.choice(self.rows[family])
        self.gen.home = self.homes[family]
        return family, mutate(self.rng, generator(self.gen))


def parse_arguments(commands_per_seed):
    parser = argparse.ArgumentParser()
    parser.add_argument("gorodis")
    parser.add_argument("--seed", type=int, action="append")
    parser.add_argument("--commands", type=int, default=commands_per_seed)
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args()


def reference_missing(test):
    """True (after saying the test is skipped) when redis-server is not installed."""
    if os.path.exists(REDIS_SERVER):
        return False
    print(f"SKIPPED: {REDIS_SERVER} is not installed (scripts/deps.sh installs redis-server); "
          f"the {test} needs it as the reference")
    return True


def stop_redis(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@contextlib.contextmanager
def side_by_side(binary):
    """A redis-server and a gorodis: yields (gorodis's port, a Connection to redis-server) and
    stops both however the block ends."""
    redis_process, redis_conn = start_redis()
    try:
        with gorodis(binary) as client:
            yield client.connection_pool.connection_kwargs["port"], redis_conn
    finally:
        stop_redis(redis_process)


def run_seed(seed, count, rows, gorodis_conn, redis_conn, dumps, stats, verbose):
    draw = Draw(seed, rows, dumps)
    mismatches = []
    for conn in (gorodis_conn, redis_conn):
        conn.pipeline([["HELLO", "2"], ["FLUSHALL"], *RESET])
    for protocol in (2, 3):
        if protocol == 3:  # HELLO's own reply holds server-specific fields: not compared
            gorodis_conn.pipeline([["HELLO", "3"]])
            redis_conn.pipeline([["HELLO", "3"]])
        done = 0
        while done < count:
            batch = [draw() for _ in range(min(BATCH, count - done))]
            commands = [c[1][0] for c in batch]
            got = gorodis_conn.pipeline(commands)
            want = redis_conn.pipeline(commands)
            for i, ((family, (args, mode, tolerance)), g, r) in enumerate(zip(batch, got, want)):
                if verbose:
                    print(f"[{seed}/{protocol}] {args} -> {r!r}")
                stats[family][0] += 1
                stats[family][1] += r.kind == b"-"
                if not same(g, r, mode, tolerance):
                    mismatches.append((seed, protocol, done + i, family, args, mode, g, r))
            done += len(batch)
    return mismatches


def main():
    options = parse_arguments(COMMANDS_PER_SEED)
    if reference_missing("differential test"):
        return 0

    started = time.time()
    with side_by_side(options.gorodis) as (port, redis_conn):
        gorodis_conn = Connection(port)
        rows, missing, _ = usable_rows(gorodis_conn, FAMILIES)
        for family in FAMILIES:
            state = "off (gorodis knows none of its commands)" if family not in rows else (
                f"{len(rows[family])} commands"
                + (f", without {' '.join(missing[family])}" if missing[family] else ""))
            print(f"family {family}: {state}")
        dumps = capture_dumps(redis_conn)
        mismatches = []
        stats = {family: [0, 0] for family in rows}  # commands, error replies
        seeds = options.seed or SEEDS
        for seed in seeds:
            mismatches += run_seed(seed, options.commands, rows, gorodis_conn, redis_conn, dumps,
                                   stats, options.verbose)
        for family, (commands, errors) in stats.items():
            print(f"family {family}: {commands} commands run, {errors} answered with an error")

    total = len(seeds) * 2 * options.commands
    for seed, protocol, index, family, args, mode, got, want in mismatches[:MAX_REPORTED]:
        print(f"MISMATCH seed={seed} RESP{protocol} command #{index} ({family}, compared "
              f"{mode}): {args}\n"
              f"  redis:   {want!r}\n  gorodis: {got!r}")
    if len(mismatches) > MAX_REPORTED:
        print(f"... and {len(mismatches) - MAX_REPORTED} more mismatches (later ones may follow "
              "from the first: the two keyspaces have diverged)")
    print(f"differential: {total} commands, {len(mismatches)} mismatches, "
          f"{time.time() - started:.1f} s")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
