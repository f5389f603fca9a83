#!/bin/sh
# make bench: the sigfs benchmarks (bench/README.md). Not part of make check.
#   N=5000 M=20000 RUNS=5 make bench      sizes (defaults shown)
#   BENCH_QUICK=1 make bench              smoke run (N=200 M=1000 RUNS=2)
#   BENCH_ONLY=1,5 make bench             a subset of the measurements (9: verification)
# Needs root (drop_caches) or it says so, /dev/fuse, fusermount3, python3; the synthetic fixtures need
# clang-14, ld64.lld-14, llvm-lipo-14 (else the corpus and hand-assembled templates are used alone).
set -e
here=$(cd "$(dirname "$0")" && pwd)
command -v python3 >/dev/null 2>&1 || { echo "bench: python3 is needed" >&2; exit 1; }
[ "${BENCH_ONLY:-}" = 9 ] || python3 "$here/bench.py" "$@"
# measurement 9 (bench/verify.py): verification throughput against sha256sum
case ",${BENCH_ONLY:-9}," in
*,9,*) exec python3 "$here/verify.py" ;;
esac
