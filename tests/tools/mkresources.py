#!/usr/bin/env python3
"""mkresources — write _CodeSignature/CodeResources for a bundle, as Apple's signer does.

Independent of sigfs on purpose (Python standard library only). Semantics from Apple's Security
sources as the project's notes distil them: the default rule sets (bundlediskrep.cpp
defaultResourceRules), the built-in exclusions (adjustResources), the physical scan
(resources.cpp ResourceBuilder::scan) and the seal forms (signer.cpp buildResources):

  files  (V1): regular files matched by `rules`, SHA-1 data, {hash, optional} when the rule has flags
  files2 (V2): {hash, hash2} per hash type; symlinks {symlink}; nested code {cdhash, requirement}

  mkresources.py [--hashes sha256|sha1,sha256] [--v1-only] [--omit PATTERN] [--rules macos|flat]
                 [--req PATH=REQUIREMENT] BUNDLE MAIN-EXECUTABLE-RELATIVE-TO-RESOURCE-ROOT

The resource root is BUNDLE/Contents when it exists, else BUNDLE (a flat bundle, or the version
directory Versions/A of a framework, which takes the macOS rules: --rules macos).

Nested code (directories with a '.' or files under a nested rule) is sealed with the cdhash of its
main executable's slot-0 CodeDirectory (SHA-256 truncated to 20 bytes when it is a SHA-256 CD) and the
requirement from --req, else `cdhash H"<hex>"` (what an ad-hoc designated requirement is).
"""
import argparse
import hashlib
import os
import plistlib
import re
import stat
import struct
import sys

def lproj_rules(r):
    """The localisation rules, under the resources directory r ("Resources/" or "")."""
    return {
        "^%s.*\\.lproj/" % r: {"optional": True, "weight": 1000.0},
        "^%sBase\\.lproj/" % r: {"weight": 1010.0},
        "^%s.*\\.lproj/locversion.plist$" % r: {"omit": True, "weight": 1100.0},
    }


MACOS_V1 = {"^version.plist$": True, "^Resources/": True, **lproj_rules("Resources/")}
FLAT_V1 = {"^version.plist$": True, "^.*": True, **lproj_rules("")}
V2_COMMON = {
    "^.*": True,
    ".*\\.dSYM($|/)": {"weight": 11.0},
    "^(.*/)?\\.DS_Store$": {"omit": True, "weight": 2000.0},
    "^Info\\.plist$": {"omit": True, "weight": 20.0},
    "^version\\.plist$": {"weight": 20.0},
    "^embedded\\.provisionprofile$": {"weight": 20.0},
    "^PkgInfo$": {"omit": True, "weight": 20.0},
}
MACOS_V2 = {
    **V2_COMMON,
    "^[^/]+$": {"nested": True, "weight": 10.0},
    "^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/":
        {"nested": True, "weight": 10.0},
    "^Resources/": {"weight": 20.0},
    **lproj_rules("Resources/"),
}
FLAT_V2 = {**V2_COMMON, **lproj_rules("")}


def compile_rules(rules, exec_rel):
    out = []
    for pat, val in rules.items():
        flags = {}
        weight = 1
        if val is False:
            flags["omit"] = True
        elif isinstance(val, dict):
            weight = int(val.get("weight", 1))
            flags = {k: True for k in ("omit", "optional", "nested") if val.get(k)}
        out.append((re.compile(pat), weight, flags))
    excl = ["^_CodeSignature$", "^CodeResources$", "^_MASReceipt$", "^" + re.escape(exec_rel) + "$"]
    return [(re.compile(p), 0, {"exclusion": True}) for p in excl] + out


def find_rule(rules, path):
    best = None
    for rx, weight, flags in rules:
        if rx.search(path):
            if flags.get("exclusion"):
                return (weight, flags)
            if best is None or weight > best[0]:
                best = (weight, flags)
    return best


def macho_cdhash(path):
    """cdhash of the slot-0 CodeDirectory of a thin 64-bit Mach-O (20 bytes)."""
    data = open(path, "rb").read()
    magic, _, _, _, ncmds = struct.unpack_from("<IiiII", data, 0)
    if magic != 0xFEEDFACF:
        return None
    off = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        if cmd == 0x1D:
            dataoff, _ = struct.unpack_from("<II", data, off + 8)
            _, _, count = struct.unpack_from(">III", data, dataoff)
            for i in range(count):
                slot, boff = struct.unpack_from(">II", data, dataoff + 12 + 8 * i)
                if slot == 0:
                    cd = dataoff + boff
                    length = struct.unpack_from(">I", data, cd + 4)[0]
                    htype = data[cd + 37]
                    blob = data[cd:cd + length]
                    h = hashlib.sha1(blob) if htype == 1 else hashlib.sha256(blob)
                    return h.digest()[:20]
        off += size
    return None


def nested_exec(path):
    if os.path.isfile(path):
        return path
    for info in ("Contents/Info.plist", "Resources/Info.plist", "Versions/Current/Resources/Info.plist", "Info.plist"):
        p = os.path.join(path, info)
        if os.path.isfile(p) and not os.path.islink(p):
            name = plistlib.load(open(p, "rb")).get("CFBundleExecutable")
            base = os.path.dirname(os.path.dirname(p)) if info.endswith("Resources/Info.plist") else os.path.dirname(p)
            sub = "MacOS" if info.startswith("Contents") else ""
            return os.path.join(base, sub, name)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hashes", default="sha256")
    ap.add_argument("--v1-only", action="store_true")
    ap.add_argument("--omit", action="append", default=[])
    ap.add_argument("--req", action="append", default=[])
    ap.add_argument("--rules", choices=("macos", "flat"), help="default: macos when BUNDLE/Contents exists")
    ap.add_argument("bundle")
    ap.add_argument("main_exec")
    a = ap.parse_args()
    bundle = a.bundle.rstrip("/")
    root = os.path.join(bundle, "Contents") if os.path.isdir(os.path.join(bundle, "Contents")) else bundle
    macos = a.rules == "macos" if a.rules else root != bundle
    v1 = compile_rules(MACOS_V1 if macos else FLAT_V1, a.main_exec)
    rules2_dict = dict(MACOS_V2 if macos else FLAT_V2)
    for p in a.omit:
        rules2_dict[p] = {"omit": True, "weight": 30.0}
    v2 = compile_rules(rules2_dict, a.main_exec)
    reqs = dict(r.split("=", 1) for r in a.req)
    hashes = a.hashes.split(",")
    files, files2 = {}, {}

    def visit(rel):
        full = os.path.join(root, rel) if rel else root
        for name in sorted(os.listdir(full)):
            r = f"{rel}/{name}" if rel else name
            p = os.path.join(root, r)
            st = os.lstat(p)
            for version, rules in ((1, v1), (2, v2)):
                rule = find_rule(rules, r)
                if rule is None or rule[1].get("omit") or rule[1].get("exclusion"):
                    continue
                flags = rule[1]
                if version == 1:
                    if stat.S_ISREG(st.st_mode):
                        h = hashlib.sha1(open(p, "rb").read()).digest()
                        files[r] = {"hash": h, "optional": bool(flags.get("optional"))} if flags else h
                    continue
                if a.v1_only:
                    continue
                if stat.S_ISLNK(st.st_mode):
                    files2[r] = {"symlink": os.readlink(p)}
                elif flags.get("nested") and (stat.S_ISREG(st.st_mode) or "." in name):
                    ex = nested_exec(p)
                    cd = macho_cdhash(ex) if ex else None
                    if cd is None:
                        continue  # not code: Apple's signer would refuse; leave it unsealed
                    files2[r] = {"cdhash": cd, "requirement": reqs.get(r, 'cdhash H"%s"' % cd.hex())}
                elif stat.S_ISREG(st.st_mode):
                    d = open(p, "rb").read()
                    seal = {}
                    if "sha1" in hashes:
                        seal["hash"] = hashlib.sha1(d).digest()
                    if "sha256" in hashes:
                        seal["hash2"] = hashlib.sha256(d).digest()
                    if flags.get("optional"):
                        seal["optional"] = True
                    files2[r] = seal
            if stat.S_ISDIR(st.st_mode):
                rule = find_rule(v2, r)
                if rule and rule[1].get("exclusion"):
                    continue
                if rule and rule[1].get("nested") and "." in name:
                    continue
                visit(r)

    visit("")
    out = {"files": files, "rules": MACOS_V1 if macos else FLAT_V1}
    if not a.v1_only:
        out["files2"] = files2
        out["rules2"] = rules2_dict
    os.makedirs(os.path.join(root, "_CodeSignature"), exist_ok=True)
    with open(os.path.join(root, "_CodeSignature", "CodeResources"), "wb") as f:
        plistlib.dump(out, f, fmt=plistlib.FMT_XML, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
