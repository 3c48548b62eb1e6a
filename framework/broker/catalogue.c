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
#include "broker/seal.h"
#include "core/split.h"

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
	char *rest = line, *w;

	while ((w = split_word(&rest, " \t")) != NULL && n < max)
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
	struct stmt_sensitive *e;

	if (!((n == 2 || (n == 4 && strcmp(w[2], "bound") == 0 &&
	    is_identifier(w[3]))) && is_identifier(w[1])))
		return cat_error(p, "expected \"sensitive COLUMN [bound "
		    "PARAM]\"");
	if (stmt_is_sensitive(s, w[1]))
		return cat_error(p, "sensitive %s declared twice", w[1]);
	if (s->nsensitive == CATALOGUE_MAX_PARAMS)
		return cat_error(p, "too many sensitive columns");
	e = &s->sensitive[s->nsensitive];
	e->bound = -1;
	e->line = p->line;
	if ((e->name = strdup(w[1])) == NULL ||
	    (n == 4 && (e->bind = strdup(w[3])) == NULL)) {
		free(e->name);
		e->name = NULL;
		return cat_error(p, "out of memory");
	}
	s->nsensitive++;
	return 0;
}

/*
 * The parameter a sensitive name is bound to must be one whose value
 * is the row's identity as the table holds it, known to every statement
 * that reads the row: an int, or a short text, that is not sealed
 * itself and is not a stored file's name (which readers never have).
 */
static int
check_binding(struct cat_parser *p, struct stmt_sensitive *e)
{
	const struct stmt *s = p->cur;
	const struct stmt_param *bp;
	unsigned int line = p->line;
	size_t i;

	if (e->bind == NULL)
		return 0;
	/* Errors name the "sensitive" line, not the "end". */
	p->line = e->line;
	for (i = 0; i < s->nparams && strcmp(s->params[i].name, e->bind) != 0;
	    i++)
		;
	if (i == s->nparams)
		return cat_error(p, "sensitive %s is bound to %s, which is no "
		    "parameter", e->name, e->bind);
	bp = &s->params[i];
	if (bp->type != PARAM_INT && (bp->type != PARAM_TEXT ||
	    bp->max > SEAL_BIND_MAX))
		return cat_error(p, "sensitive %s is bound to %s: a binding is "
		    "an int or a text parameter of at most %d bytes", e->name,
		    bp->name, SEAL_BIND_MAX);
	if (bp->source == SOURCE_FILE_NAME || bp->sensitive)
		return cat_error(p, "sensitive %s is bound to %s, which is %s",
		    e->name, bp->name, bp->sensitive ? "sealed itself" :
		    "a stored file's name");
	e->bound = (int)i;
	p->line = line;
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
	for (i = 0; i < s->nsensitive; i++)
		if (check_binding(p, &s->sensitive[i]) != 0)
			return -1;
	return 0;
}

/* One sensitive declaration, for the check across statements. */
struct sensitive_ref {
	struct stmt			*s;
	const struct stmt_sensitive	*e;
};

/* By name, then in the order of the file. */
static int
ref_order(const void *a, const void *b)
{
	const struct sensitive_ref *x = a, *y = b;
	int c = strcmp(x->e->name, y->e->name);

	if (c != 0)
		return c;
	return x->e->line < y->e->line ? -1 : x->e->line > y->e->line;
}

/* The binding's kind: the parameter's name, type and source. */
static void
describe_binding(const struct sensitive_ref *r, char *buf, size_t len)
{
	const struct stmt_param *sp;

	if (r->e->bound < 0) {
		snprintf(buf, len, "nothing");
		return;
	}
	sp = &r->s->params[r->e->bound];
	snprintf(buf, len, "%s (%s, %s)", sp->name, sp->type == PARAM_INT ?
	    "int" : "text", sp->source == SOURCE_SESSION_USER ?
	    "session.user_id" : "sent by the worker");
}

static bool
same_binding(const struct sensitive_ref *a, const struct sensitive_ref *b)
{
	const struct stmt_param *x, *y;

	if (a->e->bound < 0 || b->e->bound < 0)
		return a->e->bound == b->e->bound;
	x = &a->s->params[a->e->bound];
	y = &b->s->params[b->e->bound];
	return strcmp(x->name, y->name) == 0 && x->type == y->type &&
	    x->source == y->source;
}

/* The earliest declaration in refs (sorted) that differs from its
 * name's first; NULL if none.  *first gets that first one. */
static const struct sensitive_ref *
first_mismatch(const struct sensitive_ref *refs, size_t n,
    const struct sensitive_ref **first)
{
	const struct sensitive_ref *bad = NULL;
	size_t i, start = 0;

	for (i = 1; i < n; i++) {
		if (strcmp(refs[i].e->name, refs[start].e->name) != 0) {
			start = i;
			continue;
		}
		if (!same_binding(&refs[start], &refs[i]) && (bad == NULL ||
		    refs[i].e->line < bad->e->line)) {
			bad = &refs[i];
			*first = &refs[start];
		}
	}
	return bad;
}

/*
 * A value sealed with one binding opens with no other, so every
 * statement that seals or opens a name must bind it alike.  Sorting by
 * name keeps a large catalogue at n log n.
 */
static int
check_bindings(struct cat_parser *p)
{
	const struct sensitive_ref *bad, *first = NULL;
	struct sensitive_ref *refs;
	struct catalogue *c = p->c;
	char here[160], there[160];
	size_t n = 0, i, j;
	int rc = 0;

	for (i = 0; i < c->count; i++)
		n += c->stmts[i].nsensitive;
	if (n < 2)
		return 0;
	if ((refs = calloc(n, sizeof(*refs))) == NULL)
		return cat_error(p, "out of memory");
	for (i = 0, n = 0; i < c->count; i++)
		for (j = 0; j < c->stmts[i].nsensitive; j++) {
			refs[n].s = &c->stmts[i];
			refs[n++].e = &c->stmts[i].sensitive[j];
		}
	qsort(refs, n, sizeof(*refs), ref_order);
	if ((bad = first_mismatch(refs, n, &first)) != NULL) {
		describe_binding(bad, here, sizeof(here));
		describe_binding(first, there, sizeof(there));
		p->cur = bad->s;
		p->line = bad->e->line;
		rc = cat_error(p, "sensitive %s is bound to %s here but to %s "
		    "in statement %s (line %u): every statement that seals or "
		    "opens %s must bind it alike", bad->e->name, here, there,
		    first->s->name, first->e->line, bad->e->name);
	}
	free(refs);
	return rc;
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
	return check_bindings(&p);
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

const struct stmt_sensitive *
stmt_sensitive(const struct stmt *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nsensitive; i++)
		if (strcmp(s->sensitive[i].name, name) == 0)
			return &s->sensitive[i];
	return NULL;
}

bool
stmt_is_sensitive(const struct stmt *s, const char *name)
{
	return stmt_sensitive(s, name) != NULL;
}

void
catalogue_free(struct catalogue *c)
{
	size_t i, j;

	for (i = 0; c->stmts != NULL && i < c->count; i++) {
		free(c->stmts[i].sql);
		for (j = 0; j < c->stmts[i].nsensitive; j++) {
			free(c->stmts[i].sensitive[j].name);
			free(c->stmts[i].sensitive[j].bind);
		}
	}
	free(c->stmts);
	c->stmts = NULL;
	c->count = c->cap = 0;
}
