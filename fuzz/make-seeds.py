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


# ---- fuzz_reqeval: a requirement and a context (see fuzz/fuzz_reqeval.c) ----
def reqeval_seed(flags, cdhash, req, ident=b"", info=b"", ent=b"", certs=()):
    def sec(b):
        return struct.pack(">H", len(b)) + b
    out = bytes([flags]) + cdhash + sec(req) + sec(ident) + sec(info) + sec(ent)
    return out + b"".join(sec(c) for c in certs)


def pem_der(pem):
    import base64
    body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
    return base64.b64decode("".join(body.split()))


def w(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def data(b):
    return w(len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


def requirement(expr):
    return w(0xFADE0C00) + w(12 + len(expr)) + w(1) + expr


chain = None
for exp in sorted(glob.glob("tests/corpus/expected/*.json")):
    j = json.load(open(exp))
    fid = os.path.basename(exp)[:-5]
    for s in j["slices"]:
        if not s.get("signed"):
            continue
        cd = bytes.fromhex(s["cdhash"])
        ident = (s.get("identifier") or "").encode()
        ent = (s.get("entitlements_xml") or "").encode()
        certs = [pem_der(c["pem"]) for c in s.get("certificates") or []]
        reqs = [bytes.fromhex(r["blob_hex"]) for r in s.get("requirements") or []]
        if not reqs:  # ad-hoc: the implicit cdhash requirement
            reqs = [requirement(w(8) + data(cd))]
        for k, r in enumerate(reqs):
            put("fuzz_reqeval", f"{fid}-{s['arch']}-{k}", reqeval_seed(1, cd, r, ident, b"", ent, certs))
        if certs and chain is None:
            chain, chain_ident, chain_cd = certs, ident, cd
# every opcode and match operator once, against the first Developer ID chain
info = open("tests/corpus/bundles/terminal-notifier.app/Contents/Info.plist", "rb").read()
oid_devid = bytes.fromhex("2a864886f763640602 06".replace(" ", ""))
oid_policy = bytes.fromhex("2a864886f76364050 1".replace(" ", ""))
exprs = {
    "ident": w(2) + data(chain_ident), "apple": w(3), "generic": w(15),
    "hash": w(4) + w(-1) + data(b"\x11" * 20), "infokv": w(5) + data(b"CFBundleName") + data(b"x"),
    "and-or-not": w(6) + w(7) + w(9) + w(0) + w(1) + w(8) + data(chain_cd),
    "info-eq": w(10) + data(b"CFBundleIdentifier") + w(1) + data(b"fr.julienxx.oss.terminal-notifier"),
    "info-ops": b"".join(w(6) for _ in range(7)) + b"".join(
        w(10) + data(b"CFBundleVersion") + w(op) + data(b"1.10") for op in (2, 3, 4, 5, 6, 7, 8)) + w(1),
    "info-dates": b"".join(w(6) for _ in range(5)) + b"".join(
        w(10) + data(b"When") + w(op) + struct.pack(">q", 599529600) for op in (9, 10, 11, 12, 13)) + w(1),
    "ent": w(6) + w(16) + data(b"com.apple.security.cs.allow-jit") + w(0)
    + w(16) + data(b"x") + w(14),
    "certfield": w(6) + w(11) + w(0) + data(b"subject.OU") + w(1) + data(b"2DC432GLL2")
    + w(11) + w(0) + data(b"email") + w(0),
    "generic-oid": w(14) + w(1) + data(oid_devid) + w(0),
    "policy": w(17) + w(-1) + data(oid_policy) + w(0),
    "date-oid": w(22) + w(0) + data(bytes.fromhex("2a864886f763640601 21".replace(" ", ""))) + w(10)
    + struct.pack(">q", 576374400),
    "trusted": w(6) + w(12) + w(-1) + w(13),
    "named": w(7) + w(18) + data(b"generic") + w(19) + data(b"code"),
    "platform-notarized-legacy": w(6) + w(20) + w(2) + w(7) + w(21) + w(23),
    "unknown": w(6) + w(0x80000000 | 77) + w(4) + w(0) + w(0x40000000 | 78) + w(0) + w(1),
    "deep": w(9) * 990 + w(1),
}
for name, e in exprs.items():
    put("fuzz_reqeval", "op-" + name, reqeval_seed(1 | 2 | 4, chain_cd, requirement(e), chain_ident, info, b"",
                                                     chain))

# ---- fuzz_reqcompile: requirement texts ----
for exp in sorted(glob.glob("tests/corpus/expected/*.json")):
    j = json.load(open(exp))
    fid = os.path.basename(exp)[:-5]
    for s in j["slices"]:
        for k, r in enumerate(s.get("requirements") or []):
            put("fuzz_reqcompile", f"{fid}-{s['arch']}-{k}.txt", r["text"].encode())
for name, text in {
    "terms": 'always and true and never or false and ! notarized and legacy and platform = 2',
    "ident": 'identifier com.apple.Safari or identifier = "a \\"b\\"" or cdhash H"' + "ab" * 20 + '"',
    "anchors": 'anchor apple or anchor apple generic or anchor generic apple or anchor apple "n" or anchor trusted'
               ' or certificate root trusted or certificate -2 trusted or anchor = H"' + "11" * 20 + '"',
    "certs": 'certificate leaf[subject.CN] = "x" and certificate 1[field.1.2.840.113635.100.6.2.6] exists and '
             'cert root[policy.1.2.3] absent and certificate 2[extension.1.2.3] and '
             'certificate leaf[timestamp.1.2.840.113635.100.6.1.33] < timestamp "20190408000000Z"',
    "matches": 'info[K] = a* and info[K] = *a and info[K] = *"a"* and info[K] ~ a and info[K] < "1" and '
               'info[K] > "1" and info[K] <= "1" and info[K] >= "1" and info[K] = 0x00ff and '
               'entitlement["a-b"] = timestamp "20010101000100Z" and (named) and ("named")',
    "comments": '# shell\n/* c */ always // cpp\n;;',
}.items():
    put("fuzz_reqcompile", name + ".txt", text.encode())
