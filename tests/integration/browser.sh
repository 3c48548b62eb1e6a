#!/usr/bin/env bash
# browser.sh - reflected XSS payloads through nginx to a real app, looked at
# in headless Chromium: every payload must come back as text, and no page
# may open a dialog, run injected script, load from another origin or carry
# injected handlers or script URLs (tests/browser/xss-check.mjs).  Then the
# same payloads against an unescaped page, to show the check can fail.
#
# The payload table is tests/browser/payloads.txt (OWASP filter-evasion
# style); tests/browser/setup.sh installs Chromium and the pinned
# playwright-core when they are missing.
#
# To check another app, in its own test script (notes-browser.sh does so
# for Moat Notes):
#   . "$MOAT_SRCDIR/tests/integration/lib.sh"
#   . "$MOAT_SRCDIR/tests/browser/lib-browser.sh"
#   browser_setup                          # first: it may skip the test
#   . "$MOAT_SRCDIR/tests/integration/lib-db.sh"
#   ... it_db_setup, IT_APP=.../app/moat-notes, IT_CONF_EXTRA, it_setup ...
#   sign in with curl -A "$BROWSER_UA" (sessions may be bound to the agent)
#   reflected, one page a payload ({} is the percent-encoded payload):
#     browser_check "search" "$IT_BASE" "__Host-moat=$TOK" \
#         --payloads "$MOAT_SRCDIR/tests/browser/payloads.txt" --template '/search?q={}'
#   stored: save each payload with curl, then list the pages that show it
#   and the text each must show, as JSON:
#     [ { "url": "/notes/12", "text": "<script>alert(1)</script>" }, ... ]
#     browser_check "stored notes" "$IT_BASE" "__Host-moat=$TOK" --pages pages.json
#   and the positive control for the same payloads:
#     browser_control "control" --payloads .../payloads.txt --template '/search?q={}'

. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/browser/lib-browser.sh"
browser_setup
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

PAYLOADS="$MOAT_SRCDIR/tests/browser/payloads.txt"
GREET='/greet?name={}&site={}'

it_db_setup browser
IT_APP="$MOAT_BUILDDIR/tests/integration/web-app"
IT_WORKERS=2
IT_TIMEOUT=10
IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/web.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets
session_bind_agent = on
session_bind_network = on
templates = $MOAT_SRCDIR/tests/integration/templates
hash_threads = 1"
it_setup

# A signed-in session, made with curl as the browser will present itself.
H=$IT_DIR/headers
curl -sS --max-time 30 -A "$BROWSER_UA" -D "$H" -o "$IT_DIR/form" "$IT_BASE/form"
TOK=$(sed -n 's/^Set-Cookie: __Host-moat=\([^;]*\);.*/\1/Ip' "$H" | tr -d '\r')
CSRF=$(sed -n 's/^csrf=//p' "$IT_DIR/form")
curl -sS --max-time 30 -A "$BROWSER_UA" -D "$H" -o /dev/null \
	-H "Cookie: __Host-moat=$TOK" \
	--data "username=xss&password=long+enough+password&csrf_token=$CSRF" "$IT_BASE/register"
TOK=$(sed -n 's/^Set-Cookie: __Host-moat=\([^;]*\);.*/\1/Ip' "$H" | tr -d '\r')
USER_ID=$(psql_it -c "SELECT id FROM moat_users WHERE username = 'xss'")
it_check "a user is signed in for the browser" yes "$([ -n "$TOK" ] && [ -n "$USER_ID" ] && echo yes)"

# The browser carries that session: /me answers with the user, so every
# page below is seen as a signed-in user sees it.
printf '[{"url": "/me", "text": "user %s admin 0", "label": "the session cookie reaches the app"}]\n' \
	"$USER_ID" > "$IT_DIR/pages.json"
browser_check "session" "$IT_BASE" "__Host-moat=$TOK" --pages "$IT_DIR/pages.json"

browser_check "reflected XSS" "$IT_BASE" "__Host-moat=$TOK" --payloads "$PAYLOADS" --template "$GREET"
it_contains "the app was visited with the browser's agent" "$BROWSER_UA" \
	"$(grep -F '/greet?name=' "$IT_DIR/nginx/logs/access.log" | tail -n 1)"

# The positive control: the same payloads, unescaped, must each be caught,
# and between them trip every kind of detector the check relies on.
browser_control "control" --payloads "$PAYLOADS" --template "$GREET"
control=$(cat "$BROWSER_OUT")
for what in "dialog opened" "injected script ran: alert(" \
	"injected script ran: window.__xss" "policy blocked" \
	"request to another origin" "event handler <" "script URL <" \
	"inline <script> element" "does not show as text"; do
	it_contains "the control trips: $what" "$what" "$control"
done

it_finish
