#!/usr/bin/env bash
# config-keys.sh - deploy/moat.conf.example documents every key that
# framework/core/config.c accepts (set, or commented out with its
# explanation), and names no key that does not exist.
set -u
src=${MOAT_SRCDIR:-$(cd -- "$(dirname -- "$0")/../.." && pwd)}
keys=$(sed -n 's/^[[:space:]]*{ "\([a-z_0-9]*\)", KEY_.*/\1/p' "$src/framework/core/config.c" | sort -u)
example=$(sed -n 's/^[[:space:]]*#\{0,1\}[[:space:]]*\([a-z_0-9]*\)[[:space:]]*=.*/\1/p' \
	"$src/deploy/moat.conf.example" | sort -u)
failed=0
[[ $(wc -w <<<"$keys") -ge 40 ]] || {
	echo "config-keys: found only $(wc -w <<<"$keys") keys in config.c: has its table changed shape?"
	exit 1
}
for k in $(comm -23 <(printf '%s\n' "$keys") <(printf '%s\n' "$example")); do
	echo "config-keys: $k is a config key that deploy/moat.conf.example does not document"
	failed=1
done
for k in $(comm -13 <(printf '%s\n' "$keys") <(printf '%s\n' "$example")); do
	echo "config-keys: deploy/moat.conf.example names $k, which is no config key"
	failed=1
done
((failed)) || echo "config-keys: all $(wc -w <<<"$keys") keys documented"
exit "$failed"
