#!/usr/bin/env python3
"""Fast MCBP loader for benchmarks/memory-per-item.sh (binary protocol, raw sockets).

  load-items.py load  --port P [--items N] [--value-size B] [--vbuckets V] [--batch K]
  load-items.py stats --port P [NAME ...]

load: stores keys "key:%012d" (16 bytes) 0..N-1 with B-byte values as pipelined SETQ
commands, a NOOP after every K of them; a quiet command answers only on failure, so the NOOP's
answer closes each batch and any other answer is an error. Key i goes to vbucket i % V
(memcached ignores the field). Progress goes to stderr; at the end a few keys are read back.
stats: prints the default STAT group as "name value" lines (only NAMEs, if given).
Exit status 1 on any refused write, wrong value or lost connection.
"""
import argparse
import socket
import struct
import sys
import time

HEADER = struct.Struct(">BBHBBHIIQ")  # magic opcode keylen extlen datatype vb/status body opaque cas
SETQ, GET, NOOP, STAT = 0x11, 0x00, 0x0A, 0x10
SET_EXTRAS = struct.pack(">II", 0, 0)  # flags, exptime


def request(opcode, key=b"", value=b"", extras=b"", vbucket=0, opaque=0):
    body = len(extras) + len(key) + len(value)
    return HEADER.pack(0x80, opcode, len(key), len(extras), 0, vbucket, body, opaque, 0) + (
        extras + key + value)


def key_of(i):
    return b"key:%012d" % i


def value_of(i, size):
    return (b"%d:" % i).ljust(size, b"v")[:size]


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()

    def receive(self):
        """One response: (header fields, key, value)."""
        while True:
            if len(self.buffer) >= 24:
                fields = HEADER.unpack_from(self.buffer)
                end = 24 + fields[6]
                if len(self.buffer) >= end:
                    key_start = 24 + fields[3]
                    key = bytes(self.buffer[key_start:key_start + fields[2]])
                    value = bytes(self.buffer[key_start + fields[2]:end])
                    del self.buffer[:end]
                    return fields, key, value
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                sys.exit("load-items: server closed the connection")
            self.buffer += chunk


def load(args):
    conn = Connection(args.port)
    started = time.monotonic()
    errors = 0
    next_report = args.items // 10 or args.items
    for first in range(0, args.items, args.batch):
        last = min(first + args.batch, args.items)
        out = bytearray()
        for i in range(first, last):
            out += request(SETQ, key_of(i), value_of(i, args.value_size), SET_EXTRAS,
                           i % args.vbuckets, i)
        out += request(NOOP, opaque=0xFFFFFFFF)
        conn.sock.sendall(out)
        while True:
            fields, _, _ = conn.receive()
            if fields[1] == NOOP:
                break
            errors += 1
            if errors <= 5:
                print(f"load-items: SETQ of {key_of(fields[7]).decode()} failed with status "
                      f"0x{fields[5]:02x}", file=sys.stderr)
        if last >= next_report or last == args.items:
            elapsed = time.monotonic() - started
            print(f"  {last:,} items, {elapsed:.1f} s ({last / elapsed:,.0f} items/s)",
                  file=sys.stderr)
            next_report += args.items // 10 or args.items
    elapsed = time.monotonic() - started
    for i in sorted({0, args.items // 2, args.items - 1}):
        conn.sock.sendall(request(GET, key_of(i), vbucket=i % args.vbuckets))
        fields, _, value = conn.receive()
        if fields[5] != 0 or value != value_of(i, args.value_size):
            print(f"load-items: {key_of(i).decode()} reads back wrong (status 0x{fields[5]:02x})",
                  file=sys.stderr)
            errors += 1
    print(f"loaded {args.items} items in {elapsed:.1f} s, {errors} errors")
    return 1 if errors else 0


def stats(args):
    conn = Connection(args.port)
    conn.sock.sendall(request(STAT))
    while True:
        _, key, value = conn.receive()
        if not key:
            return 0
        if not args.names or key.decode() in args.names:
            print(key.decode(), value.decode())


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    loader = commands.add_parser("load")
    loader.add_argument("--port", type=int, required=True)
    loader.add_argument("--items", type=int, default=1_000_000)
    loader.add_argument("--value-size", type=int, default=100)
    loader.add_argument("--vbuckets", type=int, default=1024)
    loader.add_argument("--batch", type=int, default=2000)
    stat = commands.add_parser("stats")
    stat.add_argument("--port", type=int, required=True)
    stat.add_argument("names", nargs="*")
    args = parser.parse_args()
    return load(args) if args.command == "load" else stats(args)


if __name__ == "__main__":
    sys.exit(main())
