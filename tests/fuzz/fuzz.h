/*
 * fuzz.h - what the libFuzzer targets share: the entry point's
 * prototype, the promises every parsed name/value list must keep, and a
 * handler for route tables that are only matched, never run.
 */
#ifndef MOAT_TESTS_FUZZ_FUZZ_H
#define MOAT_TESTS_FUZZ_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <moat/app.h>

#include "core/limits.h"
#include "core/utf8.h"
#include "http/params.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A parsed list of text fields: within the limits, every name non-empty
 * and every name and value valid UTF-8 text, NUL-terminated at its
 * length.  Anything else is a bug: abort, so libFuzzer reports it.
 */
static inline void
fuzz_check_text_params(const struct param_list *l,
    const struct moat_limits *lim)
{
	const struct param *p;
	size_t i, nlen;

	if (l->count > lim->max_params || l->count > l->cap)
		abort();
	for (i = 0; i < l->count; i++) {
		p = &l->items[i];
		nlen = strlen(p->name);
		if (nlen == 0 || nlen > lim->max_name_bytes ||
		    !text_valid(p->name, nlen))
			abort();
		if (p->value_len > lim->max_value_bytes ||
		    p->value[p->value_len] != '\0' ||
		    !text_valid(p->value, p->value_len))
			abort();
	}
}

/* For routes that are matched but never run. */
static inline int
fuzz_handler(const struct moat_request *req, struct moat_response *res)
{
	(void)req;
	(void)res;
	return 0;
}

#endif
