/*
 * test_dispatch.c - the broker's op table: which op is allowed in which
 * state, how statement calls are checked against the catalogue, and that
 * identity (the user id) comes from the channel, never from a frame.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "broker/dispatch.h"
#include "unit.h"

static const char catalogue_text[] =
    "statement note_add anonymous\n"
    "\tparam title text 5\n\tparam pin bool\n"
    "\tsql INSERT INTO notes VALUES ($1, $2)\nend\n"
    "statement note_get user\n"
    "\tparam id int\n\tparam owner int session.user_id\n"
    "\tsql SELECT 1 WHERE $1 = $2\nend\n"
    "statement lock_user admin\n\tparam id int\n\tsql SELECT $1\nend\n"
    "statement file_add anonymous\n\tparam stored text 32 file.name\n"
    "\tsql INSERT INTO f VALUES ($1)\nend\n"
    "statement file_get anonymous\n\tparam id int\n\topens file\n"
    "\tsql SELECT stored FROM f WHERE id = $1\nend\n";

static struct catalogue		 cat;
static struct channel		*ch;
static struct proto_writer	 w, reply;

static int
setup(void)
{
	char err[CATALOGUE_ERR_MAX];

	if (catalogue_parse(&cat, "t", catalogue_text,
	    sizeof(catalogue_text) - 1, err, sizeof(err)) != 0)
		return -1;
	return (ch = calloc(1, sizeof(*ch))) == NULL ? -1 : 0;
}

/* Reset the channel to state with user uid (0: nobody) and role. */
static void
channel_in(enum channel_state state, int64_t uid, enum stmt_role role)
{
	memset(ch, 0, sizeof(*ch));
	ch->state = state;
	ch->user_id = uid;
	ch->role = role;
	ch->file_in = -1;
}

/* Dispatch the frame in w; returns what dispatch_frame returned. */
static int
run(int fd, bool *has_reply)
{
	struct dispatch_ctx ctx = { .cat = &cat, .reply = &reply, .fd = fd };
	int rc;

	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&w), 0);
	rc = dispatch_frame(&ctx, ch, w.buf, w.len);
	if (has_reply != NULL)
		*has_reply = ctx.has_reply;
	return rc;
}

static void
test_states(void)
{
	bool has_reply;

	channel_in(CH_NEW, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_PING, 1);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "op 8 not allowed in state new");
	channel_in(CH_NEW, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_HELLO, 1);
	proto_put_i64(&w, 2);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "protocol version 2, want 1");
	channel_in(CH_NEW, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_HELLO, 1);
	proto_put_i64(&w, 1);
	CU_ASSERT_EQUAL(run(-1, &has_reply), 0);
	CU_ASSERT_TRUE(has_reply);
	CU_ASSERT_EQUAL(ch->state, CH_IDLE);
	proto_writer_begin(&w, PROTO_OP_STMT, 2);
	proto_put_text(&w, "note_add", 8);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "op 4 not allowed in state idle");
	channel_in(CH_IDLE, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_REQUEST_BEGIN, 0);
	CU_ASSERT_EQUAL(run(-1, &has_reply), 0);
	CU_ASSERT_FALSE(has_reply);
	CU_ASSERT_EQUAL(ch->state, CH_REQUEST);
	proto_writer_begin(&w, PROTO_OP_REQUEST_END, 0);
	CU_ASSERT_EQUAL(run(-1, NULL), 0);
	CU_ASSERT_EQUAL(ch->state, CH_IDLE);
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, 0x8001, 1);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "unknown op 32769");
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_CTL_CHANNEL, 1);
	proto_put_i64(&w, 1);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "unknown op 16385");
}

static void
test_statement_checks(void)
{
	static const struct {
		const char	*name;
		int		 extra;	/* 0 none, 1 text, 2 i64 */
		const char	*reason;
	} cases[] = {
		{ "note_drop", 0, "unknown statement \"note_drop\"" },
		{ "note_get", 2, "statement note_get needs a signed-in user" },
	};
	size_t i;

	for (i = 0; i < MOAT_NELEM(cases); i++) {
		channel_in(CH_REQUEST, 0, ROLE_USER);
		proto_writer_begin(&w, PROTO_OP_STMT, 3);
		proto_put_text(&w, cases[i].name, strlen(cases[i].name));
		if (cases[i].extra == 2)
			proto_put_i64(&w, 1);
		CU_ASSERT_EQUAL(run(-1, NULL), -1);
		CU_ASSERT_STRING_EQUAL(ch->reason, cases[i].reason);
	}
	/* Title over its maximum of 5 bytes. */
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_STMT, 3);
	proto_put_text(&w, "note_add", 8);
	proto_put_text(&w, "123456", 6);
	proto_put_bool(&w, true);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "statement note_add: parameter "
	    "title missing, of the wrong type or too long");
	/* Exactly at the maximum, and NULL for the bool. */
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_STMT, 4);
	proto_put_text(&w, "note_add", 8);
	proto_put_text(&w, "12345", 5);
	proto_put_null(&w);
	CU_ASSERT_EQUAL_FATAL(run(-1, NULL), 0);
	CU_ASSERT_EQUAL(ch->state, CH_DB);
	CU_ASSERT_EQUAL(ch->db_seq, 4);
	CU_ASSERT_EQUAL(ch->ncalls, 1);
	CU_ASSERT_STRING_EQUAL(ch->calls[0].values[0].p, "12345");
	CU_ASSERT_TRUE(ch->calls[0].values[1].is_null);
	/* A frame while the statement runs is refused by the broker loop. */
}

static void
test_identity_from_channel(void)
{
	channel_in(CH_REQUEST, 42, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_STMT, 5);
	proto_put_text(&w, "note_get", 8);
	proto_put_i64(&w, 7);
	CU_ASSERT_EQUAL_FATAL(run(-1, NULL), 0);
	CU_ASSERT_EQUAL(ch->calls[0].values[0].i, 7);
	CU_ASSERT_EQUAL(ch->calls[0].values[1].i, 42);
	/* Trying to pass the owner too is an extra parameter. */
	channel_in(CH_REQUEST, 42, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_STMT, 6);
	proto_put_text(&w, "note_get", 8);
	proto_put_i64(&w, 7);
	proto_put_i64(&w, 1);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "statement note_get: extra "
	    "parameters");
	/* Admin statements need the admin role, not just a user. */
	channel_in(CH_REQUEST, 42, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_STMT, 7);
	proto_put_text(&w, "lock_user", 9);
	proto_put_i64(&w, 1);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "statement lock_user needs a "
	    "signed-in admin");
	channel_in(CH_REQUEST, 42, ROLE_ADMIN);
	proto_writer_begin(&w, PROTO_OP_STMT, 7);
	proto_put_text(&w, "lock_user", 9);
	proto_put_i64(&w, 1);
	CU_ASSERT_EQUAL(run(-1, NULL), 0);
}

static void
test_batches_and_files(void)
{
	int64_t i;

	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_BATCH, 8);
	proto_put_i64(&w, DB_MAX_BATCH + 1);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "batch size must be 1..32");
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_BATCH, 8);
	proto_put_i64(&w, 20);
	for (i = 0; i < 20; i++) {
		proto_put_text(&w, "note_add", 8);
		proto_put_text(&w, "t", 1);
		proto_put_bool(&w, i % 2);
	}
	CU_ASSERT_EQUAL_FATAL(run(-1, NULL), 0);
	CU_ASSERT_EQUAL(ch->ncalls, 20);
	CU_ASSERT_EQUAL(ch->calls[19].values[1].b, true);
	/* A file statement as a plain statement, and FILE_STORE without fd. */
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_STMT, 9);
	proto_put_text(&w, "file_add", 8);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "statement file_add needs a file");
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_FILE_STORE, 9);
	proto_put_text(&w, "file_add", 8);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "FILE_STORE without content");
	/* With content: the broker keeps the fd and names the file. */
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_FILE_STORE, 9);
	proto_put_text(&w, "file_add", 8);
	CU_ASSERT_EQUAL(run(99, NULL), 0);
	CU_ASSERT_EQUAL(ch->file_in, 99);
	CU_ASSERT_EQUAL(ch->file_op, FILE_OP_STORE);
	CU_ASSERT_PTR_EQUAL(ch->calls[0].values[0].p, ch->file_name);
	/* A descriptor with any other op is refused. */
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_FILE_OPEN, 10);
	proto_put_text(&w, "file_get", 8);
	proto_put_i64(&w, 1);
	CU_ASSERT_EQUAL(run(99, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "a descriptor came with op 7");
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_FILE_OPEN, 10);
	proto_put_text(&w, "note_add", 8);
	proto_put_text(&w, "t", 1);
	proto_put_bool(&w, true);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "statement note_add does not open "
	    "files");
	/* An "opens file" statement anywhere else would hand the worker
	 * the stored name: as a plain statement, or inside a batch. */
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_STMT, 10);
	proto_put_text(&w, "file_get", 8);
	proto_put_i64(&w, 1);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "statement file_get opens a file: "
	    "only with FILE_OPEN");
	CU_ASSERT_NOT_EQUAL(ch->state, CH_DB);
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_BATCH, 10);
	proto_put_i64(&w, 2);
	proto_put_text(&w, "note_add", 8);
	proto_put_text(&w, "t", 1);
	proto_put_bool(&w, true);
	proto_put_text(&w, "file_get", 8);
	proto_put_i64(&w, 1);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "statement file_get opens a file: "
	    "not in a batch");
	CU_ASSERT_NOT_EQUAL(ch->state, CH_DB);
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_FILE_OPEN, 10);
	proto_put_text(&w, "file_get", 8);
	proto_put_i64(&w, 1);
	CU_ASSERT_EQUAL(run(-1, NULL), 0);
	CU_ASSERT_EQUAL(ch->file_op, FILE_OP_OPEN);
}

/* A note_add statement with the begin flag, in w. */
static void
begin_note_add(uint32_t seq)
{
	proto_writer_begin(&w, PROTO_OP_STMT, seq);
	proto_writer_flags(&w, PROTO_FLAG_BEGIN);
	proto_put_text(&w, "note_add", 8);
	proto_put_text(&w, "t", 1);
	proto_put_bool(&w, false);
}

static void
test_begin_flag(void)
{
	/* A statement that begins its request, from idle. */
	channel_in(CH_IDLE, 0, ROLE_USER);
	begin_note_add(11);
	CU_ASSERT_EQUAL(run(-1, NULL), 0);
	CU_ASSERT_EQUAL(ch->state, CH_DB);
	/*
	 * Inside a request that held nothing, it ends that one and begins
	 * its own (the worker sent no REQUEST_END).
	 */
	channel_in(CH_REQUEST, 0, ROLE_ANONYMOUS);
	begin_note_add(12);
	CU_ASSERT_EQUAL(run(-1, NULL), 0);
	CU_ASSERT_EQUAL(ch->state, CH_DB);
	/* Not while the open request holds a user, a role or a session. */
	channel_in(CH_REQUEST, 0, ROLE_USER);
	begin_note_add(13);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "op 4 begins a request in state "
	    "request holding a session");
	channel_in(CH_REQUEST, 7, ROLE_ANONYMOUS);
	begin_note_add(14);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	channel_in(CH_REQUEST, 0, ROLE_ANONYMOUS);
	ch->has_session = true;
	begin_note_add(15);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_TRUE(ch->has_session);
	/* Nor on ops that do not start a request's work. */
	channel_in(CH_IDLE, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_PING, 13);
	proto_writer_flags(&w, PROTO_FLAG_BEGIN);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "begin flag on op 8");
	/* REQUEST_BEGIN follows the same rule as the flag. */
	channel_in(CH_REQUEST, 0, ROLE_ANONYMOUS);
	proto_writer_begin(&w, PROTO_OP_REQUEST_BEGIN, 0);
	CU_ASSERT_EQUAL(run(-1, NULL), 0);
	CU_ASSERT_EQUAL(ch->state, CH_REQUEST);
	ch->has_session = true;
	proto_writer_begin(&w, PROTO_OP_REQUEST_BEGIN, 0);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "op 2 begins a request in state "
	    "request holding a session");
	channel_in(CH_DB, 0, ROLE_ANONYMOUS);
	begin_note_add(16);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "op 4 begins a request in state db");
}

static void
test_malformed(void)
{
	static const unsigned char short_frame[] = { 0, 0, 0 };

	channel_in(CH_REQUEST, 0, ROLE_USER);
	{
		struct dispatch_ctx ctx = { .cat = &cat, .reply = &reply,
		    .fd = -1 };

		CU_ASSERT_EQUAL(dispatch_frame(&ctx, ch, short_frame,
		    sizeof(short_frame)), -1);
		CU_ASSERT_STRING_EQUAL(ch->reason, "malformed frame (3 bytes)");
	}
	channel_in(CH_REQUEST, 0, ROLE_USER);
	proto_writer_begin(&w, PROTO_OP_PING, 1);
	proto_put_i64(&w, 1);
	CU_ASSERT_EQUAL(run(-1, NULL), -1);
	CU_ASSERT_STRING_EQUAL(ch->reason, "malformed PING");
}

int
register_dispatch_tests(void)
{
	static const struct unit_test tests[] = {
		{ "ops allowed per state", test_states },
		{ "statement calls checked", test_statement_checks },
		{ "identity comes from the channel", test_identity_from_channel },
		{ "batches and file ops", test_batches_and_files },
		{ "begin flag", test_begin_flag },
		{ "malformed frames", test_malformed },
	};

	if (setup() != 0)
		return -1;
	return unit_add_suite("dispatch", tests, MOAT_NELEM(tests));
}
