#!/usr/bin/env python3
"""Compare a sigfs .sig/ tree with an independent parser's expectations.

usage: check_expected.py SIGDIR EXPECTED.json

SIGDIR is the F.sig directory that sigfs-export (or the mount) produced for
the file the JSON describes. Every field of the JSON that SPEC.md exposes is
asserted; formats (flags, slots, info.txt lines) are written here from
SPEC.md and Apple's documented forms, not taken from sigfs. Prints one line
per failed check and a closing 'N passed, N failed' line.
"""
import hashlib
import json
import os
import sys

PREF = ["arm64e", "arm64", "x86_64h", "x86_64"]
FLAG_ORDER = ["host", "adhoc", "hard", "kill", "expires", "restrict", "enforcement",
              "library-validation", "runtime", "linker-signed"]
passed = failed = 0


def check(what, got, want):
    global passed, failed
    if got == want:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}:\n  got:  {got!r}\n  want: {want!r}")


def read(d, name, binary=False):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return None
    with open(p, "rb") as f:
        data = f.read()
    return data if binary else data.decode("utf-8", "replace")


def flags_text(flags, names):
    known = [n for n in FLAG_ORDER if n in names]
    extra = [n for n in names if n not in FLAG_ORDER]
    parts = known + (["???"] if extra else [])
    return "0x%x(%s)" % (flags, ",".join(parts) if parts else "none")


def check_slice(d, s, label, fmt):
    check(f"{label}/status", read(d, "status"),
          {"certificate": "signed\n", "adhoc": "adhoc\n", "linker-signed": "adhoc\n", None: "unsigned\n"}
          [s.get("signature_kind")] if s.get("signed") else "unsigned\n")
    if not s.get("signed"):
        for name in ("identifier", "cdhash", "flags", "requirements.txt", "codedirectory"):
            check(f"{label}/{name} absent", read(d, name), None)
        check(f"{label}/info.txt", read(d, "info.txt"), "code object is not signed at all\n")
        return
    check(f"{label}/identifier", read(d, "identifier"), s["identifier"] + "\n")
    check(f"{label}/team-id", read(d, "team-id"), s["team_id"] + "\n" if s.get("team_id") else None)
    check(f"{label}/cdhash", read(d, "cdhash"), s["cdhash"] + "\n")
    want = "".join(f"{alg} {v['truncated']} {v['full']}\n" for alg, v in s["cdhashes"].items())
    check(f"{label}/cdhashes", read(d, "cdhashes"), want)
    check(f"{label}/flags", read(d, "flags"), flags_text(s["flags"], s["flag_names"]) + "\n")
    check(f"{label}/requirements.txt", read(d, "requirements.txt"), s["requirements_text"])
    check(f"{label}/designated-requirement", read(d, "designated-requirement"), s["designated_requirement"] + "\n")
    cd = read(d, "codedirectory", True)
    algo = {"sha256": hashlib.sha256, "sha1": hashlib.sha1, "sha384": hashlib.sha384}[s["hash_type"]]
    check(f"{label}/codedirectory hash", algo(cd).hexdigest() if cd else None, s["cdhash_full"])
    blobs = {b["slot"]: b for b in s["superblob"]["blobs"]}
    # slots: special slots first, %6d=hex, empty ones as zeros
    hs = s["hash_size"]
    lines = (read(d, "slots") or "").splitlines()
    check(f"{label}/slots count", len(lines), s["n_code_slots"] + s["n_special_slots"])
    for k in range(1, s["n_special_slots"] + 1):
        h = s["special_slot_hashes"].get(str(k)) or "00" * hs
        check(f"{label}/slots -{k}", lines[s["n_special_slots"] - k] if lines else None, "%6d=%s" % (-k, h))
    # requirements
    if 2 in blobs:
        rb = read(d, "requirements.bin", True)
        check(f"{label}/requirements.bin length", len(rb) if rb else None, blobs[2]["length"])
        for r in s.get("requirements") or []:
            check(f"{label}/requirements.bin holds {r['type_name']}", bytes.fromhex(r["blob_hex"]) in (rb or b""), True)
    else:
        check(f"{label}/requirements.bin absent", read(d, "requirements.bin"), None)
    # entitlements
    check(f"{label}/entitlements.plist", read(d, "entitlements.plist"), s.get("entitlements_xml"))
    der = read(d, "entitlements.der", True)
    check(f"{label}/entitlements.der", der.hex() if der else None, s.get("entitlements_der_hex"))
    # certificates
    certs = s.get("certificates") or []
    if certs:
        check(f"{label}/chain.pem", read(d, "chain.pem"), "".join(c["pem"] if c["pem"].endswith("\n") else c["pem"] + "\n" for c in certs))
        check(f"{label}/authority", read(d, "authority"), "".join(c["subject_cn"] + "\n" for c in certs))
    else:
        check(f"{label}/chain.pem absent", read(d, "chain.pem"), None)
    check(f"{label}/signing-time", read(d, "signing-time"), s["cms_signing_time"] + "\n" if s.get("cms_signing_time") else None)
    check(f"{label}/timestamp", read(d, "timestamp"), s["timestamp_time"] + "\n" if s.get("timestamp_time") else None)
    cms_len = blobs.get(65536, {}).get("length", 8) - 8
    cms = read(d, "cms.der", True)
    check(f"{label}/cms.der length", len(cms) if cms is not None else 0, cms_len)
    # info.txt: the lines SPEC.md defines, from the JSON's fields
    info = (read(d, "info.txt") or "").splitlines()
    cdlen = blobs[0]["length"]
    want = [f"Identifier={s['identifier']}", f"Format={fmt}",
            "CodeDirectory v=%x size=%d flags=%s hashes=%d+%d location=embedded" % (
                int(s["cd_version"], 16), cdlen, flags_text(s["flags"], s["flag_names"]),
                s["n_code_slots"], s["n_special_slots"]),
            f"Hash type={s['hash_type']} size={hs}"]
    for alg, v in sorted(s["cdhashes"].items()):
        want += [f"CandidateCDHash {alg}={v['truncated']}", f"CandidateCDHashFull {alg}={v['full']}"]
    want.append("Hash choices=" + ",".join(sorted(s["cdhashes"])))
    if int(s["cd_version"], 16) >= 0x20400:
        want += [f"Executable Segment base={s['exec_seg_base']}", f"Executable Segment limit={s['exec_seg_limit']}",
                 "Executable Segment flags=0x%x" % s["exec_seg_flags"]]
    want += [f"Page size={s['page_size']}", f"CDHash={s['cdhash']}"]
    want.append(f"Signature size={cms_len}" if certs else "Signature=adhoc")
    want += [f"Authority={c['subject_cn']}" for c in certs]
    if s.get("timestamp_time"):
        want.append(f"Timestamp={s['timestamp_time']}")
    elif s.get("cms_signing_time"):
        want.append(f"Signed Time={s['cms_signing_time']}")
    want.append("Info.plist=not bound")
    want.append(f"TeamIdentifier={s['team_id']}" if s.get("team_id") else "TeamIdentifier=not set")
    if s.get("runtime_version"):
        want.append(f"Runtime Version={s['runtime_version']}")
    want.append("Sealed Resources=none")
    if 2 in blobs:
        want.append("Internal requirements count=%d size=%d" % (len(s.get("requirements") or []), blobs[2]["length"]))
    else:
        want.append("Internal requirements=none")
    got = [l for l in info if not l.startswith(("VersionPlatform=", "VersionMin=", "VersionSDK=", "CMSDigest"))]
    check(f"{label}/info.txt", "\n".join(got), "\n".join(want))
    if certs and s.get("cms_cdhashes2"):
        # the CMS signs the slot-0 CodeDirectory: its digest is that CD's full hash
        check(f"{label}/info.txt CMSDigest", "CMSDigest=" + s["cms_cdhashes2"][0]["hash"] in info, True)


def check_verify(d, order, label):
    """verify (SPEC-VERIFY.md) for slices in codesign's order: every corpus file is intact (the independent
    parser re-hashed its pages: code_hashes_ok) and unmodified, so signed code gives codesign's two lines
    and the first unsigned slice -67062 with its architecture. The path before ': ' is the frontend's."""
    v = read(d, "verify")
    if v is None:
        print(f"SKIP {label}/verify: not shown by this frontend")
        return
    lines = [l.split(": ", 1)[1] if ": " in l and not l.startswith("In architecture: ") else l
             for l in v.splitlines()]
    unsigned = [s["arch"] for s in order if not s.get("signed")]
    if unsigned:
        want = ["code object is not signed at all", "In architecture: " + unsigned[0]]
        status = "invalid -67062 errSecCSUnsigned\n"
    else:
        check(f"{label}/pages re-hashed by the parser", all(s.get("code_hashes_ok") for s in order), True)
        want = ["valid on disk", "satisfies its Designated Requirement"]
        status = "valid\n"
    check(f"{label}/verify", lines, want)
    check(f"{label}/verify-status", read(d, "verify-status"), status)


SLOT_NAMES = {1: "info-plist", 2: "requirements", 3: "resources", 4: "top-directory", 5: "entitlements",
              6: "rep-specific", 7: "entitlements-der"}
OID_NAMES = {"1.3.14.3.2.26": "sha1", "2.16.840.1.101.3.4.2.1": "sha256", "2.16.840.1.101.3.4.2.2": "sha384"}


def check_signature_files(d, s, label):
    """slot-hashes, cms-cdhashes.plist, cms-cdhashes2 (SPEC-VERIFY.md) from the parser's special slot hashes
    (all of the corpus match their data) and the CMS attributes it decoded."""
    if not s.get("signed") or read(d, "slot-hashes") is None and read(d, "verify") is None:
        return
    want = "".join(f"{n}\t{SLOT_NAMES[n]}\t{h}\t{h}\tok\n" for n, h in
                   sorted(((int(k), v) for k, v in s["special_slot_hashes"].items() if v), reverse=True))
    check(f"{label}/slot-hashes", read(d, "slot-hashes"), want)
    check(f"{label}/cms-cdhashes.plist", read(d, "cms-cdhashes.plist"), s.get("cms_cdhashes_plist"))
    v2 = s.get("cms_cdhashes2")
    check(f"{label}/cms-cdhashes2", read(d, "cms-cdhashes2"),
          "".join(f"{OID_NAMES[e['alg_oid']]} {e['hash']}\n" for e in v2) if v2 else None)


def main():
    sigdir, exp = sys.argv[1], json.load(open(sys.argv[2]))
    slices = exp["slices"]
    archs = [s["arch"] for s in slices]
    fmt = ("Mach-O universal (%s)" if exp["container"] == "fat" else "Mach-O thin (%s)") % " ".join(archs)
    check("archs", read(sigdir, "archs"), "".join(a + "\n" for a in archs))
    check("format", read(sigdir, "format"), fmt + "\n")
    top = next((s for p in PREF for s in slices if s["arch"] == p), slices[0])
    check_slice(sigdir, top, "top(" + top["arch"] + ")", fmt)
    check_verify(sigdir, [top] + [s for s in slices if s is not top], "top")
    check_signature_files(sigdir, top, "top")
    if exp["container"] == "fat":
        for s in slices:
            check_slice(os.path.join(sigdir, s["arch"]), s, s["arch"], fmt)
            check_verify(os.path.join(sigdir, s["arch"]), [s], s["arch"])
            check_signature_files(os.path.join(sigdir, s["arch"]), s, s["arch"])
    else:  # a thin file's top level is its only slice: no <arch>/ (SPEC)
        check("no " + archs[0] + "/ in a thin file", os.path.exists(os.path.join(sigdir, archs[0])), False)
    print(f"{os.path.basename(sys.argv[2])}: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


main()
