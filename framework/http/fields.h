/*
 * fields.h - applying a route's declared fields to a request.
 *
 * A route that lists fields (struct moat_route's fields and nfields) gets
 * this treatment after its body has been parsed and its route matched,
 * before its handler runs:
 *
 * - The source.  GET and HEAD read their fields from the query string;
 *   every other method reads them from the form (urlencoded, or the text
 *   fields of a multipart body).  The other list is emptied whole: a POST
 *   handler never sees query-string fields, a GET handler never sees a
 *   body it should not have had.
 * - The check.  Each declared field is looked up in its source and
 *   checked with moat_field_check().  A field sent more than once is
 *   refused rather than guessed at.  The first failure gives 400 with a
 *   reason "field NAME: REASON", where NAME is the route's own name for
 *   the field and REASON a static phrase: no byte of the input is in it,
 *   so it may go in the 400 page and the log as it is.
 * - The drop.  Every field the route did not declare is removed from the
 *   query and form lists, so moat_request_query() and moat_request_form()
 *   answer NULL for it; the handler reads the checked values with
 *   moat_request_field() and friends.
 *
 * The CSRF form field (MOAT_CSRF_FIELD) belongs to the framework: it is
 * never dropped from the form and a route may not declare it.  So the
 * CSRF check reads it from req->form whether it runs before or after
 * fields_apply().  In the query string it is dropped like any other
 * undeclared field, since a token in a URL is never accepted.
 *
 * Uploaded files (moat_request_file()) are not touched: a file part is
 * neither checked nor dropped, and a declared field whose only part is a
 * file counts as not sent.
 *
 * A route with fields == NULL and nfields == 0 declares nothing and keeps
 * the old behaviour: nothing is checked and nothing dropped.  Declaring
 * fields is what turns the dropping on; a route that takes no fields at
 * all can declare a non-NULL fields array with nfields 0.
 */
#ifndef MOAT_HTTP_FIELDS_H
#define MOAT_HTTP_FIELDS_H

#include <stddef.h>

#include <moat/app.h>

#include "http/request_internal.h"

/* Longest reason fields_apply() writes; why may be shorter (truncated). */
#define FIELDS_WHY_MAX	160

/*
 * Check route's declared fields against req and drop the undeclared ones.
 * Returns 0, 400 (a field failed its check, or was sent twice) or 500 (the
 * route's declaration is broken; see fields_check_route()), with why set
 * to a NUL-terminated reason that never contains request input.  On
 * success the checked values are stored in req for moat_request_field().
 */
int	fields_apply(struct moat_request *req,
	    const struct moat_route *route, char *why, size_t whylen);

/*
 * Check a route's field declaration once, at start-up: names non-empty,
 * distinct and not MOAT_CSRF_FIELD, fields non-NULL when nfields > 0,
 * each rule consistent (a known type, enum choices given, min <= max).
 * Returns 0, or -1 with err naming the field.
 */
int	fields_check_route(const struct moat_route *route, char *err,
	    size_t errlen);

#endif
