/*
 * limits.h - the hard limits on what a request may contain.
 *
 * Each has a config key of the same name and a default chosen to fit an
 * ordinary web application; config.c holds the defaults and the bounds.
 */
#ifndef MOAT_CORE_LIMITS_H
#define MOAT_CORE_LIMITS_H

#include <stddef.h>

struct moat_limits {
	size_t	max_body_bytes;		/* urlencoded and other bodies */
	size_t	max_multipart_bytes;	/* whole multipart body */
	size_t	max_file_bytes;		/* one uploaded file */
	size_t	max_files;		/* files per request */
	size_t	max_params;		/* names per source (query, form, cookies) */
	size_t	max_name_bytes;		/* one parameter or cookie name */
	size_t	max_value_bytes;	/* one parameter or cookie value */
	size_t	max_path_bytes;		/* raw request path */
	size_t	max_query_bytes;	/* raw query string */
	size_t	max_headers;		/* HTTP_* params */
	size_t	max_header_bytes;	/* one header value */
	size_t	max_cookie_bytes;	/* the whole Cookie header */
};

#endif
