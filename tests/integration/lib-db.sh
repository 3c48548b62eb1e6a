# lib-db.sh - a throwaway database, broker role and secrets file for an
# integration test whose app uses the broker.  Source it after lib.sh.
#
#   it_db_setup NAME    # database moat_NAME_$$, role moat_NAME_broker_$$
#                       # with sql/framework.sql applied and granted,
#                       # secrets in $SECRETS_DIR/broker.secrets
#   psql_it ...         # psql on that database as the cluster's admin
#
# Needs PGHOST/PGPORT/PGUSER for a cluster where PGUSER may create
# databases and roles (deploy/dev test provides one); skips otherwise.

if [ -z "${PGHOST:-}" ] || ! command -v psql >/dev/null; then
	echo "SKIP: no PostgreSQL (PGHOST) for this test"
	exit 77
fi

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "${PGDATABASE:-postgres}" "$@"; }
psql_it() { psql -X -q -tA -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

it_db_setup() {
	DB=moat_$1_$$
	ROLE=moat_$1_broker_$$
	MARKER="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	psql_admin -c "CREATE DATABASE $DB" -c "CREATE ROLE $ROLE LOGIN" >/dev/null || exit 1
	psql_it -f "$MOAT_SRCDIR/sql/framework.sql" >/dev/null || exit 1
	psql_it -v broker_role="$ROLE" -f "$MOAT_SRCDIR/sql/framework-grants.sql" >/dev/null || exit 1
	# The secrets file belongs to the broker's user and nobody else;
	# deploy/moat-keygen writes it with fresh keys, mode 600.
	SECRETS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/moat-secrets.XXXXXX")
	chmod 755 "$SECRETS_DIR"
	"$MOAT_SRCDIR/deploy/moat-keygen" "$SECRETS_DIR/broker.secrets" \
		--database "host=$PGHOST port=${PGPORT:-5432} dbname=$DB user=$ROLE password=$MARKER" \
		--file-store "$SECRETS_DIR/store" >/dev/null || exit 1
	# The store belongs to the broker's user, like /var/lib/moat/store.
	mkdir -m 700 "$SECRETS_DIR/store"
	[ "$(id -u)" = 0 ] && chown moat-broker: "$SECRETS_DIR/store"
	IT_CLEANUP=it_db_cleanup
	trap it_db_cleanup EXIT
}

# Moat Notes on this database: its schema, applied by deploy/moat-migrate
# as the cluster's admin (the owner role of a real deployment), and the
# app and config lines for it_setup (or ap_setup).
it_notes_migrate() {
	"$MOAT_SRCDIR/deploy/moat-migrate" --owner "$(psql_it -c 'SELECT current_user')" \
		--broker-role "$ROLE" -- -d "$DB" "$@"
}
it_notes_app() {
	IT_APP="$MOAT_BUILDDIR/app/moat-notes"
	IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/sql/notes.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets
templates = $MOAT_SRCDIR/app/notes/templates"
}

it_db_cleanup() {
	it_cleanup
	rm -rf "$SECRETS_DIR"
	psql_admin -c "DROP DATABASE IF EXISTS $DB" -c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1
}

# it_restart_app READY_PATH: stop the app, start it again (the broker
# reads its secrets and catalogue only at start), and wait until the
# broker has prepared the catalogue anew and READY_PATH answers 200.
it_restart_app() {
	local before i
	before=$(grep -c 'statements prepared' "$IT_DIR/moat.log")
	it_stop_app
	for i in $(seq 1 50); do [ -e "$IT_DIR/moat.sock" ] || break; sleep 0.1; done
	it_start_app || return 1
	for i in $(seq 1 100); do
		[ "$(grep -c 'statements prepared' "$IT_DIR/moat.log")" -gt "$before" ] &&
			[ "$(it_status "$1")" = 200 ] && return 0
		sleep 0.1
	done
	it_log "the app did not come back after a restart"
	return 1
}

# The app log, and waiting for a line to appear in it.
it_log_text() { cat "$IT_DIR/moat.log"; }
it_wait_log() {
	local i
	for i in $(seq 1 50); do
		grep -qF -- "$1" "$IT_DIR/moat.log" && return 0
		sleep 0.1
	done
	return 1
}
