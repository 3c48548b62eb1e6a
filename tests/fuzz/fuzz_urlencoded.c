/*
 * fuzz_urlencoded.c - libFuzzer target for urlencoded_parse.
 *
 * The first three bytes choose the limits and the arena size, so the
 * fuzzer reaches every cap (and arena exhaustion) with short inputs; the
 * rest is the query string.  A successful parse must have kept every
 * promise of request.h: counts and lengths within the limits, every name
 * and value valid UTF-8 text, NUL-terminated at its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http/params.h"

/* Beside the promises every list keeps: each name is found by name. */
static void
check(const struct param_list *l, const struct moat_limits *lim)
{
	size_t i;

	fuzz_check_text_params(l, lim);
	for (i = 0; i < l->count; i++)
		if (param_list_find(l, l->items[i].name, 0) == NULL)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_limits lim;
	struct param_list l;
	struct arena a;
	const char *why = NULL;
	int rc;

	if (size < 3)
		return 0;
	memset(&lim, 0, sizeof(lim));
	lim.max_params = 1 + data[0] % 64;
	lim.max_name_bytes = 1 + data[1] % 32;
	lim.max_value_bytes = (size_t)(data[1] >> 5) * 64 + data[0] % 7;
	arena_init(&a, (size_t)256 << (data[2] % 13));
	memset(&l, 0, sizeof(l));
	rc = urlencoded_parse(&a, (const char *)data + 3, size - 3, &lim, &l,
	    &why);
	if (rc == 0)
		check(&l, &lim);
	else if ((rc != 400 && rc != 413) || why == NULL)
		abort();
	arena_reset(&a);
	return 0;
}
