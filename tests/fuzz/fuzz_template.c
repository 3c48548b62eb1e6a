// fuzz-sources: framework/template/compile.c framework/template/render.c
// fuzz-sources: framework/template/html_context.c framework/template/set.c
// fuzz-sources: framework/template/view.c
/*
 * fuzz_template.c - libFuzzer target for the template compiler and
 * renderer.
 *
 * The input is up to three sources separated by NUL bytes: "t.html" (a
 * template) and the partials "_a.html" and "_b.html" it may include.  The
 * first byte picks the CSRF token (none, or one that needs escaping).
 * Whatever compiles is rendered over a view whose every text holds
 * "<zq", "\"zq" and "'zq" along with javascript: and data: URLs.  Unless
 * the template uses {% raw %} or a source itself contains "zq", none of
 * those three may reach the output unescaped: that would be a value
 * breaking out of its context.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <moat/nelem.h>

#include "core/arena.h"
#include "fuzz.h"
#include "template/template.h"
#include "template/view.h"

static const char *const hostile[] = {
	"\"zq'zq<zq>&amp;",
	"javascript:alert(\"zq\")",
	" \tjava\nscript:<zq>",
	"data:text/html,<zq>",
	"x' onerror='zq",
	"</script><zq>",
	"",
};

static void
fill(struct moat_view *v, unsigned int seed)
{
	const size_t n = MOAT_NELEM(hostile);

	(void)moat_view_text(v, "x", hostile[seed % n]);
	(void)moat_view_text(v, "y", hostile[(seed + 1) % n]);
	(void)moat_view_text(v, "u", hostile[(seed + 2) % n]);
	(void)moat_view_int(v, "n", (int64_t)seed - 3);
	(void)moat_view_bool(v, "b", (seed & 1) != 0);
}

static struct moat_view *
make_view(struct arena *a)
{
	struct moat_view *v, *r, *s;
	unsigned int i, j;

	if ((v = view_new(a)) == NULL)
		return NULL;
	fill(v, 0);
	for (i = 0; i < 3; i++) {
		if ((r = moat_view_row(v, "rows")) == NULL)
			return v;
		fill(r, i + 1);
		for (j = 0; j < 2; j++)
			if ((s = moat_view_row(r, "sub")) != NULL)
				fill(s, i + j + 4);
	}
	return v;
}

static bool
has(const char *p, size_t len, const char *needle)
{
	return memmem(p, len, needle, strlen(needle)) != NULL;
}

static bool
uses_raw(const struct tpl *t)
{
	size_t i;

	for (i = 0; i < t->nops; i++)
		if (t->ops[i].kind == OP_RAW)
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "t.html", "_a.html", "_b.html" };
	struct tpl_file files[3];
	const struct tpl *t;
	struct tpl_set *set;
	struct moat_buf out;
	struct arena a;
	const char *p, *end, *q, *token;
	char err[512];
	size_t n = 0;
	bool marked = false;
	int rc;

	if (size < 1)
		return 0;
	token = (data[0] & 1) ? "tok\"<zq" : NULL;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	while (n < 3) {
		q = memchr(p, '\0', (size_t)(end - p));
		if (q == NULL)
			q = end;
		files[n] = (struct tpl_file){ names[n], p, (size_t)(q - p) };
		marked |= has(p, (size_t)(q - p), "zq");
		n++;
		if (q == end)
			break;
		p = q + 1;
	}
	if ((set = tpl_compile_mem(files, n, err, sizeof(err))) == NULL) {
		/* Every refusal names a file and a line. */
		if (strstr(err, ".html") == NULL)
			abort();
		return 0;
	}
	if ((t = tpl_find(set, "t.html")) == NULL)
		abort();
	arena_init(&a, 1 << 20);
	moat_buf_init(&out, 1 << 20);
	rc = tpl_render(t, make_view(&a), token, &out, err, sizeof(err));
	if (rc == 0 && !marked && !uses_raw(t) &&
	    (has(out.data ? out.data : "", out.len, "<zq") ||
	    has(out.data ? out.data : "", out.len, "\"zq") ||
	    has(out.data ? out.data : "", out.len, "'zq")))
		abort();
	if (rc != 0 && err[0] == '\0')
		abort();
	moat_buf_free(&out);
	arena_reset(&a);
	tpl_set_free(set);
	return 0;
}
