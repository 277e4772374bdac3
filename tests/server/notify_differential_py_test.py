#!/usr/bin/python3
"""Differential test of keyspace notifications: the same seeded random commands against gorodis
and a real redis-server 7.0, the keyspace events each command raised compared in order.

Usage: notify_differential_py_test.py <gorodis binary> [--seed N] [--commands N] [--verbose]
Exit status 0 when every command raised the same events (or, with a message, when
/usr/bin/redis-server is not installed).

How it works:
  * Both servers run with notify-keyspace-events KEA. On each, a subscriber connection holds
    PSUBSCRIBE __key*__:* (keyspace and keyevent channels of every database) and SUBSCRIBE sync.
  * The commands come from the generators of differential_py_test.py (imported, not copied: a
    row added there is covered here too), plus the blocking commands (BLOCKING below), each run
    in MULTI/EXEC: there a blocking command never blocks (a missing key answers null at once, as
    a timeout would) and otherwise pops exactly like its non-blocking form. After each command the driver publishes "sync" <n>; both servers publish a
    command's events while it runs, so the subscriber sees command n's events, then sync n. The
    (channel, message) list before each sync must be the same on both servers.
  * Those generators already leave out commands whose effect is random (SPOP with a count below
    the set size), so every event is deterministic; commands whose reply is random (SRANDMEMBER
    and the like) only read and raise no event.
  * SERVED covers the other way a blocking command pops: a client blocked on a missing key is
    served by another client's push, and the push's events precede the pop's (Redis serves
    blocked clients after the command that made a key ready).
  * Each seed runs once with RESP2 subscribers and KEA, then once with RESP3 subscribers and,
    for each batch of commands, a random few event classes and channel kinds (an event raised
    in the wrong class, or on the wrong channel kind, differs there).
On a mismatch the seed, the command's position, the command and both event lists are printed."""
import random
import sys
import time

from differential_py_test import (FAMILIES, RESET, Connection, Draw, capture_dumps, cmd, encode,
                                  parse_arguments, reference_missing, side_by_side, usable_rows)

SEEDS = (11, 12, 13)
COMMANDS_PER_SEED = 5000  # per subscriber protocol
BATCH = 64
MAX_REPORTED = 8
# The event classes (g generic, $ string, l list, s set, h hash, z zset, m keymiss, n new) the
# RESP3 pass enables a few at a time, so that an event raised in the wrong class shows; keymiss
# and new are not part of A: keymiss shows every key a command looks up for reading rather than
# writing, new every key a command creates.
CLASSES = "g$lshzmn"


def in_multi(*args):
    """A command run inside MULTI/EXEC (a group of commands, not mutated)."""
    return cmd(["MULTI"], list(args), ["EXEC"], mutable=False)


def g_blocking_pop(g, command):
    return in_multi(command, *g.keys(1, 3), "1")


def g_blocking_mpop(g, command, ends):
    keys = g.keys(1, 3)
    return in_multi(command, "1", str(len(keys)), *keys, g.pick(ends),
                    *g.maybe(0.5, "COUNT", g.int_(1, 4)))


BLOCKING = {
    "blocking": [
        ("blpop", lambda g: g_blocking_pop(g, "BLPOP")),
        ("brpop", lambda g: g_blocking_pop(g, "BRPOP")),
        ("blmove", lambda g: in_multi("BLMOVE", g.key(), g.key(), g.pick(["LEFT", "RIGHT"]),
                                      g.pick(["LEFT", "RIGHT"]), "1")),
        ("brpoplpush", lambda g: in_multi("BRPOPLPUSH", g.key(), g.key(), "1")),
        ("blmpop", lambda g: g_blocking_mpop(g, "BLMPOP", ["LEFT", "RIGHT"])),
        ("bzpopmin", lambda g: g_blocking_pop(g, "BZPOPMIN")),
        ("bzpopmax", lambda g: g_blocking_pop(g, "BZPOPMAX")),
        ("bzmpop", lambda g: g_blocking_mpop(g, "BZMPOP", ["MIN", "MAX"])),
    ],
}

# (command gorodis must know, blocking command, the pushes that serve it). Each runs on an empty
# database; the blocked client uses the key "src" (and "dst").
SERVED = [
    ("blpop", ["BLPOP", "src", "0"], [["RPUSH", "src", "a", "b"]]),
    ("brpop", ["BRPOP", "src", "0"], [["LPUSH", "src", "a"]]),
    ("blmove", ["BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"], [["RPUSH", "src", "a"]]),
    ("brpoplpush", ["BRPOPLPUSH", "src", "dst", "0"], [["RPUSH", "src", "a", "b"]]),
    ("blmove", ["BLMOVE", "src", "src", "LEFT", "RIGHT", "0"], [["RPUSH", "src", "a"]]),
    ("blmpop", ["BLMPOP", "0", "2", "other", "src", "LEFT", "COUNT", "5"],
     [["RPUSH", "src", "a", "b"]]),
    ("bzpopmin", ["BZPOPMIN", "src", "0"], [["ZADD", "src", "1", "a", "2", "b"]]),
    ("bzpopmax", ["BZPOPMAX", "src", "0"], [["ZADD", "src", "1", "a"]]),
    ("bzmpop", ["BZMPOP", "0", "1", "src", "MAX", "COUNT", "3"], [["ZADD", "src", "1", "a"]]),
]


def text(reply):
    """The payload of a bulk string reply."""
    return reply.raw.split(b"\r\n", 1)[1][:-2]


class Server:
    """One server under test: a connection for commands and a subscriber."""

    def __init__(self, port):
        self.port = port
        self.conn = Connection(port)
        self.subscriber = None
        self.published = 0

    def subscribe(self, protocol):
        if self.subscriber is not None:
            self.subscriber.sock.close()
        self.subscriber = Connection(self.port)
        commands = [["HELLO", str(protocol)], ["PSUBSCRIBE", "__key*__:*"], ["SUBSCRIBE", "sync"]]
        self.subscriber.pipeline(commands)

    def sync_command(self):
        self.published += 1
        return ["PUBLISH", "sync", str(self.published)]

    def events_until_sync(self):
        """The keyspace events received before the next sync message."""
        events = []
        while True:
            message = self.subscriber.read()
            kind = text(message.children[0])
            if kind == b"pmessage":
                events.append((text(message.children[2]), text(message.children[3])))
            elif kind == b"message" and text(message.children[1]) == b"sync":
                return events
            else:
                raise RuntimeError(f"unexpected message {message!r}")

    def run(self, commands):
        """Runs `commands` (each a command or a group of commands) pipelined; returns each one's
        events."""
        pipeline = []
        for command in commands:
            group = command if isinstance(command[0], list) else [command]
            pipeline += [*group, self.sync_command()]
        self.conn.pipeline(pipeline)
        return [self.events_until_sync() for _ in commands]


def configure(server):
    server.conn.pipeline([["HELLO", "2"], ["FLUSHALL"], *RESET,
                          ["CONFIG", "SET", "notify-keyspace-events", "KEA"]])


def random_classes(rng):
    """notify-keyspace-events with one or both channel kinds and a few event classes."""
    return rng.choice(["K", "E", "KE"]) + "".join(rng.sample(CLASSES, rng.randint(1, 3)))


def run_seed(seed, count, rows, servers, dumps, verbose):
    draw = Draw(seed, rows, dumps)
    classes_rng = random.Random(-seed)  # apart from the commands' generator
    mismatches = []
    events_seen = 0
    for server in servers:
        configure(server)
    for protocol in (2, 3):
        for server in servers:
            server.subscribe(protocol)
        done = 0
        while done < count:
            if protocol == 3:
                classes = random_classes(classes_rng)
                for server in servers:
                    server.conn.pipeline([["CONFIG", "SET", "notify-keyspace-events", classes]])
            batch = [draw()[1][0] for _ in range(min(BATCH, count - done))]
            got, want = (server.run(batch) for server in servers)
            for i, (args, g, r) in enumerate(zip(batch, got, want)):
                if verbose:
                    print(f"[{seed}/{protocol}] {args} -> {r}")
                events_seen += len(r)
                if g != r:
                    mismatches.append((f"seed={seed} RESP{protocol} command #{done + i}", args, g,
                                       r))
            done += len(batch)
    return mismatches, events_seen


def wait_blocked(server, expected):
    deadline = time.time() + 10
    while True:
        info = text(server.conn.pipeline([["INFO", "clients"]])[0]).decode()
        blocked = int(info.split("blocked_clients:")[1].split("\r\n")[0])
        if blocked == expected:
            return
        if time.time() > deadline:
            raise RuntimeError(f"blocked_clients stayed {blocked}, expected {expected}")
        time.sleep(0.01)


def run_served(known, servers):
    """SERVED: the events of a push that serves a blocked client."""
    mismatches = []
    served = 0
    for name, blocking, pushes in SERVED:
        if name not in known:
            continue
        results = []
        for server in servers:
            configure(server)
            server.subscribe(2)
            waiter = Connection(server.port)
            waiter.sock.sendall(encode(blocking))
            wait_blocked(server, 1)
            events = server.run(pushes)
            waiter.read()
            waiter.sock.close()
            results.append(events)
        if results[0] != results[1]:
            mismatches.append((f"served {name}", [blocking, *pushes], results[0], results[1]))
        served += 1
    print(f"served blocked clients: {served} scenarios")
    return mismatches


def main():
    options = parse_arguments(COMMANDS_PER_SEED)
    if reference_missing("notification differential test"):
        return 0

    started = time.time()
    with side_by_side(options.gorodis) as (port, redis_conn):
        servers = [Server(port), Server(redis_conn.sock.getpeername()[1])]
        rows, missing, known = usable_rows(servers[0].conn, {**FAMILIES, **BLOCKING})
        for family, names in missing.items():
            if names:
                print(f"family {family}: gorodis lacks {' '.join(names)} (not generated)")
        dumps = capture_dumps(redis_conn)
        mismatches = []
        events = 0
        seeds = options.seed or SEEDS
        for seed in seeds:
            found, seen = run_seed(seed, options.commands, rows, servers, dumps, options.verbose)
            mismatches += found
            events += seen
        mismatches += run_served(known, servers)

    for where, args, got, want in mismatches[:MAX_REPORTED]:
        print(f"MISMATCH {where}: {args}\n  redis:   {want}\n  gorodis: {got}")
    if len(mismatches) > MAX_REPORTED:
        print(f"... and {len(mismatches) - MAX_REPORTED} more mismatches (later ones may follow "
              "from the first: the two keyspaces have diverged)")
    total = len(seeds) * 2 * options.commands
    print(f"notify differential: {total} commands, {events} events, {len(mismatches)} "
          f"mismatches, {time.time() - started:.1f} s")
    # A run that saw no events would compare nothing.
    return 1 if mismatches or events == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
