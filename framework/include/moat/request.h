/*
 * request.h - what a handler may read of the current request.
 *
 * Everything here has been parsed and checked before the handler runs:
 * sizes are within the configured limits, percent-escapes are valid, and
 * the path, query, form fields and file names are valid UTF-8 without NUL
 * bytes.  Header values are passed on as the web server sent them (within
 * max_header_bytes): treat them as untrusted bytes.  The strings live until the
 * response is sent; do not keep pointers to them across requests.
 *
 * Duplicate names (one rule for query, form, multipart fields and
 * cookies): every occurrence is kept in arrival order; the plain getters
 * return the first one and the _nth getters reach the others.  First wins
 * matches what nginx's $arg_name and RFC 6265's cookie order give.
 */
#ifndef MOAT_REQUEST_H
#define MOAT_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_request;
struct moat_value_out;

/** An uploaded file from a multipart/form-data body. */
struct moat_upload {
	const char		*field;		/* form field name */
	const char		*filename;	/* as sent by the client: untrusted */
	const char		*content_type;	/* as sent by the client: untrusted */
	const unsigned char	*data;
	size_t			 size;
};

/** The request method, e.g. "GET". */
const char	*moat_request_method(const struct moat_request *req);

/** The decoded request path, always starting with '/'. */
const char	*moat_request_path(const struct moat_request *req);

/** A request header by name, case-insensitive ("User-Agent"); or NULL. */
const char	*moat_request_header(const struct moat_request *req,
		    const char *name);

/** The client's address as the web server saw it. */
const char	*moat_request_remote_addr(const struct moat_request *req);

/** First query-string value for name, or NULL. */
const char	*moat_request_query(const struct moat_request *req,
		    const char *name);

/** The n-th (0-based) query-string value for name, or NULL. */
const char	*moat_request_query_nth(const struct moat_request *req,
		    const char *name, size_t n);

/** First form value (urlencoded or multipart text field), or NULL. */
const char	*moat_request_form(const struct moat_request *req,
		    const char *name);

/** The n-th (0-based) form value for name, or NULL. */
const char	*moat_request_form_nth(const struct moat_request *req,
		    const char *name, size_t n);

/** First cookie value for name, or NULL. */
const char	*moat_request_cookie(const struct moat_request *req,
		    const char *name);

/**
 * The raw body of a request whose type is neither urlencoded nor multipart
 * (JSON, say); NULL with *len 0 otherwise.  Not NUL-terminated.
 */
const unsigned char *moat_request_body(const struct moat_request *req,
		    size_t *len);

/** First uploaded file for a form field, or NULL. */
const struct moat_upload *moat_request_file(const struct moat_request *req,
		    const char *field);

/** A typed route segment as text ("{name:...}" in the pattern), or NULL. */
const char	*moat_request_route_param(const struct moat_request *req,
		    const char *name);

/** A {name:int} route segment; false if the route has no such segment. */
bool		 moat_request_route_int(const struct moat_request *req,
		    const char *name, int64_t *out);

/*
 * Declared fields (struct moat_route's fields; see moat/validate.h).  On a
 * route that declares fields, each was checked before the handler runs: a
 * failure, or a declared field sent more than once, never reaches the
 * handler (the client gets 400 naming the field).  Every undeclared query
 * and form field has been dropped, so moat_request_query() and
 * moat_request_form() answer NULL for it, and these getters give the
 * typed values.  GET and HEAD read fields from the query string, other
 * methods from the form (the query string is then dropped whole).  The
 * form keeps MOAT_CSRF_FIELD for the framework; uploaded files are not
 * affected.  On a route that declares none, nothing is dropped and these
 * getters answer NULL or false.
 */

/**
 * The checked value of a declared field; NULL if the route did not declare
 * name.  present is false when an optional field was not sent (or empty).
 */
const struct moat_value_out *moat_request_field(
		    const struct moat_request *req, const char *name);

/** A declared field's text (ENUM: the matching choice); NULL if absent. */
const char	*moat_request_field_text(const struct moat_request *req,
		    const char *name);

/**
 * A declared INT, UINT or PORT field's value; false if it is absent,
 * undeclared or of another type.
 */
bool		 moat_request_field_int(const struct moat_request *req,
		    const char *name, int64_t *out);

/** A declared BOOL field's value; false if absent, undeclared or not BOOL. */
bool		 moat_request_field_bool(const struct moat_request *req,
		    const char *name, bool *out);

/** The short incident id that error pages and the log share. */
const char	*moat_request_incident_id(const struct moat_request *req);

#endif
