/*
 * arena.c - per-request memory (see arena.h).
 *
 * Chunks are malloc'd as needed and kept on a list; big requests get a
 * chunk of their own.  Everything is zeroed so a parser that forgets to set
 * a field leaves a NULL, never stale data from an earlier request.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

#define ARENA_CHUNK	(16 * 1024)

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;
	size_t			 used;
	alignas(max_align_t) unsigned char data[];
};

void
arena_init(struct arena *a, size_t max)
{
	a->head = NULL;
	a->used = 0;
	a->max = max;
}

void
arena_reset(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->used = 0;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	const size_t align = alignof(max_align_t);
	struct arena_chunk *c;
	size_t csize;
	void *p;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - align)
		return NULL;
	size = (size + align - 1) & ~(align - 1);
	if (size > a->max - a->used || a->used > a->max)
		return NULL;
	c = a->head;
	if (c == NULL || c->size - c->used < size) {
		csize = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		if ((c = malloc(sizeof(*c) + csize)) == NULL)
			return NULL;
		c->size = csize;
		c->used = 0;
		/* A big one-off chunk goes second so the open chunk stays open. */
		if (a->head != NULL && size > ARENA_CHUNK) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = c->data + c->used;
	c->used += size;
	a->used += size;
	memset(p, 0, size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX || (p = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
