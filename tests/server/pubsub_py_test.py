#!/usr/bin/python3
"""redis-py (Debian python3-redis) Pub/Sub against a real gorodis: many subscribers, patterns,
a subscriber that never reads being disconnected at its output buffer limit
while everyone else goes on, and keyspace notifications. Usage: pubsub_py_test.py <gorodis>;
exit status 0 on success. Waits are bounded (10 s per message), never asserted on."""
import socket
import sys
import time

import redis

from gorodis_process import gorodis


def next_message(pubsub, timeout=10):
    """The next message (subscription confirmations skipped), or an AssertionError."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        message = pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message is not None:
            return message
    raise AssertionError("no message within %s s" % timeout)


def many_subscribers(r):
    subscribers = []
    for i in range(50):
        p = r.pubsub()
        p.subscribe("room:%d" % (i % 5), "all")
        subscribers.append(p)
    patterns = r.pubsub()
    patterns.psubscribe("room:*")
    for p in subscribers:
        assert [next_message_raw(p)["type"] for _ in range(2)] == ["subscribe"] * 2
    assert next_message_raw(patterns)["type"] == "psubscribe"
    assert r.publish("all", "hello") == 50
    assert r.publish("room:3", "three") == 11  # 10 channel subscribers + 1 pattern
    assert r.publish("nobody", "x") == 0
    for p in subscribers:
        assert next_message(p) == {"type": "message", "pattern": None, "channel": "all",
                                   "data": "hello"}
    for i in (3, 8, 13, 18, 23, 28, 33, 38, 43, 48):
        assert next_message(subscribers[i])["data"] == "three"
    assert next_message(patterns) == {"type": "pmessage", "pattern": "room:*",
                                      "channel": "room:3", "data": "three"}
    assert r.pubsub_numsub("all", "room:0", "none") == [("all", 50), ("room:0", 10), ("none", 0)]
    assert r.pubsub_numpat() == 1
    assert sorted(r.pubsub_channels("room:*")) == ["room:%d" % i for i in range(5)]
    for p in subscribers + [patterns]:
        p.close()
    deadline = time.time() + 10
    while r.pubsub_numsub("all") != [("all", 0)] and time.time() < deadline:
        time.sleep(0.01)
    assert r.pubsub_numsub("all") == [("all", 0)]
    assert r.pubsub_numpat() == 0


def next_message_raw(pubsub, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        message = pubsub.get_message(timeout=0.5)
        if message is not None:
            return message
    raise AssertionError("no message within %s s" % timeout)


def slow_subscriber(r):
    assert r.config_set("client-output-buffer-limit", "pubsub 1mb 256kb 60") is True
    slow = socket.create_connection(("127.0.0.1", r.connection_pool.connection_kwargs["port"]))
    slow.sendall(b"SUBSCRIBE flood\r\n")
    calm = r.pubsub()
    calm.subscribe("calm")
    assert next_message_raw(calm)["type"] == "subscribe"
    deadline = time.time() + 10
    while r.pubsub_numsub("flood") != [("flood", 1)] and time.time() < deadline:
        time.sleep(0.01)
    # The slow client never reads: publish until the server has dropped it.
    payload = "x" * 65536
    published = 0
    while r.publish("flood", payload) == 1:
        published += 1
        assert published < 100000, "the slow subscriber was never disconnected"
    assert r.pubsub_numsub("flood") == [("flood", 0)]
    assert [c["sub"] for c in r.client_list(_type="pubsub")] == ["1"]  # only "calm" is left
    # Everybody else goes on.
    assert r.ping() is True
    assert r.set("after", "flood") is True and r.get("after") == "flood"
    assert r.publish("calm", "still here") == 1
    assert next_message(calm)["data"] == "still here"
    calm.close()
    # The slow client's socket was closed by the server: reading drains, then hits EOF.
    slow.settimeout(10)
    while slow.recv(1 << 20):
        pass
    slow.close()
    assert r.config_set("client-output-buffer-limit", "pubsub 32mb 8mb 60") is True


def keyspace_notifications(r):
    assert r.config_set("notify-keyspace-events", "KEA") is True
    assert r.config_get("notify-keyspace-events") == {"notify-keyspace-events": "AKE"}
    p = r.pubsub()
    p.psubscribe("__keyevent@0__:*")
    assert next_message_raw(p)["type"] == "psubscribe"

    def events():
        message = next_message(p)
        return (message["channel"].split(":", 1)[1], message["data"])

    r.set("ks:a", "1")
    assert events() == ("set", "ks:a")
    r.expire("ks:a", 100)
    assert events() == ("expire", "ks:a")
    r.rename("ks:a", "ks:b")
    assert events() == ("rename_from", "ks:a")
    assert events() == ("rename_to", "ks:b")
    r.delete("ks:b")
    assert events() == ("del", "ks:b")
    r.set("ks:short", "1", px=50)
    assert events() == ("set", "ks:short")
    assert events() == ("expire", "ks:short")
    # Active expiry deletes it without anybody touching it.
    assert events() == ("expired", "ks:short")
    r.set("ks:c", "1")
    assert events() == ("set", "ks:c")
    r.incrby("ks:c", 2)
    assert events() == ("incrby", "ks:c")
    keyspace = r.pubsub()
    keyspace.subscribe("__keyspace@0__:ks:c")
    assert next_message_raw(keyspace)["type"] == "subscribe"
    r.append("ks:c", "x")
    assert events() == ("append", "ks:c")
    assert next_message(keyspace)["data"] == "append"
    assert r.config_set("notify-keyspace-events", "") is True
    r.set("ks:c", "quiet")
    assert r.publish("__keyevent@0__:marker", "m") == 1
    assert events() == ("marker", "m"), "no event while notifications are off"
    p.close()
    keyspace.close()


def main():
    with gorodis(sys.argv[1]) as r:
        many_subscribers(r)
        slow_subscriber(r)
        keyspace_notifications(r)
        assert r.ping() is True
    print("pubsub_py_test: OK")


if __name__ == "__main__":
    main()
