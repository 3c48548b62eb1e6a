/*
 * buf.h - bounded, growable byte buffers.
 *
 * Every buffer has a hard maximum.  An append that would pass it, or that
 * cannot allocate, fails and marks the buffer as failed; later appends are
 * ignored and the owner checks moat_buf_failed() once at the end, as with
 * Postfix's VSTRING.  The contents are always NUL-terminated.
 */
#ifndef MOAT_BUF_H
#define MOAT_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct moat_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	bool	 failed;
};

/** Prepare an empty buffer that will never hold more than max bytes. */
void	moat_buf_init(struct moat_buf *b, size_t max);

/** Free the storage; the buffer may be initialised again. */
void	moat_buf_free(struct moat_buf *b);

/** Forget the contents and the failed mark but keep the storage. */
void	moat_buf_reset(struct moat_buf *b);

/** Append len bytes; false (and the buffer marked failed) past the cap. */
bool	moat_buf_append(struct moat_buf *b, const void *p, size_t len);

/** Append a NUL-terminated string. */
bool	moat_buf_puts(struct moat_buf *b, const char *s);

/** Append formatted text (snprintf semantics, never truncates silently). */
bool	moat_buf_printf(struct moat_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/** As moat_buf_printf with a va_list. */
bool	moat_buf_vprintf(struct moat_buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/**
 * Append s escaped for HTML text or a quoted attribute value: & < > " '
 * become entities, a NUL byte becomes U+FFFD.
 */
bool	moat_buf_append_html(struct moat_buf *b, const char *s, size_t len);

/** True once any append has failed. */
static inline bool
moat_buf_failed(const struct moat_buf *b)
{
	return b->failed;
}

/** The contents as a C string ("" for an empty buffer). */
const char *moat_buf_cstr(const struct moat_buf *b);

#endif
