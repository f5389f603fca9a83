#!/usr/bin/env python3
"""Measurement 9 of make bench: verification throughput against sha256sum of the same bytes.

The file: a 64 MiB arm64 executable (an assembler `.fill` in __TEXT,__const, linked by ld64.lld-14)
signed ad-hoc by the project's test signer (out/tools/mksig) with one SHA-256 CodeDirectory, and the same
with SHA-1 + SHA-256 (a dual-CD file hashes every byte twice, so its bar is half). Both sides read the
file from the page cache (warmed first) or, as root, after dropping caches before each run; they run
alternately RUNS times; the ratio (sha256sum time / out/bench/verify-file time = verification throughput
over sha256sum throughput) is judged on the median. Bar: >= 0.9 for the single-CD file.
Writes BENCH_DIR/verify.json. Needs clang-14, ld64.lld-14, out/tools/mksig, out/bench/verify-file."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
RUNS = int(os.environ.get("RUNS") or (2 if QUICK else 5))
BD = os.path.abspath(os.environ.get("BENCH_DIR", os.path.join(ROOT, "out/bench")))
MKSIG = os.path.join(ROOT, "out/tools/mksig")
VERIFY = os.path.join(ROOT, "out/bench/verify-file")
SIZE = 64 << 20

ASM = """\t.section __TEXT,__const
\t.globl _blob
_blob:
\t.fill %d, 1, 0x5a
\t.text
\t.globl _main
\t.p2align 2
_main:
\tmov w0, #0
\tret
"""


def build(d):
    single, dual = os.path.join(d, "big-sha256"), os.path.join(d, "big-sha1-sha256")
    if os.path.exists(single) and os.path.exists(dual):
        return single, dual
    for t in ("clang-14", "ld64.lld-14"):
        if not shutil.which(t):
            return None
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "big.s"), "w") as f:
        f.write(ASM % SIZE)
    subprocess.run(["clang-14", "-target", "arm64-apple-macos11", "-c", os.path.join(d, "big.s"), "-o",
                    os.path.join(d, "big.o")], check=True)
    subprocess.run(["ld64.lld-14", "-arch", "arm64", "-platform_version", "macos", "11.0", "11.0", "-execute",
                    os.path.join(d, "big.o"), os.path.join(ROOT, "tests/fixtures/libSystem.tbd"), "-o",
                    os.path.join(d, "big")], check=True)
    subprocess.run([MKSIG, "--id", "com.example.big", "--adhoc", os.path.join(d, "big"), single], check=True)
    subprocess.run([MKSIG, "--id", "com.example.big", "--adhoc", "--hash", "sha1,sha256", os.path.join(d, "big"),
                    dual], check=True)
    return single, dual


def drop_caches():
    try:
        subprocess.run(["sync"], check=False)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def timed(cmd, cold):
    if cold:
        drop_caches()
    t = time.perf_counter()
    out = subprocess.run(cmd, stdout=subprocess.PIPE, check=True).stdout
    return time.perf_counter() - t, out


def measure(path, cold):
    ratios, tv, ts = [], [], []
    for i in range(RUNS):
        order = ("v", "s") if i % 2 == 0 else ("s", "v")
        got = {}
        for side in order:
            cmd = [VERIFY, path] if side == "v" else ["sha256sum", path]
            got[side], out = timed(cmd, cold)
            if side == "v" and not out.endswith(b": valid\n"):
                sys.exit("bench: verify-file did not say valid: %r" % out)
        tv.append(got["v"])
        ts.append(got["s"])
        ratios.append(got["s"] / got["v"])
    return {"verify_s": tv, "sha256sum_s": ts, "ratios": ratios, "median": statistics.median(ratios)}


def main():
    if not (os.access(MKSIG, os.X_OK) and os.access(VERIFY, os.X_OK)):
        sys.exit("bench: out/tools/mksig and out/bench/verify-file are needed (make bench builds them)")
    files = build(os.path.join(BD, "verify"))
    if not files:
        print("9. verification throughput: skipped (clang-14 / ld64.lld-14 missing)")
        return
    cold = drop_caches()
    if not cold:
        for p in files:  # warm both sides alike
            subprocess.run(["cat", p], stdout=subprocess.DEVNULL, check=True)
    res = {"size": os.path.getsize(files[0]), "runs": RUNS, "cold": cold,
           "single_cd": measure(files[0], cold), "dual_cd": measure(files[1], cold)}
    s, d = res["single_cd"], res["dual_cd"]
    print("9. verification throughput over sha256sum, %d MiB, %d runs, %s caches:" %
          (res["size"] >> 20, RUNS, "dropped" if cold else "warm"))
    print("   single CD (sha256):       median ratio %.2f (min %.2f max %.2f)  bar >= 0.9: %s" %
          (s["median"], min(s["ratios"]), max(s["ratios"]), "met" if s["median"] >= 0.9 else "MISSED"))
    print("   dual CD (sha1 + sha256):  median ratio %.2f (min %.2f max %.2f)  bar >= 0.45: %s" %
          (d["median"], min(d["ratios"]), max(d["ratios"]), "met" if d["median"] >= 0.45 else "MISSED"))
    with open(os.path.join(BD, "verify.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
