/*
 * params.h - name/value lists parsed from a request, and their parsers.
 *
 * The parsers are pure functions over bytes already in memory: they never
 * read from the network, they allocate only from the request arena, and they
 * check every limit in struct moat_limits.  Each returns 0, or an HTTP
 * status (400 or 413) with *why set to a short static reason for the log.
 */
#ifndef MOAT_HTTP_PARAMS_H
#define MOAT_HTTP_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <moat/request.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/utf8.h"

struct param {
	const char	*name;
	const char	*value;		/* NUL-terminated; value_len excludes it */
	size_t		 value_len;
};

struct param_list {
	struct param	*items;
	size_t		 count;
	size_t		 cap;
};

struct upload_list {
	struct moat_upload	*items;
	size_t			 count;
	size_t			 cap;
};

/* Append to a list; the new item storage comes from the arena. */
int	param_list_add(struct arena *a, struct param_list *l,
	    const char *name, const char *value, size_t value_len);
int	upload_list_add(struct arena *a, struct upload_list *l,
	    const struct moat_upload *u);

/* The n-th value for name (0-based), or NULL. */
const struct param *param_list_find(const struct param_list *l,
	    const char *name, size_t n);

/*
 * Percent-decode src[0..len) into dst (which has room for len + 1 bytes),
 * turning '+' into ' ' when plus_is_space.  Returns the decoded length, or
 * -1 on a malformed escape.  dst is NUL-terminated.
 */
ssize_t	pct_decode(char *dst, const char *src, size_t len, bool plus_is_space);


/* a=1&b=2 (query strings and application/x-www-form-urlencoded bodies). */
int	urlencoded_parse(struct arena *a, const char *src, size_t len,
	    const struct moat_limits *lim, struct param_list *out,
	    const char **why);

/* The Cookie header: "a=1; b=2", values optionally double-quoted. */
int	cookies_parse(struct arena *a, const char *src, size_t len,
	    const struct moat_limits *lim, struct param_list *out,
	    const char **why);

/*
 * A multipart/form-data body.  content_type is the whole header value and
 * must carry a boundary.  Text fields go to fields, parts with a filename
 * to files.
 */
int	multipart_parse(struct arena *a, const char *content_type,
	    const unsigned char *body, size_t len,
	    const struct moat_limits *lim, struct param_list *fields,
	    struct upload_list *files, const char **why);

#endif
