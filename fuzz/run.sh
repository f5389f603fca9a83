#!/bin/bash
# Run libFuzzer targets (build them first: make fuzz CC=clang).
#   fuzz/run.sh SECONDS [TARGET...]     default: every target, one after another
# Tight bounds (issue 8): an input slower than FUZZ_TIMEOUT (2 s) or needing
# more than FUZZ_RSS_MB (512 MB) is a finding, like a crash. Runs at nice 10.
# Working corpora grow in out/fuzz/work/<target> (seeded from fuzz/corpus);
# crashes land in out/fuzz/artifacts/<target>/ — minimise and commit them to
# fuzz/regressions/<target>/ so `make check` replays them. Logs: out/fuzz/logs.
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls fuzz/fuzz_*.c | xargs -n1 basename | sed 's/\.c$//'))
for t in "${targets[@]}"; do
	mkdir -p "out/fuzz/work/$t" "out/fuzz/artifacts/$t" out/fuzz/logs
	[ -d "fuzz/corpus/$t" ] && cp -n fuzz/corpus/"$t"/* "out/fuzz/work/$t/" 2>/dev/null
	echo "== $t for ${secs}s"
	nice -n 10 "out/fuzz/$t" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-2}" \
		-rss_limit_mb="${FUZZ_RSS_MB:-512}" -max_len=262144 \
		-artifact_prefix="out/fuzz/artifacts/$t/" -print_final_stats=1 \
		"out/fuzz/work/$t" >"out/fuzz/logs/$t.log" 2>&1
	echo "   exit $?: $(grep -E '^stat::number_of_executed_units|cov:' "out/fuzz/logs/$t.log" | tail -2 | tr '\n' ' ')"
	ls "out/fuzz/artifacts/$t" | head -3
done
