#!/usr/bin/env python3
"""Writes the seed corpus for eddy_fuzz_frames: a few small, valid MCBP request streams.

Run from anywhere; rewrites tests/fuzz/corpus/. The files are committed, so this is only
needed when a seed is added or changed.
"""
import pathlib
import struct

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"


def request(opcode, key=b"", extras=b"", value=b"", *, cas=0, datatype=0, vbucket=0,
            opaque=0x01020304, framing=b"", magic=None):
    """One request frame; framing extras switch to the alt (0x08) layout."""
    body = framing + extras + key + value
    if framing or magic == 0x08:
        header = struct.pack(">BBBBBBHIIQ", 0x08, opcode, len(framing), len(key), len(extras),
                             datatype, vbucket, len(body), opaque, cas)
    else:
        header = struct.pack(">BBHBBHIIQ", magic or 0x80, opcode, len(key), len(extras),
                             datatype, vbucket, len(body), opaque, cas)
    return header + body


SEEDS = {
    "get": request(0x00, b"user:1"),
    "set": request(0x01, b"user:1", struct.pack(">II", 0xdeadbeef, 0), b"x" * 64),
    "set_json_cas": request(0x01, b"doc", struct.pack(">II", 0, 300), b'{"a":1}', cas=42,
                            datatype=0x01),
    "pipelined_getq_noop": request(0x09, b"a") + request(0x09, b"b") + request(0x0a),
    "incr": request(0x05, b"counter", struct.pack(">QQI", 1, 0, 0)),
    "hello": request(0x1f, b"fuzz/1.0", value=struct.pack(">HHHH", 0x07, 0x0b, 0x10, 0x03)),
    "get_error_map": request(0xfe, value=struct.pack(">H", 2)),
    "stat_group": request(0x10, b"timings"),
    "flush_delay": request(0x08, extras=struct.pack(">I", 10)),
    "alt_get_barrier": request(0x00, b"k", framing=b"\x00"),
    "alt_set_durability": request(0x01, b"k", struct.pack(">II", 0, 0), b"v",
                                  framing=b"\x13\x01\x00\x64"),
    "truncated_set": request(0x01, b"user:1", struct.pack(">II", 0, 0), b"x" * 16)[:30],
    "set_param": request(0x82, b"max_size", struct.pack(">I", 1), b"104857600"),
    "observe_seqno": request(0x91, value=struct.pack(">Q", 0x1234), vbucket=3),
    "compact_db": request(0xb3, extras=struct.pack(">QQB7x", 0, 0, 1), vbucket=3),
    "seqno_persistence": request(0xb7, extras=struct.pack(">Q", 7), vbucket=3),
    "set_snappy": request(0x01, b"z", struct.pack(">II", 0, 0), b"\x0c\x0cabcd\x11\x04",
                          datatype=0x02),
    "dcp_open_producer": request(0x50, b"fuzz:producer", struct.pack(">II", 0, 0x01)),
    "dcp_control": request(0x5e, b"enable_noop", value=b"true"),
    "dcp_stream_req": request(0x53, extras=struct.pack(">IIQQQQQ", 0, 0, 0, 2**64 - 1, 0, 0, 0),
                              vbucket=3),
    "dcp_get_failover_log": request(0x54, vbucket=3),
    "dcp_close_stream": request(0x52, vbucket=3),
    "dcp_buffer_ack": request(0x5d, extras=struct.pack(">I", 4096)),
    "dcp_noop_response": request(0x5c, magic=0x81),
    "persistence_stop_start": request(0x80) + request(0x81),
    "subdoc_dict_upsert": request(0xc8, b"doc", struct.pack(">HBIB", 5, 0x01, 60, 0x01),
                                  b'a.b.c"v"'),
    "subdoc_multi_lookup": request(0xd0, b"doc", b"\x04",
                                   struct.pack(">BBH", 0xc5, 0x04, 9) + b"$document"
                                   + struct.pack(">BBH", 0x00, 0x00, 0)
                                   + struct.pack(">BBH", 0xd2, 0x00, 4) + b"list"),
    "subdoc_multi_mutation": request(0xd1, b"doc", struct.pack(">IB", 100, 0x01),
                                     struct.pack(">BBHI", 0xc8, 0x05, 3, 1) + b"m.a1"
                                     + struct.pack(">BBHI", 0xcf, 0x00, 1, 1) + b"n5"),
    "set_xattr": request(0x01, b"doc", struct.pack(">II", 0, 0),
                         struct.pack(">II", 12, 8) + b"meta\x00{}\x00" + b'{"a":1}',
                         datatype=0x05),
}


def main():
    CORPUS.mkdir(exist_ok=True)
    for name, data in SEEDS.items():
        (CORPUS / name).write_bytes(data)


if __name__ == "__main__":
    main()
