/*
 * test_catalogue.c - the statement catalogue parser: the format that
 * bounds everything a worker can make the database do.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "broker/catalogue.h"
#include "unit.h"

static const char good[] =
    "# notes\n"
    "statement note_get user\n"
    "\tparam id int\n"
    "\tparam owner int session.user_id\n"
    "\tsensitive body\n"
    "\tsql SELECT id, title, body FROM notes\n"
    "\tsql  WHERE id = $1 AND owner = $2\n"
    "end\n"
    "\n"
    "statement note_add user\r\n"
    "\tparam owner int session.user_id\r\n"
    "\tparam title text 200\r\n"
    "\tparam body text 100000\r\n"
    "\tparam pinned bool\r\n"
    "\tparam blob bytes 16\r\n"
    "\tsql INSERT INTO notes (owner, title, body, pinned, blob)\r\n"
    "\tsql VALUES ($1, $2, $3, $4, $5) RETURNING id\r\n"
    "end\r\n"
    "statement health anonymous\n"
    "\tsql SELECT 1\n"
    "end\n";

/* Parse text; returns the parser's result and leaves the error in err. */
static int
parse(struct catalogue *c, const char *text, char *err)
{
	err[0] = '\0';
	return catalogue_parse(c, "cat", text, strlen(text), err,
	    CATALOGUE_ERR_MAX);
}

static void
test_good_catalogue(void)
{
	struct catalogue c;
	char err[CATALOGUE_ERR_MAX];
	const struct stmt *s;

	CU_ASSERT_EQUAL_FATAL(parse(&c, good, err), 0);
	CU_ASSERT_EQUAL(c.count, 3);
	s = catalogue_find(&c, "note_get", 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->role, ROLE_USER);
	CU_ASSERT_EQUAL(s->nparams, 2);
	CU_ASSERT_EQUAL(s->nworker, 1);
	CU_ASSERT_EQUAL(s->params[0].type, PARAM_INT);
	CU_ASSERT_EQUAL(s->params[0].source, SOURCE_WORKER);
	CU_ASSERT_EQUAL(s->params[1].source, SOURCE_SESSION_USER);
	CU_ASSERT_EQUAL(s->nsensitive, 1);
	CU_ASSERT_STRING_EQUAL(s->sensitive[0].name, "body");
	CU_ASSERT_STRING_EQUAL(s->sql, "SELECT id, title, body FROM notes\n"
	    " WHERE id = $1 AND owner = $2");
	CU_ASSERT_EQUAL(s->line, 2);
	s = catalogue_find(&c, "note_add", 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->nparams, 5);
	CU_ASSERT_EQUAL(s->nworker, 4);
	CU_ASSERT_EQUAL(s->params[1].type, PARAM_TEXT);
	CU_ASSERT_EQUAL(s->params[1].max, 200);
	CU_ASSERT_EQUAL(s->params[3].type, PARAM_BOOL);
	CU_ASSERT_EQUAL(s->params[4].type, PARAM_BYTES);
	CU_ASSERT_EQUAL(s->params[4].max, 16);
	CU_ASSERT_STRING_EQUAL(s->sql, "INSERT INTO notes (owner, title, body, "
	    "pinned, blob)\nVALUES ($1, $2, $3, $4, $5) RETURNING id");
	s = catalogue_find(&c, "health", 6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->role, ROLE_ANONYMOUS);
	CU_ASSERT_EQUAL(s->nparams, 0);
	CU_ASSERT_PTR_NULL(catalogue_find(&c, "note", 4));
	CU_ASSERT_PTR_NULL(catalogue_find(&c, "note_get_x", 10));
	CU_ASSERT_PTR_NULL(catalogue_find(&c, "", 0));
	catalogue_free(&c);
}

static const struct {
	const char	*text;
	const char	*error;
} bad[] = {
	{ "statement a user\nsql SELECT 1\n",
	    "cat:2: statement a: missing \"end\" at end of file" },
	{ "statement a user\nsql SELECT 1\nstatement b user\n",
	    "cat:3: statement a: missing \"end\"" },
	{ "param x int\n", "cat:1: \"param\" outside a statement" },
	{ "statement A user\nend\n", "cat:1: bad statement name \"A\"" },
	{ "statement a root\nend\n",
	    "cat:1: statement a: role must be anonymous, user or admin" },
	{ "statement a user extra\nend\n",
	    "cat:1: expected \"statement NAME ROLE\"" },
	{ "statement a user\nsql SELECT 1\nend\nstatement a user\n",
	    "cat:4: statement a declared twice" },
	{ "statement a user\nend\n", "cat:2: statement a: no sql" },
	{ "statement a user\nsql SELECT 1; DROP TABLE x\nend\n",
	    "cat:3: statement a: ';' in sql: one statement per entry" },
	{ "statement a user\nsql SELECT $1\nend\n",
	    "cat:3: statement a: sql uses $1 but only 0 parameters are "
	    "declared" },
	{ "statement a user\nparam x int\nsql SELECT 1\nend\n",
	    "cat:4: statement a: parameter x ($1) is not used in the sql" },
	{ "statement a user\nparam x float\nsql SELECT $1\nend\n",
	    "cat:2: statement a: unknown type \"float\" (int, text, bool, "
	    "bytes)" },
	{ "statement a user\nparam x text\nsql SELECT $1\nend\n",
	    "cat:2: statement a: text parameter x needs a maximum length" },
	{ "statement a user\nparam x text 0\nsql SELECT $1\nend\n",
	    "cat:2: statement a: bad maximum length \"0\"" },
	{ "statement a user\nparam x text 12abc\nsql SELECT $1\nend\n",
	    "cat:2: statement a: bad maximum length \"12abc\"" },
	{ "statement a user\nparam x text 99999999999999999999999\n",
	    "cat:2: statement a: bad maximum length "
	    "\"99999999999999999999999\"" },
	{ "statement a user\nparam x int\nparam x int\n",
	    "cat:3: statement a: parameter x declared twice" },
	{ "statement a user\nparam x text 5 session.user_id\n",
	    "cat:2: statement a: session.user_id fills an int parameter: "
	    "\"param NAME int session.user_id\"" },
	{ "statement a user\nparam x int session.other\n",
	    "cat:2: statement a: unknown source \"session.other\"" },
	{ "statement a user\nsensitive\n",
	    "cat:2: statement a: expected \"sensitive COLUMN [bound "
	    "PARAM]\"" },
	{ "statement a user\nsensitive b\nsensitive b\n",
	    "cat:3: statement a: sensitive b declared twice" },
	{ "statement a user\nsensitive B\n",
	    "cat:2: statement a: expected \"sensitive COLUMN [bound "
	    "PARAM]\"" },
	{ "statement a user\nsensitive b c\n",
	    "cat:2: statement a: expected \"sensitive COLUMN [bound "
	    "PARAM]\"" },
	{ "statement a user\nparam n int\nsensitive n\nsql SELECT $1\nend\n",
	    "cat:5: statement a: sensitive n is an int parameter; only text "
	    "parameters can be sealed" },
	{ "statement a user\nsensitive f\nparam f bool\nsql SELECT $1\nend\n",
	    "cat:5: statement a: sensitive f is a bool parameter; only text "
	    "parameters can be sealed" },
	{ "statement a user\nparam b bytes 9\nsensitive b\nsql SELECT $1\n"
	    "end\n",
	    "cat:5: statement a: sensitive b is a bytes parameter; only text "
	    "parameters can be sealed" },
	{ "statement a user\nparam u int session.user_id\nsensitive u\n"
	    "sql SELECT $1\nend\n",
	    "cat:5: statement a: sensitive u is an int parameter; only text "
	    "parameters can be sealed" },
	{ "statement a user\nparam s text 32 file.name\nsensitive s\n"
	    "sql SELECT $1\nend\n",
	    "cat:5: statement a: sensitive s is filled by the broker; only "
	    "parameters the worker sends can be sealed" },
	{ "statement a user\nparam s text 32 file.name\nopens file\n"
	    "sql SELECT $1\nend\n",
	    "cat:5: statement a: a statement stores a file (file.name) or "
	    "opens one (opens file), not both" },
	{ "statement a user\nsensitive b bound\n",
	    "cat:2: statement a: expected \"sensitive COLUMN [bound "
	    "PARAM]\"" },
	{ "statement a user\nsensitive b tied owner\n",
	    "cat:2: statement a: expected \"sensitive COLUMN [bound "
	    "PARAM]\"" },
	{ "statement a user\nsensitive b bound Owner\n",
	    "cat:2: statement a: expected \"sensitive COLUMN [bound "
	    "PARAM]\"" },
	{ "statement a user\nsensitive b bound owner x\n",
	    "cat:2: statement a: expected \"sensitive COLUMN [bound "
	    "PARAM]\"" },
	{ "statement a user\nsensitive b bound owner\nsql SELECT 1\nend\n",
	    "cat:2: statement a: sensitive b is bound to owner, which is no "
	    "parameter" },
	{ "statement a user\nparam f bool\nsensitive b bound f\n"
	    "sql SELECT $1\nend\n",
	    "cat:3: statement a: sensitive b is bound to f: a binding is an "
	    "int or a text parameter of at most 256 bytes" },
	{ "statement a user\nparam f bytes 8\nsensitive b bound f\n"
	    "sql SELECT $1\nend\n",
	    "cat:3: statement a: sensitive b is bound to f: a binding is an "
	    "int or a text parameter of at most 256 bytes" },
	{ "statement a user\nparam f text 257\nsensitive b bound f\n"
	    "sql SELECT $1\nend\n",
	    "cat:3: statement a: sensitive b is bound to f: a binding is an "
	    "int or a text parameter of at most 256 bytes" },
	{ "statement a user\nparam x text 9\nparam y text 9\nsensitive x\n"
	    "sensitive y bound x\nsql SELECT $1, $2\nend\n",
	    "cat:5: statement a: sensitive y is bound to x, which is sealed "
	    "itself" },
	{ "statement a user\nparam x text 9\nsensitive x bound x\n"
	    "sql SELECT $1\nend\n",
	    "cat:3: statement a: sensitive x is bound to x, which is sealed "
	    "itself" },
	{ "statement a user\nparam s text 32 file.name\nsensitive b bound s\n"
	    "sql SELECT $1\nend\n",
	    "cat:3: statement a: sensitive b is bound to s, which is a stored "
	    "file's name" },
	/* Across statements: every one that seals or opens a name binds
	 * it alike, and the first that does not is named. */
	{ "statement a user\nparam owner int session.user_id\n"
	    "sensitive body bound owner\nsql SELECT body FROM n WHERE o = $1\n"
	    "end\nstatement b user\nsensitive body\nsql SELECT body FROM n\n"
	    "end\n",
	    "cat:7: statement b: sensitive body is bound to nothing here but to "
	    "owner (int, session.user_id) in statement a (line 3): every "
	    "statement that seals or opens body must bind it alike" },
	{ "statement b user\nsensitive body\nsql SELECT body FROM n\nend\n"
	    "statement a user\nparam owner int session.user_id\n"
	    "sensitive body bound owner\nsql SELECT body FROM n WHERE o = $1\n"
	    "end\n",
	    "cat:7: statement a: sensitive body is bound to owner (int, "
	    "session.user_id) here but to nothing in statement b (line 2): "
	    "every statement that seals or opens body must bind it alike" },
	{ "statement a user\nparam owner int session.user_id\n"
	    "sensitive body bound owner\nsql SELECT body FROM n WHERE o = $1\n"
	    "end\nstatement b user\nparam owner int\n"
	    "sensitive body bound owner\nsql SELECT body FROM n WHERE o = $1\n"
	    "end\n",
	    "cat:8: statement b: sensitive body is bound to owner (int, sent by "
	    "the worker) here but to owner (int, session.user_id) in "
	    "statement a (line 3): every statement that seals or opens body "
	    "must bind it alike" },
	{ "statement a user\nparam owner int\nsensitive body bound owner\n"
	    "sql SELECT body FROM n WHERE o = $1\nend\n"
	    "statement b user\nparam author int\nsensitive body bound author\n"
	    "sql SELECT body FROM n WHERE o = $1\nend\n"
	    "statement c user\nparam owner text 9\nsensitive body bound owner\n"
	    "sql SELECT body FROM n WHERE o = $1\nend\n",
	    "cat:8: statement b: sensitive body is bound to author (int, sent "
	    "by the worker) here but to owner (int, sent by the worker) in "
	    "statement a (line 3): every statement that seals or opens body "
	    "must bind it alike" },
	{ "statement a user\nparam owner int\nsensitive body bound owner\n"
	    "sql SELECT body FROM n WHERE o = $1\nend\n"
	    "statement c user\nparam owner text 9\nsensitive body bound owner\n"
	    "sql SELECT body FROM n WHERE o = $1\nend\n",
	    "cat:8: statement c: sensitive body is bound to owner (text, sent "
	    "by the worker) here but to owner (int, sent by the worker) in "
	    "statement a (line 3): every statement that seals or opens body "
	    "must bind it alike" },
	{ "statement a user\nselect 1\n",
	    "cat:2: statement a: unknown keyword \"select\"" },
	{ "statement a user\nparam 9x int\n",
	    "cat:2: statement a: bad parameter name \"9x\"" },
};

static void
test_bad_catalogues(void)
{
	struct catalogue c;
	char err[CATALOGUE_ERR_MAX];
	size_t i;

	for (i = 0; i < MOAT_NELEM(bad); i++) {
		CU_ASSERT_EQUAL(parse(&c, bad[i].text, err), -1);
		CU_ASSERT_STRING_EQUAL(err, bad[i].error);
		catalogue_free(&c);
	}
}

/*
 * A sensitive name seals the text parameter of that name and opens the
 * result column of that name; a name that is no parameter is a column.
 */
static void
test_sensitive(void)
{
	static const char text[] =
	    "statement secret_add user\n"
	    "\tparam owner int session.user_id\n"
	    "\tparam label text 20\n"
	    "\tsensitive secret\n"
	    "\tparam secret text 100\n"
	    "\tsql INSERT INTO s (owner, label, secret) VALUES ($1, $2, $3)\n"
	    "end\n"
	    "statement secret_get user\n"
	    "\tparam owner int session.user_id\n"
	    "\tsensitive secret\n"
	    "\tsensitive hint\n"
	    "\tsql SELECT label, secret, hint FROM s WHERE owner = $1\n"
	    "end\n";
	struct catalogue c;
	char err[CATALOGUE_ERR_MAX], path[] = "/tmp/moat-cat-test.XXXXXX";
	const struct stmt *s;
	int fd;

	CU_ASSERT_EQUAL_FATAL(parse(&c, text, err), 0);
	s = catalogue_find(&c, "secret_add", 10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_FALSE(s->params[0].sensitive);
	CU_ASSERT_FALSE(s->params[1].sensitive);
	CU_ASSERT_TRUE(s->params[2].sensitive);
	CU_ASSERT_TRUE(stmt_is_sensitive(s, "secret"));
	CU_ASSERT_FALSE(stmt_is_sensitive(s, "label"));
	CU_ASSERT_FALSE(stmt_is_sensitive(s, "secre"));
	s = catalogue_find(&c, "secret_get", 10);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->nsensitive, 2);
	CU_ASSERT_FALSE(s->params[0].sensitive);
	CU_ASSERT_TRUE(stmt_is_sensitive(s, "hint"));
	catalogue_free(&c);
	/* Loading no longer refuses a catalogue with sensitive columns. */
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, sizeof(text) - 1) ==
	    (ssize_t)sizeof(text) - 1);
	close(fd);
	CU_ASSERT_EQUAL(catalogue_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.count, 2);
	catalogue_free(&c);
	unlink(path);
}

/*
 * "sensitive NAME bound PARAM": the parameter's value binds the sealed
 * value to its row, wherever NAME is sealed or opened; other names are
 * free to be bound otherwise, or not at all.
 */
static void
test_bound(void)
{
	static const char text[] =
	    "statement note_add user\n"
	    "\tparam owner int session.user_id\n"
	    "\tparam body text 100\n"
	    "\tsensitive body bound owner\n"
	    "\tsql INSERT INTO n (owner, body) VALUES ($1, $2)\n"
	    "end\n"
	    "statement note_get user\n"
	    "\tparam id int\n"
	    "\tsensitive body bound owner\n"
	    "\tsensitive hint\n"
	    "\tparam owner int session.user_id\n"
	    "\tsql SELECT body, hint FROM n WHERE id = $1 AND owner = $2\n"
	    "end\n"
	    "statement tag_get user\n"
	    "\tparam tag text 256\n"
	    "\tsensitive label bound tag\n"
	    "\tsql SELECT label FROM t WHERE tag = $1\n"
	    "end\n";
	const struct stmt_sensitive *e;
	struct catalogue c;
	char err[CATALOGUE_ERR_MAX];
	const struct stmt *s;

	CU_ASSERT_EQUAL_FATAL(parse(&c, text, err), 0);
	s = catalogue_find(&c, "note_add", 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	e = stmt_sensitive(s, "body");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->bound, 0);
	CU_ASSERT_STRING_EQUAL(e->bind, "owner");
	CU_ASSERT_EQUAL(e->line, 4);
	CU_ASSERT_TRUE(s->params[1].sensitive);
	CU_ASSERT_FALSE(s->params[0].sensitive);
	/* Bound to a parameter declared after it. */
	s = catalogue_find(&c, "note_get", 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(stmt_sensitive(s, "body")->bound, 1);
	CU_ASSERT_EQUAL(stmt_sensitive(s, "hint")->bound, -1);
	CU_ASSERT_PTR_NULL(stmt_sensitive(s, "hint")->bind);
	CU_ASSERT_PTR_NULL(stmt_sensitive(s, "title"));
	s = catalogue_find(&c, "tag_get", 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(stmt_sensitive(s, "label")->bound, 0);
	catalogue_free(&c);
}

static void
test_hostile_bytes(void)
{
	static const char nul[] = "statement a user\nsql SELECT\0 1\nend\n";
	struct catalogue c;
	char err[CATALOGUE_ERR_MAX], *big;
	size_t n;

	CU_ASSERT_EQUAL(catalogue_parse(&c, "cat", nul, sizeof(nul) - 1, err,
	    sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "cat:2: statement a: NUL byte");
	catalogue_free(&c);
	/* One line longer than the line cap. */
	n = 5000;
	big = calloc(1, n + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'x', n);
	CU_ASSERT_EQUAL(parse(&c, big, err), -1);
	CU_ASSERT_STRING_EQUAL(err, "cat:1: line too long");
	catalogue_free(&c);
	free(big);
	/* Too many parameters for one statement. */
	big = calloc(1, 64 * 40);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memcpy(big, "statement a user\n", 17);
	for (n = 0; n < 33; n++)
		snprintf(big + strlen(big), 64, "param p%zu int\n", n);
	CU_ASSERT_EQUAL(parse(&c, big, err), -1);
	CU_ASSERT_STRING_EQUAL(err, "cat:34: statement a: more than 32 "
	    "parameters");
	catalogue_free(&c);
	free(big);
	/* An empty catalogue is valid and empty. */
	CU_ASSERT_EQUAL(parse(&c, "", err), 0);
	CU_ASSERT_EQUAL(c.count, 0);
	catalogue_free(&c);
}

int
register_catalogue_tests(void)
{
	static const struct unit_test tests[] = {
		{ "good catalogue", test_good_catalogue },
		{ "bad catalogues name file:line", test_bad_catalogues },
		{ "sensitive parameters and columns", test_sensitive },
		{ "sensitive columns bound to their row", test_bound },
		{ "hostile bytes and sizes", test_hostile_bytes },
	};

	return unit_add_suite("catalogue", tests, MOAT_NELEM(tests));
}
