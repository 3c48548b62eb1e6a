/*
 * arena.h - per-request memory.
 *
 * Everything parsed from a request is allocated here and released in one
 * step when the response has been sent, so no parser has to free on its
 * error paths.  The arena has a hard cap; allocation past it returns NULL.
 */
#ifndef MOAT_CORE_ARENA_H
#define MOAT_CORE_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk	*head;
	size_t			 used;	/* bytes handed out, all chunks */
	size_t			 max;
};

void	 arena_init(struct arena *a, size_t max);
void	 arena_reset(struct arena *a);		/* frees everything */
void	*arena_alloc(struct arena *a, size_t size);	/* aligned, zeroed */
char	*arena_strndup(struct arena *a, const char *s, size_t len);

#endif
