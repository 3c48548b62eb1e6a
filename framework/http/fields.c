/*
 * fields.c - a route's declared fields: check, keep, drop (see fields.h),
 * and the moat_request_field*() getters handlers read them with.
 *
 * Undeclared fields are removed by compacting the request's lists in
 * place; the strings stay in the arena, so the checked values (which
 * point at them) stay valid until the response is sent.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <moat/session.h>

#include "http/fields.h"

/* Longest declared field name; it is shown in 400 pages and logs. */
#define FIELD_NAME_MAX	64

#define WHY_TWICE	"was sent more than once"
#define WHY_CHAR	"contains a character that is not allowed"

static bool
declares_fields(const struct moat_route *route)
{
	return route->fields != NULL || route->nfields > 0;
}

/* Name: 1..FIELD_NAME_MAX bytes with no control byte, not the CSRF one. */
static const char *
name_problem(const char *name)
{
	size_t i, len;

	if (name == NULL || name[0] == '\0')
		return "a field has no name";
	len = strlen(name);
	if (len > FIELD_NAME_MAX)
		return "a field name is longer than 64 bytes";
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return "a field name holds a control byte";
	if (strcmp(name, MOAT_CSRF_FIELD) == 0)
		return "the framework owns the " MOAT_CSRF_FIELD " field";
	return NULL;
}

/* The rule's own consistency, the parts moat_field_check() would only
 * discover (as a 400) on the first request. */
static const char *
rule_problem(const struct moat_field *f)
{
	switch (f->type) {
	case MOAT_FIELD_STRING:
		if (f->max_len != 0 && f->min_len > f->max_len)
			return "min_len is above max_len";
		return NULL;
	case MOAT_FIELD_INT:
	case MOAT_FIELD_UINT:
		if (f->min > f->max)
			return "min is above max";
		if (f->type == MOAT_FIELD_UINT && f->max < 0)
			return "max is negative";
		return NULL;
	case MOAT_FIELD_ENUM:
		if (f->choices == NULL || f->choices[0] == NULL)
			return "an enum needs choices";
		return NULL;
	case MOAT_FIELD_BOOL:
	case MOAT_FIELD_EMAIL:
	case MOAT_FIELD_HOSTNAME:
	case MOAT_FIELD_PORT:
	case MOAT_FIELD_IP:
	case MOAT_FIELD_URL:
	case MOAT_FIELD_UUID:
	case MOAT_FIELD_DATE:
		return NULL;
	}
	return "unknown field type";
}

int
fields_check_route(const struct moat_route *route, char *err, size_t errlen)
{
	const struct moat_field *f;
	const char *problem;
	size_t i, j;

	if (route->fields == NULL && route->nfields > 0) {
		snprintf(err, errlen, "nfields is %zu but fields is NULL",
		    route->nfields);
		return -1;
	}
	for (i = 0; i < route->nfields; i++) {
		f = &route->fields[i];
		if ((problem = name_problem(f->name)) != NULL) {
			snprintf(err, errlen, "field %zu: %s", i + 1, problem);
			return -1;
		}
		if ((problem = rule_problem(f)) != NULL) {
			snprintf(err, errlen, "field %s: %s", f->name, problem);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(route->fields[j].name, f->name) == 0) {
				snprintf(err, errlen, "field %s: declared "
				    "twice", f->name);
				return -1;
			}
		}
	}
	return 0;
}

static bool
is_declared(const struct moat_route *route, const char *name)
{
	size_t i;

	for (i = 0; i < route->nfields; i++)
		if (strcmp(route->fields[i].name, name) == 0)
			return true;
	return false;
}

/*
 * Keep only declared names in l; the form also keeps the CSRF token, which
 * the framework checks itself.  Order is kept.
 */
static void
drop_undeclared(struct param_list *l, const struct moat_route *route,
    bool keep_csrf)
{
	size_t i, n = 0;

	for (i = 0; i < l->count; i++) {
		if (is_declared(route, l->items[i].name) || (keep_csrf &&
		    strcmp(l->items[i].name, MOAT_CSRF_FIELD) == 0))
			l->items[n++] = l->items[i];
	}
	l->count = n;
}

static int
fail(char *why, size_t whylen, int status, const char *name,
    const char *reason)
{
	if (whylen > 0) {
		if (name != NULL)
			snprintf(why, whylen, "field %s: %s", name, reason);
		else
			snprintf(why, whylen, "%s", reason);
	}
	return status;
}

/* Check field f from src into *out; 0 or 400. */
static int
check_one(const struct moat_field *f, const struct param_list *src,
    struct moat_value_out *out, char *why, size_t whylen)
{
	const struct param *p = param_list_find(src, f->name, 0);
	const char *reason;

	if (p != NULL && param_list_find(src, f->name, 1) != NULL)
		return fail(why, whylen, 400, f->name, WHY_TWICE);
	/* The parsers refuse NUL already; a check must see the whole value. */
	if (p != NULL && strlen(p->value) != p->value_len)
		return fail(why, whylen, 400, f->name, WHY_CHAR);
	if (moat_field_check(f, p != NULL ? p->value : NULL, out,
	    &reason) != 0)
		return fail(why, whylen, 400, f->name, reason != NULL ?
		    reason : "is not valid");
	return 0;
}

int
fields_apply(struct moat_request *req, const struct moat_route *route,
    char *why, size_t whylen)
{
	struct moat_value_out *values = NULL;
	const struct param_list *src;
	char err[FIELDS_WHY_MAX];
	bool safe;
	size_t i;
	int rc;

	if (whylen > 0)
		why[0] = '\0';
	req->fields = NULL;
	req->values = NULL;
	req->nfields = 0;
	if (!declares_fields(route))
		return 0;
	if (fields_check_route(route, err, sizeof(err)) != 0)
		return fail(why, whylen, 500, NULL, err);
	if (route->nfields > 0) {
		if (route->nfields > SIZE_MAX / sizeof(*values) ||
		    (values = arena_alloc(req->arena, route->nfields *
		    sizeof(*values))) == NULL)
			return fail(why, whylen, 500, NULL,
			    "out of memory for field values");
	}
	safe = strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0;
	src = safe ? &req->query : &req->form;
	for (i = 0; i < route->nfields; i++)
		if ((rc = check_one(&route->fields[i], src, &values[i], why,
		    whylen)) != 0)
			return rc;
	if (safe) {
		drop_undeclared(&req->query, route, false);
		req->form.count = 0;
	} else {
		drop_undeclared(&req->form, route, true);
		req->query.count = 0;
	}
	req->fields = route->fields;
	req->values = values;
	req->nfields = route->nfields;
	return 0;
}

/* --- what handlers read -------------------------------------------------- */

/* Index of the declared field name, or nfields. */
static size_t
field_index(const struct moat_request *req, const char *name)
{
	size_t i;

	if (name == NULL)
		return req->nfields;
	for (i = 0; i < req->nfields; i++)
		if (strcmp(req->fields[i].name, name) == 0)
			break;
	return i;
}

const struct moat_value_out *
moat_request_field(const struct moat_request *req, const char *name)
{
	size_t i = field_index(req, name);

	return i < req->nfields ? &req->values[i] : NULL;
}

const char *
moat_request_field_text(const struct moat_request *req, const char *name)
{
	const struct moat_value_out *v = moat_request_field(req, name);

	return v != NULL && v->present ? v->text : NULL;
}

bool
moat_request_field_int(const struct moat_request *req, const char *name,
    int64_t *out)
{
	size_t i = field_index(req, name);

	if (i == req->nfields || !req->values[i].present)
		return false;
	switch (req->fields[i].type) {
	case MOAT_FIELD_INT:
	case MOAT_FIELD_UINT:
	case MOAT_FIELD_PORT:
		*out = req->values[i].i;
		return true;
	default:
		return false;
	}
}

bool
moat_request_field_bool(const struct moat_request *req, const char *name,
    bool *out)
{
	size_t i = field_index(req, name);

	if (i == req->nfields || !req->values[i].present ||
	    req->fields[i].type != MOAT_FIELD_BOOL)
		return false;
	*out = req->values[i].b;
	return true;
}
