#!/usr/bin/env python3
"""Hand-assemble Mach-O files, one per trap, into OUTDIR, with OUTDIR/EXPECTED
listing `<file>\t<expected first line of status>` (a prefix match when it ends
in '…'). Layouts follow Apple's documented structures (xnu cs_blobs.h,
mach-o/loader.h, mach-o/fat.h); nothing here uses sigfs.

usage: make_crafted.py OUTDIR"""
import hashlib
import os
import struct
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
expected = []

CSMAGIC_CODEDIRECTORY = 0xFADE0C02
CSMAGIC_EMBEDDED_SIGNATURE = 0xFADE0CC0
CSMAGIC_REQUIREMENTS = 0xFADE0C01
CSMAGIC_BLOBWRAPPER = 0xFADE0B01
CPU_ARM64, CPU_X86_64 = 0x0100000C, 0x01000007


def be(*v):
    return struct.pack(">" + "I" * len(v), *v)


def blob(magic, payload):
    return be(magic, 8 + len(payload)) + payload


def codedirectory(ident=b"com.example.crafted", team=b"TEAMID1234", version=0x20400, n_code=2,
                  hash_type=2, hash_size=32, n_special=2, ident_off=None, team_off=None, hash_off=None,
                  page_log2=12, flags=0x2):
    """A CodeDirectory: header (version-dependent), ident, team, hashes."""
    hdr_len = {0x20001: 44, 0x20100: 48, 0x20200: 52, 0x20300: 64, 0x20400: 88, 0x20500: 96}[version]
    io = hdr_len
    to = io + len(ident) + 1
    ho = to + len(team) + 1 + n_special * hash_size
    hashes = bytes(range(n_special * hash_size % 256)) * 0 + b"\x11" * (n_special * hash_size) + b"\x22" * (n_code * hash_size)
    body = ident + b"\0" + team + b"\0" + hashes
    length = hdr_len + len(body)
    h = be(CSMAGIC_CODEDIRECTORY, length, version, flags, hash_off if hash_off is not None else ho,
           ident_off if ident_off is not None else io, n_special, n_code, 4096 * n_code)
    h += bytes([hash_size, hash_type, 0, page_log2]) + be(0)
    if version >= 0x20100:
        h += be(0)  # scatter
    if version >= 0x20200:
        h += be(team_off if team_off is not None else to)
    if version >= 0x20300:
        h += be(0) + struct.pack(">Q", 0)
    if version >= 0x20400:
        h += struct.pack(">QQQ", 0, 4096, 1)
    if version >= 0x20500:
        h += be(0x0E0000, 0)
    assert len(h) == hdr_len, (len(h), hdr_len)
    return h + body


def superblob(blobs, count=None, offsets=None):
    """blobs: [(slot, bytes)], laid out after the index."""
    n = len(blobs)
    off = 12 + 8 * n
    index, data = b"", b""
    for i, (slot, b) in enumerate(blobs):
        o = offsets[i] if offsets else off + len(data)
        index += be(slot, o)
        data += b
    total = 12 + 8 * n + len(data)
    return be(CSMAGIC_EMBEDDED_SIGNATURE, total, count if count is not None else n) + index + data


def macho64(sig=None, cpu=CPU_ARM64, sub=0, extra_cmds=b"", ncmds_delta=0, sizeofcmds_override=None,
            sig_off_override=None, sig_size_override=None, code=b"\0" * 8192):
    """Thin 64-bit little-endian Mach-O: LC_BUILD_VERSION, optional
    LC_CODE_SIGNATURE, then code bytes, then the signature."""
    cmds = [struct.pack("<IIIIII", 0x32, 24, 1, 0x000B0000, 0x000E0000, 0)]
    cmds.append(extra_cmds) if extra_cmds else None
    hdr_len = 32
    ncmds = len([c for c in cmds if c])
    lc_sig_len = 16 if sig is not None else 0
    sizeofcmds = sum(len(c) for c in cmds) + lc_sig_len
    start = hdr_len + sizeofcmds
    body = code
    sig_off = start + len(body)
    if sig is not None:
        cmds.append(struct.pack("<IIII", 0x1D, 16, sig_off if sig_off_override is None else sig_off_override,
                                len(sig) if sig_size_override is None else sig_size_override))
        ncmds += 1
    hdr = struct.pack("<IIIIIIII", 0xFEEDFACF, cpu, sub, 2, ncmds + ncmds_delta,
                      sizeofcmds if sizeofcmds_override is None else sizeofcmds_override, 0, 0)
    return hdr + b"".join(cmds) + body + (sig or b"")


def fat(slices, magic=0xCAFEBABE, nfat=None, entries=None):
    """slices: [(cpu, sub, bytes)] aligned at 4096."""
    ent = 20 if magic == 0xCAFEBABE else 32
    table_end = 8 + ent * len(slices)
    off = (table_end + 4095) // 4096 * 4096
    table, data, pos = b"", b"", off
    for cpu, sub, b in slices:
        if magic == 0xCAFEBABE:
            table += be(cpu, sub, pos, len(b), 12)
        else:
            table += be(cpu, sub) + struct.pack(">QQ", pos, len(b)) + be(12, 0)
        pad = (len(b) + 4095) // 4096 * 4096 - len(b)
        data += b + b"\0" * pad
        pos += len(b) + pad
    if entries is not None:
        table = entries
    hdr = be(magic, len(slices) if nfat is None else nfat) + table
    return hdr + b"\0" * (off - len(hdr)) + data


def emit(name, data, status, files=None, absent=()):
    """files: {name in .sig/: exact expected bytes}, written to NAME.expect/;
    absent: names in .sig/ that must not exist, written to NAME.absent"""
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    expected.append((name, status))
    if absent:
        with open(os.path.join(out, name + ".absent"), "w") as f:
            f.write("".join(a + "\n" for a in absent))
    for fname, content in (files or {}).items():
        os.makedirs(os.path.join(out, name + ".expect"), exist_ok=True)
        with open(os.path.join(out, name + ".expect", fname), "wb") as f:
            f.write(content)


def text_segment_with_info_plist(plist_off, plist_len):
    """LC_SEGMENT_64 __TEXT with one section __info_plist (mach-o/loader.h)."""
    sect = b"__info_plist\0\0\0\0" + b"__TEXT".ljust(16, b"\0") + struct.pack(
        "<QQIIIIIIII", 0x1000 + plist_off, plist_len, plist_off, 0, 0, 0, 0, 0, 0, 0)
    seg = struct.pack("<II", 0x19, 72 + 80) + b"__TEXT".ljust(16, b"\0") + struct.pack(
        "<QQQQiiII", 0x1000, 0x4000, 0, 0x4000, 5, 5, 1, 0)
    return seg + sect


good_cd = codedirectory()
good_sb = superblob([(0, good_cd)])
cdhash = hashlib.sha256(good_cd).hexdigest()[:40]

# --- well-formed references
emit("ok-adhoc", macho64(good_sb), "adhoc")
# an embedded Info.plist: __TEXT,__info_plist inside the code area; the
# CodeDirectory's special slot -1 is non-zero (0x11…), so it counts as bound
plist = (b'<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
         b'\t<key>CFBundleIdentifier</key>\n\t<string>com.example.crafted</string>\n'
         b'\t<key>CFBundleVersion</key>\n\t<string>7</string>\n</dict>\n</plist>\n')
hdr_and_cmds = 32 + 24 + (72 + 80) + 16
emit("ok-info-plist", macho64(good_sb, extra_cmds=text_segment_with_info_plist(hdr_and_cmds + 256, len(plist)),
                              code=b"\0" * 256 + plist + b"\0" * (8192 - 256 - len(plist))),
     "adhoc", {"info.plist": plist, "identifier": b"com.example.crafted\n", "team-id": b"TEAMID1234\n",
               "flags": b"0x2(adhoc)\n"})
emit("ok-unsigned", macho64(None), "unsigned")
emit("ok-fat", fat([(CPU_X86_64, 3, macho64(good_sb, CPU_X86_64, 3)), (CPU_ARM64, 0, macho64(good_sb))]), "adhoc")
emit("ok-fat64", fat([(CPU_ARM64, 0, macho64(good_sb))], magic=0xCAFEBABF), "adhoc")
emit("ok-fat-archive", fat([(CPU_ARM64, 0, b"!<arch>\n" + b"\0" * 64)]), "not-macho: static library archive (ar)")
with open(os.path.join(out, "ok-adhoc.cdhash"), "w") as f:
    f.write(cdhash + "\n")

# --- SuperBlob traps
emit("sb-count-overflow", macho64(superblob([(0, good_cd)], count=0x20000000)),
     "malformed: superblob: 536870912 blobs cannot fit in …")
emit("sb-offset-into-header", macho64(superblob([(0, good_cd)], offsets=[4])),
     "malformed: superblob: blob 0 (slot 0x0) offset 0x4 points into the header (ends 0x14)")
emit("sb-offset-past-end", macho64(superblob([(0, good_cd)], offsets=[0x7fffffff])),
     "malformed: superblob: blob 0 (slot 0x0) offset 0x7fffffff past end …")
# blob 1 (slot 2) claims the bytes of blob 0: both index entries point at 0x1c
emit("sb-overlap", macho64(superblob([(0, good_cd), (2, blob(CSMAGIC_REQUIREMENTS, be(0)))], offsets=[28, 28])),
     "malformed: superblob: blob 1 (slot 0x2) at 0x1c overlaps blob 0 (slot 0x0) at 0x1c")
emit("sb-duplicate-slot", macho64(superblob([(0, good_cd), (0, good_cd)])), "malformed: superblob: slot 0x0 appears twice")
bad_len = bytearray(good_sb)
struct.pack_into(">I", bad_len, 20 + 4, 0xFFFFFFF0)  # CD length field
emit("sb-blob-length-wraps", macho64(bytes(bad_len)),
     "malformed: superblob: blob 0 (slot 0x0) at 0x14 length 4294967280 past end …")
emit("sb-bad-magic", macho64(be(0xFADE0B02, 12, 0)), "malformed: superblob: magic 0xfade0b02 is not an embedded signature …")
emit("sb-truncated", macho64(good_sb[:6]), "malformed: superblob: 6 bytes is shorter than its header")
emit("sb-no-codedirectory", macho64(superblob([(2, blob(CSMAGIC_REQUIREMENTS, be(0)))])),
     "malformed: superblob: no CodeDirectory")
emit("sb-wrong-slot-magic", macho64(superblob([(0, blob(CSMAGIC_REQUIREMENTS, be(0)))])),
     "malformed: superblob: blob 0 (slot 0x0) has magic 0xfade0c01, expected 0xfade0c02")

# --- CodeDirectory traps
emit("cd-hashoffset-past-end", macho64(superblob([(0, codedirectory(hash_off=0x7ffffff0))])),
     "malformed: codedirectory (slot 0x0): hashOffset 0x7ffffff0 past end …")
emit("cd-identoffset-past-end", macho64(superblob([(0, codedirectory(ident_off=0xffffff00))])),
     "malformed: codedirectory (slot 0x0): identOffset 0xffffff00 past end …")
emit("cd-teamoffset-past-end", macho64(superblob([(0, codedirectory(team_off=0x10000))])),
     "malformed: codedirectory (slot 0x0): teamOffset 0x10000 past end …")
big = bytearray(codedirectory())
struct.pack_into(">I", big, 28, 0x08000000)  # nCodeSlots * 32 overflows 32 bits
emit("cd-ncodeslots-overflow", macho64(superblob([(0, bytes(big))])),
     "malformed: codedirectory (slot 0x0): 134217728 code slots of 32 bytes past end …")
sp = bytearray(codedirectory())
struct.pack_into(">I", sp, 24, 0x40000000)  # nSpecialSlots
emit("cd-nspecial-overflow", macho64(superblob([(0, bytes(sp))])),
     "malformed: codedirectory (slot 0x0): 1073741824 special slots before hashOffset …")
emit("cd-unknown-hashtype", macho64(superblob([(0, codedirectory(hash_type=9))])),
     "malformed: codedirectory (slot 0x0): unknown hash type 9")
emit("cd-hashsize-mismatch", macho64(superblob([(0, codedirectory(hash_size=20))])),
     "malformed: codedirectory (slot 0x0): hash size 20 does not match sha256")
emit("cd-truncated-header", macho64(superblob([(0, codedirectory()[:30])])),
     "malformed: superblob: blob 0 (slot 0x0) at 0x14 length …")
emit("cd-version-header-past-end", macho64(superblob([(0, blob(CSMAGIC_CODEDIRECTORY, codedirectory(version=0x20400)[8:48]))])),
     "malformed: codedirectory (slot 0x0): version 0x20400 header past end …")
emit("cd-bad-version", macho64(superblob([(0, codedirectory(version=0x20400)[:8] + be(0x30000) + codedirectory()[12:])])),
     "malformed: codedirectory (slot 0x0): unsupported version 0x30000")

# --- CMS
emit("cms-garbage", macho64(superblob([(0, good_cd), (0x10000, blob(CSMAGIC_BLOBWRAPPER, b"\x30\x82\xff\xff garbage"))])),
     "malformed: cms: …")
emit("cms-empty-wrapper", macho64(superblob([(0, good_cd), (0x10000, blob(CSMAGIC_BLOBWRAPPER, b""))])), "adhoc")

# --- payloads that later files decode: one that does not decode leaves
# `status` describing the signature's shape (SPEC-VERIFY.md) and hides only
# the files derived from it; the raw blob files stay
emit("ent-xml-garbage", macho64(superblob([(0, good_cd), (5, blob(0xFADE7171, b"<plist><dict><key>x</dict"))])),
     "adhoc", {"entitlements.plist": b"<plist><dict><key>x</dict"}, absent=["entitlements.txt", "entitlements.json"])
emit("ent-der-garbage", macho64(superblob([(0, good_cd), (7, blob(0xFADE7172, b"\x70\x80\x02\x01\x01"))])),
     "adhoc", {"entitlements.der": b"\x70\x80\x02\x01\x01"},
     absent=["entitlements.plist", "entitlements.txt", "entitlements.json"])
reqset_huge = blob(CSMAGIC_REQUIREMENTS, be(0x10000000))
emit("reqset-count-overflow", macho64(superblob([(0, good_cd), (2, reqset_huge)])),
     "adhoc", {"requirements.bin": reqset_huge}, absent=["requirements.txt", "designated-requirement"])
deep = be(9) * 1000000 + be(1)  # a million nested opNot, then opTrue
emit("req-deep-nesting", macho64(superblob([(0, good_cd), (2, blob(CSMAGIC_REQUIREMENTS, be(1, 3, 20) + blob(0xFADE0C00, be(1) + deep)))])),
     "adhoc", absent=["requirements.txt", "designated-requirement"])
emit("lc-garbage-der", macho64(superblob([(0, good_cd), (8, blob(0xFADE8181, b"\x30\x84\xff\xff\xff\xff"))])),
     "adhoc", absent=["launch-constraints"])

# --- Load commands
emit("lc-sizeofcmds-exceeds-file", macho64(good_sb, sizeofcmds_override=0x7fffffff),
     "malformed: Mach-O header: sizeofcmds 2147483647 exceeds the slice …")
loop = macho64(good_sb)
loop = bytearray(loop)
struct.pack_into("<I", loop, 32 + 4, 0)  # first command cmdsize 0: would loop forever
emit("lc-cmdsize-zero", bytes(loop), "malformed: load command 0 at 0x20: cmdsize 0 exceeds sizeofcmds …")
emit("lc-ncmds-huge", macho64(good_sb, ncmds_delta=0x7fffffff),
     "malformed: load commands: …")
emit("lc-sig-past-end", macho64(good_sb, sig_off_override=0xfffff000),
     "malformed: LC_CODE_SIGNATURE: dataoff 0xfffff000 datasize …")
emit("lc-sig-4gib", macho64(good_sb, sig_size_override=0xffffffff),
     "malformed: LC_CODE_SIGNATURE: dataoff …")
emit("macho-truncated-header", struct.pack("<III", 0xFEEDFACF, CPU_ARM64, 0), "malformed: Mach-O header at 0x0: truncated (12 bytes)")

# --- Universal traps
sl = macho64(good_sb)
emit("fat-slice-past-eof", fat([(CPU_ARM64, 0, sl)], entries=be(CPU_ARM64, 0, 4096, 0x7fffffff, 12)),
     "malformed: universal header: slice 0 (arm64) offset 0x1000 size 2147483647 past end of file …")
emit("fat-slices-overlap", fat([(CPU_X86_64, 3, sl), (CPU_ARM64, 0, sl)],
                               entries=be(CPU_X86_64, 3, 4096, len(sl), 12) + be(CPU_ARM64, 0, 4096 + 16, len(sl) - 16, 12)),
     "malformed: universal header: slice 1 (arm64) overlaps slice 0 (x86_64)")  # arm64 is the top level
emit("fat-slice-into-header", fat([(CPU_ARM64, 0, sl)], entries=be(CPU_ARM64, 0, 4, 100, 12)),
     "malformed: universal header: slice 0 (arm64) at 0x4 overlaps the header")
# an architecture table that is not sane is no Mach-O (SPEC.md): no .sig/ at all
emit("fat-million-archs", be(0xCAFEBABE, 1000000) + b"\0" * 1016, "-")
emit("fat-40-archs", be(0xCAFEBABE, 40) + b"\0" * 4096, "-")
emit("java-class", be(0xCAFEBABE, 0x00000037) + b"\0" * 64, "-")

# --- issue 8's hostile inputs (REVIEW.md appendix): each must finish within
# the suite's time and memory bounds, not only without a crash
def many(n, last_offset=None):
    """a CodeDirectory, then n distinct-slot 8-byte blobs"""
    blobs = [(0, good_cd)] + [(0x20000 + i, be(0x12345678, 8)) for i in range(n)]
    off, index, data = 12 + 8 * len(blobs), b"", b""
    for i, (slot, b) in enumerate(blobs):
        o = off + len(data)
        if last_offset is not None and i == len(blobs) - 1:
            o = last_offset
        index += be(slot, o)
        data += b
    return be(CSMAGIC_EMBEDDED_SIGNATURE, 12 + 8 * len(blobs) + len(data), len(blobs)) + index + data


# hole 1: the index check was quadratic (13 s per load); a count past the
# bound is malformed, one within it is checked in O(n log n)
emit("sb-many-160000", macho64(many(160000)), "malformed: superblob: 160001 blobs exceed the bound of 1024")
emit("sb-many-1024", macho64(many(1023)), "adhoc")
last = 12 + 8 * 1024 + len(good_cd) + 8 * 1021  # where blob 1022 starts
emit("sb-many-overlap-last", macho64(many(1023, last_offset=last)),
     f"malformed: superblob: blob 1023 (slot 0x{0x20000 + 1022:x}) at 0x{last:x} "
     f"overlaps blob 1022 (slot 0x{0x20000 + 1021:x}) at 0x{last:x}")

# hole 4: a size bound (16 MiB of plist) reported as out-of-memory failed the
# whole load; it is a payload that does not decode
inner = b"\x02\x01\x01\xb0\x00"
der17 = b"\x70\x84" + struct.pack(">I", len(inner)) + inner
der17 += b"\0" * ((17 << 20) - len(der17))
emit("ent-der-17mib", macho64(superblob([(0, good_cd), (7, blob(0xFADE7172, der17))])), "adhoc",
     absent=["entitlements.plist", "entitlements.txt", "entitlements.json"])

# hole 3: 200 set entries aliasing one 1 MB requirement made the load-time
# check render 268 MB
n = 128 << 10
req = blob(0xFADE0C00, be(1) + be(6) * (n - 1) + be(1) * n)
hdr = 12 + 8 * 200
rs = blob(CSMAGIC_REQUIREMENTS, be(200) + b"".join(be(3, hdr) for _ in range(200)) + req)
emit("reqset-repeat", macho64(superblob([(0, good_cd), (2, rs)])), "adhoc",
     absent=["requirements.txt", "designated-requirement"])

# the class behind hole 4: 16 MiB of two-byte values, each some 100 bytes
# once decoded (1.7 GB and 12 s before the value bound), in DER and in XML
def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der_tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


strings = b"\x0c\x00" * ((16 << 20) // 2 - 32)
der_many = der_tlv(0x70, b"\x02\x01\x01" + der_tlv(0xB0, der_tlv(0x30, b"\x0c\x01a" + der_tlv(0x30, strings))))
emit("ent-der-many-values", macho64(superblob([(0, good_cd), (7, blob(0xFADE7172, der_many))])), "adhoc",
     absent=["entitlements.plist", "entitlements.txt", "entitlements.json"])
xml_many = b'<plist version="1.0"><dict><key>a</key><array>' + b"<true/>" * ((16 << 20) // 7 - 16) + \
    b"</array></dict></plist>"
emit("ent-xml-many-values", macho64(superblob([(0, good_cd), (5, blob(0xFADE7171, xml_many))])), "adhoc",
     absent=["entitlements.txt", "entitlements.json"])

# the class again, in OpenSSL: it decodes each certificate's key at parse
# time (~1 ms each); 60 MiB of certificates took 211 s and 818 MB. Past the
# CMS size bound nothing reaches OpenSSL.
cms_big = der_tlv(0x30, b"\0" * (200 << 10))
emit("cms-past-bound", macho64(superblob([(0, good_cd), (0x10000, blob(CSMAGIC_BLOBWRAPPER, cms_big))])),
     f"malformed: cms: SignedData of {len(cms_big)} bytes exceeds the bound of 131072")

with open(os.path.join(out, "EXPECTED"), "w") as f:
    for name, status in expected:
        f.write(f"{name}\t{status}\n")
