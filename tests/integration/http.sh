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

# --- declared fields ---------------------------------------------------------
it_check "declared fields reach the handler typed" \
	"$(printf 'name=ann\nage=42\nsize=m index=1\nsite=https://x.example/a\nextra=(dropped)')" \
	"$(it_curl '/fields?name=ann&age=42&size=m&site=https://x.example/a&extra=x')"
it_check "optional fields may be left out" "$(printf 'name=bo\nextra=(dropped)')" \
	"$(it_curl '/fields?name=bo&age=')"
it_check "a failing field is 400" 400 "$(it_status '/fields?name=ann&age=151')"
page=$(it_curl '/fields?name=ann&age=151')
it_contains "the 400 page names the field" "<p>field age: is out of range</p>" "$page"
it_contains "the 400 page keeps its incident id" "Incident: <code>" "$page"
case "$page" in *151*) it_fail "the 400 page does not echo the value" "$page" ;;
*) it_pass "the 400 page does not echo the value" ;; esac
id=$(printf '%s' "$page" | sed -n 's/.*<code>\([0-9A-Z]*\)<\/code>.*/\1/p')
it_check "a required field" 400 "$(it_status '/fields?age=1')"
it_contains "a missing field is named" "field name: is required" "$(it_curl '/fields?age=1')"
page=$(it_curl '/fields?name=ann&age=%3Cscript%3Ealert(1)%3C/script%3E')
it_contains "a script in a number is refused by name" "field age: is not a whole number" "$page"
case "$page" in *script*|*alert*) it_fail "a script value is never echoed" "$page" ;;
*) it_pass "a script value is never echoed" ;; esac
page=$(it_curl '/fields?name=%22%3E%3Csvg%20onload=alert(1)%3E%3Ca%20href=')
it_contains "an over-long value is refused by name" "field name: is too long" "$page"
case "$page" in *svg*|*onload*|*alert*) it_fail "a markup value is never echoed" "$page" ;;
*) it_pass "a markup value is never echoed" ;; esac
it_contains "javascript: is not a URL" "field site: is not an http or https URL" \
	"$(it_curl '/fields?name=a&site=javascript:alert(1)')"
it_contains "a declared field sent twice is refused" "field name: was sent more than once" \
	"$(it_curl '/fields?name=a&name=b')"
it_check "POST reads the form, drops the query and undeclared fields" \
	"$(printf 'name=bob\nage=7\nextra=(dropped)\ncsrf_token kept')" \
	"$(it_curl '/fields?name=q&extra=1' -d 'name=bob&extra=2&age=7&csrf_token=T')"
it_contains "POST ignores a field sent only in the query" "field name: is required" \
	"$(it_curl '/fields?name=q' -d 'age=7')"
it_check "multipart text fields are checked" "$(printf 'name=mp\nextra=(dropped)')" \
	"$(it_curl /fields -F name=mp -F extra=x)"
it_check "routes without fields keep every field" "$(printf 'a=1\nb=2')" \
	"$(it_curl '/form?zzz=1' -d 'a=1&b=2&c=3')"
in_log() { grep -qF -- "$1" "$IT_DIR/moat.log"; }
it_wait_until 10 in_log "incident $id: 400"
it_contains "the log names the field under the same incident" \
	"incident $id: 400 for GET /fields: field age: is out of range" "$(cat "$IT_DIR/moat.log")"
case "$(cat "$IT_DIR/moat.log")" in *svg*|*onload*) it_fail "the log carries no field value" ;;
*) it_pass "the log carries no field value" ;; esac

# --- headers and cookies -----------------------------------------------------
it_check "header by name" "probe/1.0" "$(it_curl /header/User-Agent -A probe/1.0)"
it_check "cookie by name" "v2" "$(it_curl /cookie/b -H 'Cookie: a=v1; b=v2')"
it_check "first duplicate cookie wins" "first" "$(it_curl /cookie/a -H 'Cookie: a=first; a=second')"
# A cookie another app on the host set badly must not lock the browser out.
it_check "a malformed cookie is skipped" "(none)" "$(it_curl /cookie/a -H 'Cookie: a=b"c; b=ok')"
it_check "the cookies beside a malformed one still arrive" "ok" \
	"$(it_curl /cookie/b -H 'Cookie: a=b"c; b=ok; {json}=[1, 2]')"
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
it_wait_until 10 in_log "incident $id: handler"
it_contains "log line carries the same incident id" "incident $id: handler for GET /fail failed" \
	"$(cat "$IT_DIR/moat.log")"

# --- the hello app's POST /echo declares its one field -------------------------
it_stop_app
rm -f "$IT_DIR/moat.sock"
IT_APP="$MOAT_BUILDDIR/app/moat-hello"
it_start_app || exit 1
it_check "hello: /echo answers with its field" "hi there" "$(it_curl /echo -d 'message=hi+there&x=1')"
it_contains "hello: /echo needs its field" "field message: is required" "$(it_curl /echo -d 'x=1')"
it_contains "hello: /echo caps its field" "field message: is too long" \
	"$(head -c 201 /dev/zero | tr '\0' 'a' | sed 's/^/message=/' | it_curl /echo --data-binary @-)"

it_finish
