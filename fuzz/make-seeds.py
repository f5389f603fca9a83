#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets (fuzz/corpus/<target>/) from the
test corpus: the SuperBlob, each blob, the CMS and the requirement blobs of
every signed slice, the DER and XML entitlements recorded in the expected
JSON, and the first 16 KiB (headers and load commands) of each file.
Run from the repository root: python3 fuzz/make-seeds.py"""
import glob, json, os, struct

out = "fuzz/corpus"


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for exp in sorted(glob.glob("tests/corpus/expected/*.json")):
    j = json.load(open(exp))
    fid = os.path.basename(exp)[:-5]
    path = "tests/corpus/" + j["file"]
    for i, s in enumerate(j["slices"]):
        tag = f"{fid}-{s['arch']}"
        if s.get("entitlements_der_hex"):
            put("fuzz_der", tag + ".der", bytes.fromhex(s["entitlements_der_hex"]))
        if s.get("entitlements_xml"):
            put("fuzz_xmlplist", tag + ".plist", s["entitlements_xml"].encode())
        for r in s.get("requirements") or []:
            put("fuzz_requirement", f"{tag}-{r['type_name']}.req", bytes.fromhex(r["blob_hex"]))
        if not os.path.exists(path) or not s.get("signed"):
            continue
        data = open(path, "rb").read()
        if i == 0:
            put("fuzz_macho", fid + "-head", data[:16384])
        lc = s["lc_code_signature"]
        sb = data[s["offset"] + lc["dataoff"]: s["offset"] + lc["dataoff"] + lc["datasize"]]
        put("fuzz_superblob", tag, sb[: s["superblob"]["length"]])
        for b in s["superblob"]["blobs"]:
            blob = sb[b["offset"]: b["offset"] + b["length"]]
            if b["slot"] == 0:
                put("fuzz_codedirectory", tag, blob)
            elif b["slot"] == 2:
                put("fuzz_requirement", tag + "-set", blob)
            elif b["slot"] == 0x10000 and len(blob) > 8:
                put("fuzz_cms", tag, blob[8:])
# the xml plist target also sees an Info.plist
put("fuzz_xmlplist", "terminal-notifier-Info.plist",
    open("tests/corpus/bundles/terminal-notifier.app/Contents/Info.plist", "rb").read())
# the render target: the smallest signed file's head + signature is the whole file
for t in ("fuzz_render",):
    put(t, "empty", b"")
    put(t, "fat-header", struct.pack(">III", 0xcafebabe, 1, 0x0100000c) + b"\0" * 16)
