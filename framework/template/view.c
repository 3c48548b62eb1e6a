/*
 * view.c - the value tree templates render (moat/template.h, view.h).
 *
 * Everything lives in the request arena, so a handler builds a view with
 * no frees and no cleanup on its error paths.  Entries are a short linked
 * list searched in order: a page shows tens of names, not thousands.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <moat/template.h>

#include "http/request_internal.h"
#include "template/view.h"

bool
view_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > VIEW_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (ch == '_' || (ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z'))
			continue;
		if (i > 0 && ch >= '0' && ch <= '9')
			continue;
		return false;
	}
	return true;
}

struct moat_view *
view_new(struct arena *a)
{
	struct moat_view *v;

	if (a == NULL || (v = arena_alloc(a, sizeof(*v))) == NULL)
		return NULL;
	v->arena = a;
	return v;
}

struct moat_view *
moat_view_new(const struct moat_request *req)
{
	if (req == NULL)
		return NULL;
	return view_new(req->arena);
}

const struct view_entry *
view_get(const struct moat_view *v, const char *name, size_t len)
{
	const struct view_entry *e;

	if (v == NULL)
		return NULL;
	for (e = v->entries; e != NULL; e = e->next)
		if (e->namelen == len && memcmp(e->name, name, len) == 0)
			return e;
	return NULL;
}

/*
 * The entry to store a value of this kind under name: the existing one
 * (a value replaces a value; a list stays a list) or a new one.
 */
static struct view_entry *
entry_for(struct moat_view *v, const char *name, enum view_kind kind)
{
	struct view_entry *e;
	size_t len;

	if (v == NULL || name == NULL)
		return NULL;
	len = strnlen(name, VIEW_NAME_MAX + 1);
	if (!view_name_ok(name, len))
		return NULL;
	if ((e = (struct view_entry *)view_get(v, name, len)) != NULL) {
		if ((e->kind == VIEW_LIST) != (kind == VIEW_LIST))
			return NULL;
		return e;
	}
	if ((e = arena_alloc(v->arena, sizeof(*e))) == NULL ||
	    (e->name = arena_strndup(v->arena, name, len)) == NULL)
		return NULL;
	e->namelen = len;
	e->kind = kind;
	if (v->last != NULL)
		v->last->next = e;
	else
		v->entries = e;
	v->last = e;
	return e;
}

int
moat_view_text(struct moat_view *v, const char *name, const char *value)
{
	struct view_entry *e;
	const char *copy;
	size_t len;

	if (value == NULL)
		return -1;
	len = strlen(value);
	/* Copy first: a failed set leaves the old value in place. */
	if (v == NULL || (copy = arena_strndup(v->arena, value, len)) == NULL ||
	    (e = entry_for(v, name, VIEW_TEXT)) == NULL)
		return -1;
	e->kind = VIEW_TEXT;
	e->text = copy;
	e->textlen = len;
	return 0;
}

int
moat_view_int(struct moat_view *v, const char *name, int64_t value)
{
	struct view_entry *e;

	if ((e = entry_for(v, name, VIEW_INT)) == NULL)
		return -1;
	e->kind = VIEW_INT;
	e->i = value;
	return 0;
}

int
moat_view_bool(struct moat_view *v, const char *name, bool value)
{
	struct view_entry *e;

	if ((e = entry_for(v, name, VIEW_BOOL)) == NULL)
		return -1;
	e->kind = VIEW_BOOL;
	e->b = value;
	return 0;
}

struct moat_view *
moat_view_row(struct moat_view *v, const char *list)
{
	struct view_entry *e;
	struct moat_view *row;

	if ((e = entry_for(v, list, VIEW_LIST)) == NULL ||
	    (row = view_new(v->arena)) == NULL)
		return NULL;
	if (e->last != NULL)
		e->last->next = row;
	else
		e->rows = row;
	e->last = row;
	e->nrows++;
	return row;
}
