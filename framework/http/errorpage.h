/*
 * errorpage.h - the generic error pages users see.
 *
 * They say what kind of failure it was and give the incident id, nothing
 * else: details go to the log under the same id (DESIGN.md, invariant 6).
 * The one exception is errorpage_render_detail(), for a short fixed line
 * that names what the client got wrong and holds no input.
 */
#ifndef MOAT_HTTP_ERRORPAGE_H
#define MOAT_HTTP_ERRORPAGE_H

#include <stddef.h>

#include "http/response_internal.h"

/* Replace whatever the response held with the error page for status. */
void	errorpage_render(struct moat_response *res, int status,
	    const char *incident);

/*
 * Bytes of detail errorpage_render_detail() shows; longer text is cut at a
 * UTF-8 boundary.
 */
#define ERRORPAGE_DETAIL_MAX	200

/*
 * As errorpage_render(), plus one line of detail under the generic
 * message, HTML-escaped.  For the few failures where the client needs to
 * know what to fix (a 400 naming a form field); detail must come from the
 * framework or the application, never from the request, and must hold no
 * secret.  NULL or "" gives the plain page.
 */
void	errorpage_render_detail(struct moat_response *res, int status,
	    const char *incident, const char *detail);

/*
 * Write a complete CGI response (head and body) for status into buf.
 * Async-signal-safe: the fault and timeout handlers use it.  Returns the
 * length, or 0 if buf is too small.
 */
size_t	errorpage_raw(char *buf, size_t size, int status,
	    const char *incident);

#endif
