/*
 * params.c - name/value and upload lists (see params.h).
 *
 * The lists grow by doubling inside the request arena.  The old array is
 * not freed (the arena cannot free), so a list of n items costs at most
 * 2n slots; the parsers cap n with max_params and max_files anyway.
 * Names and values are stored as given: callers pass strings that already
 * live in the arena.
 */
#include <stdint.h>
#include <string.h>

#include "http/params.h"

#define LIST_FIRST_CAP	8

/* Make room for one more item of size sz in *items; -1 if out of memory. */
static int
list_grow(struct arena *a, void **items, size_t count, size_t *cap,
    size_t sz)
{
	size_t ncap;
	void *p;

	if (count < *cap)
		return 0;
	if (*cap == 0)
		ncap = LIST_FIRST_CAP;
	else if (*cap > SIZE_MAX / 2 / sz)
		return -1;
	else
		ncap = *cap * 2;
	if ((p = arena_alloc(a, ncap * sz)) == NULL)
		return -1;
	if (count > 0)
		memcpy(p, *items, count * sz);
	*items = p;
	*cap = ncap;
	return 0;
}

int
param_list_add(struct arena *a, struct param_list *l, const char *name,
    const char *value, size_t value_len)
{
	struct param *p;
	void *items = l->items;

	if (list_grow(a, &items, l->count, &l->cap, sizeof(*p)) == -1)
		return -1;
	l->items = items;
	p = &l->items[l->count++];
	p->name = name;
	p->value = value;
	p->value_len = value_len;
	return 0;
}

int
upload_list_add(struct arena *a, struct upload_list *l,
    const struct moat_upload *u)
{
	void *items = l->items;

	if (list_grow(a, &items, l->count, &l->cap, sizeof(*u)) == -1)
		return -1;
	l->items = items;
	l->items[l->count++] = *u;
	return 0;
}

const struct param *
param_list_find(const struct param_list *l, const char *name, size_t n)
{
	size_t i;

	if (l == NULL || name == NULL)
		return NULL;
	for (i = 0; i < l->count; i++) {
		if (strcmp(l->items[i].name, name) != 0)
			continue;
		if (n-- == 0)
			return &l->items[i];
	}
	return NULL;
}
