#!/usr/bin/env python3
"""A WAN link between two network namespaces, in user space: the lab's
delay line where the kernel has no sch_netem (netns-lab.mjs).

    wan-link.py NETNS_A NETNS_B DELAY_MS

Attaches to the TUN device `wan` (created beforehand with `ip tuntap add`) in
each namespace and copies every IP packet read from one to the other DELAY_MS
later (one way). SIGUSR1 cuts the link (every packet read, and every one
still on the wire, is dropped: a silent cut), SIGUSR2 heals it, SIGHUP
prints `bytes <carried> packets <carried>` (IP packets put on the wire so
far, both ways, headers included). Prints `ready` once both ends are
attached. Runs until killed.
"""
import ctypes
import fcntl
import heapq
import os
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)


def enter(netns):
    fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {netns}")
    finally:
        os.close(fd)


def attach(netns):
    enter(netns)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", b"wan", IFF_TUN | IFF_NO_PI))
    return fd


def main():
    netns_a, netns_b, delay_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    a, b = attach(netns_a), attach(netns_b)
    other = {a: b, b: a}
    state = {"cut": False, "bytes": 0, "packets": 0}
    wire = []  # (due, seq, fd to write, packet)
    seq = 0

    def cut(_signum, _frame):
        state["cut"] = True
        wire.clear()

    def heal(_signum, _frame):
        state["cut"] = False

    def report(_signum, _frame):
        print(f"bytes {state['bytes']} packets {state['packets']}", flush=True)

    signal.signal(signal.SIGHUP, report)
    signal.signal(signal.SIGUSR1, cut)
    signal.signal(signal.SIGUSR2, heal)
    print("ready", flush=True)
    while True:
        now = time.monotonic()
        while wire and wire[0][0] <= now:
            _, _, fd, packet = heapq.heappop(wire)
            try:
                os.write(fd, packet)
            except OSError:
                pass  # the device is down or full: lost, as on a real link
        timeout = max(0.0, wire[0][0] - now) if wire else 1.0
        readable, _, _ = select.select([a, b], [], [], timeout)
        for fd in readable:
            while True:
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if state["cut"]:
                    continue
                seq += 1
                state["bytes"] += len(packet)
                state["packets"] += 1
                heapq.heappush(wire, (time.monotonic() + delay_ms / 1000.0, seq, other[fd], packet))


if __name__ == "__main__":
    main()
