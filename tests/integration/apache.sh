#!/usr/bin/env bash
# apache.sh - the web app behind a private Apache that runs the shipped
# site file deploy/apache/moat.conf (mod_proxy_fcgi to the app's unix
# socket, TLS with a throwaway certificate, the HTTP->HTTPS redirect),
# with a real PostgreSQL behind the broker.  Only the settings block of
# the site file is replaced (MOAT_TEST); every other directive is the one
# a server would run (tests/integration/lib-apache.sh sets it up).

. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/integration/lib-apache.sh"
ap_find
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

it_db_setup apache
IT_APP="$MOAT_BUILDDIR/tests/integration/web-app"
IT_WORKERS=3
IT_TIMEOUT=10
IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/web.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets
templates = $MOAT_SRCDIR/tests/integration/templates
hsts_max_age = 600
hash_threads = 1"

# The app's max_multipart_bytes in lib.sh's config; Apache's cap matches.
MAX_BODY=65536
AP_MAX_BODY=$MAX_BODY
ap_setup
BASE=$AP_BASE
HTTP_PORT=$AP_HTTP_PORT
HTTPS_PORT=$AP_HTTPS_PORT

H=$IT_DIR/headers
B=$IT_DIR/body
JAR=$IT_DIR/jar
# req METHOD PATH [curl args...]: the status; headers in $H, body in $B.
# The certificate is the test's own, hence -k.
req() {
	local m=$1 p=$2
	shift 2
	curl -sSk --noproxy '*' --max-time 30 -X "$m" -D "$H" -o "$B" -w '%{http_code}' "$@" "$BASE$p"
}
body() { cat "$B"; }
header() { sed -n "s/^$1: //Ip" "$H" | tr -d '\r' | head -n 1; }
csrf_of_jar() {
	req GET /form -b "$JAR" -c "$JAR" >/dev/null
	body | sed -n 's/^csrf=//p'
}

# --- plain HTTP ------------------------------------------------------------------
code=$(curl -sS --noproxy '*' --max-time 10 -D "$H" -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:$HTTP_PORT/greet?name=a%20b&x=1")
it_check "plain HTTP is redirected permanently" 301 "$code"
it_check "to the same path and query on HTTPS" "$BASE/greet?name=a%20b&x=1" "$(header Location)"

# --- GET, HEAD, query strings, escapes ----------------------------------------------
it_check "a GET reaches the app" "200 no session here" "$(req GET /plain) $(body)"
it_check "Apache names no version" "Apache" "$(header Server)"
it_check "HEAD answers the GET route, without a body" "200 0" \
	"$(curl -sSk --noproxy '*' --max-time 10 -I -D "$H" -o /dev/null -w '%{http_code} %{size_download}' "$BASE/plain")"
it_check "HEAD has the GET's headers" "text/plain; charset=utf-8" "$(header Content-Type)"
req GET '/greet?name=%3Cb%3Ehi%26there%3C%2Fb%3E&site=https%3A%2F%2Fexample.com%2F' >/dev/null
it_contains "the query string reaches the app, decoded and escaped" \
	'<p id="name">&lt;b&gt;hi&amp;there&lt;/b&gt;</p>' "$(body)"
it_contains "a second query parameter too" 'href="https://example.com/"' "$(body)"
req GET '/greet?name=a+b' >/dev/null
it_contains "+ in a query is a space" '<p id="name">a b</p>' "$(body)"
it_check "a percent-escaped path is routed after decoding" "200 no session here" "$(req GET /pl%61in) $(body)"
it_check "an escaped slash reaches the app, which has no such route" 404 "$(req GET /plain%2Fx)"
it_check "a bad escape is refused" 400 "$(req GET /pl%zzain)"
it_check "a dot segment is refused" 400 "$(req GET /a/%2e%2e/plain --path-as-is)"

# --- the app's own errors pass through ----------------------------------------------
it_check "an unknown path is the app's 404" 404 "$(req GET /no/such/page)"
it_contains "with the app's page" "There is nothing at this address." "$(body)"
it_contains "and an incident id" "ncident" "$(body)"
it_check "a wrong method is the app's 405" 405 "$(req GET /act)"
it_check "with Allow" POST "$(header Allow)"

# --- security headers, set by the app and kept by Apache ----------------------------
req GET /plain >/dev/null
it_check "Content-Security-Policy" "default-src 'self'; frame-ancestors 'none'" "$(header Content-Security-Policy)"
it_check "X-Content-Type-Options" nosniff "$(header X-Content-Type-Options)"
it_check "Referrer-Policy" same-origin "$(header Referrer-Policy)"
it_check "X-Frame-Options" DENY "$(header X-Frame-Options)"
# Only sent over HTTPS: proves that HTTPS=on reached the app.
it_contains "Strict-Transport-Security (the app saw HTTPS=on)" "max-age=600" "$(header Strict-Transport-Security)"

# --- session cookie and CSRF, with a real cookie jar ---------------------------------
rm -f "$JAR"
req GET /form -c "$JAR" >/dev/null
TOKEN=$(body | sed -n 's/^csrf=//p')
it_contains "the session cookie is set Secure over HTTPS" "__Host-moat=" "$(grep -i '^Set-Cookie:' "$H")"
it_check "curl's jar keeps the __Host- cookie" 1 "$(grep -c '__Host-moat' "$JAR")"
it_check "the CSRF token is 43 characters" 43 "${#TOKEN}"
it_check "a form POST registers and signs in" "200 ok" \
	"$(req POST /register -b "$JAR" -c "$JAR" --data "username=apache_user&password=long+enough+pw&csrf_token=$TOKEN") $(body)"
UID_=$(psql_it -c "SELECT id FROM moat_users WHERE username = 'apache_user'")
it_check "the cookie round trip keeps the session" "user $UID_ admin 0" "$(req GET /me -b "$JAR" >/dev/null; body)"
TOKEN=$(csrf_of_jar)
it_check "a POST with the session's CSRF token runs" "200 done" "$(req POST /act -b "$JAR" --data "csrf_token=$TOKEN") $(body)"
it_check "a POST without it is refused" 403 "$(req POST /act -b "$JAR" --data 'x=1')"
it_check "our own origin passes the Origin check" 200 \
	"$(req POST /act -b "$JAR" -H "Origin: $BASE" -H 'Sec-Fetch-Site: same-origin' --data "csrf_token=$TOKEN")"
it_check "the http:// origin is another origin" 403 \
	"$(req POST /act -b "$JAR" -H "Origin: http://127.0.0.1:$HTTPS_PORT" --data "csrf_token=$TOKEN")"
it_check "another site's origin is refused" 403 \
	"$(req POST /act -b "$JAR" -H 'Origin: https://evil.example' --data "csrf_token=$TOKEN")"
it_check "log-out ends the session" "200 ok" "$(req POST /logout -b "$JAR" -c "$JAR" --data "csrf_token=$TOKEN") $(body)"
it_check "and the jar no longer signs in" "user 0 admin 0" "$(req GET /me -b "$JAR" >/dev/null; body)"

# --- body limits -------------------------------------------------------------------------
big=$IT_DIR/big
head -c 5000 /dev/zero | tr '\0' 'a' | sed 's/^/x=/' > "$big"
it_check "a form body over the app's max_body_bytes is the app's 413" 413 "$(req POST /hook --data-binary "@$big")"
it_contains "with the app's page" "ncident" "$(body)"
head -c $((MAX_BODY + 1000)) /dev/zero | tr '\0' 'a' > "$big"
it_check "a body over the app's max_multipart_bytes is Apache's 413" 413 \
	"$(req POST /hook -H 'Content-Type: multipart/form-data; boundary=x' --data-binary "@$big")"
it_check "Apache's 413 is not the app's page" "" "$(grep -o 'ncident' "$B")"
it_check "the app never saw it" 1 "$(grep -c '413 for POST' "$IT_DIR/moat.log")"
# A chunked body has no declared length to check, and the app reads no
# body without one: Apache asks for the length.
it_check "a chunked body gets 411" 411 \
	"$(req POST /hook -H 'Transfer-Encoding: chunked' --data-binary 'x=1')"
head -c $((MAX_BODY - 2000)) /dev/zero | tr '\0' 'a' > "$IT_DIR/part"
it_check "a multipart body under the cap reaches the app" "403 sign in first" \
	"$(req POST /hook -F "x=<$IT_DIR/part") $(body)"

# --- keep-alive to the app -------------------------------------------------------------------
seq 1 60 | xargs -P 6 -I{} curl -sk --noproxy '*' -o /dev/null -w '%{http_code}\n' \
	"$BASE/plain?n={}" > "$IT_DIR/codes"
it_check "60 requests from 6 clients all succeed" "60" "$(grep -c '^200$' "$IT_DIR/codes")"
if command -v ss >/dev/null; then
	kept=$(ss -xn state connected 2>/dev/null | grep -cF "$IT_DIR/moat.sock")
	it_check "Apache keeps FastCGI connections open (enablereuse)" yes "$([ "$kept" -ge 1 ] && echo yes)"
fi

# --- the static page when the app is down ------------------------------------------------
it_stop_app
it_check "with the app stopped, Apache answers 503" 503 "$(req GET /plain)"
it_contains "with the static page" "The application is not answering right now." "$(body)"
it_check "which is not cached" no-store "$(header Cache-Control)"
it_check "and is HTML" "text/html; charset=utf-8" "$(header Content-Type)"
it_start_app || exit 1
it_check "once the app is back, the next request succeeds (retry=0)" 200 "$(req GET /plain)"

it_finish
