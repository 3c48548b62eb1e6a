#!/usr/bin/env bash
# include-graph.sh - framework/'s folders are process roles, and the
# includes between them must say so:
#
#   - the folder-level include graph has no cycle;
#   - nothing that runs in a worker (worker/, http/, template/, and the
#     shared proto/, sandbox/, core/) includes a broker/ or supervisor/
#     header, so no broker code can end up in a worker by an include;
#   - broker/ includes only itself and the shared folders.
#
# Prints one line per finding and exits 1 if there is any.
set -u
src=${MOAT_SRCDIR:-$(cd -- "$(dirname -- "$0")/../.." && pwd)}
cd -- "$src/framework" || exit 2

# "FROM TO" for every #include "TO/..." in a file under FROM/.
edges=$(grep -rE '^#include "[a-z_]+/' --include='*.c' --include='*.h' . |
	sed -E 's|^\./([a-z_]+)/[^:]*:#include "([a-z_]+)/.*|\1 \2|' |
	awk '$1 != $2' | sort -u)
failed=0
finding() { printf 'include-graph: %s\n' "$*"; failed=1; }

if ! printf '%s\n' "$edges" | tsort >/dev/null 2>"${TMPDIR:-/tmp}/include-graph.$$"; then
	finding "the folders include each other in a cycle: $(tr '\n' ' ' <"${TMPDIR:-/tmp}/include-graph.$$")"
fi
rm -f -- "${TMPDIR:-/tmp}/include-graph.$$"

allowed() {
	case $1 in
	worker) echo "core http proto sandbox template" ;;
	http | template) echo "core http" ;;
	proto | sandbox) echo "core" ;;
	core) echo "" ;;
	broker) echo "core proto sandbox" ;;
	supervisor) echo "broker core http proto sandbox template worker" ;;
	*) echo "?" ;;
	esac
}
while read -r from to; do
	[[ -n $from ]] || continue
	ok=$(allowed "$from")
	if [[ $ok == "?" ]]; then
		finding "framework/$from/ is not a known role: add it to tests/layout/include-graph.sh"
	elif [[ " $ok " != *" $to "* ]]; then
		finding "framework/$from/ includes framework/$to/: $(grep -rlE "^#include \"$to/" "$from" | tr '\n' ' ')"
	fi
done <<<"$edges"

if ((failed == 0)); then
	printf 'include-graph: no cycle; %d folder edges, each allowed: %s\n' \
		"$(printf '%s\n' "$edges" | grep -c .)" "$(printf '%s\n' "$edges" | tr ' ' '>' | tr '\n' ' ')"
fi
exit "$failed"
