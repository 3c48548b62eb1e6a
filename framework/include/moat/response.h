/*
 * response.h - building the response to the current request.
 *
 * Responses are buffered: nothing reaches the client until the handler
 * returns, so a handler that fails half-way still produces a clean error
 * page.  Content-Length is always computed by the framework.
 */
#ifndef MOAT_RESPONSE_H
#define MOAT_RESPONSE_H

#include <stddef.h>

#include <moat/buf.h>

struct moat_response;

/** Set the status code (100..599); the default is 200. */
int		 moat_response_status(struct moat_response *res, int status);

/**
 * Add a header.  Names must be HTTP tokens and values may not contain CR,
 * LF or NUL: anything else is refused with -1 (header injection).  Headers
 * the framework owns (Content-Length, Content-Type, Status,
 * Transfer-Encoding) are refused as well, and so is Location: use
 * moat_response_redirect(), which allows local paths only.
 */
int		 moat_response_header(struct moat_response *res,
		    const char *name, const char *value);

/**
 * Set the Content-Type.  Text types (text/..., JSON, XML, JavaScript) get
 * "; charset=utf-8" unless a charset is given.
 */
int		 moat_response_content_type(struct moat_response *res,
		    const char *type);

/** The body buffer; append to it with the moat_buf functions. */
struct moat_buf	*moat_response_body(struct moat_response *res);

/** Shorthand: status, text/plain and the given text as the body. */
int		 moat_response_text(struct moat_response *res, int status,
		    const char *text);

/** Shorthand: a redirect (301, 302, 303, 307, 308) to a local path. */
int		 moat_response_redirect(struct moat_response *res, int status,
		    const char *location);

#endif
