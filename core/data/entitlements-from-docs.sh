#!/bin/sh
# Print the "docs:" lines of core/data/entitlements.tsv from a checkout of
# github.com/Averyy/apple-dev-docs (Apple's developer documentation as
# Markdown): every key an index page of the entitlement documentation links
# to, first source wins, then the per-key pages no index links to (their key
# from the page's "View on Apple Developer" address). The tn3125: and seen:
# lines of the file are kept by hand.
#   core/data/entitlements-from-docs.sh CHECKOUT > new.tsv
set -eu
co=${1:?usage: entitlements-from-docs.sh CHECKOUT}
br=documentation/BundleResources
for page in entitlements.md security-entitlements.md ../Security/app-sandbox.md ../Security/hardened-runtime.md \
	system-extensions.md driverkit.md; do
	commit=$(git -C "$co" log -1 --format=%H -- "$br/$page")
	grep -o '](\(\.\./BundleResources/\)\?[Ee]ntitlements/[^)/]*\.md)' "$co/$br/$page" |
		sed 's/.*ntitlements\///; s/\.md)$//' |
		while read -r key; do printf '%s\tdocs:%s@%s\n' "$key" "$page" "$commit"; done
done | awk -F '\t' '!seen[tolower($1)]++' >"${TMPDIR:-/tmp}/ent-linked.$$"
commit=$(git -C "$co" log -1 --format=%H -- "$br/entitlements")
cat "${TMPDIR:-/tmp}/ent-linked.$$"
for f in "$co/$br"/entitlements/*.md; do
	sed -n 's|.*developer.apple.com/documentation/bundleresources/entitlements/\([^)/]*\))\*$|\1|p' "$f"
done | while read -r key; do
	grep -qi "^$key	" "${TMPDIR:-/tmp}/ent-linked.$$" ||
		printf '%s\tdocs:entitlements/ (page listing)@%s\n' "$key" "$commit"
done
rm -f "${TMPDIR:-/tmp}/ent-linked.$$"
