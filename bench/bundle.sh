#!/bin/bash
# bundle.sh OUT NFILES NMACHO — the workload of measurement 8: OUT/A.app, the signed app of
# tests/fixtures/make-bundles.sh with NFILES resource files (1-32 KiB of random bytes, 500
# directories, seed 1) and NMACHO ad-hoc signed dylibs in Contents/Frameworks (nested code),
# sealed by tests/tools/mkresources.py and signed by mksig. Exit 77 without the toolchain.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1 nf=$2 nm=$3
rm -rf "$out"
bash "$here/../tests/fixtures/make-bundles.sh" "$out.fx" >/dev/null
. "$out.fx/work/sign.sh"
mkdir -p "$out"
A=$out/A.app
cp -a "$out.fx/base/A.app" "$A"
rm -rf "$A/Contents/_CodeSignature" "$A/Contents/Frameworks" "$A/Contents/Library"
python3 - "$A/Contents/Resources" "$nf" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 500))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.dat" % i), "wb") as f:
        f.write(rnd.randbytes(rnd.randint(1024, 32768)))
PY
mkdir -p "$A/Contents/Frameworks"
for i in $(seq 1 "$nm"); do
	"$MKSIG" --id "com.example.lib$i" --adhoc --empty-reqs "$work/dylib" "$A/Contents/Frameworks/lib$i.dylib"
done
sign_app "$out"
rm -rf "$out.fx"
