/*
 * compile.c - template source to program (template.h).
 *
 * One pass over the source, includes spliced in where they stand, so the
 * HTML context flows through an included file exactly as it would through
 * its text.  Every refusal names the file and line and stops the compile:
 * there is no "best effort" template.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/nelem.h>

#include "template/html_context.h"
#include "template/template.h"
#include "template/view.h"

#define TOKENS_MAX	4

enum block_kind { BLK_IF, BLK_FOR };

struct block {
	enum block_kind	kind;
	bool		has_else;
	size_t		op;		/* the OP_IF or OP_FOR */
	size_t		jump_op;	/* the OP_JUMP before {% else %} */
	struct html_ctx	start;		/* context at the opening */
	struct html_ctx	then;		/* context at {% else %} */
	uint32_t	line;
	const char	*var;		/* BLK_FOR: the row's name */
	size_t		varlen;
};

/* One file being read: the top template or an include. */
struct frame {
	size_t		src;
	uint32_t	line;		/* current line */
	size_t		base;		/* blocks open when the file began */
};

struct compiler {
	const struct tpl_set	*set;
	struct tpl		*t;
	struct html_ctx		 ctx;
	struct block		 blocks[TPL_NEST_MAX];
	size_t			 nblocks;
	int			 nloops;
	struct frame		 frames[TPL_INCLUDE_MAX + 1];
	size_t			 nframes;
	size_t			 scanned;
	char			*err;
	size_t			 errlen;
};

struct tok {
	const char	*p;
	size_t		 len;
	bool		 str;		/* "quoted" */
};

static const char *const reserved[] = {
	"if", "else", "end", "for", "in", "not", "raw", "include",
	"csrf_field",
};

/* --- errors ---------------------------------------------------------- */

static const char *
src_name(const struct compiler *c, size_t i)
{
	return c->set->srcs[c->frames[i].src].name;
}

/* "file:line: reason (included from file:line)"; always returns -1. */
static int
fail_at(struct compiler *c, uint32_t line, const char *fmt, ...)
{
	char why[384];
	va_list ap;
	size_t f = c->nframes - 1;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (f > 0)
		snprintf(c->err, c->errlen, "%s:%u: %s (included from %s:%u)",
		    src_name(c, f), (unsigned)line, why, src_name(c, f - 1),
		    (unsigned)c->frames[f - 1].line);
	else
		snprintf(c->err, c->errlen, "%s:%u: %s", src_name(c, f),
		    (unsigned)line, why);
	return -1;
}

static uint32_t
cur_line(const struct compiler *c)
{
	return c->frames[c->nframes - 1].line;
}

static uint32_t
count_lines(const char *p, size_t len)
{
	uint32_t n = 0;
	const char *q;

	while (len > 0 && (q = memchr(p, '\n', len)) != NULL) {
		n++;
		len -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	return n;
}

/* --- emitting -------------------------------------------------------- */

static struct tpl_op *
emit(struct compiler *c, enum tpl_op_kind kind)
{
	struct tpl *t = c->t;
	struct tpl_op *op;
	size_t ncap;

	if (t->nops >= TPL_OPS_MAX) {
		fail_at(c, cur_line(c), "template too large after includes "
		    "(more than %d steps)", TPL_OPS_MAX);
		return NULL;
	}
	if (t->nops == t->capops) {
		ncap = t->capops == 0 ? 64 : t->capops * 2;
		if ((op = reallocarray(t->ops, ncap, sizeof(*op))) == NULL) {
			fail_at(c, cur_line(c), "out of memory");
			return NULL;
		}
		t->ops = op;
		t->capops = ncap;
	}
	op = &t->ops[t->nops++];
	memset(op, 0, sizeof(*op));
	op->kind = (uint8_t)kind;
	op->loop = -1;
	op->file = (uint16_t)c->frames[c->nframes - 1].src;
	op->line = cur_line(c);
	return op;
}

/* Put len bytes in the pool; their offset in *off. */
static int
pool_add(struct compiler *c, const char *p, size_t len, uint32_t *off)
{
	*off = (uint32_t)c->t->pool.len;
	if (!moat_buf_append(&c->t->pool, p, len))
		return fail_at(c, cur_line(c), "template too large after "
		    "includes (more than %d bytes of text)", TPL_TEXT_MAX);
	return 0;
}

/* Literal text: through the context tracker, then into the program. */
static int
literal(struct compiler *c, const char *p, size_t len)
{
	struct tpl_op *op;
	const char *why;
	size_t pos;
	uint32_t off;

	if ((why = html_ctx_feed(&c->ctx, p, len, &pos)) != NULL)
		return fail_at(c, cur_line(c) + count_lines(p, pos), "%s", why);
	if (pool_add(c, p, len, &off) != 0 || (op = emit(c, OP_TEXT)) == NULL)
		return -1;
	op->a = off;
	op->b = (uint32_t)len;
	return 0;
}

/* --- names ----------------------------------------------------------- */

static bool
tok_is(const struct tok *t, const char *word)
{
	return !t->str && t->len == strlen(word) &&
	    memcmp(t->p, word, t->len) == 0;
}

static bool
is_reserved(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < MOAT_NELEM(reserved); i++)
		if (strlen(reserved[i]) == len &&
		    memcmp(reserved[i], p, len) == 0)
			return true;
	return false;
}

/* The loop index whose row is called p, or -1. */
static int
loop_of(const struct compiler *c, const char *p, size_t len)
{
	size_t i;
	int loop = c->nloops;

	for (i = c->nblocks; i-- > 0;) {
		if (c->blocks[i].kind != BLK_FOR)
			continue;
		loop--;
		if (c->blocks[i].varlen == len &&
		    memcmp(c->blocks[i].var, p, len) == 0)
			return loop;
	}
	return -1;
}

static int
check_ident(struct compiler *c, const char *p, size_t len)
{
	if (!view_name_ok(p, len))
		return fail_at(c, cur_line(c), "\"%.*s\" is not a name "
		    "([A-Za-z_][A-Za-z0-9_]*, at most %d bytes)",
		    (int)(len > 80 ? 80 : len), p, VIEW_NAME_MAX);
	if (is_reserved(p, len))
		return fail_at(c, cur_line(c), "\"%.*s\" is a reserved word",
		    (int)len, p);
	return 0;
}

/* "name" or "row.field" into op (a, b, loop). */
static int
ref(struct compiler *c, const struct tok *t, struct tpl_op *op)
{
	const char *dot, *name = t->p;
	size_t len = t->len;
	uint32_t off;

	if (t->str)
		return fail_at(c, cur_line(c), "expected a name, not a string");
	if ((dot = memchr(t->p, '.', t->len)) != NULL) {
		if (check_ident(c, t->p, (size_t)(dot - t->p)) != 0)
			return -1;
		op->loop = (int16_t)loop_of(c, t->p, (size_t)(dot - t->p));
		if (op->loop < 0)
			return fail_at(c, cur_line(c), "\"%.*s\" is not a loop "
			    "row here", (int)(dot - t->p), t->p);
		name = dot + 1;
		len = t->len - (size_t)(name - t->p);
	}
	if (check_ident(c, name, len) != 0)
		return -1;
	if (dot == NULL && loop_of(c, name, len) >= 0)
		return fail_at(c, cur_line(c), "\"%.*s\" is a loop row: name "
		    "one of its fields (%.*s.field)", (int)len, name, (int)len,
		    name);
	if (pool_add(c, name, len, &off) != 0)
		return -1;
	op->a = off;
	op->b = (uint32_t)len;
	return 0;
}

/* --- directives ------------------------------------------------------ */

static bool
is_word(unsigned char ch)
{
	return ch == '_' || ch == '.' || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* Split s into words and "strings"; -1 on anything else. */
static int
tokenize(struct compiler *c, const char *s, size_t len, struct tok *t,
    size_t *n)
{
	size_t i = 0, j;

	*n = 0;
	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			continue;
		}
		if (*n == TOKENS_MAX)
			return fail_at(c, cur_line(c), "too many words");
		if (s[i] == '"') {
			for (j = i + 1; j < len && s[j] != '"'; j++)
				;
			if (j == len)
				return fail_at(c, cur_line(c),
				    "unclosed string");
			t[*n] = (struct tok){ s + i + 1, j - i - 1, true };
			i = j + 1;
		} else if (is_word((unsigned char)s[i])) {
			j = i;
			while (j < len && is_word((unsigned char)s[j]))
				j++;
			t[*n] = (struct tok){ s + i, j - i, false };
			i = j;
		} else
			return fail_at(c, cur_line(c), "unexpected character "
			    "0x%02x", (unsigned char)s[i]);
		(*n)++;
	}
	return 0;
}

static int
interp(struct compiler *c, enum html_interp kind, enum tpl_op_kind opk,
    const struct tok *name)
{
	enum html_esc esc = HE_TEXT;
	struct tpl_op *op;
	const char *why;

	if ((why = html_ctx_interp(&c->ctx, kind, &esc)) != NULL)
		return fail_at(c, cur_line(c), "%s", why);
	if ((op = emit(c, opk)) == NULL)
		return -1;
	op->esc = (uint8_t)esc;
	if (kind == HI_CSRF)
		c->t->csrf = true;
	return name != NULL ? ref(c, name, op) : 0;
}

static struct block *
block_push(struct compiler *c, enum block_kind kind)
{
	struct block *b;

	if (c->nblocks == TPL_NEST_MAX) {
		fail_at(c, cur_line(c), "blocks nested deeper than %d",
		    TPL_NEST_MAX);
		return NULL;
	}
	b = &c->blocks[c->nblocks++];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->op = c->t->nops;
	b->start = c->ctx;
	b->line = cur_line(c);
	return b;
}

static int
do_if(struct compiler *c, const struct tok *t, size_t n)
{
	struct tpl_op *op;
	bool negate = n == 3 && tok_is(&t[1], "not");

	if (n != 2 && !negate)
		return fail_at(c, cur_line(c), "expected {%% if name %%} or "
		    "{%% if not name %%}");
	if (block_push(c, BLK_IF) == NULL || (op = emit(c, OP_IF)) == NULL)
		return -1;
	op->negate = negate;
	return ref(c, &t[n - 1], op);
}

static int
do_for(struct compiler *c, const struct tok *t, size_t n)
{
	struct block *b;
	struct tpl_op *op;

	if (n != 4 || !tok_is(&t[2], "in") || t[1].str)
		return fail_at(c, cur_line(c), "expected {%% for row in list "
		    "%%}");
	if (check_ident(c, t[1].p, t[1].len) != 0)
		return -1;
	if (loop_of(c, t[1].p, t[1].len) >= 0)
		return fail_at(c, cur_line(c), "\"%.*s\" is already a loop row",
		    (int)t[1].len, t[1].p);
	/* The list is named in the enclosing scope, before the row exists. */
	if ((op = emit(c, OP_FOR)) == NULL || ref(c, &t[3], op) != 0 ||
	    (b = block_push(c, BLK_FOR)) == NULL)
		return -1;
	b->op = c->t->nops - 1;
	b->var = t[1].p;
	b->varlen = t[1].len;
	c->nloops++;
	return 0;
}

static struct block *
open_block(struct compiler *c, const char *what)
{
	if (c->nblocks <= c->frames[c->nframes - 1].base) {
		fail_at(c, cur_line(c), "{%% %s %%} without an open block%s",
		    what, c->nframes > 1 ? " in this file" : "");
		return NULL;
	}
	return &c->blocks[c->nblocks - 1];
}

static int
do_else(struct compiler *c)
{
	struct block *b;
	struct tpl_op *op;

	if ((b = open_block(c, "else")) == NULL)
		return -1;
	if (b->kind != BLK_IF || b->has_else)
		return fail_at(c, cur_line(c), "{%% else %%} outside an "
		    "{%% if %%} (opened at line %u)", (unsigned)b->line);
	if ((op = emit(c, OP_JUMP)) == NULL)
		return -1;
	b->has_else = true;
	b->jump_op = c->t->nops - 1;
	c->t->ops[b->op].jump = (uint32_t)c->t->nops;
	b->then = c->ctx;
	c->ctx = b->start;
	return 0;
}

static int
do_end(struct compiler *c)
{
	struct block *b;
	struct tpl_op *op;
	struct tpl *t = c->t;
	struct html_ctx joined;
	bool ok;

	if ((b = open_block(c, "end")) == NULL)
		return -1;
	if (b->kind == BLK_FOR)
		ok = html_ctx_join(&c->ctx, &b->start, &joined) &&
		    html_ctx_equal(&joined, &b->start);
	else
		ok = html_ctx_join(&c->ctx, b->has_else ? &b->then : &b->start,
		    &joined);
	if (!ok)
		return fail_at(c, cur_line(c), "the %s opened at line %u %s",
		    b->kind == BLK_FOR ? "loop" : "if", (unsigned)b->line,
		    b->kind == BLK_FOR ? "ends its body in another HTML "
		    "context than it began in" : "has branches that end in "
		    "different HTML contexts");
	c->ctx = joined;
	if (b->kind == BLK_FOR) {
		if ((op = emit(c, OP_NEXT)) == NULL)
			return -1;
		op->jump = (uint32_t)b->op + 1;
		c->nloops--;
	}
	if (b->kind == BLK_IF && b->has_else)
		t->ops[b->jump_op].jump = (uint32_t)t->nops;
	else
		t->ops[b->op].jump = (uint32_t)t->nops;
	c->nblocks--;
	return 0;
}

bool
tpl_name_ok(const char *p, size_t len)
{
	size_t i;
	bool seg_start = true;

	if (len == 0 || len > TPL_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '/') {
			if (seg_start)
				return false;
			seg_start = true;
			continue;
		}
		if (seg_start && ch == '.')
			return false;
		seg_start = false;
		if (ch != '_' && ch != '-' && ch != '.' &&
		    !(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9'))
			return false;
	}
	return !seg_start;
}

static int
src_cmp(const void *key, const void *elem)
{
	const struct tok *k = key;
	const struct tpl_source *s = elem;
	int r = strncmp(k->p, s->name, k->len);

	if (r == 0 && s->name[k->len] != '\0')
		return -1;
	return r;
}

static int	compile_file(struct compiler *, size_t);

static int
do_include(struct compiler *c, const struct tok *t, size_t n)
{
	const struct tpl_source *s;
	char chain[256];
	size_t i, idx, len;

	if (n != 2 || !t[1].str)
		return fail_at(c, cur_line(c), "expected {%% include "
		    "\"file.html\" %%}");
	if (!tpl_name_ok(t[1].p, t[1].len))
		return fail_at(c, cur_line(c), "bad include name: use a path "
		    "below the template directory, without \"..\" or a "
		    "leading \"/\"");
	if ((s = bsearch(&t[1], c->set->srcs, c->set->nsrcs, sizeof(*s),
	    src_cmp)) == NULL)
		return fail_at(c, cur_line(c), "no template \"%.*s\" to "
		    "include", (int)t[1].len, t[1].p);
	idx = (size_t)(s - c->set->srcs);
	for (i = 0; i < c->nframes; i++) {
		if (c->frames[i].src != idx)
			continue;
		for (len = 0; i < c->nframes; i++)
			len += (size_t)snprintf(chain + len,
			    len < sizeof(chain) ? sizeof(chain) - len : 0,
			    "%s -> ", src_name(c, i));
		return fail_at(c, cur_line(c), "include cycle: %s%s",
		    len < sizeof(chain) ? chain : "... -> ", s->name);
	}
	if (c->nframes > TPL_INCLUDE_MAX)
		return fail_at(c, cur_line(c), "includes nested deeper than %d",
		    TPL_INCLUDE_MAX);
	return compile_file(c, idx);
}

static int
do_statement(struct compiler *c, const struct tok *t, size_t n)
{
	if (n == 0 || t[0].str)
		return fail_at(c, cur_line(c), "empty or malformed {%% %%}");
	if (tok_is(&t[0], "raw")) {
		if (n != 2)
			return fail_at(c, cur_line(c), "expected {%% raw "
			    "name %%}");
		return interp(c, HI_RAW, OP_RAW, &t[1]);
	}
	if (tok_is(&t[0], "csrf_field")) {
		if (n != 1)
			return fail_at(c, cur_line(c), "expected "
			    "{%% csrf_field %%}");
		return interp(c, HI_CSRF, OP_CSRF, NULL);
	}
	if (tok_is(&t[0], "if"))
		return do_if(c, t, n);
	if (tok_is(&t[0], "for"))
		return do_for(c, t, n);
	if (tok_is(&t[0], "include"))
		return do_include(c, t, n);
	if (tok_is(&t[0], "else") || tok_is(&t[0], "end")) {
		if (n != 1)
			return fail_at(c, cur_line(c), "expected {%% %.*s %%}",
			    (int)t[0].len, t[0].p);
		return t[0].p[1] == 'l' ? do_else(c) : do_end(c);
	}
	return fail_at(c, cur_line(c), "unknown statement \"%.*s\"",
	    (int)(t[0].len > 40 ? 40 : t[0].len), t[0].p);
}

/* The inside of {{ }} or {% %}. */
static int
directive(struct compiler *c, char open, const char *s, size_t len)
{
	struct tok t[TOKENS_MAX];
	size_t n;

	if (len > TPL_DIRECTIVE_MAX)
		return fail_at(c, cur_line(c), "{%c %c} longer than %d bytes",
		    open, open == '{' ? '}' : '%', TPL_DIRECTIVE_MAX);
	if (memchr(s, '\n', len) != NULL)
		return fail_at(c, cur_line(c), "{%c ... %c} must be on one "
		    "line", open, open == '{' ? '}' : '%');
	if (tokenize(c, s, len, t, &n) != 0)
		return -1;
	if (open == '%')
		return do_statement(c, t, n);
	if (n != 1)
		return fail_at(c, cur_line(c), "expected {{ name }} or "
		    "{{ row.field }}");
	return interp(c, HI_VALUE, OP_VALUE, &t[0]);
}

/* --- the source ------------------------------------------------------ */

/* The next "{{", "{%" or "{#" in p[0..len), or NULL. */
static const char *
next_open(const char *p, size_t len)
{
	const char *q;

	while (len >= 2 && (q = memchr(p, '{', len - 1)) != NULL) {
		if (q[1] == '{' || q[1] == '%' || q[1] == '#')
			return q;
		len -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	return NULL;
}

/* The two-byte closer in p[0..len), or NULL. */
static const char *
find_close(const char *p, size_t len, char a)
{
	const char *q;

	while (len >= 2 && (q = memchr(p, a, len - 1)) != NULL) {
		if (q[1] == '}')
			return q;
		len -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	return NULL;
}

static int
compile_body(struct compiler *c, const char *p, const char *end)
{
	struct frame *f = &c->frames[c->nframes - 1];
	const char *open, *close;
	char kind;

	while (p < end) {
		if ((open = next_open(p, (size_t)(end - p))) == NULL)
			open = end;
		if (open > p && literal(c, p, (size_t)(open - p)) != 0)
			return -1;
		f->line += count_lines(p, (size_t)(open - p));
		if (open == end)
			break;
		kind = open[1];
		if ((close = find_close(open + 2, (size_t)(end - open - 2),
		    kind == '{' ? '}' : kind)) == NULL)
			return fail_at(c, f->line, "unclosed {%c", kind);
		if (kind != '#' && directive(c, kind, open + 2,
		    (size_t)(close - open - 2)) != 0)
			return -1;
		f->line += count_lines(open, (size_t)(close - open));
		p = close + 2;
	}
	return 0;
}

static int
compile_file(struct compiler *c, size_t idx)
{
	const struct tpl_source *s = &c->set->srcs[idx];
	struct frame *f;
	const char *nul;
	struct block *b;

	f = &c->frames[c->nframes++];
	f->src = idx;
	f->line = 1;
	f->base = c->nblocks;
	if (s->len > TPL_SCAN_MAX - c->scanned)
		return fail_at(c, 1, "template too large after includes "
		    "(more than %d bytes read)", TPL_SCAN_MAX);
	c->scanned += s->len;
	if ((nul = memchr(s->text, '\0', s->len)) != NULL)
		return fail_at(c, 1 + count_lines(s->text,
		    (size_t)(nul - s->text)), "NUL byte");
	if (compile_body(c, s->text, s->text + s->len) != 0)
		return -1;
	if (c->nblocks > f->base) {
		b = &c->blocks[c->nblocks - 1];
		return fail_at(c, b->line, "{%% %s %%} not closed with "
		    "{%% end %%}", b->kind == BLK_IF ? "if" : "for");
	}
	c->nframes--;
	return 0;
}

int
tpl_compile_one(struct tpl_set *set, size_t src, struct tpl *t, char *err,
    size_t errlen)
{
	struct compiler c;
	const char *why;

	memset(&c, 0, sizeof(c));
	c.set = set;
	c.t = t;
	c.err = err;
	c.errlen = errlen;
	html_ctx_init(&c.ctx);
	if (compile_file(&c, src) != 0)
		return -1;
	c.nframes = 1;		/* for the message: the top file, its end */
	c.frames[0].line = 1 + count_lines(set->srcs[src].text,
	    set->srcs[src].len);
	if ((why = html_ctx_end(&c.ctx)) != NULL)
		return fail_at(&c, c.frames[0].line, "%s", why);
	return 0;
}
