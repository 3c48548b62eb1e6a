/*
 * errorpage.h - the generic error pages users see.
 *
 * They say what kind of failure it was and give the incident id, nothing
 * else: details go to the log under the same id (DESIGN.md, invariant 6).
 */
#ifndef MOAT_ERRORPAGE_H
#define MOAT_ERRORPAGE_H

#include <stddef.h>

#include "http/response_internal.h"

/* Replace whatever the response held with the error page for status. */
void	errorpage_render(struct moat_response *res, int status,
	    const char *incident);

/*
 * Write a complete CGI response (head and body) for status into buf.
 * Async-signal-safe: the fault and timeout handlers use it.  Returns the
 * length, or 0 if buf is too small.
 */
size_t	errorpage_raw(char *buf, size_t size, int status,
	    const char *incident);

#endif
