/*
 * fuzz_cookies.c - libFuzzer target for cookies_parse.
 *
 * The first three bytes choose the limits and the arena size; the rest is
 * the Cookie header.  A successful parse must give tokens for names and
 * bare cookie-octets for values, within every limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http/params.h"

static bool
octets_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    strchr("\",;\\", s[i]) != NULL)
			return false;
	return true;
}

static void
check(const struct param_list *l, const struct moat_limits *lim)
{
	const struct param *p;
	size_t i, nlen;

	if (l->count > lim->max_params)
		abort();
	for (i = 0; i < l->count; i++) {
		p = &l->items[i];
		nlen = strlen(p->name);
		if (nlen == 0 || nlen > lim->max_name_bytes ||
		    !octets_ok(p->name, nlen) || strchr(p->name, '=') != NULL)
			abort();
		if (p->value_len > lim->max_value_bytes ||
		    strlen(p->value) != p->value_len ||
		    !octets_ok(p->value, p->value_len))
			abort();
	}
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
	lim.max_params = 1 + data[0] % 32;
	lim.max_name_bytes = 1 + data[1] % 32;
	lim.max_value_bytes = (size_t)(data[1] >> 5) * 32 + data[0] % 5;
	lim.max_cookie_bytes = data[2] & 0x80 ? 4096 : 64 + data[2];
	arena_init(&a, (size_t)256 << (data[2] % 11));
	memset(&l, 0, sizeof(l));
	rc = cookies_parse(&a, (const char *)data + 3, size - 3, &lim, &l,
	    &why);
	if (rc == 0)
		check(&l, &lim);
	else if ((rc != 400 && rc != 413) || why == NULL)
		abort();
	arena_reset(&a);
	return 0;
}
