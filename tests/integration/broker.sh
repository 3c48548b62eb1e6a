#!/usr/bin/env bash
# broker.sh - the broker end to end, against a real PostgreSQL: honest
# statements and batches, a slow statement that blocks nobody else, every
# kind of hostile frame (each one closes the channel and gets its worker
# replaced, and changes nothing in the database), and the secrets staying
# out of every worker.
#
# Needs PGHOST/PGPORT/PGUSER for a cluster where PGUSER may create
# databases and roles (deploy/dev test provides one); skips otherwise.

. "$MOAT_SRCDIR/tests/integration/lib.sh"
. "$MOAT_SRCDIR/tests/integration/lib-db.sh"

it_db_setup it
psql_it >/dev/null <<SQL
CREATE TABLE it_notes (id bigserial PRIMARY KEY, owner int8 NOT NULL,
    title text NOT NULL, body text NOT NULL);
GRANT SELECT, INSERT ON it_notes TO $ROLE;
GRANT USAGE ON SEQUENCE it_notes_id_seq TO $ROLE;
CREATE TABLE it_files (id bigserial PRIMARY KEY, title text NOT NULL,
    stored text NOT NULL);
GRANT SELECT, INSERT ON it_files TO $ROLE;
GRANT USAGE ON SEQUENCE it_files_id_seq TO $ROLE;
-- Sealed columns are plain text to the database.  UPDATE is for
-- --reencrypt, which runs as the broker's role.
CREATE TABLE it_secrets (id bigserial PRIMARY KEY, label text NOT NULL,
    secret text NOT NULL, hint text);
GRANT SELECT, INSERT, UPDATE ON it_secrets TO $ROLE;
GRANT USAGE ON SEQUENCE it_secrets_id_seq TO $ROLE;
SQL

IT_APP="$MOAT_BUILDDIR/tests/integration/broker-app"
IT_WORKERS=3
IT_CONF_EXTRA="catalogue = $MOAT_SRCDIR/tests/integration/broker.catalogue
broker_secrets = $SECRETS_DIR/broker.secrets
store_quota_bytes = 64"
it_setup

log() { it_log_text; }
wait_log() { it_wait_log "$@"; }

# --- honest use ----------------------------------------------------------------
wait_log "statements prepared"
it_contains "the broker prepared the catalogue" "broker: 9 statements prepared" "$(log)"
id=$(it_curl /notes -d 'title=first&body=hello+broker')
it_check "a statement inserts through the broker" 1 "$id"
it_check "a statement reads through the broker" "first|hello broker" "$(it_curl /notes/1)"
it_check "a missing row is the app's 404" 404 "$(it_status /notes/999)"
it_check "a batch of 20 statements runs in one round trip" 20 "$(it_curl /batch)"

# A slow statement on one worker must not hold up another worker's.
( it_curl /slow > "$IT_DIR/slow.out"; date +%s%N > "$IT_DIR/slow.done" ) &
slow=$!
sleep 0.05
fast=$(it_curl /count)
date +%s%N > "$IT_DIR/fast.done"
wait "$slow"
it_check "a slow statement finishes" "slow done" "$(cat "$IT_DIR/slow.out")"
it_check "another worker's statement runs meanwhile" 1 "$fast"
if [ "$(cat "$IT_DIR/fast.done")" -lt "$(cat "$IT_DIR/slow.done")" ]; then
	it_pass "the fast statement finished before the slow one"
else
	it_fail "the fast statement finished before the slow one"
fi

# --- file capabilities --------------------------------------------------------------
STORE=$SECRETS_DIR/store
fid=$(printf 'file body\n' | it_curl /files --data-binary @- -H 'Content-Type: application/octet-stream')
it_check "a file is stored through the broker" 1 "$fid"
it_check "a stored file is read back through a passed descriptor" "file body" "$(it_curl /files/1)"
stored=$(psql_it -c 'SELECT stored FROM it_files WHERE id = 1')
case "$stored" in
[0-9a-f]*) [ ${#stored} -eq 32 ] && it_pass "the broker chose the stored name" || it_fail "the broker chose the stored name" "$stored" ;;
*) it_fail "the broker chose the stored name" "$stored" ;;
esac
it_check "the stored file is private to the broker" 600 "$(stat -c %a "$STORE/$stored")"
it_check "an unknown file is a clean failure" "db failed 02000" "$(it_curl /files/99)"
it_check "an upload past the store quota is refused" "db failed 53100" \
	"$(head -c 100 /dev/zero | it_curl /files --data-binary @- -H 'Content-Type: application/octet-stream')"
it_check "an upload within the quota is stored" 2 \
	"$(head -c 40 /dev/zero | it_curl /files --data-binary @- -H 'Content-Type: application/octet-stream')"
it_check "the quota counts what is stored" "db failed 53100" \
	"$(head -c 20 /dev/zero | it_curl /files --data-binary @- -H 'Content-Type: application/octet-stream')"
ln -s /etc/passwd "$STORE/0123456789abcdef0123456789abcdef"
psql_it >/dev/null <<SQL
INSERT INTO it_files (id, title, stored) VALUES
    (100, 'dots', '../../../../etc/passwd'), (101, 'absolute', '/etc/passwd'),
    (102, 'symlink', '0123456789abcdef0123456789abcdef');
SQL
for f in 100:dots 101:absolute 102:symlink; do
	out=$(it_curl "/files/${f%%:*}")
	case "$out" in *root:*) it_fail "a stored name with ${f#*:} opens nothing" "$out" ;;
	*) it_check "a stored name with ${f#*:} opens nothing" "db failed 58030" "$out" ;; esac
done
it_contains "the refusal is logged" "named a file that is refused: stored name is a symlink" "$(log)"

# --- hostile frames --------------------------------------------------------------
attack() {	# attack NAME EXPECTED-REASON
	local before
	before=$(grep -c 'broke the broker protocol' "$IT_DIR/moat.log")
	# POST: nginx does not retry it on another worker after the kill.
	it_curl "/hostile/$1" -X POST >"$IT_DIR/attack.out" 2>&1
	if wait_log "$2"; then it_pass "refused: $1"; else it_fail "refused: $1" "no log line [$2]"; fi
	for i in $(seq 1 50); do
		[ "$(grep -c 'broke the broker protocol' "$IT_DIR/moat.log")" -gt "$before" ] && break
		sleep 0.1
	done
	it_check "worker replaced after: $1" $((before + 1)) "$(grep -c 'broke the broker protocol' "$IT_DIR/moat.log")"
}
attack sql 'unknown statement "DELETE FROM it_notes"'
attack unknown-op 'unknown op 77'
attack unknown-stmt 'unknown statement "note_delete_all"'
attack wrong-type 'statement note_get: parameter id missing, of the wrong type or too long'
attack extra-param 'statement note_get: extra parameters'
attack too-long 'statement note_add: parameter title missing, of the wrong type or too long'
attack out-of-state 'op 1 not allowed in state request'
attack oversized 'bad message: Message too long'
attack truncated 'malformed frame (20 bytes)'
attack trailing 'malformed frame (19 bytes)'
attack flood 'cannot take its reply'
attack open-non-file 'statement note_get does not open files'
attack store-no-content 'FILE_STORE without content'
attack fd-with-ping 'a descriptor came with op 8'
attack store-in-batch 'statement file_add stores a file: not in a batch'
# Column 1 of an "opens file" statement is the stored name: FILE_OPEN
# keeps it in the broker, any other way would hand it to the worker.
attack stmt-opens-file 'statement file_get opens a file: only with FILE_OPEN'
it_check "the stored name does not reach the client (statement)" 0 "$(grep -c "$stored" "$IT_DIR/attack.out")"
attack open-in-batch 'statement file_get opens a file: not in a batch'
it_check "the stored name does not reach the client (batch)" 0 "$(grep -c "$stored" "$IT_DIR/attack.out")"
before=$(grep -c 'broke the broker protocol' "$IT_DIR/moat.log")
it_status /mine >/dev/null
wait_log 'statement my_notes needs a signed-in user'
it_contains "a user-only statement without a session is refused" \
	'statement my_notes needs a signed-in user' "$(log)"

sleep 0.5
ok=0
for i in $(seq 1 12); do [ "$(it_curl /count)" = 1 ] && ok=$((ok + 1)); done
it_check "well-behaved workers are served throughout" 12 "$ok"
it_check "the database is unchanged by the attacks" "1|first|hello broker" \
	"$(psql_it -c 'SELECT count(*), min(title), min(body) FROM it_notes')"

# --- secrets stay in the broker -------------------------------------------------------
# grep_mem PID: how many readable regions of its memory hold the marker.
grep_mem() {
	local pid=$1 hits=0 range perms start end
	while read -r range perms _; do
		case "$perms" in r*) ;; *) continue ;; esac
		start=$((16#${range%-*})); end=$((16#${range#*-}))
		[ $((end - start)) -gt $((256 * 1024 * 1024)) ] && continue
		if dd if="/proc/$pid/mem" bs=65536 iflag=skip_bytes,count_bytes \
			skip="$start" count=$((end - start)) 2>/dev/null | grep -qaF "$MARKER"; then
			hits=$((hits + 1))
		fi
	done < "/proc/$pid/maps"
	echo "$hits"
}
if [ "$(id -u)" = 0 ]; then
	broker=$(sed -n 's/.* broker\[\([0-9]*\)\] info: broker: .* statements prepared.*/\1/p' "$IT_DIR/moat.log" | head -1)
	if [ "$(grep_mem "$broker")" -gt 0 ]; then
		it_pass "the memory probe finds the password in the broker"
	else
		it_fail "the memory probe finds the password in the broker"
	fi
	leaked=0
	for w in $(pgrep -P "$IT_APP_PID"); do
		[ "$w" = "$broker" ] && continue
		[ "$(grep_mem "$w")" -gt 0 ] && leaked=$((leaked + 1))
		grep -qaF "$MARKER" "/proc/$w/environ" && leaked=$((leaked + 1))
	done
	it_check "no worker holds the database password" 0 "$leaked"
	# The keys, as the secrets file spells them, are in no worker either.
	leaked=0
	for key in session_key data_key; do
		MARKER=$(sed -n "s/^$key = \(1:\)\{0,1\}//p" "$SECRETS_DIR/broker.secrets")
		for w in $(pgrep -P "$IT_APP_PID"); do
			[ "$w" = "$broker" ] && continue
			[ "$(grep_mem "$w")" -gt 0 ] && leaked=$((leaked + 1))
		done
	done
	it_check "no worker holds the session or data key" 0 "$leaked"
	it_check "the broker runs as moat-broker" moat-broker "$(ps -o user= -p "$broker" | tr -d ' ')"
	# A process that is not dumpable has its /proc files owned by root.
	it_check "the broker is not dumpable" root "$(stat -c %U "/proc/$broker/status")"
else
	echo "SKIP: memory checks need root"
fi

# --- the broker sandbox ------------------------------------------------------------------
# seccomp mode 2 is a filter.  Killing every worker makes the supervisor
# hand the broker new channels, and each new channel is a new libpq
# connection made from inside the sandbox (and its Landlock rules).
if [ "$(id -u)" = 0 ]; then
	broker=$(sed -n 's/.* broker\[\([0-9]*\)\] info: broker: .* statements prepared.*/\1/p' "$IT_DIR/moat.log" | head -1)
	it_contains "the broker runs under a seccomp filter" "$(printf 'Seccomp:\t2')" "$(cat "/proc/$broker/status")"
	it_contains "the broker has no_new_privs" "$(printf 'NoNewPrivs:\t1')" "$(cat "/proc/$broker/status")"
	# Under a cap (broker-landlock*.sh) the broker must say it obeyed it.
	if [ -n "${MOAT_TEST_LANDLOCK_ABI:-}" ]; then
		kernel=$(log | sed -n 's/.*broker sandbox: .*(kernel \([0-9]*\), .*/\1/p' | head -n 1)
		want=$((kernel < MOAT_TEST_LANDLOCK_ABI ? kernel : MOAT_TEST_LANDLOCK_ABI))
		if [ "$want" = 0 ]; then want="no Landlock (kernel $kernel, landlock_max_abi"
		else want="Landlock ABI $want in force (kernel $kernel, landlock_max_abi"; fi
		it_contains "the broker obeys landlock_max_abi" "broker sandbox: $want" "$(log)"
	fi
	old=$(pgrep -P "$IT_APP_PID" | grep -vx "$broker" | sort | tr '\n' ' ')
	for w in $old; do kill -KILL "$w"; done
	for i in $(seq 1 50); do
		new=$(pgrep -P "$IT_APP_PID" | grep -vx "$broker" | sort | tr '\n' ' ')
		[ "$(echo $new | wc -w)" -ge "$IT_WORKERS" ] && [ -z "$(comm -12 <(echo $old | tr ' ' '\n') <(echo $new | tr ' ' '\n'))" ] && break
		sleep 0.1
	done
	sleep 0.5
	ok=0
	for i in $(seq 1 12); do [ "$(it_curl /count)" = 1 ] && ok=$((ok + 1)); done
	it_check "statements run on the channels of new workers" 12 "$ok"
	it_check "a stored file is read back on a new channel" "file body" "$(it_curl /files/1)"
	fid=$(printf 'second body\n' | it_curl /files --data-binary @- -H 'Content-Type: application/octet-stream')
	it_check "a file is stored on a new channel" "second body" "$(it_curl "/files/$fid")"
	if kill -0 "$broker" 2>/dev/null; then it_pass "the broker survived it all"; else it_fail "the broker survived it all"; fi
	it_check "no denied syscall was logged" 0 "$(grep -c 'sandbox: denied syscall' "$IT_DIR/moat.log")"
else
	echo "SKIP: broker sandbox checks need root"
fi

# --- encryption at rest -------------------------------------------------------------------
restart_app() { it_restart_app /count; }
secret_add() {	# secret_add LABEL SECRET [HINT]
	it_curl /secrets --data-urlencode "label=$1" --data-urlencode "secret=$2" \
		${3:+--data-urlencode "hint=$3"}
}
sealed_of() { psql_it -c "SELECT $2 FROM it_secrets WHERE id = $1"; }
reencrypt() {
	"$IT_APP" -c "$IT_DIR/moat.conf" --reencrypt "$@" 2>"$IT_DIR/reencrypt.err"
}
SECRETS=$SECRETS_DIR/broker.secrets
LONG=$(head -c 200 /dev/zero | tr '\0' 'z')

s1=$(secret_add first "my first secret" "a hint")
it_check "a sensitive value is written through the broker" 1 "$s1"
it_check "it reads back in plaintext" "first|my first secret|a hint" "$(it_curl /secrets/1)"
it_check "it is opened inside a batch too" "1|my first secret|1" "$(it_curl /secrets/1/batch)"
raw=$(sealed_of 1 secret)
case "$raw" in
'm1$1$'*) it_pass "the database holds only the sealed form (m1\$1\$...)" ;;
*) it_fail "the database holds only the sealed form (m1\$1\$...)" "$raw" ;;
esac
it_check "no plaintext reaches the database" 0 \
	"$(psql_it -c "SELECT count(*) FROM it_secrets WHERE secret LIKE '%secret%' OR hint LIKE '%hint%'")"
it_check "the hint column is sealed too" 't' "$(psql_it -c "SELECT hint LIKE 'm1\$1\$%' FROM it_secrets WHERE id = 1")"
it_check "the cap is on the plaintext: 200 bytes fit text 200" 2 "$(secret_add long "$LONG")"
it_check "a 200-byte secret reads back whole" "long|$LONG|NULL" "$(it_curl /secrets/2)"
it_check "NULL stays NULL, unsealed" 't' "$(psql_it -c 'SELECT hint IS NULL FROM it_secrets WHERE id = 2')"
it_check "the sealed form is longer than the cap" 't' "$(psql_it -c 'SELECT length(secret) > 200 FROM it_secrets WHERE id = 2')"

# Tampered with in the database: the statement fails, the broker lives.
violations=$(grep -c 'broke the broker protocol' "$IT_DIR/moat.log")
secret_add tampered "tampered secret" "h3" >/dev/null
psql_it -c "UPDATE it_secrets SET secret = overlay(secret PLACING
    CASE WHEN substr(secret, 30, 1) = 'A' THEN 'B' ELSE 'A' END FROM 30 FOR 1) WHERE id = 3"
tampered=$(sealed_of 3 secret)
it_check "a tampered value fails the statement with MT001" "db failed MT001" "$(it_curl /secrets/3)"
it_check "... also inside a batch" "db failed MT001" "$(it_curl /secrets/3/batch)"
wait_log 'statement secret_get: column secret: a sealed value (key id 1) does not open'
it_contains "the failure is logged with statement and column" \
	"statement secret_get: column secret: a sealed value (key id 1) does not open: does not authenticate" "$(log)"
case "$(log)" in
*"$tampered"*|*"tampered secret"*) it_fail "the log holds neither the sealed value nor the plaintext" ;;
*) it_pass "the log holds neither the sealed value nor the plaintext" ;;
esac
# Moved to another column: the column name is bound to the value.
secret_add moved "moved secret" >/dev/null
psql_it -c "UPDATE it_secrets SET hint = secret WHERE id = 4"
it_check "a value copied into another column does not open there" "db failed MT001" "$(it_curl /secrets/4)"
psql_it -c "UPDATE it_secrets SET secret = 'plain text' WHERE id = 2"
it_check "a plaintext value in a sensitive column fails too" "db failed MT001" "$(it_curl /secrets/2)"
psql_it -c "UPDATE it_secrets SET secret = '$(sealed_of 1 secret)' WHERE id = 2"
it_check "the broker survived the bad values" "first|my first secret|a hint" "$(it_curl /secrets/1)"
it_check "no worker was replaced for them" "$violations" "$(grep -c 'broke the broker protocol' "$IT_DIR/moat.log")"

# Rotation: a new current key; the old one still opens what it sealed.
old1=$(sealed_of 1 secret)
"$MOAT_SRCDIR/deploy/moat-keygen" --rotate-data-key "$SECRETS" >/dev/null
it_check "the rotation keeps both keys and makes 2 current" "1 2 2" \
	"$(sed -n 's/^data_key = \([0-9]*\):.*/\1/p; s/^data_key_current = //p' "$SECRETS" | tr '\n' ' ' | sed 's/ $//')"
owner=$(id -un)
[ "$(id -u)" = 0 ] && owner=moat-broker
it_check "the secrets file keeps its owner and mode" "$owner 600" "$(stat -c '%U %a' "$SECRETS")"
restart_app
it_check "after rotation, new values are sealed under key 2" 5 "$(secret_add fifth "fifth secret" "h5")"
it_check "key 2 wrote it" 't' "$(psql_it -c "SELECT secret LIKE 'm1\$2\$%' FROM it_secrets WHERE id = 5")"
it_check "values under key 1 still open" "first|my first secret|a hint" "$(it_curl /secrets/1)"
# Enough rows under key 1 for several batches of the re-encrypt command.
psql_it -c "INSERT INTO it_secrets (label, secret) SELECT 'bulk', secret
    FROM it_secrets, generate_series(1, 1200) WHERE id = 1"
bulk=$(psql_it -c "SELECT max(id) FROM it_secrets")

out=$(reencrypt 'it_secrets.secret;drop' 2>&1; echo "rc=$?")
it_contains "--reencrypt refuses a bad column list" "is not TABLE.COLUMN" "$(cat "$IT_DIR/reencrypt.err")"
it_contains "... with status 2" "rc=2" "$out"
t0=$(date +%s%N)
out=$(reencrypt it_secrets.secret,it_secrets.hint; echo "rc=$?")
t1=$(date +%s%N)
echo "reencrypt: 1205 rows in $(( (t1 - t0) / 1000000 )) ms"
it_contains "re-encrypt re-seals the secrets, skips current, counts the tampered one" \
	"it_secrets.secret: 1203 re-sealed, 1 already current, 1 failed" "$out"
it_contains "re-encrypt re-seals the hints, counts the moved one" \
	"it_secrets.hint: 2 re-sealed, 1 already current, 1 failed" "$out"
it_contains "failures make the status 1" "rc=1" "$out"
it_contains "a failure names the row, not the value" \
	"it_secrets.secret: row id=3: does not authenticate" "$(cat "$IT_DIR/reencrypt.err")"
case "$(cat "$IT_DIR/reencrypt.err")" in
*"$tampered"*|*"tampered secret"*) it_fail "re-encrypt shows no value" ;;
*) it_pass "re-encrypt shows no value" ;;
esac
psql_it -c "DELETE FROM it_secrets WHERE id IN (3, 4)"
out=$(reencrypt it_secrets.secret,it_secrets.hint@id; echo "rc=$?")
it_contains "a second run finds everything current" \
	"it_secrets.secret: 0 re-sealed, 1203 already current, 0 failed" "$out"
it_contains "... the hints too, and succeeds" "it_secrets.hint: 0 re-sealed, 2 already current, 0 failed" "$out"
it_contains "... with status 0" "rc=0" "$out"
it_check "every sealed value is under key 2" 0 \
	"$(psql_it -c "SELECT count(*) FROM it_secrets WHERE secret NOT LIKE 'm1\$2\$%' OR hint NOT LIKE 'm1\$2\$%'")"
it_check "re-sealed values read back" "first|my first secret|a hint" "$(it_curl /secrets/1)"
it_check "a re-sealed bulk row reads back" "bulk|my first secret|NULL" "$(it_curl "/secrets/$bulk")"

# The old key can go: everything opens under key 2 alone.
"$MOAT_SRCDIR/deploy/moat-keygen" --remove-data-key "$SECRETS" 2 >/dev/null 2>&1
it_check "the current key cannot be removed" 2 "$(sed -n 's/^data_key = \([0-9]*\):.*/\1/p' "$SECRETS" | wc -l)"
"$MOAT_SRCDIR/deploy/moat-keygen" --remove-data-key "$SECRETS" 1 >/dev/null
it_check "key 1 is gone from the secrets file" "2" "$(sed -n 's/^data_key = \([0-9]*\):.*/\1/p' "$SECRETS" | tr '\n' ' ' | sed 's/ $//')"
restart_app
it_check "with key 1 removed, re-sealed values still read" "first|my first secret|a hint" "$(it_curl /secrets/1)"
it_check "... and new ones" "fifth|fifth secret|h5" "$(it_curl /secrets/5)"
psql_it -c "INSERT INTO it_secrets (id, label, secret) VALUES (99999, 'old', '$old1')"
it_check "a value left under a removed key fails cleanly" "db failed MT001" "$(it_curl /secrets/99999)"
wait_log 'sealed under a key id not in the keyring'
it_contains "... and the log says why" "column secret: a sealed value (key id 1) does not open: sealed under a key id not in the keyring" "$(log)"

# --- start-up refuses bad secrets and a bad catalogue ------------------------------------
it_stop_app
chmod 640 "$SECRETS_DIR/broker.secrets"
out=$("$IT_APP" -c "$IT_DIR/moat.conf" 2>&1; tail -n 3 "$IT_DIR/moat.log")
it_contains "a secrets file readable by others is refused" "gives group or others access; chmod 600 it" "$out"
chmod 600 "$SECRETS_DIR/broker.secrets"
printf 'statement broken anonymous\n\tsql SELECT * FROM no_such_table\nend\n' > "$IT_DIR/bad.catalogue"
sed -i "s|^catalogue = .*|catalogue = $IT_DIR/bad.catalogue|" "$IT_DIR/moat.conf"
out=$("$IT_APP" -c "$IT_DIR/moat.conf" 2>&1; tail -n 3 "$IT_DIR/moat.log")
it_contains "a catalogue that does not prepare stops start-up, naming the statement" \
	'statement broken (catalogue line 1)' "$out"

it_finish
