/*
 * response_internal.h - the response as the framework holds it.
 */
#ifndef MOAT_HTTP_RESPONSE_INTERNAL_H
#define MOAT_HTTP_RESPONSE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <moat/buf.h>
#include <moat/response.h>

#define RESPONSE_HEADERS_MAX	(16 * 1024)
#define RESPONSE_TYPE_MAX	128

struct moat_response {
	int		 status;
	char		 content_type[RESPONSE_TYPE_MAX];
	struct moat_buf	 headers;	/* "Name: value\r\n" lines */
	struct moat_buf	 body;
	bool		 refused;	/* the handler tried something unsafe */
	/* Set by the worker before the handler runs. */
	bool		 https;		/* the request came over TLS */
	unsigned int	 hsts_max_age;	/* seconds; 0: no HSTS */
};

/* The defaults every response carries unless the handler set its own. */
#define RESPONSE_CSP		"default-src 'self'; frame-ancestors 'none'"
#define RESPONSE_REFERRER	"same-origin"

void	response_init(struct moat_response *res, size_t max_body);
void	response_reset(struct moat_response *res);
void	response_free(struct moat_response *res);

/*
 * Write the CGI response head (Status, Content-Type, Content-Length, the
 * headers, blank line) to out.  For HEAD the caller sends no body but
 * the Content-Length stays that of the GET response.
 */
bool	response_head(const struct moat_response *res, struct moat_buf *out);

/* Was this header set (by the handler)?  Names compared without case. */
bool	response_has_header(const struct moat_response *res, const char *name);

/* The reason phrase for a status ("Not Found"), "" if unknown. */
const char *response_reason(int status);

#endif
