#!/usr/bin/env bash
# notes.sh - Moat Notes end to end: curl through nginx to the app, its
# broker and a real PostgreSQL whose schema deploy/moat-migrate applied.
# Every route's happy path; one user cannot reach another's notes or
# files; stored and reflected XSS comes back escaped; SQL injection
# changes and reveals nothing; sealed columns hold ciphertext, bound to
# their owner, and --reencrypt binds the rows of a release that did not.
#
# Cookies are carried by hand (the session cookie is __Host-, so Secure,
# and nginx here speaks plain HTTP), so every request states which
# session it uses.  Log-ins cost a scrypt hash each: sessions are reused.

. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

it_find_nginx || { echo "SKIP: nginx not installed"; exit 77; }
it_db_setup notes

# --- schema, roles, migrations -------------------------------------------------
# The cluster's admin is the owner here; in production it is a role of
# its own (sql/README.md).  The broker's role gets only the grants.
out=$(it_notes_migrate 2>&1)
it_contains "moat-migrate applies the first migration" "applying 0001_notes" "$out"
nmig=$(ls "$MOAT_SRCDIR"/sql/migrations/*.sql | wc -l)
out=$(it_notes_migrate 2>&1)
it_check "a second run applies nothing" "0|moat-migrate: up to date ($nmig migrations known)" \
	"$(printf '%s' "$out" | grep -c applying)|$out"
it_check "each migration is recorded once" "$nmig" "$(psql_it -c 'SELECT count(*) FROM moat_migrations')"
it_check "the broker's role: login, no superuser, no DDL" "t|f|f|f" \
	"$(psql_it -c "SELECT rolcanlogin, rolsuper, rolcreatedb OR rolcreaterole, has_schema_privilege('$ROLE', 'public', 'CREATE') FROM pg_roles WHERE rolname = '$ROLE'")"
it_check "the broker's role has only the grants the catalogue needs" "t|t|f|f|f|f" \
	"$(psql_it -c "SELECT has_table_privilege('$ROLE', 'notes', 'SELECT, INSERT, DELETE'),
		has_table_privilege('$ROLE', 'guestbook', 'INSERT'),
		has_table_privilege('$ROLE', 'guestbook', 'UPDATE, DELETE, TRUNCATE'),
		has_table_privilege('$ROLE', 'attachments', 'UPDATE, DELETE'),
		has_column_privilege('$ROLE', 'notes', 'owner', 'UPDATE'),
		has_table_privilege('$ROLE', 'moat_migrations', 'SELECT')")"

it_notes_app
IT_WORKERS=3
IT_TIMEOUT=10
it_setup

# --- helpers -----------------------------------------------------------------------
H=$IT_DIR/headers
B=$IT_DIR/body
SEEN=$IT_DIR/seen	# every page body, checked at the end for leaks
# req METHOD PATH [curl args...]: the status; headers in $H, body in $B.
req() {
	local m=$1 p=$2 code
	shift 2
	code=$(curl -sS --max-time 30 -X "$m" -D "$H" -o "$B" -w '%{http_code}' "$@" "$IT_BASE$p")
	cat "$B" >> "$SEEN"
	printf '%s' "$code"
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
csrf_in_body() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' "$B" | head -n 1; }
# get PATH [curl args]: as the session in TOK.
get() { local p=$1; shift; req GET "$p" -H "$(jar "$TOK")" "$@"; }
# post PATH [curl args]: as TOK, with its CSRF token; pass fields with
# --data-urlencode "name=value" (or -F for multipart).
post() { local p=$1; shift; req POST "$p" -H "$(jar "$TOK")" --data-urlencode "csrf_token=$CSRF" "$@"; }
upload() { local p=$1; shift; req POST "$p" -H "$(jar "$TOK")" -F "csrf_token=$CSRF" "$@"; }
# A fresh anonymous session from a form page: sets TOK and CSRF.
fresh() { req GET "${1:-/login}" "${@:2}" >/dev/null; TOK=$(set_token); CSRF=$(csrf_in_body); }
# After a response that signed in: take its token and a CSRF token for it.
signed_in() { TOK=$(set_token); get /notes >/dev/null; CSRF=$(csrf_in_body); }
# Switch to a saved session: as A (uses A_TOK and A_CSRF).
as() { eval "TOK=\$${1}_TOK CSRF=\$${1}_CSRF"; }
save() { eval "${1}_TOK=\$TOK ${1}_CSRF=\$CSRF"; }
# An error page without its incident id, to compare two of them.
generic() { sed 's/Incident [0-9A-Z]*/Incident X/' "$B"; }
counts() { psql_it -c "SELECT (SELECT count(*) FROM moat_users) || ' ' || (SELECT count(*) FROM notes) || ' ' || (SELECT count(*) FROM attachments) || ' ' || (SELECT count(*) FROM guestbook)"; }
PW_A='alice password 1'
PW_B='bobs password 22'
PW_C='carols password 3'

# Payloads.  Each XSS one must come back exactly as its escaped form.
XSS_TITLE='<script>alert("title")</script>'
XSS_TITLE_ESC='&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;'
XSS_BODY="<img src=x onerror='alert(1)'>"
XSS_BODY_ESC='&lt;img src=x onerror=&#39;alert(1)&#39;&gt;'
XSS_GB='<svg onload=alert(document.cookie)>'
XSS_GB_ESC='&lt;svg onload=alert(document.cookie)&gt;'
XSS_Q='"><script>alert(9)</script>'
XSS_Q_ESC='&quot;&gt;&lt;script&gt;alert(9)&lt;/script&gt;'
SQLI_1="x'); DELETE FROM notes; --"
SQLI_2="' OR '1'='1"

# --- public pages --------------------------------------------------------------------
it_check "GET / is the home page" 200 "$(req GET /)"
it_contains "the home page offers log-in and registration" 'href="/register"' "$(body)"
it_check "the home page starts no session" "" "$(set_token)"
it_check "GET /healthz says ok through the broker" "200 ok" "$(req GET /healthz) $(body)"
it_check "a private page sends a visitor to /login" "303 /login" "$(req GET /notes) $(header Location)"
it_check "so does a private POST" "303 /login" "$(req POST /guestbook --data 'message=hi') $(header Location)"

# --- register, log in, log out ---------------------------------------------------------
fresh /register
it_check "GET /register shows the form with its CSRF field" "200 43" "$(req GET /register -H "$(jar "$TOK")") ${#CSRF}"
it_check "passwords that differ: the form again, 400" 400 \
	"$(post /register --data-urlencode "username=<b>x</b>" --data-urlencode "password=$PW_A" --data-urlencode 'password2=something else')"
it_contains "with a message" "The two passwords are not the same." "$(body)"
it_contains "and the typed name escaped (reflected XSS)" 'value="&lt;b&gt;x&lt;/b&gt;"' "$(body)"
it_check "POST /register: 303 to /notes" "303 /notes" \
	"$(post /register --data-urlencode username=alice --data-urlencode "password=$PW_A" --data-urlencode "password2=$PW_A") $(header Location)"
signed_in
save A
ALICE_ID=$(psql_it -c "SELECT id FROM moat_users WHERE username = 'alice'")
it_check "registration signed alice in" 200 "$(get /notes)"
it_contains "the signed-in page has the log-out form" 'action="/logout"' "$(body)"
it_check "a signed-in page is not cached" "no-store" "$(header Cache-Control)"
fresh /register
post /register --data-urlencode username=bob --data-urlencode "password=$PW_B" --data-urlencode "password2=$PW_B" >/dev/null
signed_in
save BOB
BOB_ID=$(psql_it -c "SELECT id FROM moat_users WHERE username = 'bob'")
fresh /register
it_check "a taken name: the form again" "400" \
	"$(post /register --data-urlencode username=ALICE --data-urlencode "password=$PW_B" --data-urlencode "password2=$PW_B")"
it_contains "saying it is taken" "That name is taken." "$(body)"
post /register --data-urlencode username=carol --data-urlencode "password=$PW_C" --data-urlencode "password2=$PW_C" >/dev/null
signed_in
C0=$TOK

out=$("$MOAT_SRCDIR/deploy/moat-admin" make-admin carol -- -d "$DB" 2>&1)
it_contains "moat-admin make-admin makes carol an admin" "carol (id" "$out"
it_check "which ends her sessions" "303" "$(TOK=$C0 get /notes)"
out=$("$MOAT_SRCDIR/deploy/moat-admin" make-admin "nobody'; DROP TABLE notes; --" -- -d "$DB" 2>&1)
it_check "moat-admin refuses a name that cannot be an account" "1" "$?"
out=$("$MOAT_SRCDIR/deploy/moat-admin" make-admin nobody -- -d "$DB" 2>&1)
it_contains "and a user that does not exist" "nobody: no such user" "$out"

fresh
it_check "GET /login shows the form" "200 43" "$(req GET /login -H "$(jar "$TOK")") ${#CSRF}"
it_check "POST /login: 303 to /notes" "303 /notes" \
	"$(post /login --data-urlencode username=carol --data-urlencode "password=$PW_C") $(header Location)"
signed_in
save C
fresh
it_check "a wrong password: the form again" 400 \
	"$(post /login --data-urlencode username=alice --data-urlencode 'password=not her password')"
it_contains "with one message for every failure" "Wrong user name or password." "$(body)"
post /login --data-urlencode username=alice --data-urlencode "password=$PW_A" >/dev/null
signed_in
A2=$TOK
it_check "POST /logout: 303 to /" "303 /" "$(post /logout) $(header Location)"
it_check "log-out clears the cookie" "-" "$(set_token)"
it_check "the session is over" "303" "$(TOK=$A2 get /notes)"
as A
it_check "alice's other session lives on" 200 "$(get /notes)"

# --- notes ------------------------------------------------------------------------------
as A
it_check "POST /notes needs the CSRF token" 403 \
	"$(req POST /notes -H "$(jar "$TOK")" --data-urlencode title=t --data-urlencode body=b)"
it_check "POST /notes without a title is refused by its fields" 400 \
	"$(post /notes --data-urlencode title= --data-urlencode body=b)"
it_contains "naming the field" "title" "$(body)"
it_check "POST /notes: 303 to the new note" 303 \
	"$(post /notes --data-urlencode "title=$XSS_TITLE" --data-urlencode "body=$XSS_BODY
second line")"
N1=$(header Location | sed -n 's|^/notes/\([0-9]*\)$|\1|p')
it_check "the new note's address" yes "$([ -n "$N1" ] && echo yes)"
it_check "GET /notes/{id} shows it" 200 "$(get "/notes/$N1")"
page=$(body)
it_contains "a stored XSS title comes back escaped" "<h1 id=\"title\">$XSS_TITLE_ESC</h1>" "$page"
it_contains "also in the edit form's value" "value=\"$XSS_TITLE_ESC\"" "$page"
it_contains "a stored XSS body comes back escaped" "<pre id=\"body\">$XSS_BODY_ESC" "$page"
it_contains "also in the edit form's textarea" ">$XSS_BODY_ESC" "$page"
it_check "and never raw" 0 "$(grep -cF -e "$XSS_TITLE" -e "$XSS_BODY" "$B")"
it_check "GET /notes lists it" 200 "$(get /notes)"
it_contains "escaped" "<a href=\"/notes/$N1\">$XSS_TITLE_ESC</a>" "$(body)"
it_check "POST /notes/{id}/edit: 303 back" "303 /notes/$N1" \
	"$(post "/notes/$N1/edit" --data-urlencode 'title=Shopping list' --data-urlencode 'body=milk, eggs and the secret Marmalade recipe') $(header Location)"
get "/notes/$N1" >/dev/null
it_contains "the edit shows" '<h1 id="title">Shopping list</h1>' "$(body)"
post /notes --data-urlencode "title=$SQLI_1" --data-urlencode "body=$SQLI_2" >/dev/null
N2=$(header Location | sed -n 's|^/notes/\([0-9]*\)$|\1|p')
it_check "an SQL injection title and body are stored literally" "$SQLI_1|$SQLI_2" \
	"$(get "/notes/$N2" >/dev/null; sed -n 's|.*<h1 id="title">\(.*\)</h1>.*|\1|p' "$B" | sed "s/&#39;/'/g")|$(sed -n 's|.*<pre id="body">\(.*\)</pre>.*|\1|p' "$B" | sed "s/&#39;/'/g")"
it_check "and the title is in the table as sent" "$SQLI_1" "$(psql_it -c "SELECT title FROM notes WHERE id = $N2")"
post /notes --data-urlencode 'title=To delete' --data-urlencode 'body=bye' >/dev/null
N3=$(header Location | sed -n 's|^/notes/\([0-9]*\)$|\1|p')
it_check "POST /notes/{id}/delete: 303 to /notes" "303 /notes" "$(post "/notes/$N3/delete") $(header Location)"
it_check "the deleted note is gone" 404 "$(get "/notes/$N3")"

# --- search -------------------------------------------------------------------------------
it_check "GET /search without q shows the form" 200 "$(get /search)"
it_check "GET /search finds a word of a (sealed) body, any case" 200 "$(get /search -G --data-urlencode q=MARMALADE)"
it_contains "the page says what it searched for" '<h2 id="results">Results for MARMALADE</h2>' "$(body)"
it_contains "and links the note" "<a href=\"/notes/$N1\">Shopping list</a>" "$(body)"
it_contains "titles are searched too" "1 found." "$(get /search -G --data-urlencode 'q=shopping' >/dev/null; body)"
get /search -G --data-urlencode "q=$XSS_Q" >/dev/null
it_contains "a reflected XSS search term comes back escaped" "Results for $XSS_Q_ESC</h2>" "$(body)"
it_contains "also in the search box" "value=\"$XSS_Q_ESC\"" "$(body)"
it_check "and never raw" 0 "$(grep -cF -e "$XSS_Q" "$B")"
get /search -G --data-urlencode "q=' OR 1=1 --" >/dev/null
it_contains "an SQL injection search term matches nothing" "0 found." "$(body)"

# --- files ----------------------------------------------------------------------------------
printf 'attached <b>bytes</b>\n' > "$IT_DIR/a.txt"
head -c 3000 /dev/urandom > "$IT_DIR/bin.dat"
it_check "POST /notes/{id}/files: 303 back to the note" "303 /notes/$N1" \
	"$(upload "/notes/$N1/files" -F "file=@$IT_DIR/a.txt;filename=\"<img src=x onerror=alert(7)>.txt\"") $(header Location)"
upload "/notes/$N1/files" -F "file=@$IT_DIR/bin.dat;filename=../../etc/résumé (1).pdf" >/dev/null
upload "/notes/$N1/files" -F "file=@$IT_DIR/a.txt;filename=\"x'); DELETE FROM attachments; --.txt\"" >/dev/null
get "/notes/$N1" >/dev/null
it_contains "a file name with XSS is listed escaped" '&lt;img src=x onerror=alert(7)&gt;.txt</a>' "$(body)"
it_check "and never raw" 0 "$(grep -cF '<img src=x onerror=alert(7)>' "$B")"
it_contains "a path in a file name is dropped" '>résumé (1).pdf</a>' "$(body)"
it_contains "an SQL injection file name is kept literally" ">x&#39;); DELETE FROM attachments; --.txt</a>" "$(body)"
F1=$(psql_it -c "SELECT min(id) FROM attachments WHERE note_id = $N1")
F2=$((F1 + 1))
it_check "GET /files/{id} downloads it" 200 "$(get "/files/$F1")"
it_check "byte for byte" "$(cat "$IT_DIR/a.txt")" "$(body)"
it_check "as an attachment, with an encoded name" \
	"attachment; filename=\"_img_src_x_onerror_alert_7__.txt\"; filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3Dalert%287%29%3E.txt" \
	"$(header Content-Disposition)"
it_check "never as a page of this site" "application/octet-stream|nosniff" \
	"$(header Content-Type)|$(header X-Content-Type-Options)"
get "/files/$F2" -o "$IT_DIR/bin.out" >/dev/null
it_check "binary content comes back intact" yes "$(cmp -s "$IT_DIR/bin.dat" "$B" && echo yes)"
it_check "a UTF-8 name is percent-encoded in filename*" \
	"attachment; filename=\"r__sum____1_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.pdf" \
	"$(header Content-Disposition)"

# --- encryption at rest --------------------------------------------------------------------------
it_check "note bodies are ciphertext in PostgreSQL" "t|t" \
	"$(psql_it -c "SELECT bool_and(body LIKE 'm1\$%'), bool_and(position('Marmalade' IN body) = 0) FROM notes")"
it_check "file names are ciphertext in PostgreSQL" "t|t" \
	"$(psql_it -c "SELECT bool_and(name LIKE 'm1\$%'), bool_and(position('img' IN name) = 0 AND position('sum' IN name) = 0) FROM attachments")"
it_check "stored files are named by the broker" 3 \
	"$(psql_it -c "SELECT count(*) FROM attachments WHERE stored ~ '^[0-9a-f]{32}\$'")"

# --- guestbook ------------------------------------------------------------------------------------
it_check "POST /guestbook: 303 back" "303 /guestbook" "$(post /guestbook --data-urlencode "message=$XSS_GB") $(header Location)"
post /guestbook --data-urlencode "message=$SQLI_1" >/dev/null
as BOB
it_check "another user reads GET /guestbook" 200 "$(get /guestbook)"
it_contains "a stored XSS message comes back escaped, with its author" "<b>alice</b>" "$(body)"
it_contains "escaped" "<pre>$XSS_GB_ESC</pre>" "$(body)"
it_check "and never raw" 0 "$(grep -cF "$XSS_GB" "$B")"
it_contains "an SQL injection message is stored literally" "<pre>x&#39;); DELETE FROM notes; --</pre>" "$(body)"

# --- access control: bob against alice's notes and files ------------------------------------------------
as BOB
before=$(counts)
stored_before=$(ls "$SECRETS_DIR/store" | wc -l)
get /notes/999999 >/dev/null
missing=$(generic)
it_check "bob cannot read alice's note: 404" 404 "$(get "/notes/$N1")"
it_check "the same page as for a note that does not exist" "$missing" "$(generic)"
it_check "bob cannot edit it: 404" 404 "$(post "/notes/$N1/edit" --data-urlencode title=pwned --data-urlencode body=pwned)"
it_check "the same page" "$missing" "$(generic)"
it_check "bob cannot delete it: 404" 404 "$(post "/notes/$N1/delete")"
it_check "bob cannot attach to it: 404" 404 "$(upload "/notes/$N1/files" -F "file=@$IT_DIR/a.txt")"
it_check "bob cannot download its file: 404" 404 "$(get "/files/$F1")"
it_check "the same page" "$missing" "$(generic)"
get /search -G --data-urlencode q=marmalade >/dev/null
it_contains "bob's search does not find alice's note" "0 found." "$(body)"
get /notes >/dev/null
it_check "bob's list does not show it" 0 "$(grep -c 'Shopping list' "$B")"
it_check "nothing changed in the database" "$before" "$(counts)"
it_check "alice's note is untouched" "Shopping list" "$(psql_it -c "SELECT title FROM notes WHERE id = $N1")"
it_check "the refused upload left no file in the store" "$stored_before" "$(ls "$SECRETS_DIR/store" | wc -l)"
it_check "non-numeric ids do not reach a handler" "404 404" \
	"$(get "/notes/$N1%20OR%201=1") $(get "/files/1'--")"

# --- sealed values bound to their owner ----------------------------------------------------------------
# Whoever can write the database can copy a sealed value into another
# row; bodies and file names are bound to their owner, so it does not
# open for the owner of that row.
wait_log() { it_wait_log "$@"; }
note_id() { header Location | sed -n 's|^/notes/\([0-9]*\)$|\1|p'; }
as BOB
post /notes --data-urlencode 'title=Bob note' --data-urlencode 'body=bobs own words' >/dev/null
NB=$(note_id)
it_check "bob reads his own sealed note" 200 "$(get "/notes/$NB")"
psql_it -c "UPDATE notes SET body = (SELECT body FROM notes WHERE id = $N1) WHERE id = $NB"
it_check "alice's sealed body copied into bob's note does not open for him" 500 "$(get "/notes/$NB")"
incident=$(sed -n 's|.*Incident: <code>\([0-9A-Z]*\)</code>.*|\1|p' "$B")
it_check "and none of alice's text" 0 "$(grep -c Marmalade "$B")"
wait_log "incident $incident:"
it_contains "he gets an error page whose incident is in the log" \
	"incident $incident: handler for GET /notes/{id:int} failed" "$(cat "$IT_DIR/moat.log")"
moved_log='statement note_get: column body: a sealed value (key id 1, bound to owner) does not open: does not authenticate'
wait_log "$moved_log"
it_contains "the broker logs the reason (MT001)" "$moved_log (tampered, moved or wrong key); the statement fails with MT001" "$(cat "$IT_DIR/moat.log")"
as A
it_check "alice's own note still opens" 200 "$(get "/notes/$N1")"
it_contains "with its body" "Marmalade recipe" "$(body)"

# --- upgrading to bound columns ---------------------------------------------------------------------------
# The release before bound nothing: its rows stop opening (strict), and
# --reencrypt with --adopt-unbound binds them to the row they are in.
reencrypt() { "$IT_APP" -c "$IT_DIR/moat.conf" "$@" 2>"$IT_DIR/reencrypt.err"; }
use_catalogue() { sed -i "s|^catalogue = .*|catalogue = $1|" "$IT_DIR/moat.conf"; }
sed 's/ bound owner$//' "$MOAT_SRCDIR/sql/notes.catalogue" > "$IT_DIR/unbound.catalogue"
use_catalogue "$IT_DIR/unbound.catalogue"
it_restart_app /healthz
as A
post /notes --data-urlencode 'title=Old note' --data-urlencode 'body=written before the upgrade' >/dev/null
NO=$(note_id)
upload "/notes/$NO/files" -F "file=@$IT_DIR/a.txt;filename=old-name.txt" >/dev/null
it_check "the previous release reads what it sealed" 200 "$(get "/notes/$NO")"
use_catalogue "$MOAT_SRCDIR/sql/notes.catalogue"
it_restart_app /healthz
it_check "after the upgrade, a value sealed unbound does not open" 500 "$(get "/notes/$NO")"
notes=$(psql_it -c 'SELECT count(*) FROM notes')
files=$(psql_it -c 'SELECT count(*) FROM attachments')
psql_it -c "GRANT UPDATE (name) ON attachments TO $ROLE"
out=$(reencrypt --reencrypt notes.body:owner,attachments.name:owner; echo "rc=$?")
it_contains "without --adopt-unbound, re-encrypt binds nothing" \
	"notes.body: 0 re-sealed, $((notes - 2)) already current, 2 failed" "$out"
it_contains "... nor file names" "attachments.name: 0 re-sealed, $((files - 1)) already current, 1 failed" "$out"
it_contains "... and says why" "notes.body: row id=$NO: sealed before the column was bound to its row" "$(cat "$IT_DIR/reencrypt.err")"
out=$(reencrypt --adopt-unbound --reencrypt notes.body:owner,attachments.name:owner; echo "rc=$?")
it_contains "--adopt-unbound re-seals the old body bound, not the moved one" \
	"notes.body: 1 re-sealed, $((notes - 2)) already current, 1 failed" "$out"
it_contains "... and the old file name" "attachments.name: 1 re-sealed, $((files - 1)) already current, 0 failed" "$out"
it_contains "the moved value is named by its row" "notes.body: row id=$NB: does not authenticate" "$(cat "$IT_DIR/reencrypt.err")"
it_contains "a failure makes the status 1" "rc=1" "$out"
psql_it -c "REVOKE UPDATE (name) ON attachments FROM $ROLE"
it_check "the old note opens after re-encrypt" 200 "$(get "/notes/$NO")"
it_contains "with its body" "written before the upgrade" "$(body)"
it_contains "and its file's name" ">old-name.txt</a>" "$(body)"
it_check "the moved value still does not open for bob" 500 "$(as BOB; get "/notes/$NB")"
out=$(reencrypt --adopt-unbound --reencrypt notes.body; echo "rc=$?")
it_contains "--adopt-unbound needs a binding column" "name the binding column" "$(cat "$IT_DIR/reencrypt.err")"
it_contains "... with status 2" "rc=2" "$out"

# --- account ----------------------------------------------------------------------------------------------
as A
it_check "GET /account" 200 "$(get /account)"
it_contains "shows who is signed in" '<b id="username">alice</b>' "$(body)"
it_check "a wrong current password: the form again" 400 \
	"$(post /account/password --data-urlencode 'old=wrong wrong' --data-urlencode 'new=alice password 2')"
it_contains "with a message" "The current password is not right." "$(body)"
fresh
post /login --data-urlencode username=alice --data-urlencode "password=$PW_A" >/dev/null
signed_in
A3=$TOK
as A
it_check "POST /account/password changes it" 200 \
	"$(post /account/password --data-urlencode "old=$PW_A" --data-urlencode 'new=alice password 2')"
it_contains "and says so" "Your password has been changed." "$(body)"
it_check "with a new session token" yes "$(t=$(set_token); [ -n "$t" ] && [ "$t" != "$A_TOK" ] && echo yes)"
TOK=$(set_token) CSRF=$(csrf_in_body)
save A
it_check "which works" 200 "$(get /notes)"
it_check "alice's other sessions ended" 303 "$(TOK=$A3 get /notes)"

# --- admin --------------------------------------------------------------------------------------------------
as BOB
it_check "a non-admin gets 403 on GET /admin/users" 403 "$(get /admin/users)"
it_check "and on POST /admin/users/{id}/lock" 403 "$(post "/admin/users/$ALICE_ID/lock")"
it_check "alice is not locked" f "$(psql_it -c "SELECT locked FROM moat_users WHERE id = $ALICE_ID")"
it_check "a visitor is sent to log in" "303 /login" "$(req GET /admin/users) $(header Location)"
as C
it_check "the admin lists the users" 200 "$(get /admin/users)"
it_contains "every one of them" "<td>$BOB_ID</td><td>bob</td>" "$(body)"
it_contains "the admin sees the Users link" 'href="/admin/users"' "$(body)"
it_check "the admin locks bob: 303 back" "303 /admin/users" "$(post "/admin/users/$BOB_ID/lock") $(header Location)"
it_check "bob is locked" t "$(psql_it -c "SELECT locked FROM moat_users WHERE id = $BOB_ID")"
it_check "and signed out" 303 "$(as BOB; get /notes)"
it_check "locking a user that does not exist: 404" 404 "$(post /admin/users/999999/lock)"
CAROL_ID=$(psql_it -c "SELECT id FROM moat_users WHERE username = 'carol'")
it_check "an admin cannot lock herself out" "400 f" \
	"$(post "/admin/users/$CAROL_ID/lock") $(psql_it -c "SELECT locked FROM moat_users WHERE id = $CAROL_ID")"
fresh
it_check "a locked account cannot log in" 400 \
	"$(post /login --data-urlencode username=bob --data-urlencode "password=$PW_B")"

# --- SQL injection in the remaining fields ------------------------------------------------------------------
before=$(counts)
fresh
for u in "$SQLI_2" "admin'--"; do
	it_check "log-in with name [$u] is refused" 400 \
		"$(post /login --data-urlencode "username=$u" --data-urlencode "password=$SQLI_2")"
	it_contains "like any wrong password" "Wrong user name or password." "$(body)"
done
it_check "registering the name [$SQLI_1] is refused" 400 \
	"$(post /register --data-urlencode "username=$SQLI_1" --data-urlencode "password=$PW_B" --data-urlencode "password2=$PW_B")"
as A
it_check "a password change with injected passwords is refused" 400 \
	"$(post /account/password --data-urlencode "old=$SQLI_2" --data-urlencode "new=$SQLI_1")"
it_check "the injections changed no row" "$before" "$(counts)"
it_check "and alice's password still works" 303 \
	"$(fresh; post /login --data-urlencode username=alice --data-urlencode 'password=alice password 2')"
# Without the CSRF tokens, whose random base64url can spell "pq_".
leaks=$(sed 's/name="csrf_token" value="[^"]*"//g' "$SEEN" |
	grep -ciE 'syntax error|SQLSTATE|ERROR: |pq_|relation "|column "')
it_check "no page ever showed an SQL error" 0 "$leaks"

# --- throttling ----------------------------------------------------------------------------------------------
# From a network of its own, so the failures above count for nothing here.
# Each failure past the free ones blocks the key twice as long as the
# last; on a loaded machine an attempt can outlast the first blocks, so
# allow enough attempts for a block to outlast an attempt.
fresh /login --interface 127.0.9.1
code=
for i in $(seq 1 20); do
	code=$(post /login --interface 127.0.9.1 --data-urlencode username=mallory --data-urlencode 'password=guess guess')
	[ "$code" = 429 ] && break
done
it_check "repeated failed log-ins get 429" 429 "$code"
it_check "with Retry-After" yes "$([ "$(header Retry-After)" -ge 1 ] 2>/dev/null && echo yes)"
it_contains "and a page that says how long to wait" "Too many failed attempts. Please wait" "$(body)"
it_contains "with the form to try again" 'action="/login"' "$(body)"

# --- health ---------------------------------------------------------------------------------------------------
# Take the broker's connections away: the check must say so.
psql_it -c "REVOKE CONNECT ON DATABASE $DB FROM PUBLIC" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '$ROLE'" >/dev/null
down=
for i in $(seq 1 100); do
	code=$(req GET /healthz)
	[ "$code" = 503 ] && { down=yes; break; }
	sleep 0.2
done
it_check "GET /healthz is 503 while the database is out of reach" yes "$down"
psql_it -c "GRANT CONNECT ON DATABASE $DB TO PUBLIC" >/dev/null
up=
for i in $(seq 1 100); do
	[ "$(req GET /healthz)" = 200 ] && { up=yes; break; }
	sleep 0.2
done
it_check "and 200 again once it is back" yes "$up"

# --- the log ----------------------------------------------------------------------------------------------------
logs=$(cat "$IT_DIR/moat.log" "$IT_DIR/app.stderr" 2>/dev/null)
leaks=0
for secret in "$PW_A" "$PW_B" "$PW_C" 'alice password 2' "$A_TOK" "$BOB_TOK" "$C_TOK" "$A_CSRF" Marmalade; do
	case "$logs" in *"$secret"*) leaks=$((leaks + 1)); it_log "in the log: $secret" ;; esac
done
it_check "no password, token or note text in the app's log" 0 "$leaks"
it_check "no sanitizer report in the app's log" 0 \
	"$(printf '%s' "$logs" | grep -c -e 'AddressSanitizer' -e 'runtime error:' -e 'LeakSanitizer')"

it_finish
