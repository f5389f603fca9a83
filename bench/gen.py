#!/usr/bin/env python3
"""Workload generator of the sigfs benchmarks (bench/README.md).

    gen.py templates DIR                  build the Mach-O templates into DIR (once; cached by run.sh)
    gen.py tree TEMPLATES OUT N M [SEED [light] [no-baselines]]
                                          build a synthetic app bundle tree into OUT/src, OUT/meta.json
    gen.py flat TEMPLATES OUT N PER_DIR   N Mach-O copies only, PER_DIR per directory (peer trees)

Templates (DIR/t/, one file each, plus DIR/templates.json):
  - the corpus files (tests/corpus/files/*/*): CMS-signed thin, universal half unsigned, linker-signed;
  - the synthetic fixtures of tests/fixtures/make-fixtures.sh (clang-14 + ld64.lld + out/tools/mksig), if the
    toolchain is there, plus one more mksig signature: a universal Developer-ID-style binary with entitlements;
  - hand-assembled ad-hoc files with XML entitlements, thin and universal (the layouts of
    tests/crafted/make_crafted.py, copied below), and large ones whose code area is a hole (sparse files):
    10, 25 and 60 MB, and the 50 MB binary of measurement 5.

A tree (deterministic for a given N, M, SEED and template set):
  OUT/src/Bench.app/Contents/{MacOS,Frameworks/*.framework/Versions/A/...,PlugIns/*.appex/...,Resources/...}
  with N Mach-O files (each one a template copy with a distinct counter written into its code area, never
  into the header, load commands or signature) and M ordinary files, of which exactly
    C1 = number of `.sig/cdhash` files the mount will show       are named *.strings (small text), and
    C2 = number of `entitlements.plist` files the mount will show are named *.xcent (entitlement plists),
  so that each signature measurement has a baseline of the same number of ordinary files. Those two counts
  come from `sigfs-export` run once over the templates (the bench re-checks them on the mount).
  Contents/MacOS/Bench is the 50 MB binary (measurement 5).
"""
import json
import os
import random
import shutil
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "out")

# ---------------------------------------------------------------- Mach-O builders
# Copied from tests/crafted/make_crafted.py (which emits its files at import time and cannot be imported);
# layouts after xnu cs_blobs.h, mach-o/loader.h, mach-o/fat.h.
CSMAGIC_CODEDIRECTORY = 0xFADE0C02
CSMAGIC_EMBEDDED_SIGNATURE = 0xFADE0CC0
CSMAGIC_REQUIREMENTS = 0xFADE0C01
CSMAGIC_EMBEDDED_ENTITLEMENTS = 0xFADE7171
CPU_ARM64, CPU_X86_64 = 0x0100000C, 0x01000007
LC_CODE_SIGNATURE = 0x1D


def be(*v):
    return struct.pack(">" + "I" * len(v), *v)


def blob(magic, payload):
    return be(magic, 8 + len(payload)) + payload


def codedirectory(ident=b"com.example.bench", team=b"", version=0x20400, n_code=2, n_special=5,
                  code_limit=None, flags=0x2):
    """An ad-hoc sha256 CodeDirectory (hash values are not checked by sigfs; they are filler)."""
    hdr_len = {0x20001: 44, 0x20100: 48, 0x20200: 52, 0x20300: 64, 0x20400: 88, 0x20500: 96}[version]
    hash_size = 32
    io = hdr_len
    to = io + len(ident) + 1
    ho = to + (len(team) + 1 if team else 0) + n_special * hash_size
    hashes = b"\x11" * (n_special * hash_size) + b"\x22" * (n_code * hash_size)
    body = ident + b"\0" + (team + b"\0" if team else b"") + hashes
    length = hdr_len + len(body)
    limit = code_limit if code_limit is not None else 4096 * n_code
    h = be(CSMAGIC_CODEDIRECTORY, length, version, flags, ho, io, n_special, n_code, limit & 0xFFFFFFFF)
    h += bytes([hash_size, 2, 0, 12]) + be(0)
    if version >= 0x20100:
        h += be(0)  # scatter
    if version >= 0x20200:
        h += be(to if team else 0)
    if version >= 0x20300:
        h += be(0) + struct.pack(">Q", limit if limit > 0xFFFFFFFF else 0)
    if version >= 0x20400:
        h += struct.pack(">QQQ", 0, 4096, 1)
    if version >= 0x20500:
        h += be(0x0E0000, 0)
    assert len(h) == hdr_len
    return h + body


def superblob(blobs):
    n = len(blobs)
    off = 12 + 8 * n
    index, data = b"", b""
    for slot, b in blobs:
        index += be(slot, off + len(data))
        data += b
    return be(CSMAGIC_EMBEDDED_SIGNATURE, 12 + 8 * n + len(data), n) + index + data


def macho64_chunks(sig, cpu=CPU_ARM64, code_size=8192):
    """Thin 64-bit Mach-O as (size, [(offset, bytes)]): header, LC_BUILD_VERSION, LC_CODE_SIGNATURE,
    code_size bytes of code (only its first page is stored: a hole for big files), the signature."""
    cmds = [struct.pack("<IIIIII", 0x32, 24, 1, 0x000B0000, 0x000E0000, 0)]
    sizeofcmds = 24 + 16
    start = 32 + sizeofcmds
    sig_off = (start + code_size + 15) // 16 * 16
    cmds.append(struct.pack("<IIII", LC_CODE_SIGNATURE, 16, sig_off, len(sig)))
    hdr = struct.pack("<IIIIIIII", 0xFEEDFACF, cpu, 0, 2, 2, sizeofcmds, 0x00200085, 0)
    head = hdr + b"".join(cmds)
    first_page = head + b"\xcc" * (min(sig_off, 4096) - len(head))
    return sig_off + len(sig), [(0, first_page), (sig_off, sig)]


def chunks_bytes(size, chunks):
    b = bytearray(size)
    for off, data in chunks:
        b[off:off + len(data)] = data
    return bytes(b)


def fat(slices):
    """slices: [(cpu, sub, bytes)] aligned at 4096 (32-bit fat header)."""
    off = (8 + 20 * len(slices) + 4095) // 4096 * 4096
    table, data, pos = b"", b"", off
    for cpu, sub, b in slices:
        table += be(cpu, sub, pos, len(b), 12)
        pad = (len(b) + 4095) // 4096 * 4096 - len(b)
        data += b + b"\0" * pad
        pos += len(b) + pad
    hdr = be(0xCAFEBABE, len(slices)) + table
    return hdr + b"\0" * (off - len(hdr)) + data


ENTS = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>com.apple.security.app-sandbox</key>
	<true/>
	<key>com.apple.security.get-task-allow</key>
	<true/>
	<key>com.apple.security.network.client</key>
	<true/>
</dict>
</plist>
"""
ENTS_NO_GTA = ENTS.replace(b"get-task-allow", b"files.user-selected.read-only")


def crafted_sig(ident, n_code, ents=None, team=b""):
    blobs = [(0, codedirectory(ident=ident, team=team, n_code=n_code)), (2, be(CSMAGIC_REQUIREMENTS, 12, 0))]
    if ents:
        blobs.append((5, blob(CSMAGIC_EMBEDDED_ENTITLEMENTS, ents)))
    return superblob(blobs)


def crafted_big(path, mb, ents):
    code = mb * 1024 * 1024 - 8192
    n_code = (code + 4095) // 4096 + 1
    size, chunks = macho64_chunks(crafted_sig(b"com.example.big%d" % mb, n_code, ents), code_size=code)
    write_chunks(path, size, chunks)


def write_chunks(path, size, chunks):
    with open(path, "wb") as f:
        for off, data in chunks:
            f.seek(off)
            f.write(data)
        f.truncate(size)


# ---------------------------------------------------------------- Mach-O inspection
def slices_of(data):
    """[(slice offset, slice size)] of a thin or universal file (first 4 KiB is enough)."""
    magic = struct.unpack(">I", data[:4])[0]
    if magic in (0xCAFEBABE, 0xCAFEBABF):
        n = struct.unpack(">I", data[4:8])[0]
        out = []
        for i in range(n):
            if magic == 0xCAFEBABE:
                _, _, off, sz, _ = struct.unpack(">IIIII", data[8 + 20 * i:28 + 20 * i])
            else:
                _, _, off, sz, _, _ = struct.unpack(">IIQQII", data[8 + 32 * i:40 + 32 * i])
            out.append((off, sz))
        return out
    return [(0, None)]


def code_positions(read, size):
    """Where a per-copy counter may go in each slice: 64 bytes after the load commands, before the
    signature; plus the byte ranges sigfs reads (header + load commands, signature) for sparse copies."""
    head = read(0, 4096)
    pos, ranges = [], []
    for off, sz in slices_of(head):
        h = read(off, 32)
        magic = struct.unpack("<I", h[:4])[0]
        assert magic in (0xFEEDFACF, 0xFEEDFACE), hex(magic)
        ncmds, sizeofcmds = struct.unpack("<II", h[16:24])
        hl = 32 if magic == 0xFEEDFACF else 28
        cmds = read(off + hl, sizeofcmds)
        sig = None
        p = 0
        for _ in range(ncmds):
            cmd, cs = struct.unpack("<II", cmds[p:p + 8])
            if cmd == LC_CODE_SIGNATURE:
                sig = struct.unpack("<II", cmds[p + 8:p + 16])
            p += cs
        at = off + hl + sizeofcmds + 64
        end = off + (sig[0] if sig else (sz or size))
        assert at + 4 <= end, "no room for the counter"
        pos.append(at)
        ranges.append((off, hl + sizeofcmds + 4096))
        if sig:
            ranges.append((off + sig[0], sig[1]))
    return pos, ranges


# ---------------------------------------------------------------- templates
def run(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def build_templates(dest):
    t = os.path.join(dest, "t")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(t)
    notes = []
    weights = {}
    # real files
    for d in sorted(os.listdir(os.path.join(ROOT, "tests/corpus/files"))):
        for f in sorted(os.listdir(os.path.join(ROOT, "tests/corpus/files", d))):
            shutil.copy(os.path.join(ROOT, "tests/corpus/files", d, f), os.path.join(t, "corpus-" + d))
            weights["corpus-" + d] = 10
    # synthetic fixtures (real linker output, CMS signatures, entitlements)
    fx = os.path.join(dest, "fx")
    try:
        run([os.path.join(ROOT, "tests/fixtures/make-fixtures.sh"), fx], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        w = {"hello-arm64": 10, "hello-x86_64": 4, "hello-universal": 8, "devid-arm64": 8,
             "adhoc-empty-cms.dylib": 8, "two-ids-universal": 6, "unsigned-arm64": 4, "sha384-derents-arm64": 4}
        for name, wt in w.items():
            shutil.copy(os.path.join(fx, "src", name), os.path.join(t, "fx-" + name))
            weights["fx-" + name] = wt
        mksig = os.environ.get("MKSIG", os.path.join(OUT, "tools/mksig"))
        work, pki = os.path.join(fx, "work"), os.path.join(fx, "work/pki")
        for a in ("x86_64", "arm64"):
            run([mksig, "--id", "com.example.bench.devid", "--team", "TEST123456", "--hash", "sha1,sha256",
                 "--runtime", "0x0e0000", "--flags", "0x10000", "--dr", "--ent-xml", work + "/ents.plist",
                 "--ent-der", "--key", pki + "/leaf.key", "--cert", pki + "/leaf.pem", "--chain",
                 pki + "/root.pem", "--chain", pki + "/inter.pem", "--time", "2024-01-02T03:04:05Z",
                 "--tsa-key", pki + "/tsa.key", "--tsa-cert", pki + "/tsa.pem",
                 os.path.join(work, "in/two-" + a), os.path.join(work, "in/devid-ents-" + a)])
        run([os.environ.get("LIPO", "llvm-lipo-14"), "-create", work + "/in/devid-ents-x86_64",
             work + "/in/devid-ents-arm64", "-output", os.path.join(t, "fx-devid-ents-universal")])
        weights["fx-devid-ents-universal"] = 8
    except (subprocess.CalledProcessError, OSError) as e:
        err = getattr(e, "stderr", b"") or b""
        notes.append("synthetic fixtures not built (%s %s): only corpus and hand-assembled templates"
                     % (e, err.decode(errors="replace").strip()[-200:]))
    # hand-assembled ad-hoc with entitlements
    with open(os.path.join(t, "crafted-adhoc-ents"), "wb") as f:
        f.write(chunks_bytes(*macho64_chunks(crafted_sig(b"com.example.ents", 3, ENTS), code_size=12288)))
    weights["crafted-adhoc-ents"] = 8
    fat_slices = []
    for cpu, sub in ((CPU_X86_64, 3), (CPU_ARM64, 0)):
        fat_slices.append((cpu, sub, chunks_bytes(*macho64_chunks(
            crafted_sig(b"com.example.fatents", 4, ENTS_NO_GTA if cpu == CPU_X86_64 else ENTS),
            cpu=cpu, code_size=16384))))
    with open(os.path.join(t, "crafted-fat-ents"), "wb") as f:
        f.write(fat(fat_slices))
    weights["crafted-fat-ents"] = 6
    # large, sparse: used a few times per tree (not by weight); big-50 is measurement 5's binary
    for mb in (10, 25, 60):
        crafted_big(os.path.join(t, "big-%d" % mb), mb, ENTS if mb != 25 else None)
    crafted_big(os.path.join(t, "big-50"), 50, ENTS)
    # what the mount will show for each (cdhash files, entitlements.plist files)
    exp = os.path.join(dest, "export")
    exporter = os.environ.get("SIGFS_EXPORT", os.path.join(OUT, "sigfs-export"))
    r = subprocess.run([exporter, "-q", t, exp])
    if r.returncode != 0:
        sys.exit("gen.py: sigfs-export failed on the templates")
    info = {}
    for name in sorted(os.listdir(t)):
        sig = os.path.join(exp, name + ".sig")
        ents = [os.path.join(dp, x) for dp, dn, fn in os.walk(sig) for x in fn if x == "entitlements.plist"]
        n_ent = len(ents)
        n_gta = sum(1 for e in ents if b"com.apple.security.get-task-allow" in open(e, "rb").read())
        with open(os.path.join(sig, "status")) as f:
            status = f.read().strip()
        info[name] = {"weight": weights.get(name, 0), "size": os.path.getsize(os.path.join(t, name)),
                      "cdhash": int(os.path.exists(os.path.join(sig, "cdhash"))), "ents": n_ent, "gta": n_gta,
                      "status": status}
        if name.startswith("big-"):
            with open(os.path.join(sig, "info.txt")) as f:
                info[name]["info"] = f.read()
    with open(os.path.join(dest, "templates.json"), "w") as f:
        json.dump({"templates": info, "notes": notes}, f, indent=1)
    shutil.rmtree(exp)


def load_templates(tdir):
    with open(os.path.join(tdir, "templates.json")) as f:
        meta = json.load(f)
    tpl = {}
    for name, info in meta["templates"].items():
        path = os.path.join(tdir, "t", name)
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            def read(off, n, f=f):
                f.seek(off)
                return f.read(n)
            pos, ranges = code_positions(read, size)
            if size <= 4 * 1024 * 1024:
                chunks = [(0, read(0, size))]
            else:
                chunks = [(off, read(off, n)) for off, n in ranges]
        tpl[name] = dict(info, chunks=chunks, pos=pos, size=size)
    return tpl, meta.get("notes", [])


# ---------------------------------------------------------------- trees
LANGS = ["en", "de", "fr", "ja", "es", "it", "ko", "nl", "pt-BR", "ru", "sv", "zh-Hans", "zh-Hant", "Base"]
WORDS = ["Open", "Save", "Cancel", "Preferences", "Window", "Document", "Quit", "Help", "Edit", "View",
         "Format", "Share", "Export", "Import", "Delete", "Rename"]


def strings_text(rng, n):
    lines = []
    while sum(len(x) for x in lines) < n:
        w = rng.choice(WORDS)
        lines.append('"%s%d" = "%s %s";\n' % (w, rng.randrange(1000), w, rng.choice(WORDS)))
    return "".join(lines).encode()


def info_plist(ident, exe):
    return ("""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleExecutable</key>
	<string>%s</string>
	<key>CFBundleIdentifier</key>
	<string>%s</string>
	<key>CFBundleShortVersionString</key>
	<string>1.0</string>
</dict>
</plist>
""" % (exe, ident)).encode()


def write_copy(t, path, counter):
    """A copy of template t at path, with counter written into the code area of its first slice (the chunk
    holding that offset), so that no two copies are the same file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    chunks = list(t["chunks"])
    p = t["pos"][0]
    for i, (off, data) in enumerate(chunks):
        if off <= p and p + 4 <= off + len(data):
            d = bytearray(data)
            struct.pack_into("<I", d, p - off, counter)
            chunks[i] = (off, bytes(d))
            break
    else:
        raise AssertionError("counter position outside the stored chunks")
    write_chunks(path, t["size"], chunks)
    os.chmod(path, 0o755)


# Templates `ldid -arch arm64 -h` cannot answer for (checked against ldid c50e84e); peer trees leave them out.
LDID_CANNOT = {"fx-hello-x86_64": "no arm64 slice: ldid prints nothing",
               "fx-unsigned-arm64": "unsigned: ldid exits 1 and drops the rest of its batch",
               "fx-sha384-derents-arm64": "SHA-384 CodeDirectory: ldid aborts on an assertion"}


def build_flat(tdir, out, n, per_dir, seed=1):
    """N Mach-O files only, PER_DIR to a directory (OUT/src/dNNN/fNNNNN): the peer tree of the batched-ldid,
    floor and export measurements (every file has a cdhash ldid can print) and the file-manager folder."""
    tpl, notes = load_templates(tdir)
    rng = random.Random(seed)
    src = os.path.join(out, "src")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(src)
    names = sorted(k for k, v in tpl.items() if v["weight"] > 0 and v["cdhash"] and k not in LDID_CANNOT)
    kinds = rng.choices(names, [tpl[k]["weight"] for k in names], k=n)
    counts = {}
    for i, name in enumerate(kinds):
        write_copy(tpl[name], os.path.join(src, "d%03d" % (i // per_dir), "f%05d" % i), i + 1)
        counts[name] = counts.get(name, 0) + 1
    meta = {"macho": n, "per_dir": per_dir, "dirs": (n + per_dir - 1) // per_dir, "seed": seed,
            "bytes": sum(tpl[k]["size"] for k in kinds), "templates": counts, "notes": notes,
            "left_out": {k: v for k, v in LDID_CANNOT.items() if k in tpl}}
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def build_tree(tdir, out, n, m, seed=1, baselines=True, light=False):
    """light: no big binaries and tiny ordinary files (start-up trees); baselines: the *.strings and
    *.xcent baseline files of measurements 1 and 2 (else all M ordinary files are other resources)."""
    tpl, notes = load_templates(tdir)
    rng = random.Random(seed)
    src = os.path.join(out, "src")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(src)
    app = os.path.join(src, "Bench.app", "Contents")
    counter = [0]
    stats = {"macho": 0, "cdhash": 0, "ents": 0, "gta": 0, "bytes": 0, "templates": {}}

    def put_macho(path, name):
        t = tpl[name]
        counter[0] += 1
        write_copy(t, path, counter[0])
        stats["macho"] += 1
        stats["cdhash"] += t["cdhash"]
        stats["ents"] += t["ents"]
        stats["gta"] += t["gta"]
        stats["bytes"] += t["size"]
        stats["templates"][name] = stats["templates"].get(name, 0) + 1

    # which template each Mach-O gets: the main executable is big-50, a few more big ones, the rest weighted
    small = sorted(k for k, v in tpl.items() if v["weight"] > 0)
    weights = [tpl[k]["weight"] for k in small]
    n_big = min(max(3, n // 250), max(0, n - 1)) if n > 1 and not light else 0
    bigs = ["big-10", "big-25", "big-60"]
    first = ["big-50"] if not light else rng.choices(small, weights, k=1)
    kinds = first + [bigs[i % 3] for i in range(n_big)] + rng.choices(small, weights, k=max(0, n - 1 - n_big))
    rng.shuffle(kinds[1:])
    kinds = kinds[:n]

    # containers: the app, frameworks, plug-ins; Mach-Os and ordinary files are spread over them
    n_fw = max(1, n // 10)
    n_plug = max(1, n // 50)
    containers = [("app", app, "Bench")]
    for i in range(n_fw):
        containers.append(("fw", os.path.join(app, "Frameworks", "Kit%04d.framework" % i), "Kit%04d" % i))
    for i in range(n_plug):
        containers.append(("plug", os.path.join(app, "PlugIns", "Ext%04d.appex" % i, "Contents"), "Ext%04d" % i))

    def res_dir(c):
        kind, base, _ = c
        return os.path.join(base, "Versions", "A", "Resources") if kind == "fw" else os.path.join(base, "Resources")

    # Mach-O placement
    if n >= 1:
        put_macho(os.path.join(app, "MacOS", "Bench"), kinds[0])
    idx = 1
    for c in containers[1:]:
        if idx >= n:
            break
        kind, base, name = c
        if kind == "fw":
            put_macho(os.path.join(base, "Versions", "A", name), kinds[idx])
            os.symlink("A", os.path.join(base, "Versions", "Current"))
            os.symlink(os.path.join("Versions", "Current", name), os.path.join(base, name))
            os.makedirs(res_dir(c), exist_ok=True)
            os.symlink(os.path.join("Versions", "Current", "Resources"), os.path.join(base, "Resources"))
        else:
            put_macho(os.path.join(base, "MacOS", name), kinds[idx])
        idx += 1
    while idx < n:  # the rest: libraries inside frameworks, loose dylibs, helpers
        r = rng.random()
        if r < 0.5:
            c = rng.choice(containers[1:n_fw + 1])
            put_macho(os.path.join(c[1], "Versions", "A", "Libraries", "lib%s_%d.dylib" % (c[2], idx)), kinds[idx])
        elif r < 0.8:
            put_macho(os.path.join(app, "Frameworks", "libbench%05d.dylib" % idx), kinds[idx])
        else:
            put_macho(os.path.join(app, "Helpers", "tool%05d" % idx), kinds[idx])
        idx += 1

    # ordinary files: C1 *.strings, C2 *.xcent, the rest resources; Info.plist per container
    c1, c2 = (stats["cdhash"], stats["ents"]) if baselines else (0, 0)
    others = m - c1 - c2
    if others < len(containers):
        notes.append("M=%d raised to %d: the baselines need C1=%d *.strings and C2=%d *.xcent files"
                     % (m, c1 + c2 + len(containers), c1, c2))
        others = len(containers)
    n_ord = 0
    for kind, base, name in containers:
        d = os.path.join(base, "Versions", "A", "Resources") if kind == "fw" else base
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "Info.plist"), "wb") as f:
            f.write(info_plist("com.example.bench." + name.lower(), name))
        n_ord += 1
    others -= len(containers)
    plan = ["strings"] * c1 + ["xcent"] * c2 + ["other"] * others
    strings_bytes = xcent_gta = 0
    for i, what in enumerate(plan):
        c = rng.choice(containers)
        rd = res_dir(c)
        if what == "strings":
            d = os.path.join(rd, rng.choice(LANGS) + ".lproj")
            path, data = os.path.join(d, "Localizable%05d.strings" % i), strings_text(rng, rng.randrange(60, 4096))
            size = len(data)
            strings_bytes += size
        elif what == "xcent":
            # as many baseline files hold get-task-allow as entitlements.plist files do
            gta = xcent_gta < stats["gta"]
            path, data = os.path.join(rd, "Entitlements", "f%05d.xcent" % i), ENTS if gta else ENTS_NO_GTA
            size = len(data)
            xcent_gta += gta
        elif light:
            path = os.path.join(rd, "data", "blob%05d.dat" % i)
            size = rng.randrange(0, 512)
            data = rng.randbytes(size)
        else:
            r = rng.random()
            if r < 0.35:
                path = os.path.join(rd, rng.choice(LANGS) + ".lproj", "View%05d.nib" % i)
                size = rng.randrange(500, 40000)
            elif r < 0.65:
                path = os.path.join(rd, "Images", "icon%05d.png" % i)
                size = rng.randrange(200, 60000)
            elif r < 0.8 and c[0] == "fw":
                path = os.path.join(c[1], "Versions", "A", "Headers", "H%05d.h" % i)
                size = rng.randrange(200, 20000)
            elif r < 0.995:
                path = os.path.join(rd, "data", "blob%05d.dat" % i)
                size = int(rng.lognormvariate(8, 1.5)) + 1
            else:  # a few large resources (sparse past their first 64 KiB)
                path = os.path.join(rd, "Assets%05d.car" % i)
                size = rng.randrange(1, 30) * 1024 * 1024
            data = rng.randbytes(min(size, 65536))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
            if size > len(data):
                f.truncate(size)
        stats["bytes"] += size
        n_ord += 1
    stats["ordinary"] = n_ord
    entries = sum(len(dn) + len(fn) for _, dn, fn in os.walk(src))
    meta = {"entries": entries, "n": n, "m": m, "seed": seed, "macho": stats["macho"], "ordinary": n_ord, "cdhash_files": stats["cdhash"],
            "entitlement_files": stats["ents"], "gta_entitlement_files": stats["gta"],
            "strings_files": c1, "strings_bytes": strings_bytes, "xcent_files": c2, "xcent_gta_files": xcent_gta, "bytes": stats["bytes"], "templates": stats["templates"],
            "big50": "Bench.app/Contents/MacOS/Bench" if n >= 1 and not light else None, "notes": notes,
            "big50_size": tpl["big-50"]["size"], "big50_signature_size": signature_size(tpl["big-50"])}
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


def signature_size(t):
    # thin: the chunk at the signature offset
    return len(t["chunks"][-1][1]) if len(t["chunks"]) > 1 else None


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "templates":
        build_templates(sys.argv[2])
    elif len(sys.argv) >= 6 and sys.argv[1] == "tree":
        flags = sys.argv[7:]
        meta = build_tree(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
                          int(sys.argv[6]) if len(sys.argv) > 6 else 1,
                          baselines="no-baselines" not in flags, light="light" in flags)
        print(json.dumps({k: v for k, v in meta.items() if k != "templates"}))
    elif len(sys.argv) >= 6 and sys.argv[1] == "flat":
        meta = build_flat(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        print(json.dumps({k: v for k, v in meta.items() if k != "templates"}))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
