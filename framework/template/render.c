/*
 * render.c - running a compiled template over a view (template.h).
 *
 * The escaper of every value was fixed by the compiler; this file only
 * applies it.  Loops keep their current row on a fixed stack as deep as
 * the compiler allows blocks to nest, so rendering needs no allocation.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <moat/nelem.h>

#include "template/html_context.h"
#include "template/template.h"
#include "template/view.h"

/* What an unsafe URL becomes: it goes nowhere and says why. */
#define URL_BLOCKED	"about:invalid#moat"

struct render {
	const struct tpl	*t;
	const struct moat_view	*view;
	const struct moat_view	*rows[TPL_NEST_MAX];
	size_t			 depth;
	struct moat_buf		*out;
	char			*err;
	size_t			 errlen;
};

/* --- escapers -------------------------------------------------------- */

/* RFC 3986 unreserved and reserved characters, and "%" of an escape. */
static bool
url_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("-._~:/?#[]@!$&'()*+,;=%", ch) != NULL);
}

/* Percent-encode what is not a URL character (and ":" unless colon_ok). */
static bool
esc_url(struct moat_buf *b, const char *s, size_t len, bool colon_ok)
{
	static const char hex[] = "0123456789ABCDEF";
	char pct[3] = { '%', 0, 0 };
	size_t i, start;
	unsigned char ch;

	for (i = start = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		if (url_char(ch) && (colon_ok || ch != ':'))
			continue;
		pct[1] = hex[ch >> 4];
		pct[2] = hex[ch & 15];
		if (!moat_buf_append_html(b, s + start, i - start) ||
		    !moat_buf_append(b, pct, 3))
			return false;
		start = i + 1;
	}
	return moat_buf_append_html(b, s + start, len - start);
}

/*
 * May a URL that starts with s go in the page?  Read it as a browser
 * does: leading blanks and control bytes are skipped, and tab, CR and LF
 * are dropped anywhere.  A ":" before any "/", "?" or "#" ends a scheme,
 * which must be http, https or mailto; anything else with a scheme
 * (javascript:, vbscript:, data:, an odd byte in the scheme) is refused.
 */
bool
tpl_url_allowed(const char *s, size_t len)
{
	static const char *const ok[] = { "http", "https", "mailto" };
	char scheme[8];
	size_t i = 0, n = 0, k;
	unsigned char ch;
	bool long_scheme = false;

	while (i < len && (unsigned char)s[i] <= ' ')
		i++;
	for (; i < len; i++) {
		ch = (unsigned char)s[i];
		if (ch == '\t' || ch == '\n' || ch == '\r')
			continue;
		if (ch == '/' || ch == '?' || ch == '#')
			return true;	/* a relative URL: no scheme */
		if (ch == ':')
			break;
		if (n < sizeof(scheme) - 1)
			scheme[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 :
			    ch);
		else
			long_scheme = true;	/* longer than any allowed */
	}
	if (i == len)
		return true;
	if (long_scheme)
		return false;
	scheme[n] = '\0';
	/* Compare lengths too: a NUL inside the scheme must not cut it. */
	for (k = 0; k < MOAT_NELEM(ok); k++)
		if (n == strlen(ok[k]) && memcmp(scheme, ok[k], n) == 0)
			return true;
	return false;
}

static bool
put_value(struct moat_buf *b, enum html_esc esc, const char *s, size_t len)
{
	switch (esc) {
	case HE_TEXT:
		return moat_buf_append_html(b, s, len);
	case HE_URL_START:
		if (!tpl_url_allowed(s, len))
			return moat_buf_puts(b, URL_BLOCKED);
		return esc_url(b, s, len, true);
	case HE_URL_NOCOLON:
		return esc_url(b, s, len, false);
	case HE_URL_PART:
		return esc_url(b, s, len, true);
	}
	return false;
}

/* --- values ---------------------------------------------------------- */

static int
fail(struct render *r, const struct tpl_op *op, const char *why)
{
	snprintf(r->err, r->errlen, "%s:%u: \"%.*s\" %s",
	    r->t->srcs[op->file].name, (unsigned)op->line, (int)op->b,
	    r->t->pool.data + op->a, why);
	return -1;
}

/* The entry op names: its loop's row, or the innermost row outward. */
static const struct view_entry *
lookup(const struct render *r, const struct tpl_op *op)
{
	const char *name = r->t->pool.data + op->a;
	const struct view_entry *e;
	size_t i;

	if (op->loop >= 0)
		return view_get(r->rows[op->loop], name, op->b);
	for (i = r->depth; i-- > 0;)
		if ((e = view_get(r->rows[i], name, op->b)) != NULL)
			return e;
	return view_get(r->view, name, op->b);
}

static bool
truthy(const struct view_entry *e)
{
	if (e == NULL)
		return false;
	switch (e->kind) {
	case VIEW_TEXT:
		return e->textlen > 0;
	case VIEW_INT:
		return e->i != 0;
	case VIEW_BOOL:
		return e->b;
	case VIEW_LIST:
		return e->nrows > 0;
	}
	return false;
}

/* A value op: text, int or bool, escaped as compiled or raw. */
static int
value(struct render *r, const struct tpl_op *op)
{
	const struct view_entry *e = lookup(r, op);
	const char *s = "";
	char num[24];
	size_t len = 0;
	bool ok;

	if (e != NULL) {
		switch (e->kind) {
		case VIEW_TEXT:
			s = e->text;
			len = e->textlen;
			break;
		case VIEW_INT:
			len = (size_t)snprintf(num, sizeof(num), "%" PRId64,
			    e->i);
			s = num;
			break;
		case VIEW_BOOL:
			s = e->b ? "true" : "false";
			len = strlen(s);
			break;
		case VIEW_LIST:
			return fail(r, op, "is a list, not a value");
		}
	}
	if (op->kind == OP_RAW)
		ok = moat_buf_append(r->out, s, len);
	else
		ok = put_value(r->out, (enum html_esc)op->esc, s, len);
	return ok ? 0 : -1;
}

static bool
csrf(struct render *r, const char *token)
{
	return moat_buf_puts(r->out, "<input type=\"hidden\" name=\""
	    "csrf_token\" value=\"") &&
	    moat_buf_append_html(r->out, token, strlen(token)) &&
	    moat_buf_puts(r->out, "\">");
}

/* --- the program ----------------------------------------------------- */

/* OP_FOR: the first row, or the op after the loop; *pc set. */
static int
loop_start(struct render *r, const struct tpl_op *op, size_t *pc)
{
	const struct view_entry *e = lookup(r, op);

	if (e != NULL && e->kind != VIEW_LIST)
		return fail(r, op, "is not a list");
	if (e == NULL || e->nrows == 0 || r->depth == TPL_NEST_MAX) {
		*pc = op->jump;
		return 0;
	}
	r->rows[r->depth++] = e->rows;
	(*pc)++;
	return 0;
}

static void
loop_next(struct render *r, const struct tpl_op *op, size_t *pc)
{
	const struct moat_view **row = &r->rows[r->depth - 1];

	if ((*row = (*row)->next) != NULL) {
		*pc = op->jump;
		return;
	}
	r->depth--;
	(*pc)++;
}

static int
run(struct render *r, const char *token)
{
	const struct tpl_op *op;
	size_t pc = 0;

	while (pc < r->t->nops) {
		op = &r->t->ops[pc];
		switch ((enum tpl_op_kind)op->kind) {
		case OP_TEXT:
			if (!moat_buf_append(r->out, r->t->pool.data + op->a,
			    op->b))
				return -1;
			break;
		case OP_VALUE:
		case OP_RAW:
			if (value(r, op) != 0)
				return -1;
			break;
		case OP_CSRF:
			if (!csrf(r, token))
				return -1;
			break;
		case OP_IF:
			if (truthy(lookup(r, op)) == op->negate) {
				pc = op->jump;
				continue;
			}
			break;
		case OP_JUMP:
			pc = op->jump;
			continue;
		case OP_FOR:
			if (loop_start(r, op, &pc) != 0)
				return -1;
			continue;
		case OP_NEXT:
			loop_next(r, op, &pc);
			continue;
		}
		pc++;
	}
	return 0;
}

int
tpl_render(const struct tpl *t, const struct moat_view *v,
    const char *csrf_token, struct moat_buf *out, char *err, size_t errlen)
{
	struct render r;

	memset(&r, 0, sizeof(r));
	r.t = t;
	r.view = v;
	r.out = out;
	r.err = err;
	r.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (t->csrf && csrf_token == NULL) {
		snprintf(err, errlen, "no CSRF token for {%% csrf_field %%}");
		return -1;
	}
	if (run(&r, csrf_token) != 0) {
		if (errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, "output larger than the "
			    "response body allows");
		return -1;
	}
	if (moat_buf_failed(out)) {
		snprintf(err, errlen, "output larger than the response body "
		    "allows");
		return -1;
	}
	return 0;
}

bool
tpl_needs_csrf(const struct tpl *t)
{
	return t->csrf;
}
