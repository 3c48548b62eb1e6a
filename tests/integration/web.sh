#!/usr/bin/env bash
# web.sh - sessions, accounts, CSRF and throttling end to end: curl through
# nginx to the app, its broker and a real PostgreSQL.  The session cookie is
# handled by hand, so every test states exactly which cookie it sends.

. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

it_db_setup web
IT_APP="$MOAT_BUILDDIR/tests/integration/web-app"
IT_WORKERS=3
IT_TIMEOUT=10
IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/web.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets
session_idle_timeout = 4
session_absolute_timeout = 12
session_bind_agent = on
session_bind_network = on
templates = $MOAT_SRCDIR/tests/integration/templates
hash_workers = 1
hash_queue = 0"
it_setup
# hash_workers is hash_threads' old name: it still works (the busy check
# below needs its 1), and start-up says to rename it.
it_wait_log "serving on"
it_contains "an old key name is accepted and the log says its new one" \
	"config: hash_workers is an old name: call it hash_threads" "$(cat "$IT_DIR/moat.log")"

H=$IT_DIR/headers
B=$IT_DIR/body
# req METHOD PATH [curl args...]: the status; headers in $H, body in $B.
req() {
	local m=$1 p=$2
	shift 2
	curl -sS --max-time 30 -X "$m" -D "$H" -o "$B" -w '%{http_code}' "$@" "$IT_BASE$p"
}
body() { cat "$B"; }
header() { sed -n "s/^$1: //Ip" "$H" | tr -d '\r' | head -n 1; }
# The session token the last response set ("" if none, "-" if cleared).
set_token() {
	local line
	line=$(grep -i '^Set-Cookie: __Host-moat=' "$H" | tr -d '\r')
	case "$line" in
	"") echo "" ;;
	*"Max-Age=0"*) echo "-" ;;
	*) printf '%s\n' "$line" | sed 's/^[^=]*=\([^;]*\);.*/\1/' ;;
	esac
}
jar() { printf 'Cookie: __Host-moat=%s' "$1"; }
# A fresh anonymous session: sets TOK and CSRF.
fresh() {
	req GET /form >/dev/null
	TOK=$(set_token)
	CSRF=$(body | sed -n 's/^csrf=//p')
}
# post PATH DATA: with the current TOK and CSRF.
post() { req POST "$1" -H "$(jar "$TOK")" --data "$2&csrf_token=$CSRF"; }
whoami() { req GET /me -H "$(jar "$1")" "${@:2}" >/dev/null; body; }
# After a response that set a new token, use it and its CSRF token.
rotate() {
	TOK=$(set_token)
	req GET /form -H "$(jar "$TOK")" >/dev/null
	CSRF=$(body | sed -n 's/^csrf=//p')
}

# --- cookie and headers ---------------------------------------------------------
req GET /plain >/dev/null
it_check "a page without a session sets no cookie" 0 "$(grep -ci '^Set-Cookie' "$H")"
it_check "a page without a session may be cached" "" "$(header Cache-Control)"

fresh
line=$(grep -i '^Set-Cookie:' "$H" | tr -d '\r')
it_check "the session cookie has every attribute" \
	"Set-Cookie: __Host-moat=$TOK; Path=/; Secure; HttpOnly; SameSite=Lax" "$line"
it_check "the token is 43 characters of base64url" 43 "$(printf '%s' "$TOK" | tr -cd 'A-Za-z0-9_-' | wc -c)"
it_check "a response that uses the session is not stored" "no-store" "$(header Cache-Control)"
it_check "the CSRF token is 43 characters" 43 "${#CSRF}"
it_check "the database holds no token, only its 32-byte HMAC" "1|0" \
	"$(psql_it -c "SELECT count(*), count(*) FILTER (WHERE position(convert_to('$TOK', 'UTF8') IN token_hash) > 0 OR octet_length(token_hash) <> 32) FROM moat_sessions")"
ANON=$TOK

# --- registration -----------------------------------------------------------------
it_check "registration succeeds" 200 "$(post /register 'username=alice&password=correct+horse+battery')"
it_check "registration signs in with a new token" "yes" "$([ -n "$(set_token)" ] && [ "$(set_token)" != "$ANON" ] && echo yes)"
rotate
ALICE_ID=$(psql_it -c "SELECT id FROM moat_users WHERE username = 'alice'")
it_check "the new account is signed in" "user $ALICE_ID admin 0" "$(whoami "$TOK")"
it_check "the anonymous token no longer works" "user 0 admin 0" "$(whoami "$ANON")"
case "$(psql_it -c "SELECT password_hash FROM moat_users WHERE id = $ALICE_ID")" in
'$scrypt$ln=17,r=8,p=1$'*) it_pass "the password is stored as scrypt at OWASP's cost" ;;
*) it_fail "the password is stored as scrypt at OWASP's cost" "$(psql_it -c "SELECT left(password_hash, 24) FROM moat_users")" ;;
esac
fresh
it_check "a taken name (any case) is refused" "409 taken" "$(post /register 'username=ALICE&password=another+password') $(body)"
it_check "a 7-byte password is refused" "400 invalid" "$(post /register 'username=bob&password=1234567') $(body)"
long=$(head -c 129 /dev/zero | tr '\0' 'a')
it_check "a 129-byte password is refused, not truncated" 400 "$(post /register "username=bob&password=$long")"
it_check "a name with a slash is refused" "400 invalid" "$(post /register 'username=b/ob&password=long+enough+pw') $(body)"
pw128=$(head -c 128 /dev/zero | tr '\0' 'p')
it_check "a 128-byte password is accepted" 200 "$(post /register "username=bob&password=$pw128")"
rotate
BOB=$TOK
BOB_ID=$(psql_it -c "SELECT id FROM moat_users WHERE username = 'bob'")
fresh
it_check "the 128-byte password is checked in full" "401 denied" "$(post /login "username=bob&password=${pw128%p}q") $(body)"

# --- log-in and log-out -----------------------------------------------------------
fresh
PRE=$TOK
it_check "a wrong password is denied" "401 denied" "$(post /login 'username=alice&password=wrong+password') $(body)"
it_check "an unknown user gets the same answer" "401 denied" "$(post /login 'username=nobody&password=wrong+password') $(body)"
it_check "a right password signs in" "200 ok" "$(post /login 'username=alice&password=correct+horse+battery') $(body)"
it_check "log-in gives a new token" yes "$([ -n "$(set_token)" ] && [ "$(set_token)" != "$PRE" ] && echo yes)"
rotate
A1=$TOK
A1_CSRF=$CSRF
it_check "the pre-log-in token is gone" "user 0 admin 0" "$(whoami "$PRE")"
it_check "user names are not case-sensitive" 200 "$(fresh; post /login 'username=Alice&password=correct+horse+battery')"
rotate
A2=$TOK
A2_CSRF=$CSRF
it_check "a user statement runs as the session's user" "$ALICE_ID" \
	"$(req GET /db/me -H "$(jar "$A1")" >/dev/null; body)"
it_check "two sessions of one user live side by side" "user $ALICE_ID admin 0|user $ALICE_ID admin 0" "$(whoami "$A1")|$(whoami "$A2")"

# --- CSRF --------------------------------------------------------------------------
TOK=$A1
it_check "an action with the session's token runs" "200 done" "$(req POST /act -H "$(jar "$A1")" --data "csrf_token=$A1_CSRF") $(body)"
it_check "an action without the token is refused" 403 "$(req POST /act -H "$(jar "$A1")" --data 'x=1')"
it_check "an action with another session's token is refused" 403 "$(req POST /act -H "$(jar "$A1")" --data "csrf_token=$A2_CSRF")"
it_check "the token also works as X-CSRF-Token" 200 "$(req POST /act -H "$(jar "$A1")" -H "X-CSRF-Token: $A1_CSRF")"
it_check "a request from another origin is refused" 403 \
	"$(req POST /act -H "$(jar "$A1")" -H 'Origin: http://evil.example' --data "csrf_token=$A1_CSRF")"
it_check "Origin: null is refused" 403 \
	"$(req POST /act -H "$(jar "$A1")" -H 'Origin: null' --data "csrf_token=$A1_CSRF")"
it_check "Sec-Fetch-Site: cross-site is refused" 403 \
	"$(req POST /act -H "$(jar "$A1")" -H 'Sec-Fetch-Site: cross-site' --data "csrf_token=$A1_CSRF")"
it_check "a cross-site log-in form post without any cookie is refused" 403 \
	"$(req POST /login -H 'Origin: http://evil.example' --data 'username=alice&password=x')"
it_check "so is a cross-site post with Sec-Fetch-Site alone" 403 \
	"$(req POST /register -H 'Sec-Fetch-Site: cross-site' --data 'username=mallory&password=mallorys+pw')"
it_check "our own origin passes" 200 \
	"$(req POST /act -H "$(jar "$A1")" -H "Origin: $IT_BASE" -H 'Sec-Fetch-Site: same-origin' --data "csrf_token=$A1_CSRF")"
it_check "a CSRF-exempt route needs no token" "200 done" "$(req POST /hook -H "$(jar "$A1")" --data 'x=1') $(body)"
it_contains "a CSRF failure is logged" "CSRF: token missing" "$(it_log_text)"
it_check "a session id in the URL is ignored" "403 sign in first" \
	"$(req POST "/act?__Host-moat=$A1&csrf_token=$A1_CSRF") $(body)"
it_check "a session id in a form field is ignored" "403 sign in first" \
	"$(req POST /act --data "__Host-moat=$A1&session=$A1&csrf_token=$A1_CSRF") $(body)"
it_check "a malformed cookie is no session, and is cleared" "user 0 admin 0 -" "$(whoami 'garbage<x>') $(set_token)"
it_check "an unknown well-formed token is no session" "user 0 admin 0 -" \
	"$(whoami AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) $(set_token)"

# --- binding to User-Agent and network ------------------------------------------------
fresh
post /login 'username=alice&password=correct+horse+battery' >/dev/null
B1=$(set_token)
it_check "a bound session works from its own agent" "user $ALICE_ID admin 0" "$(whoami "$B1")"
it_check "another User-Agent ends the session" "user 0 admin 0" "$(whoami "$B1" -A 'Other/1.0')"
it_check "and it stays ended for the first agent too" "user 0 admin 0" "$(whoami "$B1")"
it_contains "the ended binding is logged" "session ended: its User-Agent changed" "$(it_log_text)"
fresh
post /login 'username=alice&password=correct+horse+battery' >/dev/null
B2=$(set_token)
it_check "another network (/24) ends the session" "user 0 admin 0" "$(whoami "$B2" --interface 127.0.1.1)"

# --- password change ---------------------------------------------------------------------
TOK=$A2
CSRF=$A2_CSRF
it_check "a wrong old password is denied" "401 denied" "$(post /password 'old=nope+nope+nope&new=brand+new+password') $(body)"
it_check "a short new password is refused" "400 invalid" "$(post /password 'old=correct+horse+battery&new=short') $(body)"
it_check "the password changes" "200 ok" "$(post /password 'old=correct+horse+battery&new=brand+new+password') $(body)"
it_check "a password change gives a new token" yes "$([ -n "$(set_token)" ] && [ "$(set_token)" != "$A2" ] && echo yes)"
A3=$(set_token)
it_check "the changing session continues under its new token" "user $ALICE_ID admin 0" "$(whoami "$A3")"
it_check "every other session of the user ended" "user 0 admin 0|user 0 admin 0" "$(whoami "$A1")|$(whoami "$A2")"
fresh
it_check "the old password no longer works" 401 "$(post /login 'username=alice&password=correct+horse+battery')"
fresh
it_check "the new one does" 200 "$(post /login 'username=alice&password=brand+new+password')"

# --- admin lock ------------------------------------------------------------------------------
TOK=$A3
req GET /form -H "$(jar "$A3")" >/dev/null
CSRF=$(body | sed -n 's/^csrf=//p')
it_check "a non-admin cannot lock accounts" "401 denied" "$(post "/admin/lock/$BOB_ID" '') $(body)"
# Making an admin is an operator's act, in the database; any change of
# role ends the user's sessions, so the new role comes with a new token.
psql_it -c "UPDATE moat_users SET is_admin = true WHERE id = $ALICE_ID" >/dev/null
it_check "a change of role ends the user's sessions" "user 0 admin 0" "$(whoami "$A3")"
fresh
post /login 'username=alice&password=brand+new+password' >/dev/null
rotate
it_check "an admin is reported as one" "user $ALICE_ID admin 1" "$(whoami "$TOK")"
it_check "an admin locks an account" "200 ok" "$(post "/admin/lock/$BOB_ID" '') $(body)"
it_check "locking ends the account's sessions" "user 0 admin 0" "$(whoami "$BOB")"
SAVED_TOK=$TOK SAVED_CSRF=$CSRF
fresh
it_check "a locked account cannot sign in" "401 denied" "$(post /login "username=bob&password=$pw128") $(body)"
TOK=$SAVED_TOK CSRF=$SAVED_CSRF
it_check "locking a user that does not exist is denied" 401 "$(post /admin/lock/999999 '')"
it_check "an admin unlocks it" 200 "$(post "/admin/unlock/$BOB_ID" '')"
fresh
it_check "the unlocked account signs in" 200 "$(post /login "username=bob&password=$pw128")"

# The broker's role changes what its statements change (the flows above:
# password, lock) and nothing else: stolen broker credentials make no admin.
as_broker() { psql -X -q -tA -d "$DB" -c "SET ROLE $ROLE" -c "$1" 2>&1; }
it_contains "the broker's role cannot make an admin" "permission denied" \
	"$(as_broker "UPDATE moat_users SET is_admin = true WHERE id = $BOB_ID")"
it_contains "nor create one" "permission denied" \
	"$(as_broker "INSERT INTO moat_users (username, password_hash, is_admin) VALUES ('eve', 'x', true)")"
it_contains "nor delete an account" "permission denied" "$(as_broker "DELETE FROM moat_users WHERE id = $BOB_ID")"
it_check "but it may lock or unlock one" f "$(as_broker "UPDATE moat_users SET locked = false WHERE id = $BOB_ID RETURNING locked")"
it_check "bob is still no admin" f "$(psql_it -c "SELECT is_admin FROM moat_users WHERE id = $BOB_ID")"

# --- throttling ----------------------------------------------------------------------------------
fresh
post /register 'username=carol&password=carols+password' >/dev/null
throttled=""
# Each failure past the free ones blocks the key twice as long as the
# last, so a block soon outlasts an attempt, however slow the machine.
for i in $(seq 1 20); do
	fresh
	code=$(post /login 'username=carol&password=not+her+password')
	if [ "$code" = 429 ]; then throttled=$i; break; fi
done
it_check "repeated failures get 429" yes "$([ -n "$throttled" ] && echo yes)"
retry=$(header Retry-After)
it_check "the 429 says how long to wait" yes "$([ "${retry:-0}" -ge 1 ] && echo yes)"
# The first block lasts a second, which a loaded machine can spend on the
# next two requests; hold it a few seconds so "while" is true.
psql_it -c "UPDATE moat_throttle SET blocked_until = now() + interval '5 seconds' WHERE key = 'un:carol|127.0.0.0/24'" >/dev/null
fresh
it_check "while throttled even the right password waits" 429 "$(post /login 'username=carol&password=carols+password')"
it_check "the throttle is kept in PostgreSQL" t \
	"$(psql_it -c "SELECT failures >= 5 AND blocked_until IS NOT NULL FROM moat_throttle WHERE key = 'un:carol|127.0.0.0/24'")"
req GET /form --interface 127.0.2.1 >/dev/null
TOK=$(set_token) CSRF=$(body | sed -n 's/^csrf=//p')
it_check "the real user on another network is not locked out" "200 ok" \
	"$(req POST /login --interface 127.0.2.1 -H "$(jar "$TOK")" --data "username=carol&password=carols+password&csrf_token=$CSRF") $(body)"
wait_s=$(psql_it -c "SELECT coalesce(max(ceil(extract(epoch FROM blocked_until - now()))), 0)::int FROM moat_throttle WHERE key = 'un:carol|127.0.0.0/24'")
sleep "$((wait_s + 1))"
fresh
it_check "after the delay the right password works again" 200 "$(post /login 'username=carol&password=carols+password')"

# An attacker on many networks pushes up the account-wide key; the real
# user, on a network the account has used, is not slowed down by it.
fresh
post /register 'username=dave&password=daves+password' >/dev/null
for n in $(seq 10 22); do
	req POST /login --interface "127.0.$n.1" --data 'username=dave&password=guess+guess+guess' >/dev/null
done
# Past its 10 free failures each one blocks the key for 1, 2, 4 s: count
# them, then hold the block, so that a slow machine checks "while".
it_check "the account key is blocked after failures from 13 networks" t \
	"$(psql_it -c "SELECT failures > 10 AND blocked_until IS NOT NULL FROM moat_throttle WHERE key = 'u:dave'")"
psql_it -c "UPDATE moat_throttle SET blocked_until = now() + interval '30 seconds' WHERE key = 'u:dave'" >/dev/null
it_check "from a network the account never used, the right password waits" 429 \
	"$(req POST /login --interface 127.0.40.1 --data 'username=dave&password=daves+password')"
it_check "from the network it registered on, the user signs in at once" 200 \
	"$(req POST /login --data 'username=dave&password=daves+password')"

# At most hash_threads hashes at once (1 here, none waiting): the other
# log-ins that arrive meanwhile are told to come back, not queued forever.
pids=""
for n in 1 2 3; do
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 --interface "127.0.5$n.1" \
		--data 'username=erin&password=whatever+it+is' "$IT_BASE/login" > "$IT_DIR/busy.$n" &
	pids="$pids $!"
done
wait $pids
codes=$(cat "$IT_DIR"/busy.* | sort | tr '\n' ' ')
it_contains "concurrent hashes past the cap get 503" "503" "$codes"
it_contains "the one with a slot is answered" "401" "$codes"
it_contains "the cap is logged" "every password hashing slot is busy" "$(it_log_text)"
it_check "a log-in refused for want of a hashing slot counts no failure" 1 \
	"$(psql_it -c "SELECT coalesce(sum(failures), 0) FROM moat_throttle WHERE key LIKE 'n:127.0.5_.0/24'")"

# --- templates -------------------------------------------------------------------------
fresh
req GET '/greet?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22&site=javascript:alert(1)' -H "$(jar "$TOK")" >/dev/null
page=$(body)
it_contains "a template escapes a value in text" '<p id="name">&lt;script&gt;alert(1)&lt;/script&gt;&quot;</p>' "$page"
it_contains "a javascript: URL becomes harmless" 'href="about:invalid#moat"' "$page"
it_contains "a value inside a URL path is percent-encoded" 'href="/notes/%3Cscript%3Ealert(1)%3C/script%3E%22"' "$page"
it_contains "csrf_field carries the session's token" "name=\"csrf_token\" value=\"$CSRF\"" "$page"
it_check "a template page is HTML" "text/html; charset=utf-8" "$(header Content-Type)"
req GET '/greet?site=https://example.com/a?b=1%26c=2' >/dev/null
it_contains "an https URL is kept, escaped" 'href="https://example.com/a?b=1&amp;c=2"' "$(body)"
it_check "a template page without a session starts one for its form" yes "$([ -n "$(set_token)" ] && echo yes)"

mkdir -p "$IT_DIR/badtpl"
printf '<p>fine</p>\n<a href={{ x }}>unquoted</a>\n' > "$IT_DIR/badtpl/bad.html"
sed "s|^templates = .*|templates = $IT_DIR/badtpl|" "$IT_DIR/moat.conf" > "$IT_DIR/bad.conf"
out=$("$IT_APP" -c "$IT_DIR/bad.conf" --check-config 2>&1)
it_check "a template error stops start-up" 1 "$?"
it_contains "and names file:line" "bad.html:2:" "$out"

# --- logout and expiry --------------------------------------------------------------------------------
fresh
post /login 'username=carol&password=carols+password' >/dev/null
rotate
L=$TOK
carols() { psql_it -c "SELECT count(*) FROM moat_sessions s JOIN moat_users u ON u.id = s.user_id WHERE u.username = 'carol'"; }
before=$(carols)
it_check "log-out succeeds" "200 ok" "$(post /logout '') $(body)"
it_check "log-out clears the cookie" "-" "$(set_token)"
it_check "log-out deletes the session on the server" "user 0 admin 0|$((before - 1))" "$(whoami "$L")|$(carols)"

fresh
post /login 'username=carol&password=carols+password' >/dev/null
I=$(set_token)
sleep 5
it_check "a session idle past session_idle_timeout has expired" "user 0 admin 0" "$(whoami "$I")"

fresh
post /login 'username=carol&password=carols+password' >/dev/null
T=$(set_token)
# Use it every half second and note, by the clock, the last time it was
# still alive (ms after the log-in); a loaded machine only makes the
# loop slower, not the bounds wrong.
start=$(date +%s%N)
alive_ms=0
died=
for i in $(seq 1 60); do
	sleep 0.5
	[ "$(whoami "$T")" = "user 0 admin 0" ] && { died=yes; break; }
	alive_ms=$((($(date +%s%N) - start) / 1000000))
done
it_check "activity keeps a session past its idle timeout" yes "$([ "$alive_ms" -ge 6000 ] && echo yes)"
it_check "but not past session_absolute_timeout" "yes yes" \
	"$([ -n "$died" ] && echo yes) $([ "$alive_ms" -le 12000 ] && echo yes)"

# Invariant 6: no password or session token in the app's log.  (nginx's
# access log has the one URL above that carried a token on purpose.)
logs=$(cat "$IT_DIR/moat.log")
leaks=0
for secret in "correct horse battery" "correct+horse+battery" "brand new password" \
	"brand+new+password" "carols+password" "daves+password" "$pw128" \
	"$A1" "$A2" "$A3" "$B1" "$L" "$A1_CSRF"; do
	case "$logs" in *"$secret"*) leaks=$((leaks + 1)); it_log "in a log: $secret" ;; esac
done
it_check "no password or token appears in the log" 0 "$leaks"

# --- concurrent log-in attempts --------------------------------------------------------------
# Each attempt is counted before its password is hashed, under the
# throttle rows' lock, so a burst gets no more checks than one attempt
# at a time would.  That needs hashes in parallel: more workers, a queue.
it_stop_app
sed -i -e 's/^workers = .*/workers = 8/' -e 's/^hash_workers = .*/hash_workers = 2/' \
	-e 's/^hash_queue = .*/hash_queue = 32/' "$IT_DIR/moat.conf"
it_start_app || exit 1
for i in $(seq 1 50); do
	[ "$(it_status /plain)" = 200 ] && break
	sleep 0.1
done
fresh
post /register 'username=frank&password=franks+password' >/dev/null
# A block of frank's from 127.0.61.0/24 has just lapsed, after 12
# failures: the policy allows one more check there, then 128 s of wait.
psql_it -c "INSERT INTO moat_throttle VALUES ('un:frank|127.0.61.0/24', 12, now(), now() - interval '1 second')"
rm -f "$IT_DIR"/burst.*
pids=""
for n in $(seq 1 20); do
	curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 --interface 127.0.61.1 \
		--data 'username=frank&password=not+franks+password' "$IT_BASE/login" > "$IT_DIR/burst.$n" &
	pids="$pids $!"
done
wait $pids
codes=$(cat "$IT_DIR"/burst.* | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
it_check "20 concurrent wrong passwords after a block: one is checked, 19 wait" "401:1 429:19 " "$codes"
it_check "only the checked one counts against the network" 1 \
	"$(psql_it -c "SELECT failures FROM moat_throttle WHERE key = 'n:127.0.61.0/24'")"
it_check "then the right password waits there too" 429 \
	"$(req POST /login --interface 127.0.61.1 --data 'username=frank&password=franks+password')"
net_before=$(psql_it -c "SELECT failures FROM moat_throttle WHERE key = 'n:127.0.0.0/24'")
it_check "and signs in at once from the network the account uses" 200 \
	"$(req POST /login --data 'username=frank&password=franks+password')"
it_check "a success clears the account's count and leaves the network's as it was" "0|$net_before" \
	"$(psql_it -c "SELECT (SELECT count(*) FROM moat_throttle WHERE key IN ('u:frank', 'un:frank|127.0.0.0/24')) || '|' || (SELECT failures FROM moat_throttle WHERE key = 'n:127.0.0.0/24')")"

it_finish
