/*
 * fixtures.h - what several parser tests share: small limits, and the
 * sweep that runs a parser in arenas of every size up to a bound.
 */
#ifndef MOAT_TESTS_UNIT_FIXTURES_H
#define MOAT_TESTS_UNIT_FIXTURES_H

#include <stddef.h>

#include "core/arena.h"
#include "core/limits.h"

/*
 * Limits small enough to reach from a test: 8 params, names of 8 bytes,
 * values of 16, 64 bytes of cookies, 2 files of 16 bytes, 1 MiB of
 * multipart body; everything else 0.
 */
struct moat_limits	unit_small_limits(void);

/*
 * Run parse(a, arg) in an arena of 0, 16, 32 ... bytes below max.  Each
 * run must either parse the input whole (parse returns 0) or find the
 * arena full (413), and both must happen: a full arena is a request that
 * is too large, never a crash or a half-parsed result.
 */
void	unit_arena_sweep(size_t max, int (*parse)(struct arena *a,
	    const void *arg), const void *arg);

#endif
