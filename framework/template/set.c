/*
 * set.c - a set of compiled templates from named sources (template.h).
 *
 * Sources are sorted by name so includes and lookups are binary searches
 * and the first error reported does not depend on directory order.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/template.h"

void
tpl_set_free(struct tpl_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->ntpls; i++) {
		free(set->tpls[i].ops);
		moat_buf_free(&set->tpls[i].pool);
	}
	free(set->tpls);
	for (i = 0; i < set->nsrcs; i++) {
		free(set->srcs[i].name);
		free(set->srcs[i].text);
	}
	free(set->srcs);
	free(set);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tpl_source *)a)->name,
	    ((const struct tpl_source *)b)->name);
}

static bool
is_partial(const char *name)
{
	const char *base = strrchr(name, '/');

	return (base != NULL ? base[1] : name[0]) == '_';
}

/* Sort the sources, then compile each one that is not a partial. */
static struct tpl_set *
compile_set(struct tpl_source *srcs, size_t n, char *err, size_t errlen)
{
	struct tpl_set *set;
	struct tpl *t;
	size_t i;

	if ((set = calloc(1, sizeof(*set))) == NULL) {
		snprintf(err, errlen, "templates: out of memory");
		for (i = 0; i < n; i++) {
			free(srcs[i].name);
			free(srcs[i].text);
		}
		free(srcs);
		return NULL;
	}
	set->srcs = srcs;
	set->nsrcs = n;
	if (n > 0)
		qsort(srcs, n, sizeof(*srcs), name_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(srcs[i - 1].name, srcs[i].name) == 0) {
			snprintf(err, errlen, "%s: two templates of this name",
			    srcs[i].name);
			goto fail;
		}
	}
	if (n > 0 && (set->tpls = calloc(n, sizeof(*set->tpls))) == NULL) {
		snprintf(err, errlen, "templates: out of memory");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (is_partial(srcs[i].name))
			continue;
		t = &set->tpls[set->ntpls++];
		t->name = srcs[i].name;
		t->srcs = srcs;
		moat_buf_init(&t->pool, TPL_TEXT_MAX);
		if (tpl_compile_one(set, i, t, err, errlen) != 0)
			goto fail;
	}
	/* Only the names are needed from here on. */
	for (i = 0; i < n; i++) {
		free(srcs[i].text);
		srcs[i].text = NULL;
	}
	return set;
fail:
	tpl_set_free(set);
	return NULL;
}

int
tpl_loader_add(struct tpl_loader *l, const char *name, const char *text,
    size_t len)
{
	struct tpl_source *s;
	size_t ncap;

	if (!tpl_name_ok(name, strlen(name))) {
		snprintf(l->err, l->errlen, "%.*s: bad template name: use "
		    "[A-Za-z0-9_.-] segments, none starting with \".\"",
		    TPL_NAME_MAX, name);
		return -1;
	}
	if (l->n == TPL_FILES_MAX) {
		snprintf(l->err, l->errlen, "%s: more than %d templates",
		    name, TPL_FILES_MAX);
		return -1;
	}
	if (len > TPL_FILE_MAX || len > TPL_TOTAL_MAX - l->total) {
		snprintf(l->err, l->errlen, "%s: larger than %d bytes%s", name,
		    TPL_FILE_MAX, len > TPL_FILE_MAX ? "" : " (all templates)");
		return -1;
	}
	if (l->n == l->cap) {
		ncap = l->cap == 0 ? 16 : l->cap * 2;
		if ((s = reallocarray(l->srcs, ncap, sizeof(*s))) == NULL)
			goto nomem;
		l->srcs = s;
		l->cap = ncap;
	}
	s = &l->srcs[l->n];
	if ((s->name = strdup(name)) == NULL)
		goto nomem;
	if ((s->text = malloc(len + 1)) == NULL) {
		free(s->name);
		goto nomem;
	}
	if (len > 0)
		memcpy(s->text, text, len);
	s->text[len] = '\0';
	s->len = len;
	l->n++;
	l->total += len;
	return 0;
nomem:
	snprintf(l->err, l->errlen, "%s: out of memory", name);
	return -1;
}

void
tpl_loader_free(struct tpl_loader *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->srcs[i].name);
		free(l->srcs[i].text);
	}
	free(l->srcs);
	l->srcs = NULL;
	l->n = l->cap = 0;
}

struct tpl_set *
tpl_compile_mem(const struct tpl_file *files, size_t n, char *err,
    size_t errlen)
{
	struct tpl_loader l;
	size_t i;

	memset(&l, 0, sizeof(l));
	l.err = err;
	l.errlen = errlen;
	for (i = 0; i < n; i++) {
		if (files[i].name == NULL || files[i].text == NULL) {
			snprintf(err, errlen, "templates: file %zu has no "
			    "name or text", i);
			tpl_loader_free(&l);
			return NULL;
		}
		if (tpl_loader_add(&l, files[i].name, files[i].text,
		    files[i].len) != 0) {
			tpl_loader_free(&l);
			return NULL;
		}
	}
	return tpl_loader_build(&l, err, errlen);
}

struct tpl_set *
tpl_loader_build(struct tpl_loader *l, char *err, size_t errlen)
{
	struct tpl_set *set = compile_set(l->srcs, l->n, err, errlen);

	/* The sources belong to the set now, or are freed. */
	l->srcs = NULL;
	l->n = l->cap = l->total = 0;
	return set;
}

const struct tpl *
tpl_find(const struct tpl_set *set, const char *name)
{
	size_t lo = 0, hi, mid;
	int r;

	if (set == NULL || name == NULL)
		return NULL;
	hi = set->ntpls;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((r = strcmp(name, set->tpls[mid].name)) == 0)
			return &set->tpls[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
