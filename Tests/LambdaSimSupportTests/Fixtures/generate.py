#!/usr/bin/env python3
"""Regenerates the LambdaSimSupportTests fixtures (run at development time only; the tests
themselves never need Python). Usage: cd Tests/LambdaSimSupportTests/Fixtures && python3 generate.py

Needs Info-ZIP `zip` on PATH. Zip files made by `zip` embed timestamps, so regenerating changes
their bytes; the tests only depend on names, contents, modes and structure.
"""
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
MASK = (1 << 64) - 1


class SplitMix64:
    """Same generator as `SplitMix64` in InflateTests.swift."""

    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


WORDS = (b"lambda function invoke runtime bootstrap handler event context request response "
         b"error timeout memory layer alias version").split()


def text_payload(size):
    """Log-like, compressible text (about 16:1 with deflate)."""
    rng = SplitMix64(1)
    out = bytearray()
    line = 0
    while len(out) < size:
        v = rng.next()
        out += b"%d INFO %s %s: processed %s in %d ms (billed duration rounded up to the next millisecond, max memory used within limits)\n" % (
            line, WORDS[v & 15], WORDS[(v >> 4) & 15], WORDS[(v >> 8) & 15], (v >> 16) & 7)
        line += 1
    return bytes(out[:size])


def random_payload(size):
    """Incompressible bytes: each 64-bit output, little-endian."""
    rng = SplitMix64(2)
    out = bytearray()
    while len(out) < size:
        out += struct.pack("<Q", rng.next())
    return bytes(out[:size])


def skewed_payload(size):
    """Few matches, skewed literal frequencies: 'A' + number of trailing zero bits (capped at 25)."""
    rng = SplitMix64(3)
    out = bytearray()
    while len(out) < size:
        v = rng.next()
        for shift in range(0, 64, 16):
            part = (v >> shift) & 0xFFFF
            zeros = 16 if part == 0 else (part & -part).bit_length() - 1
            out.append(0x41 + min(zeros, 25))
    return bytes(out[:size])


def deflate(data, level=6, strategy=zlib.Z_DEFAULT_STRATEGY, chunks=None, flush=None):
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 8, strategy)
    out = b""
    if chunks:
        step = max(1, len(data) // chunks)
        for start in range(0, len(data), step):
            out += c.compress(data[start:start + step])
            out += c.flush(flush)
    else:
        out += c.compress(data)
    return out + c.flush()


def inflate_cases():
    text = text_payload(1 << 20)
    rand = random_payload(64 << 10)
    skew = skewed_payload(128 << 10)
    block = random_payload(30000)
    cases = [
        ("text-1m-level1", text, deflate(text, 1)),
        ("text-1m-level6", text, deflate(text, 6)),
        ("text-1m-level9", text, deflate(text, 9)),
        ("text-32k-fixed", text[:32768], deflate(text[:32768], 6, zlib.Z_FIXED)),
        ("text-32k-huffman-only", text[:32768], deflate(text[:32768], 6, zlib.Z_HUFFMAN_ONLY)),
        ("text-64k-sync-flushes", text[:65536], deflate(text[:65536], 6, chunks=7, flush=zlib.Z_SYNC_FLUSH)),
        ("text-64k-full-flushes", text[:65536], deflate(text[:65536], 9, chunks=5, flush=zlib.Z_FULL_FLUSH)),
        ("random-64k-level0", rand, deflate(rand, 0)),
        ("random-64k-level6", rand, deflate(rand, 6)),
        ("skewed-128k-level6", skew, deflate(skew, 6)),
        ("skewed-128k-rle", skew, deflate(skew, 6, zlib.Z_RLE)),
        ("empty-level0", b"", deflate(b"", 0)),
        ("empty-level6", b"", deflate(b"", 6)),
        ("empty-fixed", b"", deflate(b"", 6, zlib.Z_FIXED)),
        ("one-byte", b"x", deflate(b"x", 9)),
        ("run-100k", b"z" * 100000, deflate(b"z" * 100000, 9)),
        ("far-matches", block * 3, deflate(block * 3, 9)),
    ]
    for period in range(2, 10):
        pattern = bytes(range(0x61, 0x61 + period))
        data = pattern * (5000 // period) + b"!"
        cases.append(("period-%d" % period, data, deflate(data, 9)))
    return cases


def write_inflate_cases():
    """inflate-cases.bin: repeated [u16 name length][name][u32 size][32-byte SHA-256][u32 stream length][stream]."""
    out = bytearray()
    for name, data, stream in inflate_cases():
        assert zlib.decompress(stream, -15) == data
        encoded = name.encode()
        out += struct.pack("<H", len(encoded)) + encoded
        out += struct.pack("<I", len(data)) + hashlib.sha256(data).digest()
        out += struct.pack("<I", len(stream)) + stream
    with open(os.path.join(HERE, "inflate-cases.bin"), "wb") as f:
        f.write(out)
    for name, data, _ in inflate_cases()[:3]:
        print(name, hashlib.sha256(data).hexdigest())


def run(args, cwd, stdin=None):
    subprocess.run(args, cwd=cwd, check=True, input=stdin)


def write(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def crafted_zip(entries, zip64=False, comment=b""):
    """Builds a zip by hand. entries: (raw name, data, method, flags, create_system, external_attr).
    With zip64, every central directory size and offset field is 0xFFFFFFFF with the real values
    in a ZIP64 extra field, and ZIP64 end records are written."""
    body = bytearray()
    central = bytearray()
    for name, data, method, flags, system, external in entries:
        crc = zlib.crc32(data)
        stored = deflate(data, 6) if method == 8 else data
        offset = len(body)
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(stored)) if zip64 else b""
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (len(stored), len(data))
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, flags, method, 0, 0x21,
                            crc, sizes[0], sizes[1], len(name), len(local_extra)) + name + local_extra + stored
        if zip64:
            extra = struct.pack("<HHQQQ", 1, 24, len(data), len(stored), offset)
            fields = (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        else:
            extra = b""
            fields = (len(stored), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (system << 8) | 45, 45 if zip64 else 20,
                               flags, method, 0, 0x21, crc, fields[0], fields[1], len(name), len(extra), 0, 0, 0,
                               external, fields[2]) + name + extra
    directory_offset = len(body)
    out = body + central
    count = len(entries)
    if zip64:
        zip64_offset = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(central), directory_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, zip64_offset, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, len(comment))
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), directory_offset, len(comment))
    return bytes(out + comment)


def write_zips():
    work = tempfile.mkdtemp()
    try:
        src = os.path.join(work, "src")
        os.makedirs(src)
        fixtures = HERE

        def out(name):
            path = os.path.join(fixtures, name)
            if os.path.exists(path):
                os.remove(path)
            return path

        write(os.path.join(src, "hello.txt"), b"Hello, stored world!\n")
        run(["zip", "-q", "-X", "-0", out("stored.zip"), "hello.txt"], src)

        lorem = b"".join(b"Line %d of a compressible text file for the deflate test.\n" % i for i in range(200))
        write(os.path.join(src, "lorem.txt"), lorem)
        run(["zip", "-q", "-X", "-9", out("deflated.zip"), "lorem.txt"], src)

        fn = os.path.join(src, "function")
        write(os.path.join(fn, "bootstrap"), b"#!/bin/sh\necho hello from bootstrap\n", 0o755)
        write(os.path.join(fn, "empty.txt"), b"")
        write(os.path.join(fn, "secret.txt"), b"only for the owner\n", 0o600)
        write(os.path.join(fn, "lib", "nested", "deep", "data.txt"), b"deep data\n" * 50)
        os.makedirs(os.path.join(fn, "lib", "emptydir"))
        run(["zip", "-q", "-r", out("function.zip"), "."], fn)

        run(["zip", "-q", "-X", "-z", out("comment.zip"), "hello.txt"], src,
            stdin=b"Built for the lambda-sim tests.\nSecond comment line.\n.\n")

        with zipfile.ZipFile(out("zip64-python.zip"), "w", zipfile.ZIP_DEFLATED) as z:
            with z.open("big-ish.txt", "w", force_zip64=True) as f:
                f.write(lorem)
            with z.open("small.txt", "w", force_zip64=True) as f:
                f.write(b"small\n")

        run(["zip", "-q", "-X", "-fz", out("zip64-infozip.zip"), "hello.txt", "lorem.txt"], src)

        with open(out("zip64-crafted.zip"), "wb") as f:
            f.write(crafted_zip([
                (b"a.txt", b"first entry\n", 0, 0, 3, 0o100644 << 16),
                (b"dir/b.txt", lorem, 8, 0, 3, 0o100755 << 16),
            ], zip64=True))

        run(["zip", "-q", "-X", out("streamed.zip"), "-"], src, stdin=b"streamed from stdin\n" * 20)

        data = bytearray(open(os.path.join(fixtures, "stored.zip"), "rb").read())
        index = data.index(b"Hello, stored world!")
        data[index] ^= 0x20  # "hello, ..." with the original CRC
        open(out("bad-crc.zip"), "wb").write(data)

        data = bytearray(open(os.path.join(fixtures, "deflated.zip"), "rb").read())
        data[40] ^= 0xFF  # inside the deflate stream of the only entry
        data[60] ^= 0xFF
        open(out("corrupt-deflate.zip"), "wb").write(data)

        data = open(os.path.join(fixtures, "deflated.zip"), "rb").read()
        open(out("truncated.zip"), "wb").write(data[:len(data) // 2])

        # Central directory intact, but the entry claims more data than the file holds.
        good = crafted_zip([(b"short.txt", b"x" * 100, 0, 0, 3, 0o100644 << 16)])
        central = good.index(b"PK\x01\x02")
        bad = bytearray(good)
        struct.pack_into("<II", bad, central + 20, 5000, 5000)
        struct.pack_into("<II", bad, 18, 5000, 5000)
        open(out("truncated-entry.zip"), "wb").write(bad)

        with zipfile.ZipFile(out("traversal.zip"), "w") as z:
            z.writestr("ok.txt", b"fine\n")
            z.writestr("../evil", b"should never be written\n")

        with open(out("absolute.zip"), "wb") as f:
            f.write(crafted_zip([(b"/tmp/lambda-sim-absolute-evil", b"nope\n", 0, 0, 3, 0o100644 << 16)]))

        link_tree = os.path.join(src, "links")
        write(os.path.join(link_tree, "lib", "data.txt"), b"linked data\n")
        os.symlink("lib/data.txt", os.path.join(link_tree, "current"))
        os.symlink("../current", os.path.join(link_tree, "lib", "up"))
        run(["zip", "-q", "-r", "-y", "-X", out("symlink.zip"), "lib", "current"], link_tree)

        with open(out("symlink-escape.zip"), "wb") as f:
            f.write(crafted_zip([(b"escape", b"../../etc/passwd", 0, 0, 3, 0o120777 << 16)]))
        with open(out("symlink-chain.zip"), "wb") as f:
            f.write(crafted_zip([
                (b"a/", b"", 0, 0, 3, 0o040755 << 16),
                (b"a/up", b"..", 0, 0, 3, 0o120777 << 16),
                (b"a/sneaky", b"up/../..", 0, 0, 3, 0o120777 << 16),
            ]))

        run(["zip", "-q", "-X", "-P", "secret", out("encrypted.zip"), "hello.txt"], src)

        with zipfile.ZipFile(out("bzip2.zip"), "w", zipfile.ZIP_BZIP2) as z:
            z.writestr("compressed.txt", lorem)

        stub = b"#!/bin/sh\necho this is a self-extractor stub\nexit 0\n" * 4
        open(out("prepended.zip"), "wb").write(stub + open(os.path.join(fixtures, "deflated.zip"), "rb").read())

        with open(out("names.zip"), "wb") as f:
            f.write(crafted_zip([
                ("h\u00e9llo/w\u00f6rld.txt".encode(), b"utf-8 flagged\n", 0, 0x800, 3, 0o100644 << 16),
                ("caf\u00e9.txt".encode("cp437"), b"cp437 name\n", 0, 0, 0, 0x20),
                (b"windows\\style\\path.txt", b"backslashes from an MS-DOS host\n", 8, 0, 0, 0x20),
            ], comment=b"names test"))

        with zipfile.ZipFile(out("empty-archive.zip"), "w"):
            pass

        open(out("not-a-zip.txt"), "wb").write(b"This is plain text, not a zip archive.\n" * 3)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    write_inflate_cases()
    write_zips()
