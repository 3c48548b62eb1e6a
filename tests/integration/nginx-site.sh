#!/usr/bin/env bash
# nginx-site.sh - the shipped production site file, deploy/nginx/moat.conf,
# run as it is except for what a server edits anyway (socket, names,
# certificate, ports, log and page paths): HTTP redirects to HTTPS, TLS,
# keep-alive to the app, the log-in rate limit, the body size limit and
# the static page when the app is down.

. "$MOAT_SRCDIR/tests/integration/lib.sh"
it_find_nginx || { echo "SKIP: nginx not installed"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: openssl not installed"; exit 77; }
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

it_db_setup site
IT_APP="$MOAT_BUILDDIR/tests/integration/web-app"
# A registration or log-in costs a scrypt hash at OWASP's cost, which on
# a busy machine takes longer than lib.sh's two seconds.
IT_TIMEOUT=10
IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/web.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets"
IT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/moat-site.XXXXXX")
chmod 755 "$IT_DIR"
NG=$IT_DIR/nginx
mkdir -p "$NG/logs" "$NG/tmp" "$NG/errors"
cp "$MOAT_SRCDIR/deploy/nginx/errors/50x.html" "$NG/errors/"
chmod -R a+rX "$NG/errors"
it_write_config
it_start_app || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$NG/key.pem" \
	-out "$NG/cert.pem" 2>/dev/null || { it_log "openssl failed"; exit 1; }
HTTP_PORT=$(it_free_port)
HTTPS_PORT=$(it_free_port)
while [ "$HTTPS_PORT" = "$HTTP_PORT" ]; do HTTPS_PORT=$(it_free_port); done

# The edits a server makes, and nothing else.
sed -e "s|unix:/run/moat/moat.sock|unix:$IT_DIR/moat.sock|" \
	-e "s|server_name example.org;|server_name 127.0.0.1;|" \
	-e "s|listen 80;|listen 127.0.0.1:$HTTP_PORT;|" \
	-e "s|listen 443 ssl http2;|listen 127.0.0.1:$HTTPS_PORT ssl http2;|" \
	-e "/listen \[::\]/d" \
	-e "s|/etc/ssl/moat/fullchain.pem|$NG/cert.pem|" \
	-e "s|/etc/ssl/moat/privkey.pem|$NG/key.pem|" \
	-e "s|/var/log/nginx/|$NG/logs/|" \
	-e "s|/usr/local/share/moat/errors/50x.html|$NG/errors/50x.html|" \
	-e "s|https://\$host\$request_uri|https://\$host:$HTTPS_PORT\$request_uri|" \
	"$MOAT_SRCDIR/deploy/nginx/moat.conf" > "$NG/site.conf"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"
cat > "$NG/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/logs/error.log warn;
events { worker_connections 256; }
http {
	client_body_temp_path $NG/tmp/body;
	fastcgi_temp_path $NG/tmp/fastcgi;
	proxy_temp_path $NG/tmp/proxy;
	uwsgi_temp_path $NG/tmp/uwsgi;
	scgi_temp_path $NG/tmp/scgi;
	include $NG/site.conf;
}
EOF
# it_cleanup (through it_db_cleanup) stops $IT_DIR/nginx's nginx too.
trap it_db_cleanup EXIT
"$IT_NGINX" -p "$NG" -c "$NG/nginx.conf" 2>"$NG/start.log" || { cat "$NG/start.log" >&2; exit 1; }
it_wait_for "$NG/nginx.pid" || exit 1

B="https://127.0.0.1:$HTTPS_PORT"
c() { curl -sk --max-time 20 "$@"; }
it_check "http redirects to https" "301 $B/plain?x=1" \
	"$(c -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HTTP_PORT/plain?x=1")"
it_check "https reaches the app" "no session here" "$(c "$B/plain")"
# HTTP/2 sends header names in lower case.
hdrs=$(c -o /dev/null -D - "$B/plain" | tr -d '\r' | tr 'A-Z' 'a-z')
it_contains "the app sees HTTPS: HSTS" "strict-transport-security: max-age=" "$hdrs"
it_check "no version banner" "server: nginx" "$(printf '%s\n' "$hdrs" | grep '^server:')"
it_check "HTTP/2 over TLS" 2 "$(c -o /dev/null -w '%{http_version}' "$B/plain")"
tok=$(c -D - -o /dev/null --data 'username=site&password=site+password' "$B/register" |
	sed -n 's/^set-cookie: __Host-moat=\([^;]*\);.*/\1/Ip' | tr -d '\r')
it_check "a session through the site" "user 1 admin 0" "$(c -H "Cookie: __Host-moat=$tok" "$B/me")"
csrf=$(c -H "Cookie: __Host-moat=$tok" "$B/form" | sed -n 's/^csrf=//p')
it_check "a CSRF-protected post with our Origin" 200 \
	"$(c -o /dev/null -w '%{http_code}' -H "Cookie: __Host-moat=$tok" -H "Origin: $B" --data "csrf_token=$csrf" "$B/act")"
codes=$(for i in 1 2 3 4 5 6 7 8; do c -o /dev/null -w '%{http_code} ' --data 'username=x&password=y' "$B/login"; done)
it_contains "a log-in flood gets 429 from nginx" 429 "$codes"
it_check "a body over client_max_body_size is 413" 413 \
	"$(head -c 11000000 /dev/zero | c -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' --data-binary @- "$B/act")"
it_stop_app
page=$(c -w '\n%{http_code}' "$B/plain")
it_check "app down: 502" 502 "$(printf '%s\n' "$page" | tail -n 1)"
it_contains "with the static page" "<html" "$page"

it_finish
