# lib-apache.sh - a Moat app behind a private Apache that runs the shipped
# site file deploy/apache/moat.conf (mod_proxy_fcgi to the app's unix
# socket, TLS with a throwaway certificate, the HTTP->HTTPS redirect).
# Only the settings block of the site file is replaced (MOAT_TEST); every
# other directive is the one a server would run.  Source it after lib.sh
# and lib-db.sh:
#
#   ap_find             # skips the test (exit 77) without apache2 or openssl
#   ap_setup            # temp dir, app config, app, certificate, Apache;
#                       # records the check that apache2 -t passes
#   ap_stop             # stops Apache (the trap does it too)
#
# Set IT_APP, IT_CONF_EXTRA and friends (lib.sh) before ap_setup.  After
# it: $AP_BASE is the https:// base URL, $AP_HTTP_PORT the port of the
# plain HTTP site, $AP_DIR Apache's directory (logs in $AP_DIR/logs).
# AP_MAX_BODY is Apache's body cap; by default the app's
# max_multipart_bytes from lib.sh's config, as the site file asks.

AP_MAX_BODY=${AP_MAX_BODY:-65536}

ap_find() {
	AP_APACHE=${MOAT_APACHE:-}
	if [ -z "$AP_APACHE" ] || [ ! -x "$AP_APACHE" ]; then
		AP_APACHE=$(PATH=$PATH:/usr/sbin:/sbin command -v apache2 || true)
	fi
	AP_MODULES=${MOAT_APACHE_MODULES:-/usr/lib/apache2/modules}
	if [ -z "$AP_APACHE" ] || [ ! -f "$AP_MODULES/mod_proxy_fcgi.so" ]; then
		echo "SKIP: apache2 with mod_proxy_fcgi not installed (Debian package apache2)"
		exit 77
	fi
	if ! command -v openssl >/dev/null; then
		echo "SKIP: openssl not installed"
		exit 77
	fi
}

ap_stop() {
	[ -n "${AP_DIR:-}" ] && [ -f "$AP_DIR/httpd.pid" ] || return 0
	kill -TERM "$(cat "$AP_DIR/httpd.pid")" 2>/dev/null
	local i
	for i in $(seq 1 50); do
		[ -f "$AP_DIR/httpd.pid" ] || break
		sleep 0.1
	done
}

ap_cleanup() {
	ap_stop
	if [ "$IT_FAILED" -gt 0 ] || [ -n "${IT_KEEP:-}" ]; then
		it_log "--- Apache error logs ---"
		tail -n 30 "$AP_DIR"/logs/*error.log >&2 2>/dev/null
	fi
	# lib-db.sh's cleanup ends with lib.sh's; without a database, that one.
	if declare -F it_db_cleanup >/dev/null; then it_db_cleanup; else it_cleanup; fi
}

# The throwaway certificate for 127.0.0.1, and the page for 502..504.
ap_files() {
	mkdir -p "$AP_DIR/logs" "$AP_DIR/run" "$AP_DIR/errors"
	# Apache's children (www-data when run as root) read the page.
	cp "$MOAT_SRCDIR/deploy/nginx/errors/50x.html" "$AP_DIR/errors/" || return 1
	chmod -R a+rX "$AP_DIR/errors"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
		-addext "subjectAltName=IP:127.0.0.1" -keyout "$AP_DIR/key.pem" \
		-out "$AP_DIR/cert.pem" 2>/dev/null || { it_log "openssl failed"; return 1; }
}

ap_load() { printf 'LoadModule %s_module %s/mod_%s.so\n' "$1" "$AP_MODULES" "$1"; }

# httpd.conf: the server-wide minimum, then the site file with the test's
# own settings.
ap_write_config() {
	local m user_lines=""
	[ "$(id -u)" = 0 ] && user_lines="User www-data
Group www-data"
	{
		for m in mpm_event authz_core alias headers rewrite ssl socache_shmcb \
			proxy proxy_fcgi log_config; do
			[ -f "$AP_MODULES/mod_$m.so" ] && ap_load "$m"
		done
		cat <<CONF
ServerRoot $AP_DIR
ServerName 127.0.0.1
PidFile $AP_DIR/httpd.pid
DefaultRuntimeDir $AP_DIR/run
Mutex file:$AP_DIR/run default
ErrorLog $AP_DIR/logs/error.log
LogLevel warn
$user_lines
StartServers 1
ServerLimit 2
ThreadsPerChild 8
MaxRequestWorkers 16
Listen 127.0.0.1:$AP_HTTP_PORT
Listen 127.0.0.1:$AP_HTTPS_PORT
SSLSessionCache shmcb:$AP_DIR/run/ssl_cache(51200)

Define MOAT_TEST
Define MOAT_NAME 127.0.0.1
Define MOAT_HTTPS_URL $AP_BASE
Define MOAT_HTTP_ADDR 127.0.0.1:$AP_HTTP_PORT
Define MOAT_HTTPS_ADDR 127.0.0.1:$AP_HTTPS_PORT
Define MOAT_SOCKET $IT_DIR/moat.sock
Define MOAT_TLS_CERT $AP_DIR/cert.pem
Define MOAT_TLS_KEY $AP_DIR/key.pem
Define MOAT_ERRORS $AP_DIR/errors
Define MOAT_MAX_BODY $AP_MAX_BODY
Include $MOAT_SRCDIR/deploy/apache/moat.conf
CONF
	} > "$AP_DIR/httpd.conf"
}

ap_setup() {
	[ -n "${AP_APACHE:-}" ] || ap_find
	# lib.sh's it_setup starts nginx; these tests need the app only.
	IT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/moat-apache.XXXXXX")
	chmod 755 "$IT_DIR"
	AP_DIR=$IT_DIR/apache
	trap ap_cleanup EXIT
	it_write_config
	it_start_app || exit 1
	ap_files || exit 1

	AP_HTTP_PORT=$(it_free_port)
	AP_HTTPS_PORT=$(it_free_port)
	while [ "$AP_HTTPS_PORT" = "$AP_HTTP_PORT" ]; do AP_HTTPS_PORT=$(it_free_port); done
	AP_BASE="https://127.0.0.1:$AP_HTTPS_PORT"
	ap_write_config

	export APACHE_LOG_DIR=$AP_DIR/logs
	local out
	if ! out=$("$AP_APACHE" -d "$AP_DIR" -f "$AP_DIR/httpd.conf" -t 2>&1); then
		it_fail "the site file passes apache2 -t" "$out"
		it_finish
	fi
	it_pass "the site file passes apache2 -t"
	if ! "$AP_APACHE" -d "$AP_DIR" -f "$AP_DIR/httpd.conf" -k start 2>>"$AP_DIR/logs/start.log" ||
		! it_wait_for "$AP_DIR/httpd.pid"; then
		it_log "Apache did not start"
		cat "$AP_DIR/logs/start.log" "$AP_DIR/logs/error.log" >&2
		exit 1
	fi
}
