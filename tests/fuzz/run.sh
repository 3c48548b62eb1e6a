#!/bin/sh
#
# run.sh - build every libFuzzer target and run each one for a while.
#
# usage: run.sh SRC_DIR [SECONDS]
#
# Targets are SRC_DIR/tests/fuzz/fuzz_*.c.  Each is linked with every
# framework/core and framework/http source except those that need libfcgi
# or the rest of the program (FUZZ_EXCLUDE, and any file that includes a
# fcgi header), plus the files named on a line of the target such as
#	// fuzz-sources: framework/http/router.c framework/core/log.c
# Each target runs for SECONDS (default 60) over a copy of its seed corpus
# tests/fuzz/corpus/<name without fuzz_>/, so the source tree is only read.
#
# Everything is written under $FUZZ_OUT, or a new ${TMPDIR:-/tmp}/moat-fuzz.*
# directory: bin/ (the targets), corpus/ (grown corpora), logs/ and
# crashes/ (reproducers; run bin/fuzz_x crashes/fuzz_x-crash-... to replay).
#
# Prints one line per target; exits 1 if any target failed to build,
# crashed, leaked or timed out.

set -u

src=${1:?usage: run.sh SRC_DIR [SECONDS]}
secs=${2:-60}
src=$(cd "$src" && pwd) || exit 1

if [ -z "${FUZZ_CC:-}" ]; then
	if command -v clang-14 >/dev/null 2>&1; then
		FUZZ_CC=clang-14
	else
		FUZZ_CC=clang
	fi
fi
: "${FUZZ_EXCLUDE:=framework/http/request.c framework/http/response.c
    framework/http/errorpage.c framework/http/router.c
    framework/core/config.c framework/core/incident.c}"

if [ -n "${FUZZ_OUT:-}" ]; then
	out=$FUZZ_OUT
else
	out=$(mktemp -d "${TMPDIR:-/tmp}/moat-fuzz.XXXXXX") || exit 1
fi
mkdir -p "$out/bin" "$out/corpus" "$out/logs" "$out/crashes" || exit 1

cflags="-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
    -Wall -Wextra -Wno-unused-parameter
    -include $src/framework/include/moat/banned.h
    -I$src/framework/include -I$src/framework"
sodium=$(pkg-config --cflags --libs libsodium libpq 2>/dev/null)

excluded()
{
	for x in $FUZZ_EXCLUDE; do
		[ "$x" = "$1" ] && return 0
	done
	return 1
}

# The sources every target gets.
common=
for f in "$src"/framework/core/*.c "$src"/framework/http/*.c; do
	[ -e "$f" ] || continue
	excluded "${f#"$src"/}" && continue
	grep -q '^#include[[:space:]]*[<"]fcgi' "$f" && continue
	common="$common $f"
done

# The common sources plus the target's own fuzz-sources line.
target_sources()
{
	list=$common
	# shellcheck disable=SC2013	# the line is a list of words
	for rel in $(sed -n 's|^//[[:space:]]*fuzz-sources:||p' "$1"); do
		case " $list " in
		*" $src/$rel "*)	;;
		*)			list="$list $src/$rel" ;;
		esac
	done
	echo "$list"
}

# The exec count from a libFuzzer log ("Done 123 runs in 60 second(s)").
runs_of()
{
	sed -n 's/^Done \([0-9][0-9]*\) runs.*/\1/p' "$1" | tail -n 1
}

status=0
found=0
for t in "$src"/tests/fuzz/fuzz_*.c; do
	[ -e "$t" ] || continue
	found=1
	name=$(basename "$t" .c)
	short=${name#fuzz_}
	log=$out/logs/$name.log
	# shellcheck disable=SC2046,SC2086	# the lists are meant to split
	if ! $FUZZ_CC $cflags "$t" $(target_sources "$t") $sodium \
	    -o "$out/bin/$name" >"$out/logs/$name.build" 2>&1; then
		echo "$name: BUILD FAILED, see $out/logs/$name.build"
		status=1
		continue
	fi
	corpus=$out/corpus/$short
	mkdir -p "$corpus"
	if [ -d "$src/tests/fuzz/corpus/$short" ]; then
		cp "$src/tests/fuzz/corpus/$short"/* "$corpus"/ 2>/dev/null
	fi
	"$out/bin/$name" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$out/crashes/$name-" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(runs_of "$log")
	files=$(find "$corpus" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "$name: ok, ${runs:-?} runs in ${secs}s," \
		    "corpus $files files"
	else
		echo "$name: FAILED (exit $rc) after ${runs:-?} runs," \
		    "see $log and $out/crashes/"
		status=1
	fi
done

if [ "$found" -eq 0 ]; then
	echo "run.sh: no fuzz targets in $src/tests/fuzz" >&2
	exit 1
fi
# A temporary output directory is worth keeping only for its crashes.
if [ -z "${FUZZ_OUT:-}" ] && [ "$status" -eq 0 ]; then
	rm -rf "$out"
else
	echo "fuzz output in $out"
fi
exit $status
