-- 0001_notes.sql - Moat Notes: notes, their attachments, the guestbook.
--
-- Applied once, in a transaction, by deploy/moat-migrate, which records
-- it in moat_migrations; never edit a migration that has shipped: add the
-- next one.  Needs sql/framework.sql (moat_users) first.
--
-- Columns the catalogue marks "sensitive" (notes.body, attachments.name)
-- hold what the broker sealed, "m1$KEYID$...": plain text to PostgreSQL,
-- which therefore cannot search, sort or check them.

CREATE TABLE notes (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner		bigint NOT NULL REFERENCES moat_users (id) ON DELETE CASCADE,
	title		text NOT NULL CHECK (octet_length(title) BETWEEN 1 AND 200),
	body		text NOT NULL,			-- sealed
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	-- The target of attachments' (note_id, owner) key below.
	UNIQUE (id, owner)
);
CREATE INDEX notes_owner ON notes (owner, updated_at DESC);

CREATE TABLE attachments (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	note_id		bigint NOT NULL,
	owner		bigint NOT NULL,
	name		text NOT NULL,			-- sealed
	-- The broker's name for the bytes in its file store; workers never
	-- see it (attachment_open returns it to the broker only).
	stored		text NOT NULL UNIQUE CHECK (stored ~ '^[0-9a-f]{32}$'),
	size		bigint NOT NULL CHECK (size >= 0),
	created_at	timestamptz NOT NULL DEFAULT now(),
	-- An attachment belongs to a note of the same owner.  This is also
	-- how an upload to somebody else's note fails (23503), so the broker
	-- removes the bytes it had stored.
	FOREIGN KEY (note_id, owner) REFERENCES notes (id, owner)
		ON DELETE CASCADE
);
CREATE INDEX attachments_note ON attachments (note_id);
-- Deleting a note deletes its attachments' rows; the stored bytes stay
-- in the broker's file store, which has no remove operation for
-- applications yet.

CREATE TABLE guestbook (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	author		bigint NOT NULL REFERENCES moat_users (id) ON DELETE CASCADE,
	message		text NOT NULL
	    CHECK (octet_length(message) BETWEEN 1 AND 1000),
	created_at	timestamptz NOT NULL DEFAULT now()
);
