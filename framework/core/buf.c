/*
 * buf.c - bounded, growable byte buffers (see moat/buf.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/buf.h>

void
moat_buf_init(struct moat_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->failed = false;
}

void
moat_buf_free(struct moat_buf *b)
{
	free(b->data);
	moat_buf_init(b, b->max);
}

void
moat_buf_reset(struct moat_buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Make room for need more bytes plus the terminating NUL. */
static bool
buf_reserve(struct moat_buf *b, size_t need)
{
	size_t want, cap;
	char *p;

	if (b->failed)
		return false;
	if (need > b->max - b->len || b->len + need == SIZE_MAX) {
		b->failed = true;
		return false;
	}
	want = b->len + need + 1;
	if (want <= b->cap)
		return true;
	cap = b->cap < 64 ? 64 : b->cap;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	/* max + 1 wraps to 0 for an unbounded (SIZE_MAX) buffer. */
	if (b->max < SIZE_MAX && cap > b->max + 1)
		cap = b->max + 1;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

bool
moat_buf_append(struct moat_buf *b, const void *p, size_t len)
{
	if (!buf_reserve(b, len))
		return false;
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return true;
}

bool
moat_buf_puts(struct moat_buf *b, const char *s)
{
	return moat_buf_append(b, s, strlen(s));
}

bool
moat_buf_vprintf(struct moat_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	if (b->failed)
		return false;
	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || !buf_reserve(b, (size_t)n)) {
		b->failed = true;
		return false;
	}
	if (vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap) != n) {
		b->failed = true;
		return false;
	}
	b->len += (size_t)n;
	return true;
}

bool
moat_buf_printf(struct moat_buf *b, const char *fmt, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	ok = moat_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ok;
}

bool
moat_buf_append_html(struct moat_buf *b, const char *s, size_t len)
{
	size_t i, start;
	const char *rep;

	for (i = start = 0; i < len; i++) {
		switch (s[i]) {
		case '&':  rep = "&amp;";  break;
		case '<':  rep = "&lt;";   break;
		case '>':  rep = "&gt;";   break;
		case '"':  rep = "&quot;"; break;
		case '\'': rep = "&#39;";  break;
		case '\0': rep = "\xef\xbf\xbd"; break;	/* never valid HTML */
		default:   continue;
		}
		if (!moat_buf_append(b, s + start, i - start) ||
		    !moat_buf_puts(b, rep))
			return false;
		start = i + 1;
	}
	return moat_buf_append(b, s + start, len - start);
}

const char *
moat_buf_cstr(const struct moat_buf *b)
{
	return b->data != NULL ? b->data : "";
}
