# lib-browser.sh - headless Chromium checks from an integration test.
# Source it after tests/integration/lib.sh.
#
#   browser_setup                       # Chromium + pinned playwright-core,
#                                       # or skip (77) / fail as setup.sh says;
#                                       # call it first, before any set-up
#   browser_check NAME BASE COOKIE ARGS...
#       xss-check.mjs over the pages ARGS name (--payloads FILE --template
#       PATH, --pages FILE.json, or paths); COOKIE is NAME=VALUE or "".
#       Every page must be clean; each counts as one passed or failed test.
#   browser_control NAME ARGS...
#       the same pages from the checker's own unescaped server: every
#       payload must be caught there, or the check above proves nothing.
#   $BROWSER_UA                         # the browser's User-Agent: sign in
#                                       # with curl -A "$BROWSER_UA" when the
#                                       # app binds sessions to the agent
#   $BROWSER_OUT                        # the last run's output, for asserts

BROWSER_DIR="$MOAT_SRCDIR/tests/browser"
BROWSER_UA="Mozilla/5.0 (X11; Linux x86_64) moat-xss-check"
BROWSER_TIMEOUT=${BROWSER_TIMEOUT:-120}

browser_setup() {
	local out rc
	out=$(sh "$BROWSER_DIR/setup.sh")
	rc=$?
	case $rc in
	0) ;;
	77) echo "SKIP: the browser tests need Chromium, Node.js 18 and playwright-core (see above)"; exit 77 ;;
	*) echo "FAIL: tests/browser/setup.sh exited $rc"; exit 1 ;;
	esac
	MOAT_PLAYWRIGHT=$(printf '%s\n' "$out" | tail -n 1)
	export MOAT_PLAYWRIGHT
}

# Run the checker; its PASS/FAIL lines are this test's own, one a page.
browser_run() {
	local name=$1 rc pass fail start=$SECONDS
	shift
	BROWSER_OUT=${IT_DIR:?call it_setup first}/xss-check.out
	timeout -k 5 "$BROWSER_TIMEOUT" node "$BROWSER_DIR/xss-check.mjs" \
	    --user-agent "$BROWSER_UA" "$@" > "$BROWSER_OUT" 2>&1
	rc=$?
	cat "$BROWSER_OUT"
	pass=$(grep -c '^PASS: ' "$BROWSER_OUT")
	fail=$(grep -c '^FAIL: ' "$BROWSER_OUT")
	IT_PASSED=$((IT_PASSED + pass))
	IT_FAILED=$((IT_FAILED + fail))
	it_log "$name: $pass passed, $fail failed in $((SECONDS - start)) s"
	# A checker that could not run, or said nothing, fails as a whole.
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		it_fail "$name: xss-check.mjs ran" "exit status $rc"
	elif [ "$rc" -eq 0 ] && { [ "$pass" -eq 0 ] || [ "$fail" -ne 0 ]; }; then
		it_fail "$name: xss-check.mjs checked something" "exit 0 with $pass passed, $fail failed"
	fi
	return 0
}

browser_check() {
	local name=$1 base=$2 cookie=$3
	shift 3
	if [ -n "$cookie" ]; then
		browser_run "$name" --base "$base" --cookie "$cookie" "$@"
	else
		browser_run "$name" --base "$base" "$@"
	fi
}

browser_control() {
	local name=$1
	shift
	browser_run "$name" --base http://127.0.0.1 --control "$@"
}
