#!/usr/bin/env bash
# notes-apache.sh - Moat Notes behind a private Apache that runs the
# shipped site file deploy/apache/moat.conf (lib-apache.sh), over HTTPS,
# with a real PostgreSQL whose schema deploy/moat-migrate applied.
#
# notes.sh goes through nginx over plain HTTP and carries the __Host-
# session cookie by hand; here curl keeps it in a cookie jar as a browser
# would (the cookie is Secure, and this is HTTPS), and every form POST
# carries the Origin a browser sends.  One walk through the app: register,
# write, edit, attach, download, search, guestbook, change the password,
# log out; a second user cannot reach the first one's note or file.

. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/integration/lib-apache.sh"
ap_find
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

it_db_setup notesap
it_notes_migrate >/dev/null || { echo "FAIL: deploy/moat-migrate"; exit 1; }

it_notes_app
IT_WORKERS=3
IT_TIMEOUT=10
ap_setup

# --- helpers -----------------------------------------------------------------------
H=$IT_DIR/headers
B=$IT_DIR/body
JAR=$IT_DIR/jar		# the user whose session this is; see as()
# req METHOD PATH [curl args...]: the status, with the cookie jar in JAR;
# headers in $H, body in $B.  The certificate is the test's own, hence -k.
req() {
	local m=$1 p=$2
	shift 2
	curl -sSk --noproxy '*' --max-time 30 -X "$m" -b "$JAR" -c "$JAR" \
		-D "$H" -o "$B" -w '%{http_code}' "$@" "$AP_BASE$p"
}
body() { cat "$B"; }
header() { sed -n "s/^$1: //Ip" "$H" | tr -d '\r' | head -n 1; }
csrf_in_body() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' "$B" | head -n 1; }
# The CSRF token of the jar's session, from a page with a form.
csrf_of() { req GET "$1" >/dev/null; CSRF=$(csrf_in_body); }
# post PATH [curl args]: a form POST as a browser sends it from this site;
# fields with --data-urlencode "name=value".
post() {
	local p=$1
	shift
	req POST "$p" -H "Origin: $AP_BASE" --data-urlencode "csrf_token=$CSRF" "$@"
}
upload() {
	local p=$1
	shift
	req POST "$p" -H "Origin: $AP_BASE" -F "csrf_token=$CSRF" "$@"
}
# The session token in a jar ("" when it holds none).
jar_token() { awk '$6 == "__Host-moat" { print $7 }' "$1" 2>/dev/null; }
# as USER: use that user's jar from now on.
as() { JAR=$IT_DIR/jar.$1; }
note_id() { header Location | sed -n 's|^/notes/\([0-9][0-9]*\)$|\1|p'; }

PW_A='alice password 1'
PW_A2='alice password 2'
PW_B='bobs password 22'

# --- public pages --------------------------------------------------------------------
as alice
it_check "GET / is the home page" 200 "$(req GET /)"
it_contains "which offers registration" 'href="/register"' "$(body)"
it_check "GET /healthz says ok through Apache and the broker" "200 ok" "$(req GET /healthz) $(body)"
it_check "a private page sends a visitor to /login" "303 /login" "$(req GET /notes) $(header Location)"

# --- register --------------------------------------------------------------------------
csrf_of /register
it_check "GET /register has a CSRF field" 43 "${#CSRF}"
it_contains "and sets the session cookie Secure" "Secure" "$(grep -i '^Set-Cookie: __Host-moat=' "$H")"
it_check "curl's jar keeps the __Host- cookie over HTTPS" 1 "$(grep -c '__Host-moat' "$JAR")"
it_check "a POST from another site is refused" 403 \
	"$(post /register -H 'Origin: https://evil.example' --data-urlencode username=alice \
		--data-urlencode "password=$PW_A" --data-urlencode "password2=$PW_A")"
anon=$(jar_token "$JAR")
it_check "POST /register: 303 to /notes" "303 /notes" \
	"$(post /register --data-urlencode username=alice --data-urlencode "password=$PW_A" \
		--data-urlencode "password2=$PW_A") $(header Location)"
it_check "signing in gave the jar a new session token" yes \
	"$(t=$(jar_token "$JAR"); [ -n "$t" ] && [ "$t" != "$anon" ] && echo yes)"
it_check "the jar signs in" 200 "$(req GET /notes)"
it_contains "the signed-in page has the log-out form" 'action="/logout"' "$(body)"
it_contains "HSTS is sent: the app saw HTTPS=on" "max-age=" "$(header Strict-Transport-Security)"
CSRF=$(csrf_in_body)

# --- notes ------------------------------------------------------------------------------
it_check "POST /notes: 303 to the new note" 303 \
	"$(post /notes --data-urlencode 'title=Apache <note>' --data-urlencode 'body=first text')"
N1=$(note_id)
it_check "at /notes/{id}" yes "$([ -n "$N1" ] && echo yes)"
it_check "GET /notes/{id} shows it" 200 "$(req GET "/notes/$N1")"
it_contains "its title, escaped" '<h1 id="title">Apache &lt;note&gt;</h1>' "$(body)"
it_contains "its body" '<pre id="body">first text</pre>' "$(body)"
it_check "POST /notes/{id}/edit: 303 back" "303 /notes/$N1" \
	"$(post "/notes/$N1/edit" --data-urlencode 'title=Travel plans' \
		--data-urlencode 'body=take the Quokka ferry at nine') $(header Location)"
req GET "/notes/$N1" >/dev/null
it_contains "the edit shows" '<h1 id="title">Travel plans</h1>' "$(body)"
it_contains "with the new body" '<pre id="body">take the Quokka ferry at nine</pre>' "$(body)"

# --- files ----------------------------------------------------------------------------------
head -c 5000 /dev/urandom > "$IT_DIR/ticket.bin"
it_check "POST /notes/{id}/files: 303 back to the note" "303 /notes/$N1" \
	"$(upload "/notes/$N1/files" -F "file=@$IT_DIR/ticket.bin;filename=ticket.pdf") $(header Location)"
req GET "/notes/$N1" >/dev/null
F1=$(sed -n 's|.*<a href="/files/\([0-9][0-9]*\)">ticket.pdf</a>.*|\1|p' "$B" | head -n 1)
it_check "the note lists the file with its size" "yes" \
	"$([ -n "$F1" ] && grep -qF 'ticket.pdf</a> (5000 bytes)' "$B" && echo yes)"
it_check "GET /files/{id} downloads it" 200 "$(req GET "/files/$F1")"
it_check "as an attachment" "attachment; filename=\"ticket.pdf\"" \
	"$(header Content-Disposition | sed 's/; filename\*=.*//')"
it_check "never as a page of this site" "application/octet-stream|nosniff" \
	"$(header Content-Type)|$(header X-Content-Type-Options)"
it_check "the same bytes come back through Apache" yes "$(cmp -s "$IT_DIR/ticket.bin" "$B" && echo yes)"

# --- search ---------------------------------------------------------------------------------
it_check "GET /search finds a word of the (sealed) body" 200 "$(req GET /search -G --data-urlencode q=quokka)"
it_contains "and says what it searched for" '<h2 id="results">Results for quokka</h2>' "$(body)"
it_contains "linking the note" "<a href=\"/notes/$N1\">Travel plans</a>" "$(body)"

# --- guestbook ------------------------------------------------------------------------------
csrf_of /guestbook
it_check "POST /guestbook: 303 back" "303 /guestbook" \
	"$(post /guestbook --data-urlencode 'message=hello from <apache>') $(header Location)"
it_check "GET /guestbook" 200 "$(req GET /guestbook)"
it_contains "shows the message, escaped, with its author" \
	'<b>alice</b>' "$(body)"
it_contains "escaped" '<pre>hello from &lt;apache&gt;</pre>' "$(body)"

# --- account ------------------------------------------------------------------------------------
cp "$JAR" "$IT_DIR/jar.old"
before=$(jar_token "$JAR")
csrf_of /account
it_check "POST /account/password changes it" 200 \
	"$(post /account/password --data-urlencode "old=$PW_A" --data-urlencode "new=$PW_A2")"
it_contains "and says so" "Your password has been changed." "$(body)"
it_check "the jar holds a new session token" yes \
	"$(t=$(jar_token "$JAR"); [ -n "$t" ] && [ "$t" != "$before" ] && echo yes)"
it_check "which works" 200 "$(req GET /notes)"
CSRF=$(csrf_in_body)
it_check "the session from before the change is over" "303 /login" \
	"$(JAR=$IT_DIR/jar.old req GET /notes) $(header Location)"

# --- log out --------------------------------------------------------------------------------------
it_check "POST /logout: 303 to /" "303 /" "$(post /logout) $(header Location)"
it_check "the jar no longer holds the cookie" "" "$(jar_token "$JAR")"
it_check "the note then sends to /login" "303 /login" "$(req GET "/notes/$N1") $(header Location)"
csrf_of /login
it_check "the new password logs in" "303 /notes" \
	"$(post /login --data-urlencode username=alice --data-urlencode "password=$PW_A2") $(header Location)"

# --- a second user ----------------------------------------------------------------------------------
as bob
csrf_of /register
it_check "bob registers" "303 /notes" \
	"$(post /register --data-urlencode username=bob --data-urlencode "password=$PW_B" \
		--data-urlencode "password2=$PW_B") $(header Location)"
it_check "bob cannot read alice's note: 404" 404 "$(req GET "/notes/$N1")"
it_check "bob cannot download alice's file: 404" 404 "$(req GET "/files/$F1")"
csrf_of /notes
it_check "bob cannot edit alice's note: 404" 404 \
	"$(post "/notes/$N1/edit" --data-urlencode title=pwned --data-urlencode body=pwned)"
req GET /search -G --data-urlencode q=quokka >/dev/null
it_contains "bob's search does not find it" "0 found." "$(body)"
it_check "alice's note is untouched" "Travel plans" "$(psql_it -c "SELECT title FROM notes WHERE id = $N1")"
it_check "the guestbook is for everyone" 200 "$(req GET /guestbook)"
it_contains "bob reads alice's message" '<pre>hello from &lt;apache&gt;</pre>' "$(body)"

as alice
it_check "alice still reads her note" 200 "$(req GET "/notes/$N1")"
it_check "GET /healthz at the end" "200 ok" "$(req GET /healthz) $(body)"
logs=$(cat "$IT_DIR/moat.log" "$IT_DIR/app.stderr" 2>/dev/null)
it_check "no sanitizer report in the app's log" 0 \
	"$(printf '%s' "$logs" | grep -c -e 'AddressSanitizer' -e 'runtime error:' -e 'LeakSanitizer')"

it_finish
