/*
 * fixtures.c - shared test fixtures (see fixtures.h).
 */
#include <string.h>

#include <CUnit/CUnit.h>

#include "fixtures.h"

struct moat_limits
unit_small_limits(void)
{
	struct moat_limits lim;

	memset(&lim, 0, sizeof(lim));
	lim.max_params = 8;
	lim.max_name_bytes = 8;
	lim.max_value_bytes = 16;
	lim.max_cookie_bytes = 64;
	lim.max_multipart_bytes = 1 << 20;
	lim.max_files = 2;
	lim.max_file_bytes = 16;
	return lim;
}

void
unit_arena_sweep(size_t max, int (*parse)(struct arena *a, const void *arg),
    const void *arg)
{
	struct arena a;
	size_t cap, ok = 0, full = 0;
	int rc;

	for (cap = 0; cap < max; cap += 16) {
		arena_init(&a, cap);
		rc = parse(&a, arg);
		if (rc == 0)
			ok++;
		else if (rc == 413)
			full++;
		arena_reset(&a);
	}
	CU_ASSERT(ok > 0);
	CU_ASSERT(full > 0);
	CU_ASSERT_EQUAL(ok + full, (max + 15) / 16);
}
