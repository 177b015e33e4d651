#!/usr/bin/env python3
"""Writes the seed corpus under tests/fuzz/corpus/<target>/.

Seeds are small inputs that already mean something to each target (a
pipelined request, a quoted inline line, a pattern with classes, a program
that sets, expires and scans keys), so the fuzzer starts from the interesting
parts of the input format instead of discovering them byte by byte. Each seed
is named after what it holds. Run this after changing a target's input format;
the files it writes are committed.
"""
import os
import struct
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(ROOT, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def mbulk(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


# ---- fuzz_resp_parser: 3 header bytes, then the stream -----------------------
# byte 0: bits 0-2 bulk limit index (7 = no limit), bit 3 authenticated,
# bit 4 flip authentication after the first request, bit 5 vary the limit per
# request, bits 6-7 read size (1, 7, 64, 4096 bytes at most).
AUTH_BIG = 0x08 | 0x07 | 0x80      # authenticated, no limit, reads up to 7 bytes
UNAUTH = 0x07 | 0xC0               # not authenticated, reads up to 4096 bytes
AUTH_LATER = 0x07 | 0x10 | 0x40    # authenticates after the first request


def resp(name, mode, stream, seed=0x1234):
    write("fuzz_resp_parser", name, bytes([mode, seed & 0xFF, seed >> 8]) + stream)


resp("set_get_pipelined", AUTH_BIG, mbulk("SET", "k", "v") + mbulk("GET", "k") + mbulk("PING"))
resp("inline_quotes", AUTH_BIG, b'SET k "a \\x41\\n b" \'c\\\'d\'\r\nPING\n\r\n')
resp("empty_and_null_multibulk", AUTH_BIG, b"*0\r\n*-1\r\n" + mbulk("PING"))
resp("binary_bulk", AUTH_BIG, mbulk("SET", b"k\r\n\x00", b"\xff" * 40))
resp("expected_dollar", AUTH_BIG, b"*2\r\n$3\r\nGET\r\n:1\r\n")
resp("bad_bulk_len", AUTH_BIG, b"*1\r\n$-5\r\n")
resp("bad_mbulk_len", AUTH_BIG, b"*x\r\n")
resp("bulk_over_limit", 0x08 | 0x03, mbulk("SET", "k", "12345"))
resp("unauth_many_args", UNAUTH, mbulk(*["a"] * 11))
resp("unauth_big_bulk", UNAUTH, b"*1\r\n$16385\r\n")
resp("auth_then_big", AUTH_LATER, mbulk("AUTH", "pw") + mbulk(*["x"] * 12))
resp("incomplete_bulk", AUTH_BIG, b"*2\r\n$3\r\nGET\r\n$10\r\nabc")
resp("unbalanced_inline_then_more", AUTH_BIG, b"a b c d e f g h i \"j\r\n" + mbulk(*["y"] * 9))
resp("varying_limits", 0x08 | 0x20 | 0x40, mbulk("SET", "k", "v" * 20) * 4)
resp("one_byte_reads", 0x08 | 0x07, mbulk("MSET", "a", "1", "b", "2") + b"PING\r\n")

# ---- fuzz_inline_split: byte 0 = initial table size (mod 4), then the line ---
for i, line in enumerate([
    b'SET key "hello world"',
    b"a 'b\\'c' d",
    b'"\\x41\\x4g\\x" "\\n\\r\\t\\b\\a\\\\\\"z"',
    b'"unterminated',
    b'"closed"glued',
    b"\t\x0b\x0c x  y\r\n",
    b"nul\x00after",
    b" ".join(b"a%d" % j for j in range(20)),
    b"'single \"double\" inside'",
    b'""' + b" ''",
]):
    write("fuzz_inline_split", "line_%02d" % i, bytes([i % 4]) + line)

# ---- fuzz_glob: byte 0 flags (bit 0 nocase), 2 bytes pattern length ---------
for i, (pat, s, nocase) in enumerate([
    (b"*", b"anything", 0),
    (b"h?llo", b"hello", 0),
    (b"h[ae]llo", b"hallo", 0),
    (b"h[^e]llo", b"hbllo", 0),
    (b"h[a-b]llo", b"hbllo", 0),
    (b"*a*a*a*b", b"a" * 30 + b"c", 0),
    (b"[Z-a]", b"_", 1),
    (b"\\*x", b"*x", 0),
    (b"[abc", b"b", 0),
    (b"", b"", 0),
    (b"*", b"", 0),
    (b"[a-\xff]", b"b", 0),
    (b"USER:*", b"user:42", 1),
    (b"[\\]]", b"]", 0),
]):
    write("fuzz_glob", "pattern_%02d" % i,
          bytes([nocase, len(pat) & 0xFF, len(pat) >> 8]) + pat + s)

# ---- fuzz_commands: programs (see run_program in fuzz_commands.c) ------------


def cmd(name, *args):
    """A named command (0xf1) with raw arguments, so the seed does not depend
    on the order of the registry."""
    assert len(args) <= 7
    out = bytes([0xF1, len(name)]) + name.encode() + bytes([len(args)])
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        assert len(a) < 64
        out += bytes([0xC0 | len(a)]) + a
    return out


ADVANCE_1S = b"\xe2"
ADVANCE_1H = b"\xe5"
RESP3 = b"\xe9"
EXPIRE_CYCLE = b"\xea"
RECLAIM = b"\xec"
CHECK = b"\xed"
LFU = b"\xee"
LAZY = b"\xef"
CLUSTER = b"\xf2"


def select(db):
    return bytes([0xE8, db])


programs = {
    "strings": cmd("set", "k0", "1") + cmd("incr", "k0") + cmd("incrby", "k0", "10") +
    cmd("get", "k0") + cmd("append", "k0", "x") + cmd("strlen", "k0") +
    cmd("getrange", "k0", "0", "-1") + cmd("setrange", "k0", "5", "yz") +
    cmd("incrbyfloat", "k1", "1.5") + cmd("getset", "k1", "a" * 45) + cmd("mget", "k0", "k1", "k2"),
    "expiry": cmd("set", "k1", "v", "ex", "10") + cmd("ttl", "k1") + cmd("pexpire", "k1", "500", "gt") +
    cmd("expiretime", "k1") + ADVANCE_1H + cmd("get", "k1") + cmd("set", "k2", "v", "px", "100") +
    ADVANCE_1S + EXPIRE_CYCLE + cmd("dbsize") + cmd("scan", "0") + CHECK,
    "databases": cmd("mset", "k0", "a", "k1", "b", "{t}a", "c") + cmd("rename", "k0", "k2") +
    cmd("copy", "k2", "k3") + cmd("move", "k3", "1") + select(1) + cmd("keys", "*") +
    cmd("swapdb", "0", "1") + cmd("flushdb") + select(0) + LAZY + cmd("flushall") + RECLAIM + CHECK,
    "objects": cmd("set", "k0", "12345") + cmd("object|encoding", "k0") +
    cmd("object|refcount", "k0") + LFU + cmd("get", "k0") + cmd("object|freq", "k0") +
    cmd("set", "k0", "x" * 44) + cmd("object|encoding", "k0") + cmd("getex", "k0", "persist") +
    cmd("getdel", "k0") + cmd("object|help"),
    "resp3": RESP3 + cmd("get", "nokey") + cmd("set", "a", "ohmytext") + cmd("set", "b", "mynewtext") +
    cmd("lcs", "a", "b", "idx", "withmatchlen") + cmd("scan", "0", "type", "string") +
    cmd("ttl", "nokey"),
    "getex_and_copy": cmd("set", "k0", "v") + cmd("getex", "k0", "ex", "100") + cmd("ttl", "k0") +
    cmd("getex", "k0", "pxat", "1") + cmd("exists", "k0") + cmd("set", "k1", "a") +
    cmd("set", "k2", "b") + cmd("copy", "k1", "k2", "replace") + cmd("copy", "k1", "k2", "db", "3") +
    cmd("getrange", "k1", "-1", "-5") + cmd("flushall", "async") + RECLAIM + cmd("flushdb", "sync"),
    "expire_options": cmd("set", "k0", "1") + cmd("expire", "k0", "100", "nx") +
    cmd("expire", "k0", "50", "gt") + cmd("expire", "k0", "200", "gt") + cmd("expire", "k0", "1", "nx", "gt") +
    cmd("pexpireat", "k0", "1") + cmd("persist", "k0") + cmd("expire", "k0", "-1"),
    "lcs_options": cmd("set", "a", "ohmytext") + cmd("set", "b", "mynewtext") + cmd("lcs", "a", "b", "len") +
    cmd("lcs", "a", "b", "idx", "minmatchlen", "4") + cmd("lcs", "a", "b", "len", "idx") +
    cmd("set", "c", "12") + cmd("lcs", "a", "c"),
    "cluster_mode": CLUSTER + cmd("set", "k0", "v") + cmd("move", "k0", "1") +
    cmd("copy", "k0", "k1", "db", "1") + cmd("swapdb", "0", "1") + cmd("select", "1"),
    "unknown_and_arity": cmd("nosuchcmd", "a") + cmd("GeT") + cmd("set", "k") +
    cmd("object|nosuch", "k") + cmd("setex", "k", "0", "v") + cmd("msetnx", "a", "1", "a"),
}
for name, prog in programs.items():
    write("fuzz_commands", name, prog)

# ---- fuzz_restore: byte 0 = mode (0 checked, 1 unchecked, 2+ footer added) --
# The DUMP payloads redis-server 7.0.15 wrote (tests/unit/fixtures), whole
# (mode 0) and without their footer (mode 2, the target appends one).
FIXTURES = os.path.join(ROOT, "..", "unit", "fixtures")
for fx in sorted(os.listdir(FIXTURES)):
    if not os.path.isfile(os.path.join(FIXTURES, fx)):
        continue
    with open(os.path.join(FIXTURES, fx), "rb") as f:
        data = f.read()
    if fx.startswith("redis-7.0.15-dump-"):
        name = fx[len("redis-7.0.15-dump-"):-len(".bin")]
        write("fuzz_restore", name, b"\x00" + data)
        write("fuzz_restore", name + "_body", b"\x02" + data[:-10])
    elif fx.endswith(".rdb"):
        # ---- fuzz_rdb_load: byte 0 bit 0 checksum, bit 1 skip expired ----
        write("fuzz_rdb_load", fx[len("redis-7.0.15-"):-len(".rdb")], b"\x03" + data)
        write("fuzz_rdb_load", fx[len("redis-7.0.15-"):-len(".rdb")] + "_unchecked", b"\x00" + data)
# Hand-made payload bodies for the decoder's other branches.
for name, body in {
    "len14": b"\x00\x40\x03abc",
    "len32": b"\x00\x80\x00\x00\x00\x03abc",
    "len64": b"\x00\x81" + b"\x00" * 7 + b"\x03abc",
    "int16": b"\x00\xc1\x00\x80",
    "lzf_backref": b"\x00\xc3\x06\x06\x02abc\x20\x02",
    "lzf_empty": b"\x00\xc3\x03\x00xyz",
    "other_type": b"\x04\x01x",
}.items():
    write("fuzz_restore", name, b"\x02" + body)

# fuzz_aof: byte 0 picks the target (odd: manifest, even: reader, bits 1-2
# the reader's small read size), byte 1 seeds the read sizes.
def aof(name, mode, body):
    write("fuzz_aof", name, bytes([mode, 0x5A]) + body)


aof("manifest_redis", 1, b"file appendonly.aof.2.base.rdb seq 2 type b\n"
    b"file appendonly.aof.2.incr.aof seq 2 type i\n")
aof("manifest_history_quoted", 1, b'file "my aof.3.base.aof" seq 3 type b\n'
    b'file "my aof.2.incr.aof" seq 2 type h\nfile "my aof.2.base.aof" seq 2 type h\n'
    b'file "my aof.3.incr.aof" seq 3 type i\n')
aof("manifest_comments_keys", 1, b"# hand written\nTYPE i Seq 4 FILE 'a b' future x\r\n"
    b'file "\\x01\\n" seq 9 type i\nfile a seq 1 type h\n')
aof("manifest_bad", 1, b"file a seq 1 type b\nfile b seq 1 type b\nfile \"c seq x\n")
tx = mbulk("MULTI") + mbulk("SET", "a", "1") + mbulk("INCR", "b") + mbulk("EXEC")
aof("reader_commands", 0, mbulk("SELECT", "0") + mbulk("SET", "k", "v") + tx + mbulk("DEL", "k"))
aof("reader_annotations", 2, b"#TS:1700000000\r\n" + mbulk("PING") + b"#x\n" + mbulk("SET", "k", "v"))
aof("reader_open_multi", 4, mbulk("SET", "a", "1") + mbulk("MULTI") + mbulk("SET", "b", "2"))
aof("reader_torn", 6, mbulk("SET", "k", "v") + b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nab")
aof("reader_garbage", 0, mbulk("PING") + b"GARBAGE\r\n" + mbulk("PING") + b"*0\r\n")
aof("reader_huge_len", 2, b"*1\r\n$9223372036854775000\r\nabc")

# fuzz_cluster_msg: byte 0 = flags (bit 0 fix totlen, bit 1 fix signature and
# version), then one cluster bus frame laid out as Redis 7.0 sends it.


def cluster_frame(mtype, body=b"", count=0, exts=0, mflags0=0, slots=(), slaveof=b"",
                  myip=b"", flags=1):
    bitmap = bytearray(2048)
    for s in slots:
        bitmap[s // 8] |= 1 << (s % 8)
    hdr = b"RCmb" + struct.pack(">IHHHHQQQ", 2256 + len(body), 1, 7000, mtype, count, 5, 3, 1234)
    hdr += (b"a" * 40) + bytes(bitmap) + slaveof.ljust(40, b"\0") + myip.ljust(46, b"\0")
    hdr += struct.pack(">H", exts) + bytes(30) + struct.pack(">HHHB", 0, 17000, flags, 0)
    hdr += bytes([mflags0, 0, 0])
    assert len(hdr) == 2256
    return hdr + body


def gossip(i, ip=b"127.0.0.1", flags=1):
    return (b"%040x" % (i * 0x1111)) + struct.pack(">II", 0, 1700000000 + i) + ip.ljust(46, b"\0") \
        + struct.pack(">HHHHH", 7000 + i, 17000 + i, flags, 0, 0)


def ping_ext(etype, data):
    padded = data + bytes(-len(data) % 8)
    return struct.pack(">IHH", 8 + len(padded), etype, 0) + padded


def bus(name, frame, flags=0):
    write("fuzz_cluster_msg", name, bytes([flags]) + frame)


g3 = gossip(1) + gossip(2) + gossip(3, flags=2)
bus("pong_real", cluster_frame(1, g3, count=3, slots=range(6827, 6827 + 4096), flags=0x111))
bus("ping_hostname", cluster_frame(0, g3 + ping_ext(0, b"node-1.example\0"), count=3, exts=1,
                                   mflags0=4, myip=b"10.1.2.3"))
bus("meet_empty", cluster_frame(2, flags=0x81))
bus("pong_exts_72", cluster_frame(1, gossip(4, flags=4) + ping_ext(0, b"h\0")
                                  + ping_ext(1, b"human\0") + ping_ext(2, b"b" * 40 + bytes(8))
                                  + ping_ext(3, b"c" * 40), count=1, exts=4, mflags0=4))
bus("ping_replica", cluster_frame(0, gossip(5), count=1, slaveof=b"f" * 40, flags=2), flags=3)
bus("fail", cluster_frame(3, b"b" * 40))
bus("publish", cluster_frame(4, struct.pack(">II", 4, 5) + b"chanhello"))
bus("publishshard", cluster_frame(10, struct.pack(">II", 0, 3) + b"msg"))
bus("auth_request", cluster_frame(5, mflags0=2))
bus("auth_ack", cluster_frame(6))
bus("update", cluster_frame(7, struct.pack(">Q", 9) + b"c" * 40
                            + bytes(bytearray([0xff] * 16) + bytearray(2032)), flags=1))
bus("mfstart", cluster_frame(8, flags=2))
bus("module", cluster_frame(9, b"\x01\x02\x03\x04\x05\x06\x07\x08" + struct.pack(">IB", 3, 7)
                            + b"xyz"))
bus("unknown_type", cluster_frame(11, b"\x00" * 16))
bus("bad_ext_len", cluster_frame(0, struct.pack(">IHH", 4, 0, 0) + bytes(4), exts=1, mflags0=4))
bus("hostname_no_nul", cluster_frame(1, ping_ext(0, b"12345678")[:8] + b"12345678", exts=1,
                                     mflags0=4))

print("seed corpus written under", os.path.join(ROOT, "corpus"), file=sys.stderr)
