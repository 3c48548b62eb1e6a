#!/usr/bin/env bash
# http.sh - the request core end to end: curl -> nginx -> Moat worker.
#
# Checks routing, parsing limits, error pages and header safety through a
# real nginx with keep-alive on, against the hello app and the test app.

. "$MOAT_SRCDIR/tests/integration/lib.sh"

IT_APP="$MOAT_BUILDDIR/tests/integration/test-app"
IT_CONF_EXTRA="max_header_bytes = 1024
max_params = 20"
it_setup

# --- routing ---------------------------------------------------------------
it_check "GET / answers" "test app" "$(it_curl /)"
it_check "unknown path is 404" 404 "$(it_status /nope)"
body=$(it_curl /nope)
it_contains "404 page is generic" "There is nothing at this address." "$body"
it_contains "404 page has an incident id" "Incident: <code>" "$body"
it_check "typed segment rejects text" 404 "$(it_status /sleep/abc)"
it_check "typed segment rejects int64 overflow" 404 "$(it_status /sleep/99999999999999999999)"
it_check "wrong method is 405" 405 "$(it_status /pid -X DELETE)"
allow=$(curl -s -D - -o /dev/null -X DELETE "$IT_BASE/pid" | tr -d '\r' | sed -n 's/^Allow: //p')
it_check "405 carries Allow" "GET, HEAD" "$allow"
allow=$(curl -s -D - -o /dev/null -X GET "$IT_BASE/form" | tr -d '\r' | sed -n 's/^Allow: //p')
it_check "Allow lists every method of the path" "POST, PUT" "$allow"
head=$(curl -s -I "$IT_BASE/" | tr -d '\r')
it_contains "HEAD answers 200" "HTTP/1.1 200" "$head"
it_contains "HEAD keeps the GET Content-Length" "Content-Length: 9" "$head"
it_check "HEAD sends no body" 0 "$(curl -s --head "$IT_BASE/" -o /dev/null -w '%{size_download}')"
it_check "dot segments are refused" 400 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$IT_BASE/a/../pid")"
it_check "encoded dot segment is refused" 400 "$(it_status /%2e%2e/pid)"
it_check "NUL in path is refused" 400 "$(it_status /pid%00)"

# --- query, form and multipart ----------------------------------------------
it_check "urlencoded form, duplicates in order" "$(printf 'a=1\na=two words\nb=x')" \
	"$(it_curl /form -d 'a=1&a=two+words&b=x')"
it_check "bad percent escape is 400" 400 "$(it_status /form -d 'a=%4')"
it_check "non-hex escape is 400" 400 "$(it_status /form -d 'a=%zz')"
it_check "NUL byte in a field is 400" 400 "$(it_status /form -d 'a=x%00y')"
it_check "invalid UTF-8 in a field is 400" 400 "$(it_status /form -d 'a=%C0%AF')"
it_check "bad escape in the query is 400" 400 "$(it_status '/pid?q=%')"
params=$(printf 'p%d=1&' $(seq 1 30))
it_check "too many parameters is 413" 413 "$(it_status /form -d "$params")"
it_check "body over max_body_bytes is 413" 413 \
	"$(head -c 5000 /dev/zero | tr '\0' 'a' | sed 's/^/a=/' | it_status /form --data-binary @-)"
it_check "body at max_body_bytes is fine" 200 \
	"$(head -c 4094 /dev/zero | tr '\0' 'a' | sed 's/^/a=/' | it_status /form --data-binary @-)"
it_check "multipart field and file" "$(printf 'a=v\nfile=hello.txt size=6')" \
	"$(printf 'hello\n' | it_curl /form -F a=v -F 'file=@-;filename=hello.txt')"
it_check "multipart file over max_file_bytes is 413" 413 \
	"$(head -c 20000 /dev/zero | it_status /form -F 'file=@-;filename=z.bin')"
it_check "multipart over max_multipart_bytes is 413" 413 \
	"$(head -c 70000 /dev/zero | it_status /form -F 'file=@-;filename=z.bin')"
it_check "multipart without boundary is 400" 400 \
	"$(it_status /form -H 'Content-Type: multipart/form-data' -d 'x')"
it_check "truncated multipart is 400" 400 \
	"$(printf -- '--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\nv' |
	   it_status /form -H 'Content-Type: multipart/form-data; boundary=XX' --data-binary @-)"
it_check "a 413 leaves the kept connection usable" "test app" "$(it_curl /)"

# --- headers and cookies -----------------------------------------------------
it_check "header by name" "probe/1.0" "$(it_curl /header/User-Agent -A probe/1.0)"
it_check "cookie by name" "v2" "$(it_curl /cookie/b -H 'Cookie: a=v1; b=v2')"
it_check "first duplicate cookie wins" "first" "$(it_curl /cookie/a -H 'Cookie: a=first; a=second')"
it_check "malformed cookie is 400" 400 "$(it_status /cookie/a -H 'Cookie: a=b"c')"
it_check "header over max_header_bytes is 431" 431 \
	"$(it_status / -H "X-Big: $(head -c 2000 /dev/zero | tr '\0' 'x')")"

# --- responses -----------------------------------------------------------------
hdrs=$(curl -s -D - -o /dev/null "$IT_BASE/inject" | tr -d '\r')
it_contains "header injection gives 500" "HTTP/1.1 500" "$hdrs"
case "$hdrs" in *evil*) it_fail "no injected header reaches the client" "$hdrs" ;;
*) it_pass "no injected header reaches the client" ;; esac
it_contains "text responses carry a charset" "Content-Type: text/plain; charset=utf-8" \
	"$(curl -s -D - -o /dev/null "$IT_BASE/" | tr -d '\r')"
hdrs=$(curl -s -D - -o /dev/null "$IT_BASE/" | tr -d '\r')
it_contains "responses carry nosniff" "X-Content-Type-Options: nosniff" "$hdrs"
it_contains "responses carry a CSP" "Content-Security-Policy: default-src 'self'; frame-ancestors 'none'" "$hdrs"
it_contains "responses carry a Referrer-Policy" "Referrer-Policy: same-origin" "$hdrs"
it_contains "responses forbid framing" "X-Frame-Options: DENY" "$hdrs"
case "$hdrs" in *Strict-Transport-Security*) it_fail "no HSTS over plain HTTP" ;; *) it_pass "no HSTS over plain HTTP" ;; esac
case "$hdrs" in *"Server: nginx/"*) it_fail "no version banner" "$hdrs" ;; *) it_pass "no version banner" ;; esac
it_check "a Host outside allowed_hosts is 400" 400 "$(it_status / -H 'Host: evil.example')"
it_check "an allowed Host with its port is served" 200 "$(it_status / -H "Host: localhost:$IT_PORT")"
it_check "large buffered body arrives whole" 102400 "$(it_curl /big | wc -c | tr -d ' ')"

# --- failures become generic pages with an incident id ------------------------
page=$(it_curl /fail)
it_contains "failed handler gives a generic 500" "Something went wrong on our side" "$page"
case "$page" in *"must not be seen"*) it_fail "half-built response is discarded" ;;
*) it_pass "half-built response is discarded" ;; esac
id=$(printf '%s' "$page" | sed -n 's/.*<code>\([0-9A-Z]*\)<\/code>.*/\1/p')
sleep 0.3
it_contains "log line carries the same incident id" "incident $id: handler for GET /fail failed" \
	"$(cat "$IT_DIR/moat.log")"

it_finish
