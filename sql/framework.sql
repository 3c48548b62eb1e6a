-- framework.sql - Moat's own tables: accounts, sessions, login throttling.
--
-- Apply it (as the database owner) before the application's schema; it is
-- idempotent, so applying it again changes nothing.  Only the broker reads
-- and writes these tables, through the statements in
-- framework/broker/auth_sql.c; no statement of the application's catalogue
-- needs them, and a worker can reach them only through the broker's
-- session and account operations.
--
-- Times are the database's (now()), so several app hosts that share this
-- database agree on expiry and throttling whatever their clocks say.

-- Re-applying it is quiet: "already exists, skipping" is not news.
SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS moat_users (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	username	text NOT NULL CHECK (octet_length(username) BETWEEN 1 AND 64),
	-- scrypt, self-describing: "$scrypt$ln=..,r=..,p=..$salt$hash"
	password_hash	text NOT NULL,
	is_admin	boolean NOT NULL DEFAULT false,
	locked		boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT now(),
	password_changed_at timestamptz NOT NULL DEFAULT now()
);
-- "Alice" and "alice" are one account.
CREATE UNIQUE INDEX IF NOT EXISTS moat_users_name ON moat_users (lower(username));

-- A session is known by HMAC-SHA-256(session key, token) only: a copy of
-- this table does not let anyone present a session cookie.
CREATE TABLE IF NOT EXISTS moat_sessions (
	token_hash	bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
	user_id		bigint REFERENCES moat_users (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen	timestamptz NOT NULL DEFAULT now(),
	-- Optional binding (config): a keyed hash of the User-Agent and the
	-- client's network prefix ("192.0.2.0/24").  NULL: not bound.
	agent_hash	bytea,
	network		text
);
CREATE INDEX IF NOT EXISTS moat_sessions_user ON moat_sessions (user_id);
CREATE INDEX IF NOT EXISTS moat_sessions_seen ON moat_sessions (last_seen);

-- A change of role or a lock, however it is made (the broker, an admin
-- command, psql), ends the user's sessions: the next log-in gets a new
-- token with the new role.
CREATE OR REPLACE FUNCTION moat_users_role_changed()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM moat_sessions WHERE user_id = NEW.id;
	RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS moat_users_role_changed ON moat_users;
CREATE TRIGGER moat_users_role_changed
	AFTER UPDATE OF is_admin, locked ON moat_users
	FOR EACH ROW
	WHEN (OLD.is_admin IS DISTINCT FROM NEW.is_admin OR
	    (NEW.locked AND NOT OLD.locked))
	EXECUTE FUNCTION moat_users_role_changed();

-- Failed log-ins per key: "u:<name>" (the account, from anywhere),
-- "un:<name>|<network>" (the account from one network) and "n:<network>"
-- (any account from one network).  See moat_throttle_fail for the policy.
CREATE TABLE IF NOT EXISTS moat_throttle (
	key		text PRIMARY KEY,
	failures	integer NOT NULL,
	window_start	timestamptz NOT NULL,
	blocked_until	timestamptz
);

-- Seconds until the most restrictive of keys allows an attempt; 0: now.
-- keys[1] is the account-wide key.  It does not apply on a network where
-- the account signed in during the last 30 days (the row "trusted", kept
-- by moat_throttle_trust): failures elsewhere never slow the real user
-- down where they usually are.
CREATE OR REPLACE FUNCTION moat_throttle_wait(keys text[], trusted text)
RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT coalesce(max(ceil(extract(epoch FROM blocked_until - now()))), 0)::bigint
	  FROM moat_throttle
	 WHERE key = ANY (keys) AND blocked_until > now()
	   AND NOT (key = keys[1] AND EXISTS (SELECT 1 FROM moat_throttle
	       WHERE key = trusted AND window_start > now() - interval '30 days'))
$$;
DROP FUNCTION IF EXISTS moat_throttle_wait(text[]);

-- A successful log-in: this network is one the account uses.
CREATE OR REPLACE FUNCTION moat_throttle_trust(trusted text)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO moat_throttle (key, failures, window_start)
	VALUES (trusted, 0, now())
	ON CONFLICT (key) DO UPDATE SET window_start = now()
$$;

-- Count one failure for key.  Within a window of window_secs, the first
-- free failures cost nothing; each one after that blocks the key for a
-- delay that doubles (1 s, 2 s, 4 s, ...) up to cap_secs.  A window with
-- no failure starts the count afresh.  Nothing ever blocks for longer
-- than cap_secs after the last failure.
CREATE OR REPLACE FUNCTION moat_throttle_fail(k text, free integer,
    cap_secs integer, window_secs integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	n integer;
BEGIN
	INSERT INTO moat_throttle AS t (key, failures, window_start)
	VALUES (k, 1, now())
	ON CONFLICT (key) DO UPDATE SET
		failures = CASE WHEN t.window_start < now() - make_interval(secs => window_secs)
		    THEN 1 ELSE t.failures + 1 END,
		window_start = CASE WHEN t.window_start < now() - make_interval(secs => window_secs)
		    THEN now() ELSE t.window_start END
	RETURNING failures INTO n;
	IF n > free THEN
		UPDATE moat_throttle
		   SET blocked_until = now() + make_interval(secs =>
		       least(cap_secs::float8, power(2, least(n - free - 1, 30))))
		 WHERE key = k;
	END IF;
END
$$;

-- One log-in or password attempt against keys (account, account from
-- network, network; trusted as for moat_throttle_wait), with each key's
-- free failures and cap.  Seconds to wait if a key refuses it, else 0:
-- the attempt is allowed and already counted as a failure, before any
-- password is hashed.  Deciding and counting under the rows' locks is
-- what stops concurrent attempts from all passing a check that none of
-- them has counted yet.  A success takes the count back (the account keys
-- are cleared, moat_throttle_release for the network key).
CREATE OR REPLACE FUNCTION moat_throttle_attempt(keys text[], trusted text,
    frees integer[], caps integer[], window_secs integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	k text;
	wait bigint;
BEGIN
	-- In one order, so that two attempts never deadlock.
	FOR k IN SELECT DISTINCT unnest(keys) ORDER BY 1 LOOP
		INSERT INTO moat_throttle (key, failures, window_start)
		VALUES (k, 0, now()) ON CONFLICT (key) DO NOTHING;
		PERFORM 1 FROM moat_throttle WHERE key = k FOR UPDATE;
	END LOOP;
	wait := moat_throttle_wait(keys, trusted);
	IF wait > 0 THEN
		-- Rows made just for the lock are not news.
		DELETE FROM moat_throttle WHERE key = ANY (keys) AND failures = 0;
		RETURN wait;
	END IF;
	FOR i IN 1 .. array_length(keys, 1) LOOP
		PERFORM moat_throttle_fail(keys[i], frees[i], caps[i], window_secs);
	END LOOP;
	RETURN 0;
END
$$;

-- Take back the failure an attempt counted for k (free as for
-- moat_throttle_fail): the password was right, or was never checked.  The
-- attempt was allowed, so k was not blocked before it; the block it set
-- goes if the failures left are within the free ones.  Past them, the
-- delay stays: it is at most the one the next failure would set.
CREATE OR REPLACE FUNCTION moat_throttle_release(k text, free integer)
RETURNS void LANGUAGE sql AS $$
	UPDATE moat_throttle
	   SET failures = failures - 1,
	       blocked_until = CASE WHEN failures - 1 <= free THEN NULL
	           ELSE blocked_until END
	 WHERE key = k AND failures > 0;
	DELETE FROM moat_throttle WHERE key = k AND failures = 0;
$$;

-- Old throttle rows are dropped by the broker now and then.
CREATE INDEX IF NOT EXISTS moat_throttle_window ON moat_throttle (window_start);
