#!/usr/bin/env bash
# notes-browser.sh - stored and reflected XSS in Moat Notes, looked at in
# headless Chromium (tests/browser/xss-check.mjs).  One user stores every
# payload of tests/browser/payloads.txt as a note's title and body, as the
# name of a file attached to that note, and as a guestbook message; then
# the browser, carrying that user's session, visits /notes, each note,
# /guestbook, and /search with each payload as the query.  No page may run
# or carry injected script, and every payload must show as text.
#
# notes.sh checks the escaped HTML of a few payloads with curl; this one
# checks what a browser makes of all of them.  browser.sh holds the
# positive control that shows these detectors catch every payload.

. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/browser/lib-browser.sh"
browser_setup
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

it_find_nginx || { echo "SKIP: nginx not installed"; exit 77; }
it_db_setup notesxss
it_notes_migrate >/dev/null || { echo "FAIL: deploy/moat-migrate"; exit 1; }

it_notes_app
IT_WORKERS=2
IT_TIMEOUT=10
it_setup

# --- helpers -----------------------------------------------------------------------
H=$IT_DIR/headers
# req PATH [curl args...]: the status, as the browser's agent and with
# the session in TOK (when there is one); headers in $H, body in $B.
B=$IT_DIR/body
req() {
	local p=$1
	shift
	curl -sS --max-time 30 -A "$BROWSER_UA" -D "$H" -o "$B" -w '%{http_code}' \
		${TOK:+-H "Cookie: __Host-moat=$TOK"} "$@" "$IT_BASE$p"
}
token() { sed -n 's/^Set-Cookie: __Host-moat=\([^;]*\);.*/\1/Ip' "$H" | tr -d '\r' | tail -n 1; }
csrf() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' "$B" | head -n 1; }
post() { local p=$1; shift; req "$p" --data-urlencode "csrf_token=$CSRF" "$@"; }

# upload NOTE NAME: attach a small file that the browser would send as
# NAME.  Built by hand: curl -F gives ';' and '"' in a name meanings of
# its own.  The name is a quoted-string, so '\' and '"' are escaped.
upload() {
	local q=${2//\\/\\\\} bnd=moat-xss-boundary-7d1e
	q=${q//\"/\\\"}
	{
		printf -- '--%s\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n%s\r\n' "$bnd" "$CSRF"
		printf -- '--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n' "$bnd" "$q"
		printf 'Content-Type: text/plain\r\n\r\nattached\r\n--%s--\r\n' "$bnd"
	} > "$IT_DIR/upload"
	req "/notes/$1/files" -H "Content-Type: multipart/form-data; boundary=$bnd" \
		--data-binary "@$IT_DIR/upload"
}

# The name the app keeps (app/notes/files.c): what follows the last '/'
# or '\', control bytes made '_'.  The payloads are short and not empty
# there, so neither the length cap nor the "file" fallback comes in.
stored_name() {
	local n=${1##*/}
	n=${n##*\\}
	printf '%s' "${n//[[:cntrl:]]/_}"
}

json() {
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\t'/\\t}
	printf '"%s"' "$s"
}
# The percent-encoding xss-check.mjs gives a --template (encodeURIComponent).
urlenc() {
	local s=$1 out='' c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9_.!~*\'\(\)-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

# --- a user, signed in as the browser will present itself --------------------------
TOK=
req /register >/dev/null
TOK=$(token) CSRF=$(csrf)
PW='xss checker password'
post /register --data-urlencode username=xss --data-urlencode "password=$PW" \
	--data-urlencode "password2=$PW" >/dev/null
TOK=$(token)
req /notes >/dev/null
CSRF=$(csrf)
it_check "a user is signed in for the browser" "yes 43" "$([ -n "$TOK" ] && echo yes) ${#CSRF}"

# --- every payload, stored four ways -----------------------------------------------------
PAGES=$IT_DIR/pages.json
# The browser's own check that it carries the session: /account names the user.
printf '[{"url": "/account", "text": "Signed in as xss", "label": "the session cookie reaches the app"}' > "$PAGES"
shown=() n=0 bad=''
while IFS= read -r p; do
	case $p in '#'*) continue ;; esac
	[ -n "${p//[[:space:]]/}" ] || continue
	n=$((n + 1))
	code=$(post /notes --data-urlencode "title=$p" --data-urlencode "body=body $n: $p")
	id=$(sed -n 's|^Location: /notes/\([0-9]*\)\r*$|\1|Ip' "$H")
	if [ "$code" != 303 ] || [ -z "$id" ]; then
		bad+=" note $n ($code)"
		continue
	fi
	code=$(upload "$id" "$p")
	[ "$code" = 303 ] || bad+=" file $n ($code)"
	code=$(post /guestbook --data-urlencode "message=$p")
	[ "$code" = 303 ] || bad+=" message $n ($code)"
	shown+=("$(json "$p")")
	printf ',\n{"url": "/notes/%s", "text": [%s, %s, %s], "label": %s}' "$id" \
		"$(json "$p")" "$(json "body $n: $p")" "$(json "$(stored_name "$p")")" \
		"$(json "note $n: title, body and file name")" >> "$PAGES"
	printf ',\n{"url": "/search?q=%s", "text": %s, "label": %s}' \
		"$(urlenc "$p")" "$(json "Results for $p")" \
		"$(json "search $n: the query")" >> "$PAGES"
done < "$MOAT_SRCDIR/tests/browser/payloads.txt"
it_check "every payload is stored as a note, a file name and a message" "" "$bad"
it_check "all $n of them" "$n $n $n" \
	"$(psql_it -c "SELECT (SELECT count(*) FROM notes) || ' ' || (SELECT count(*) FROM attachments) || ' ' || (SELECT count(*) FROM guestbook)")"
printf ',\n{"url": "/notes", "text": [%s], "label": "the list of notes: every title"}' \
	"$(IFS=,; printf '%s' "${shown[*]}")" >> "$PAGES"
printf ',\n{"url": "/guestbook", "text": [%s], "label": "the guestbook: every message"}\n]\n' \
	"$(IFS=,; printf '%s' "${shown[*]}")" >> "$PAGES"

browser_check "stored and reflected XSS in Moat Notes" "$IT_BASE" "__Host-moat=$TOK" --pages "$PAGES"
it_check "the browser looked at every page" "$((2 * n + 3))" "$(grep -c '^[A-Z]*: ' "$BROWSER_OUT")"

it_finish
