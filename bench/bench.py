#!/usr/bin/env python3
"""sigfs benchmarks: ratios against a baseline measured in the same run (bench/README.md).

Environment: N (Mach-O files, default 5000), M (ordinary files, 20000), RUNS (5), N_BIG (measurement 6,
4*N), STARTUP_FILES ("1000,100000"), N_FM (measurement 13, 2000), BENCH_QUICK=1 (smoke run: N=200 M=1000
RUNS=2 N_FM=200), BENCH_ONLY ("1,3,5": a subset), SIGFS, SIGFS_EXPORT, BENCH_DIR (out/bench). Writes BENCH_JSON (BENCH_DIR/results.json)."""
import atexit
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no bench/__pycache__ in the source tree
import gen  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def env_int(name, default):
    v = os.environ.get(name)
    return int(v) if v else default


N = env_int("N", 200 if QUICK else 5000)
M = env_int("M", 1000 if QUICK else 20000)
RUNS = env_int("RUNS", 2 if QUICK else 5)
N_BIG = env_int("N_BIG", 4 * N)
STARTUP = [int(x) for x in os.environ.get("STARTUP_FILES", "1000,10000" if QUICK else "1000,100000").split(",")]
ONLY = set(os.environ.get("BENCH_ONLY", "1,2,3,4,5,6,7,8,10,13,14").split(","))
N_FM = env_int("N_FM", 200 if QUICK else 2000)  # measurement 13: binaries in the file manager's folder
SIGFS = os.path.abspath(os.environ.get("SIGFS", os.path.join(ROOT, "out/sigfs")))
EXPORT = os.path.abspath(os.environ.get("SIGFS_EXPORT", os.path.join(ROOT, "out/sigfs-export")))
BD = os.path.abspath(os.environ.get("BENCH_DIR", os.path.join(ROOT, "out/bench")))
MNT = os.path.join(BD, "mnt")
T0 = time.perf_counter()
NOTES = []
GTA = "com.apple.security.get-task-allow"
SHM = "/dev/shm" if os.path.isdir("/dev/shm") else BD


def log(*a):
    print("[%6.1fs]" % (time.perf_counter() - T0), *a, file=sys.stderr, flush=True)


def note(s):
    NOTES.append(s)
    log("note:", s)


# ---------------------------------------------------------------- system helpers
DROP_OK = None


def drop_caches():
    """Both sides of every ratio call this right before their timed part."""
    global DROP_OK
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        DROP_OK = True
    except OSError as e:
        if DROP_OK is None:
            note("cannot drop the page cache (%s): every run of both sides starts from whatever is cached" % e)
        DROP_OK = False


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass


def proc_field(pid, file, key):
    try:
        with open("/proc/%d/%s" % (pid, file)) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


ACTIVE = []


class Mount:
    """A FUSE daemon in the foreground (-f), so its pid is the daemon's."""

    def __init__(self, argv, mnt=MNT):
        self.mnt = mnt
        os.makedirs(mnt, exist_ok=True)
        base = os.stat(mnt).st_dev
        self.log = open(os.path.join(BD, "daemon.log"), "ab")
        t0 = time.perf_counter()
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=self.log, preexec_fn=raise_nofile)
        ACTIVE.append(self)
        while True:
            if self.p.poll() is not None:
                raise RuntimeError("%s exited with %s (see %s)" % (argv[0], self.p.returncode, self.log.name))
            try:
                if os.stat(mnt).st_dev != base:
                    break
            except OSError:
                pass
            if time.perf_counter() - t0 > 30:
                raise RuntimeError("%s: mount not up after 30 s" % argv[0])
            time.sleep(0.0005)
        self.startup = time.perf_counter() - t0
        self.pid = self.p.pid

    def hwm_kb(self):
        return proc_field(self.pid, "status", "VmHWM")

    def rchar(self):
        return proc_field(self.pid, "io", "rchar")

    def close(self):
        if self in ACTIVE:
            ACTIVE.remove(self)
        subprocess.run(["fusermount3", "-u", self.mnt], stderr=subprocess.DEVNULL)
        try:
            self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            subprocess.run(["fusermount3", "-uz", self.mnt], stderr=subprocess.DEVNULL)
            self.p.kill()
            self.p.wait()
        self.log.close()


@atexit.register
def _cleanup():
    for m in list(ACTIVE):
        m.close()


def sigfs_mount(src, opts=()):
    return Mount([SIGFS, "-f", *opts, src, MNT])


PT_LL = os.path.join(BD, "passthrough_ll")
SIGFLOOR = os.path.join(ROOT, "out/bench/sigfloor")  # make bench builds it


def pt_mount(src):
    return Mount([PT_LL, "-f", "-o", "source=" + src, MNT])


def timed(cmd, check=None, cpu=None):
    """Run a shell pipeline, stdout to a file on tmpfs; returns (seconds, stdout bytes).
    check(stdout) -> error string or None."""
    out = os.path.join(SHM, "sigfs-bench-%d.out" % os.getpid())  # per run: benches of other checkouts share /dev/shm
    argv = ["bash", "-o", "pipefail", "-c", cmd]
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu)] + argv
    with open(out, "wb") as fo:
        t0 = time.perf_counter()
        r = subprocess.run(argv, stdout=fo, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
    with open(out, "rb") as f:
        data = f.read()
    os.unlink(out)
    if r.returncode != 0 or r.stderr:
        raise RuntimeError("`%s` failed (exit %d): %s" % (cmd, r.returncode, r.stderr.decode(errors="replace")[:600]))
    if check:
        err = check(data)
        if err:
            raise RuntimeError("`%s`: %s" % (cmd, err))
    return dt, data


def lines(n):
    return lambda d: None if d.count(b"\n") == n else "expected %d lines, got %d" % (n, d.count(b"\n"))


def nbytes(n):
    return lambda d: None if len(d) == n else "expected %d bytes, got %d" % (n, len(d))


def stats(v):
    v = [x for x in v if x is not None]
    if not v:
        return None
    return {"min": min(v), "median": statistics.median(v), "max": max(v), "runs": v}


# ---------------------------------------------------------------- workload
def file_hash(p):
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def templates():
    d = os.path.join(BD, "templates")
    stamp = file_hash(os.path.join(HERE, "gen.py"))
    sf = os.path.join(d, "stamp")
    if not (os.path.exists(sf) and open(sf).read() == stamp):
        log("building Mach-O templates (make-fixtures.sh, mksig, hand-assembled) ...")
        gen.build_templates(d)
        with open(sf, "w") as f:
            f.write(stamp)
    with open(os.path.join(d, "templates.json")) as f:
        for n in json.load(f)["notes"]:
            note(n)
    return d


def cached(tdir, name, what, build):
    """BD/name, built by build(dir) unless its stamp (gen.py and the templates) is current; its meta.json."""
    d = os.path.join(BD, name)
    stamp = file_hash(os.path.join(HERE, "gen.py")) + file_hash(os.path.join(tdir, "templates.json"))
    sf = os.path.join(d, "stamp")
    if not (os.path.exists(sf) and open(sf).read() == stamp):
        log("generating %s (%s) ..." % (name, what))
        build(d)
        os.sync()
        with open(sf, "w") as f:
            f.write(stamp)
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    meta["src"] = os.path.join(d, "src")
    for n_ in meta.get("notes", []):
        note("%s: %s" % (name, n_))
    return meta


def tree(tdir, n, m, light=False, baselines=True):
    name = "tree-n%d-m%d%s%s" % (n, m, "-light" if light else "", "" if baselines else "-nobase")
    return cached(tdir, name, "N=%d Mach-O, M=%d ordinary" % (n, m),
                  lambda d: gen.build_tree(tdir, d, n, m, 1, baselines=baselines, light=light))


def flat(tdir, n, per_dir):
    """gen.py's peer tree: n signed Mach-Os (every one answerable by ldid -arch arm64 -h), per_dir a folder."""
    return cached(tdir, "flat-n%d-d%d" % (n, per_dir), "N=%d Mach-O, %d per directory" % (n, per_dir),
                  lambda d: gen.build_flat(tdir, d, n, per_dir))


def build_passthrough():
    srcs = ["/usr/share/doc/libfuse3-dev/examples/passthrough_ll.c"]
    for s in srcs:
        if os.path.exists(s):
            r = subprocess.run("cc -O2 -w $(pkg-config fuse3 --cflags) %s -o %s $(pkg-config fuse3 --libs)"
                               % (s, PT_LL), shell=True, stderr=subprocess.PIPE)
            if r.returncode == 0:
                return s
            note("building %s failed: %s" % (s, r.stderr.decode()[:300]))
    note("libfuse's passthrough_ll example source not found (Debian libfuse3-dev ships it in "
         "/usr/share/doc/libfuse3-dev/examples): measurement 3's bar skipped")
    return None


# ---------------------------------------------------------------- measurements
RESULTS = {}


def pair_runs(label, sides, runs=RUNS):
    """sides: {name: fn() -> seconds}; the order alternates run by run. Returns {name: [seconds]}."""
    names = list(sides)
    res = {k: [] for k in names}
    for r in range(runs):
        order = names if r % 2 == 0 else names[::-1]
        for k in order:
            res[k].append(sides[k]())
        log("%s run %d/%d: %s" % (label, r + 1, runs, ", ".join("%s %.3fs" % (k, res[k][-1]) for k in names)))
    return res


def ratios(a, b):
    return [x / y for x, y in zip(a, b)]


def on_fresh_mount(src, cmd, check, mount=sigfs_mount, hwm=None, cold=True):
    def fn():
        m = mount(src)
        try:
            if cold:
                drop_caches()
            dt, _ = timed(cmd.replace("MNT", MNT), check)
            if hwm is not None:
                hwm.append(m.hwm_kb())
        finally:
            m.close()
        return dt
    return fn


def on_source(cmd, check, cold=True):
    def fn():
        if cold:
            drop_caches()
        return timed(cmd, check)[0]
    return fn


def cold_warm(label, make_sides, modes=("cold", "warm")):
    """make_sides(cold) -> {name: fn() -> seconds}. Cold: caches dropped before every timed run. Warm: one
    untimed run of every side first, then the page cache is left as it is (still a fresh mount per run).
    Returns {mode: {name: [seconds]}}."""
    out = {}
    for mode in modes:
        sides = make_sides(mode == "cold")
        if mode == "warm":
            for fn in sides.values():
                fn()
        out[mode] = pair_runs("%s %s" % (label, mode), sides)
    return out


def put_ratio(key, res, side, base, what, bar, commands, bar_modes=("cold", "warm"), **extra):
    """RESULTS[key] (cold) and RESULTS[key + 'w'] (warm) for side / base, from cold_warm's result."""
    for mode, r in res.items():
        e = {"what": what + " (%s)" % mode, "mode": mode, "sigfs_s": stats(r[side]), "baseline_s": stats(r[base]),
             "ratio": stats(ratios(r[side], r[base])), "bar": bar if mode in bar_modes else None,
             "commands": commands}
        e.update(extra)
        RESULTS[key + ("w" if mode == "warm" else "")] = e


def m1(main):
    """Signature read cost: cdhash of every Mach-O vs as many ordinary small files, cold and warm."""
    sig = "find MNT -path '*.sig/cdhash' | xargs cat"
    base = "find MNT -name '*.sig' -prune -o -name '*.strings' -print | xargs cat"
    res = cold_warm("1", lambda cold: {
        "sigfs": on_fresh_mount(main["src"], sig, lines(main["cdhash_files"]), cold=cold),
        "baseline": on_fresh_mount(main["src"], base, nbytes(main["strings_bytes"]), cold=cold)})
    put_ratio("1", res, "sigfs", "baseline", "find MNT -path '*.sig/cdhash' | xargs cat (%d files) vs %d ordinary "
              "*.strings files through the same mount (find prunes *.sig)" % (main["cdhash_files"],
                                                                             main["strings_files"]),
              1.2, [sig, base])


def m2(main):
    sig = "grep -rl %s MNT --include=entitlements.plist" % GTA
    base = "grep -rl %s MNT --include='*.xcent' --exclude-dir='*.sig'" % GTA
    res = pair_runs("2", {
        "sigfs": on_fresh_mount(main["src"], sig, lines(main["gta_entitlement_files"])),
        "baseline": on_fresh_mount(main["src"], base, lines(main["xcent_gta_files"]))})
    RESULTS["2"] = {"what": "grep -rl over %d entitlements.plist vs %d ordinary *.xcent files (grep skips *.sig)"
                            % (main["entitlement_files"], main["xcent_files"]),
                    "sigfs_s": stats(res["sigfs"]), "baseline_s": stats(res["baseline"]),
                    "ratio": stats(ratios(res["sigfs"], res["baseline"])), "bar": 1.5, "commands": [sig, base]}


def m3(walk, pt_src):
    cmd = "find MNT -name '*.sig' -prune -o -ls"
    sides = {"sigfs": on_fresh_mount(walk["src"], cmd, None)}
    if pt_src:
        sides["passthrough_ll"] = on_fresh_mount(walk["src"], cmd, None, mount=pt_mount)

    def direct():
        drop_caches()
        return timed(cmd.replace("MNT", walk["src"]))[0]
    sides["direct"] = direct
    sides["sigfs_full"] = on_fresh_mount(walk["src"], "find MNT -ls", None)
    res = pair_runs("3", sides)
    r = {"what": "find MNT -name '*.sig' -prune -o -ls over the mirror (%d entries) vs the same walk through "
                 "libfuse's passthrough_ll" % walk["entries"],
         "sigfs_s": stats(res["sigfs"]), "direct_s": stats(res["direct"]),
         "ratio_vs_direct": stats(ratios(res["sigfs"], res["direct"])),
         "full_walk_s": stats(res["sigfs_full"]),
         "full_walk_ratio_vs_mirror_walk": stats(ratios(res["sigfs_full"], res["sigfs"])),
         "bar": 1.3, "commands": [cmd, "find MNT -ls (sigfs_full: with every .sig tree)"]}
    if pt_src:
        r["baseline_s"] = stats(res["passthrough_ll"])
        r["ratio"] = stats(ratios(res["sigfs"], res["passthrough_ll"]))
        r["passthrough_ll_source"] = pt_src
    RESULTS["3"] = r


def m4(small, large):
    def side(t):
        def fn():
            drop_caches()
            m = sigfs_mount(t["src"])
            m.close()
            return m.startup
        return fn
    res = pair_runs("4", {"large": side(large), "small": side(small)})
    RESULTS["4"] = {"what": "sigfs start to first successful stat of the mount root: %d files vs %d files"
                            % (large["macho"] + large["ordinary"], small["macho"] + small["ordinary"]),
                    "sigfs_s": stats(res["large"]), "baseline_s": stats(res["small"]),
                    "ratio": stats(ratios(res["large"], res["small"])), "bar": 1.5}


def m5(main):
    path = os.path.join(MNT, main["big50"] + ".sig", "cdhash")
    sig = main["big50_signature_size"]
    got, blk = [], []
    for r in range(RUNS):
        m = sigfs_mount(main["src"])
        try:
            drop_caches()
            a, ab = m.rchar(), proc_field(m.pid, "io", "read_bytes")
            timed("cat " + path, lines(1))
            got.append(m.rchar() - a)
            blk.append(proc_field(m.pid, "io", "read_bytes") - ab)
        finally:
            m.close()
        log("5 run %d/%d: rchar %d bytes, storage read_bytes %d" % (r + 1, RUNS, got[-1], blk[-1]))
    limit = sig + 65536
    RESULTS["5"] = {"what": "bytes read by the daemon (/proc/PID/io rchar) for %s.sig/cdhash of the %.1f MB binary "
                            "on a fresh mount; signature %d bytes" % (main["big50"], main["big50_size"] / 1e6, sig),
                    "bytes": stats(got), "storage_read_bytes": stats(blk), "signature_size": sig,
                    "file_size": main["big50_size"], "limit": limit,
                    "ratio": stats([g / limit for g in got]), "bar": 1.0,
                    "note": "rchar also counts the FUSE requests the daemon reads from /dev/fuse"}


M6_RUNS = 1 if QUICK else 2  # VmHWM varies little; reading every .sig file of 20,000 binaries takes minutes


def m6(small, big):
    """Peak RSS after reading every .sig file of N and N_BIG binaries (the peer trees of measurement 10: no
    10-60 MB binaries, whose verification files would hash gigabytes): memory must not grow with files read."""
    lst = os.path.join(SHM, "sigfs-bench-m6-%d.list" % os.getpid())
    cmd = ("find MNT -path '*.sig/*' -type f -print0 > %s && xargs -0 cat < %s | wc -c && tr -cd '\\0' < %s | wc -c"
           % (lst, lst, lst))
    hwm, files = {}, {}
    for name, t in (("small", small), ("large", big)):
        hwm[name], got = [], []

        def check(d, got=got):
            got.append(int(d.split()[1]))
        pair_runs("6 N=%d" % t["macho"], {"sigfs": on_fresh_mount(t["src"], cmd, check, hwm=hwm[name])},
                  runs=M6_RUNS)
        files[name] = got[-1]
        log("6 N=%d: VmHWM %s kB after reading %d .sig files" % (t["macho"], hwm[name], files[name]))
    os.unlink(lst)
    r = {"what": "peak RSS (VmHWM) of the daemon after reading every .sig file (%s), N=%d (%d files) vs N=%d "
                 "(%d files), default cache_mb" % (cmd.split(" >")[0], small["macho"], files["small"], big["macho"],
                                                   files["large"]),
         "hwm_small_kb": stats(hwm["small"]), "hwm_large_kb": stats(hwm["large"]), "files_read": files,
         "bar": "<= 64 MiB, large <= 1.2 x small"}
    r["ratio"] = {"min": min(hwm["large"]) / max(hwm["small"]),
                  "median": statistics.median(hwm["large"]) / statistics.median(hwm["small"]),
                  "max": max(hwm["large"]) / min(hwm["small"])}
    RESULTS["6"] = r


def m7(main):
    # DEST on tmpfs: the measurement is the exporter's CPU work, not writeback of ~25 files per Mach-O
    dest = os.path.join(SHM, "sigfs-bench-export-%d" % os.getpid())

    def fn():
        shutil.rmtree(dest, ignore_errors=True)
        drop_caches()
        return timed("%s -q %s %s" % (EXPORT, main["src"], dest), cpu=0)[0]
    res = pair_runs("7", {"export": fn})
    shutil.rmtree(dest, ignore_errors=True)
    rate = [main["macho"] / t for t in res["export"]]
    r = {"what": "sigfs-export -q SOURCE DEST on one core (taskset -c 0): Mach-O files per second; every .sig "
                 "file of %d Mach-Os rendered and written (DEST in %s)" % (main["macho"], SHM),
         "export_s": stats(res["export"]), "macho_per_s": stats(rate)}
    if "1" in RESULTS:
        mount_rate = main["macho"] / RESULTS["1"]["sigfs_s"]["median"]
        r["mount_macho_per_s"] = mount_rate
        r["ratio"] = {"median": statistics.median(rate) / mount_rate}
    RESULTS["7"] = r


def m8():
    """Bundle verification: cat B.sig/verify vs sha256sum of every file of B, cold cache."""
    nf, nm = (1000, 20) if QUICK else (20000, 200)
    src = os.path.join(BD, "bundle-%d-%d" % (nf, nm))
    if not os.path.isdir(os.path.join(src, "A.app")):
        r = subprocess.run(["bash", os.path.join(HERE, "bundle.sh"), src, str(nf), str(nm)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            note("measurement 8 skipped: bench/bundle.sh failed (%s)" % (r.stderr.strip()[-300:] or r.returncode))
            return
    m = sigfs_mount(src)
    try:
        shown = os.path.exists(os.path.join(MNT, "A.app.sig", "verify"))
    finally:
        m.close()
    if not shown:
        note("measurement 8 skipped: this mount does not show A.app.sig/ (frontend not on sigfs/tree.h)")
        return
    sig = "cat MNT/A.app.sig/verify"
    base = "find %s/A.app -type f -print0 | xargs -0 sha256sum" % src

    def baseline():
        drop_caches()
        return timed(base, lines(nf + nm + 9))[0]
    valid = lambda d: None if d.endswith(b"satisfies its Designated Requirement\n") else "not valid: %r" % d[:200]
    res = pair_runs("8", {"sigfs": on_fresh_mount(src, sig, valid), "baseline": baseline})
    RESULTS["8"] = {"what": "cat MNT/A.app.sig/verify on a bundle of %d resource files and %d nested Mach-Os "
                            "(fresh mount) vs %s on SOURCE" % (nf, nm, base),
                    "sigfs_s": stats(res["sigfs"]), "baseline_s": stats(res["baseline"]),
                    "ratio": stats(ratios(res["sigfs"], res["baseline"])), "bar": 1.2, "commands": [sig, base]}


def export_has_only():
    r = subprocess.run([EXPORT, "--help"], capture_output=True, text=True)
    return "--only" in r.stdout + r.stderr


def m10(peer):
    """cdhash of N binaries: the mount's walk and sigfs-export --only cdhash vs batched ldid; the mount's walk
    vs the floor (bench/sigfloor: only the signature bytes, read from SOURCE)."""
    src, n = peer["src"], peer["macho"]
    walk = "find MNT -path '*.sig/cdhash' -print0 | xargs -0 cat"
    floor = "%s %s" % (SIGFLOOR, src)
    ldid = "find %s -type f -print0 | xargs -0 -n100 -P2 ldid -arch arm64 -h" % src
    export = "%s -q --only cdhash %s DEST" % (EXPORT, src)
    have_ldid = shutil.which("ldid") is not None
    have_only = export_has_only()
    if not have_ldid:
        note("10, 11 skipped: no ldid on PATH (build: see bench/README.md)")
    if not have_only:
        note("11 skipped: this sigfs-export has no --only (sigfs-export --help)")

    def floor_ok(d):
        f = d.decode().split()
        return None if f[3] == str(n) and int(f[7]) >= n else "expected %d Mach-O files, all signed: %r" % (n, d)
    ldid_ref = None
    if have_ldid:
        # before trusting the comparison: ldid and the mount give the same cdhash for every file (one process
        # at a time, so no two outputs interleave; the timed -P2 runs then only have to give as many bytes)
        _, out = timed("find %s -type f -print0 | xargs -0 -n100 ldid -arch arm64 -h" % src)
        ldid_ref = len(out)
        theirs = sorted(x[7:] for x in out.decode().splitlines() if x.startswith("CDHash="))
        m = sigfs_mount(src)
        try:
            ours = sorted(timed(walk.replace("MNT", MNT), lines(n))[1].decode().split())
        finally:
            m.close()
        if theirs != ours:
            bad = len(set(theirs) ^ set(ours))
            raise RuntimeError("ldid and sigfs disagree on %d cdhashes of %s (ldid gave %d): the comparison is void"
                               % (bad, src, len(theirs)))
        log("10: ldid and the mount agree on all %d cdhashes" % n)
    dest = os.path.join(SHM, "sigfs-bench-only-%d" % os.getpid())

    def export_side(cold):
        def fn():
            shutil.rmtree(dest, ignore_errors=True)
            if cold:
                drop_caches()
            dt = timed(export.replace("DEST", dest))[0]
            got = sum(1 for dp, _, fn_ in os.walk(dest) if dp.endswith(".sig") and "cdhash" in fn_)
            if got != n:
                raise RuntimeError("`%s`: %d .sig/cdhash files, expected %d" % (export, got, n))
            return dt
        return fn

    def sides(cold):
        s_ = {"mount": on_fresh_mount(src, walk, lines(n), cold=cold), "floor": on_source(floor, floor_ok, cold)}
        if have_ldid:
            s_["ldid"] = on_source(ldid, nbytes(ldid_ref), cold)
        if have_ldid and have_only:
            s_["export"] = export_side(cold)
        return s_
    res = cold_warm("10", sides)
    shutil.rmtree(dest, ignore_errors=True)
    tree_ = "%d signed Mach-Os, %d per directory" % (n, peer["per_dir"])
    if have_ldid:
        put_ratio("10", res, "mount", "ldid", "cdhash walk of the mount vs batched ldid, %s" % tree_, 1.0,
                  [walk, ldid])
    if have_ldid and have_only:
        put_ratio("11", res, "export", "ldid", "sigfs-export --only cdhash (DEST in %s) vs batched ldid, %s"
                  % (SHM, tree_), 1.0, [export, ldid])
    put_ratio("12", res, "mount", "floor", "cdhash walk of the mount vs reading only the signature bytes from "
              "SOURCE (bench/sigfloor), %s" % tree_, 2.0, [walk, floor], bar_modes=("cold",))


def m13(folder, pt_src):
    """A file manager's listing of a folder of N_FM binaries: gio list -a 'standard::*' (readdir, lstat of
    every entry, content sniffing of files without a known extension), sigfs vs passthrough_ll."""
    if not pt_src:
        note("13 skipped: no passthrough_ll")
        return
    if not shutil.which("gio"):
        note("13 skipped: no gio on PATH (Debian: apt-get install libglib2.0-bin)")
        return
    n = folder["macho"]
    cmd = "gio list -a 'standard::*' MNT/d000"
    res = cold_warm("13", lambda cold: {
        "sigfs": on_fresh_mount(folder["src"], cmd, lines(2 * n), cold=cold),
        "passthrough_ll": on_fresh_mount(folder["src"], cmd, lines(n), mount=pt_mount, cold=cold)})
    put_ratio("13", res, "sigfs", "passthrough_ll", "file manager listing of one folder of %d Mach-Os (sigfs shows "
              "%d entries with the F.sig directories, passthrough_ll %d)" % (n, 2 * n, n), None, [cmd])


def m14(walk, pt_src):
    """Warm ls -lR of the whole mount (every .sig tree) vs ls -lR of passthrough_ll on the same SOURCE."""
    if not pt_src:
        note("14 skipped: no passthrough_ll")
        return
    cmd = "ls -lR MNT"
    count = {}

    def counted(name):
        def check(d):
            count[name] = sum(1 for x in d.split(b"\n") if x[:1] in b"-dlbcps" and x[:1] != b"")
        return check
    res = cold_warm("14", lambda cold: {
        "sigfs": on_fresh_mount(walk["src"], cmd, counted("sigfs"), cold=cold),
        "passthrough_ll": on_fresh_mount(walk["src"], cmd, counted("passthrough_ll"), mount=pt_mount, cold=cold)},
        modes=("warm",))
    put_ratio("14", res, "sigfs", "passthrough_ll", "ls -lR of the whole mount, %d entries (passthrough_ll: %d)"
              % (count["sigfs"], count["passthrough_ll"]), 1.5, [cmd], entries=count)


# ---------------------------------------------------------------- report
def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    fuse = subprocess.run(["pkg-config", "--modversion", "fuse3"], capture_output=True, text=True).stdout.strip()
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return {"cores": os.cpu_count(), "cpu": model, "loadavg_start": load, "kernel": platform.release(), "mem_mb": mem,
            "libfuse": fuse, "python": platform.python_version(),
            "sigfs_commit": subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                           capture_output=True, text=True).stdout.strip()}


def fmt_s(s, scale=1.0, f="%.3f"):
    if not s:
        return "-"
    return "/".join(f % (s[k] * scale) for k in ("min", "median", "max"))


def verdict(k, r):
    if k == "6":
        lg, sm = r.get("hwm_large_kb"), r.get("hwm_small_kb")
        if not lg or not sm:
            return "n/a"
        ok = max(lg["max"], sm["max"]) <= 64 * 1024 and r["ratio"]["median"] <= 1.2
        return "PASS" if ok else "MISS"
    if k == "7" or "ratio" in r and r.get("bar") is None:
        return "(no bar)"
    if "ratio" not in r:
        return "n/a"
    return "PASS" if r["ratio"]["median"] <= r["bar"] else "MISS"


def report(mach, work):
    rows = []
    names = {"1": "sig read: .sig/cdhash vs ordinary", "2": "grep entitlements.plist vs ordinary",
             "3": "find -ls mirror vs passthrough_ll", "4": "start-up %d vs %d files" % (STARTUP[1], STARTUP[0]),
             "5": "bytes read per cdhash (50 MB)", "6": "peak RSS, every .sig file, N=%d / N=%d" % (N, N_BIG),
             "7": "sigfs-export Mach-O/s (1 core)", "8": "bundle verify vs sha256sum",
             "10": "cdhash walk vs batched ldid", "11": "export --only cdhash vs batched ldid",
             "12": "cdhash walk vs floor (sig bytes)", "13": "gio list %d binaries vs passthrough_ll" % N_FM,
             "14": "ls -lR whole mount vs passthrough_ll"}
    order = lambda x: (int(x.rstrip("w")), x)
    for k in sorted((x for x in RESULTS if not x.startswith("_")), key=order):
        r = RESULTS[k]
        if k == "5":
            a, b = fmt_s(r["bytes"], 1 / 1024, "%.0f") + " KiB", "limit %.0f KiB" % (r["limit"] / 1024)
            bar = "<= sig+64K"
        elif k == "6":
            a = fmt_s(r.get("hwm_small_kb"), 1 / 1024, "%.1f") + " MiB"
            b = fmt_s(r.get("hwm_large_kb"), 1 / 1024, "%.1f") + " MiB"
            bar = "<=64M, <=1.2x"
        elif k == "7":
            a = fmt_s(r["macho_per_s"], 1, "%.0f") + " /s"
            b = "mount %.0f /s" % r["mount_macho_per_s"] if "mount_macho_per_s" in r else "-"
            bar = "-"
        else:
            a, b = fmt_s(r["sigfs_s"]) + " s", fmt_s(r.get("baseline_s")) + " s"
            bar = "<= %.1f" % r["bar"] if r.get("bar") is not None else "-"
        ratio = r.get("ratio")
        rs = ("%.2f/%.2f/%.2f" % (ratio["min"], ratio["median"], ratio["max"])) if ratio and "min" in ratio else \
            ("%.2f" % ratio["median"] if ratio else "-")
        name = names[k.rstrip("w")] + (" (%s)" % r["mode"] if "mode" in r else "")
        rows.append((k, name, a, b, rs, bar, verdict(k, r)))
    out = []
    with open("/proc/loadavg") as f:
        mach["loadavg_end"] = " ".join(f.read().split()[:3])
    out.append("sigfs benchmark — %d cores, %s, kernel %s, libfuse %s, sigfs %s" %
               (mach["cores"], mach["cpu"], mach["kernel"], mach["libfuse"], mach["sigfs_commit"]))
    out.append("load average at start %s, at end %s (other work on the machine widens min..max)" %
               (mach["loadavg_start"], mach["loadavg_end"]))
    out.append("workload: N=%d Mach-O + M=%d ordinary files (%d entries, %.1f GB apparent), RUNS=%d, N_BIG=%d, "
               "page cache dropped before each timed run: %s" %
               (work["macho"], work["ordinary"], work["entries"], work["bytes"] / 1e9, RUNS, N_BIG,
                "yes" if DROP_OK else "NO"))
    out.append("values are min/median/max over the runs; ratios are per run (each run pairs both sides), bars "
               "are judged on the median")
    hdr = ("#", "measurement", "sigfs", "baseline", "ratio", "bar", "result")
    w = [max(len(str(x[i])) for x in rows + [hdr]) for i in range(len(hdr))]
    out.append("  ".join(str(h).ljust(w[i]) for i, h in enumerate(hdr)))
    for row in rows:
        out.append("  ".join(str(c).ljust(w[i]) for i, c in enumerate(row)))
    r3 = RESULTS.get("3")
    if r3:
        out.append("3: sigfs mirror walk vs find SOURCE -ls directly: %s; full walk incl. every .sig tree: %s s "
                   "(%.1fx the mirror walk)" % (fmt_s(r3["ratio_vs_direct"], 1, "%.2f"), fmt_s(r3["full_walk_s"]),
                                                 r3["full_walk_ratio_vs_mirror_walk"]["median"]))
    r6 = RESULTS.get("6")
    if r6:
        out.append("6: .sig files read: %d (N=%d), %d (N=%d)" % (r6["files_read"]["small"], N, r6["files_read"]["large"],
                                                               N_BIG))
    r14 = RESULTS.get("14w")
    if r14:
        out.append("14: entries listed: sigfs %d (every .sig tree), passthrough_ll %d (the mirror only)"
                   % (r14["entries"]["sigfs"], r14["entries"]["passthrough_ll"]))
    r7 = RESULTS.get("7")
    if r7 and "ratio" in r7:
        out.append("7: sigfs-export renders every .sig file; %.2fx the Mach-O rate of measurement 1's mount command"
                   % r7["ratio"]["median"])
    for n in NOTES:
        out.append("note: " + n)
    return "\n".join(out)


def main():
    for p in (SIGFS, EXPORT):
        if not os.access(p, os.X_OK):
            sys.exit("bench: %s not built (make)" % p)
    if not os.path.exists("/dev/fuse") or not shutil.which("fusermount3"):
        sys.exit("bench: needs /dev/fuse and fusermount3")
    os.makedirs(BD, exist_ok=True)
    subprocess.run(["fusermount3", "-uz", MNT], stderr=subprocess.DEVNULL)
    mach = machine()
    tdir = templates()
    main_t = tree(tdir, N, M)
    log("workload: %s" % {k: main_t[k] for k in ("entries", "macho", "ordinary", "cdhash_files",
                                                   "entitlement_files")})
    pt_src = build_passthrough() if ONLY & {"3", "13", "14"} else None
    # passthrough_ll keeps one O_PATH fd per inode the kernel knows: the walk tree must fit RLIMIT_NOFILE
    walk = main_t
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if ONLY & {"3", "14"} and pt_src and main_t["entries"] > 0.7 * hard:
        k = 0.7 * hard / main_t["entries"]
        walk = tree(tdir, max(1, int(N * k)), max(1, int(M * k)))
        note("measurements 3 and 14 walk a %.0f%% scale tree (%d entries): passthrough_ll holds an fd per inode and "
             "RLIMIT_NOFILE is %d here" % (100 * k, walk["entries"], hard))
    if "1" in ONLY:
        m1(main_t)
    if "2" in ONLY:
        m2(main_t)
    if "3" in ONLY:
        m3(walk, pt_src)
    if "4" in ONLY:
        small = tree(tdir, max(1, STARTUP[0] // 20), STARTUP[0] - max(1, STARTUP[0] // 20), light=True,
                     baselines=False)
        large = tree(tdir, max(1, STARTUP[1] // 20), STARTUP[1] - max(1, STARTUP[1] // 20), light=True,
                     baselines=False)
        m4(small, large)
    if "5" in ONLY:
        m5(main_t)
    if "6" in ONLY:
        m6(flat(tdir, N, 100), flat(tdir, N_BIG, 100))
    if "7" in ONLY:
        m7(main_t)
    if "8" in ONLY:
        m8()
    if "10" in ONLY:
        m10(flat(tdir, N, 100))
    if "13" in ONLY:
        m13(flat(tdir, N_FM, N_FM), pt_src)
    if "14" in ONLY:
        m14(walk, pt_src)
    text = report(mach, main_t)
    print(text)
    res = {k: v for k, v in RESULTS.items() if not k.startswith("_")}
    for k, v in res.items():
        v["result"] = verdict(k, v)
    jpath = os.environ.get("BENCH_JSON", os.path.join(BD, "results.json"))
    with open(jpath, "w") as f:
        json.dump({"machine": mach, "config": {"N": N, "M": M, "RUNS": RUNS, "N_BIG": N_BIG, "STARTUP_FILES": STARTUP,
                                                "quick": QUICK, "drop_caches": DROP_OK},
                   "workload": {k: v for k, v in main_t.items() if k != "templates"},
                   "templates": main_t.get("templates"), "results": res, "notes": NOTES,
                   "table": text, "elapsed_s": time.perf_counter() - T0}, f, indent=1)
    log("wrote %s (%.0f s)" % (jpath, time.perf_counter() - T0))


if __name__ == "__main__":
    main()
