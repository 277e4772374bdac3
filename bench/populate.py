#!/usr/bin/python3
"""Writes a RESP command stream for `redis-cli --pipe`: KEYS small aggregates of one type, each
with FIELDS short elements (the issue's memory workload: 1,000,000 hashes/sets/zsets of 10).
Usage: populate.py hash|set|intset|zset KEYS FIELDS > stream"""
import sys


def command(*args):
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        arg = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


def main():
    kind, keys, fields = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    write = sys.stdout.buffer.write
    for k in range(keys):
        key = "%s:%d" % (kind, k)
        if kind == "hash":
            args = [x for f in range(fields) for x in ("field:%d" % f, "value:%d" % (k + f))]
            write(command("HSET", key, *args))
        elif kind == "set":
            write(command("SADD", key, *["member:%d" % (k + f) for f in range(fields)]))
        elif kind == "intset":
            write(command("SADD", key, *[k + f for f in range(fields)]))
        elif kind == "zset":
            args = [x for f in range(fields) for x in (f, "member:%d" % (k + f))]
            write(command("ZADD", key, *args))
        else:
            sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    main()
