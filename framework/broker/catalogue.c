/*
 * catalogue.c - parsing the statement catalogue (see catalogue.h and
 * sql/README.md for the format).
 *
 * The catalogue is the broker's whole SQL surface, so the parser is strict:
 * every parameter is typed and bounded, every $N in the SQL must have a
 * declared parameter and every parameter must be used, and an error names
 * the file, the line and the statement.  The broker refuses to start on
 * any error rather than run with part of the catalogue.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker/catalogue.h"

#define CATALOGUE_FILE_MAX	(4 * 1024 * 1024)
#define CATALOGUE_LINE_MAX	4096
#define CATALOGUE_SQL_MAX	(64 * 1024)

struct cat_parser {
	struct catalogue	*c;
	const char		*name;
	unsigned int		 line;
	struct stmt		*cur;		/* open statement, or NULL */
	char			*err;
	size_t			 errlen;
};

static int
cat_error(struct cat_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
cat_error(struct cat_parser *p, const char *fmt, ...)
{
	char reason[CATALOGUE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (p->cur != NULL)
		snprintf(p->err, p->errlen, "%s:%u: statement %s: %s", p->name,
		    p->line, p->cur->name, reason);
	else
		snprintf(p->err, p->errlen, "%s:%u: %s", p->name, p->line,
		    reason);
	return -1;
}

static bool
is_identifier(const char *s)
{
	size_t n = 0;

	if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (; *s != '\0'; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return false;
	return n <= CATALOGUE_NAME_MAX;
}

/* Split line into at most max words separated by spaces or tabs. */
static size_t
split_words(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *save = NULL, *w;

	for (w = strtok_r(line, " \t", &save); w != NULL && n < max;
	    w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	return w == NULL ? n : max + 1;
}

static int
parse_role(const char *s, enum stmt_role *role)
{
	if (strcmp(s, "anonymous") == 0)
		*role = ROLE_ANONYMOUS;
	else if (strcmp(s, "user") == 0)
		*role = ROLE_USER;
	else if (strcmp(s, "admin") == 0)
		*role = ROLE_ADMIN;
	else
		return -1;
	return 0;
}

/* Room for one more statement; the array doubles as needed. */
static int
grow(struct catalogue *c)
{
	struct stmt *more;
	size_t cap = c->cap == 0 ? 16 : c->cap * 2;

	if (c->count < c->cap)
		return 0;
	if ((more = reallocarray(c->stmts, cap, sizeof(*more))) == NULL)
		return -1;
	c->stmts = more;
	c->cap = cap;
	return 0;
}

static int
begin_statement(struct cat_parser *p, char **w, size_t n)
{
	struct catalogue *c = p->c;
	struct stmt *s;

	if (n != 3)
		return cat_error(p, "expected \"statement NAME ROLE\"");
	if (!is_identifier(w[1]))
		return cat_error(p, "bad statement name \"%.64s\"", w[1]);
	if (catalogue_find(c, w[1], strlen(w[1])) != NULL)
		return cat_error(p, "statement %s declared twice", w[1]);
	if (c->count == CATALOGUE_MAX_STMTS)
		return cat_error(p, "more than %d statements",
		    CATALOGUE_MAX_STMTS);
	if (grow(c) != 0)
		return cat_error(p, "out of memory");
	s = &c->stmts[c->count];
	memset(s, 0, sizeof(*s));
	memcpy(s->name, w[1], strlen(w[1]) + 1);
	s->line = p->line;
	p->cur = s;
	c->count++;
	if (parse_role(w[2], &s->role) != 0)
		return cat_error(p, "role must be anonymous, user or admin");
	return 0;
}

static int
parse_param_type(struct cat_parser *p, struct stmt_param *sp, char **w,
    size_t n)
{
	char *end;

	if (strcmp(w[2], "int") == 0 || strcmp(w[2], "bool") == 0) {
		sp->type = w[2][0] == 'i' ? PARAM_INT : PARAM_BOOL;
		return n == 3 || n == 4 ? 0 :
		    cat_error(p, "expected \"param NAME %s [session.user_id]\"",
		    w[2]);
	}
	if (strcmp(w[2], "text") != 0 && strcmp(w[2], "bytes") != 0)
		return cat_error(p, "unknown type \"%.32s\" (int, text, bool, "
		    "bytes)", w[2]);
	sp->type = w[2][0] == 't' ? PARAM_TEXT : PARAM_BYTES;
	if (n < 4)
		return cat_error(p, "%s parameter %s needs a maximum length",
		    w[2], sp->name);
	errno = 0;
	sp->max = strtoul(w[3], &end, 10);
	if (errno != 0 || *end != '\0' || w[3][0] < '1' || w[3][0] > '9' ||
	    sp->max > 16 * 1024 * 1024)
		return cat_error(p, "bad maximum length \"%.32s\"", w[3]);
	return n == 4 ? 0 : cat_error(p, "unexpected words after the length");
}

static int
add_param(struct cat_parser *p, char **w, size_t n)
{
	struct stmt *s = p->cur;
	struct stmt_param *sp;
	const char *last;
	size_t i;

	if (n < 3)
		return cat_error(p, "expected \"param NAME TYPE ...\"");
	if (s->nparams == CATALOGUE_MAX_PARAMS)
		return cat_error(p, "more than %d parameters",
		    CATALOGUE_MAX_PARAMS);
	if (!is_identifier(w[1]))
		return cat_error(p, "bad parameter name \"%.64s\"", w[1]);
	for (i = 0; i < s->nparams; i++)
		if (strcmp(s->params[i].name, w[1]) == 0)
			return cat_error(p, "parameter %s declared twice",
			    w[1]);
	sp = &s->params[s->nparams++];
	memcpy(sp->name, w[1], strlen(w[1]) + 1);
	sp->source = SOURCE_WORKER;
	last = w[n - 1];
	if (strcmp(last, "session.user_id") == 0) {
		if (strcmp(w[2], "int") != 0 || n != 4)
			return cat_error(p, "session.user_id fills an int "
			    "parameter: \"param NAME int session.user_id\"");
		sp->type = PARAM_INT;
		sp->source = SOURCE_SESSION_USER;
		return 0;
	}
	if (strcmp(last, "file.name") == 0) {
		/* The broker makes the name: 32 hex digits. */
		if (strcmp(w[2], "text") != 0 || n != 5 || s->stores_file)
			return cat_error(p, "file.name fills one text parameter: "
			    "\"param NAME text 32 file.name\"");
		if (parse_param_type(p, sp, w, 4) != 0)
			return -1;
		if (sp->max < 32)
			return cat_error(p, "a file.name parameter needs room "
			    "for 32 bytes");
		sp->source = SOURCE_FILE_NAME;
		s->stores_file = true;
		return 0;
	}
	if (n == 4 && (strcmp(w[2], "int") == 0 || strcmp(w[2], "bool") == 0))
		return cat_error(p, "unknown source \"%.32s\"", last);
	if (parse_param_type(p, sp, w, n) != 0)
		return -1;
	s->nworker++;
	return 0;
}

static int
add_sensitive(struct cat_parser *p, char **w, size_t n)
{
	struct stmt *s = p->cur;

	if (n != 2 || !is_identifier(w[1]))
		return cat_error(p, "expected \"sensitive COLUMN\"");
	if (stmt_is_sensitive(s, w[1]))
		return cat_error(p, "sensitive %s declared twice", w[1]);
	if (s->nsensitive == CATALOGUE_MAX_PARAMS)
		return cat_error(p, "too many sensitive columns");
	if ((s->sensitive[s->nsensitive] = strdup(w[1])) == NULL)
		return cat_error(p, "out of memory");
	s->nsensitive++;
	return 0;
}

/*
 * A sensitive name that is a parameter seals that parameter, so it must
 * be text the worker sends: the sealed form is text, and a value the
 * broker fills itself (a stored file's name) must stay readable.  A name
 * that is no parameter is a result column, known only when rows arrive.
 */
static int
check_sensitive(struct cat_parser *p)
{
	struct stmt *s = p->cur;
	struct stmt_param *sp;
	size_t i;

	for (i = 0; i < s->nparams; i++) {
		sp = &s->params[i];
		if (!stmt_is_sensitive(s, sp->name))
			continue;
		if (sp->type != PARAM_TEXT)
			return cat_error(p, "sensitive %s is a%s parameter; "
			    "only text parameters can be sealed", sp->name,
			    sp->type == PARAM_INT ? "n int" : sp->type ==
			    PARAM_BOOL ? " bool" : " bytes");
		if (sp->source != SOURCE_WORKER)
			return cat_error(p, "sensitive %s is filled by the "
			    "broker; only parameters the worker sends can be "
			    "sealed", sp->name);
		sp->sensitive = true;
	}
	return 0;
}

/* "sql" lines keep their text after the keyword; they join with '\n'. */
static int
add_sql(struct cat_parser *p, const char *text)
{
	struct stmt *s = p->cur;
	size_t old = s->sql != NULL ? strlen(s->sql) : 0, add = strlen(text);
	char *sql;

	if (add == 0)
		return 0;
	if (old + add + 2 > CATALOGUE_SQL_MAX)
		return cat_error(p, "SQL longer than %d bytes",
		    CATALOGUE_SQL_MAX);
	if ((sql = realloc(s->sql, old + add + 2)) == NULL)
		return cat_error(p, "out of memory");
	if (old > 0)
		sql[old++] = '\n';
	memcpy(sql + old, text, add + 1);
	s->sql = sql;
	return 0;
}

/*
 * Every $N in the SQL must name a declared parameter and every parameter
 * must appear: a typo would otherwise fail only when the statement runs.
 * A ';' is refused so that an entry is exactly one statement.
 */
static int
check_sql(struct cat_parser *p)
{
	const struct stmt *s = p->cur;
	bool used[CATALOGUE_MAX_PARAMS] = { false };
	const char *q;
	unsigned long nr;
	size_t i;
	char *end;

	if (s->sql == NULL)
		return cat_error(p, "no sql");
	if (strchr(s->sql, ';') != NULL)
		return cat_error(p, "';' in sql: one statement per entry");
	for (q = s->sql; (q = strchr(q, '$')) != NULL; q++) {
		if (q[1] < '1' || q[1] > '9')
			continue;
		nr = strtoul(q + 1, &end, 10);
		if (nr > s->nparams)
			return cat_error(p, "sql uses $%lu but only %zu "
			    "parameters are declared", nr, s->nparams);
		used[nr - 1] = true;
	}
	for (i = 0; i < s->nparams; i++)
		if (!used[i])
			return cat_error(p, "parameter %s ($%zu) is not used in "
			    "the sql", s->params[i].name, i + 1);
	return 0;
}

static int
parse_line(struct cat_parser *p, char *line)
{
	char copy[CATALOGUE_LINE_MAX + 1], *w[8];
	size_t n;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	if (p->cur != NULL && strncmp(line, "sql", 3) == 0 &&
	    (line[3] == ' ' || line[3] == '\t' || line[3] == '\0'))
		return add_sql(p, line[3] == '\0' ? "" : line + 4);
	memcpy(copy, line, strlen(line) + 1);
	if ((n = split_words(copy, w, 6)) > 6)
		return cat_error(p, "too many words");
	if (strcmp(w[0], "statement") == 0) {
		if (p->cur != NULL)
			return cat_error(p, "missing \"end\"");
		return begin_statement(p, w, n);
	}
	if (p->cur == NULL)
		return cat_error(p, "\"%.32s\" outside a statement", w[0]);
	if (strcmp(w[0], "param") == 0)
		return add_param(p, w, n);
	if (strcmp(w[0], "sensitive") == 0)
		return add_sensitive(p, w, n);
	if (strcmp(w[0], "opens") == 0 && n == 2 && strcmp(w[1], "file") == 0) {
		p->cur->opens_file = true;
		return 0;
	}
	if (strcmp(w[0], "end") == 0 && n == 1) {
		if (check_sql(p) != 0 || check_sensitive(p) != 0)
			return -1;
		/* Each file op refuses the other's statements. */
		if (p->cur->stores_file && p->cur->opens_file)
			return cat_error(p, "a statement stores a file (file.name) "
			    "or opens one (opens file), not both");
		p->cur = NULL;
		return 0;
	}
	return cat_error(p, "unknown keyword \"%.32s\"", w[0]);
}

int
catalogue_parse(struct catalogue *c, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	struct cat_parser p = { .c = c, .name = name, .err = err,
	    .errlen = errlen };
	char line[CATALOGUE_LINE_MAX + 1];
	size_t start = 0, end;

	c->stmts = NULL;
	c->count = c->cap = 0;
	while (start < len) {
		p.line++;
		for (end = start; end < len && text[end] != '\n'; end++)
			;
		if (end - start > CATALOGUE_LINE_MAX)
			return cat_error(&p, "line too long");
		memcpy(line, text + start, end - start);
		line[end - start] = '\0';
		if (strlen(line) != end - start)
			return cat_error(&p, "NUL byte");
		if (end - start > 0 && line[end - start - 1] == '\r')
			line[end - start - 1] = '\0';
		if (parse_line(&p, line) != 0)
			return -1;
		start = end + 1;
	}
	if (p.cur != NULL)
		return cat_error(&p, "missing \"end\" at end of file");
	return 0;
}

int
catalogue_load(struct catalogue *c, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n;
	int fd, rc;

	c->stmts = NULL;
	c->count = c->cap = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0
	    || !S_ISREG(st.st_mode) || st.st_size > CATALOGUE_FILE_MAX) {
		snprintf(err, errlen, "%s: cannot read the catalogue: %s", path,
		    fd < 0 ? strerror(errno) : "not a regular file of sane "
		    "size");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL ||
	    (n = read(fd, text, (size_t)st.st_size)) != st.st_size) {
		snprintf(err, errlen, "%s: cannot read the catalogue", path);
		free(text);
		close(fd);
		return -1;
	}
	close(fd);
	rc = catalogue_parse(c, path, text, (size_t)n, err, errlen);
	free(text);
	return rc;
}

const struct stmt *
catalogue_find(const struct catalogue *c, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < c->count; i++)
		if (strlen(c->stmts[i].name) == len &&
		    memcmp(c->stmts[i].name, name, len) == 0)
			return &c->stmts[i];
	return NULL;
}

bool
stmt_is_sensitive(const struct stmt *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nsensitive; i++)
		if (strcmp(s->sensitive[i], name) == 0)
			return true;
	return false;
}

void
catalogue_free(struct catalogue *c)
{
	size_t i, j;

	for (i = 0; c->stmts != NULL && i < c->count; i++) {
		free(c->stmts[i].sql);
		for (j = 0; j < c->stmts[i].nsensitive; j++)
			free(c->stmts[i].sensitive[j]);
	}
	free(c->stmts);
	c->stmts = NULL;
	c->count = c->cap = 0;
}
