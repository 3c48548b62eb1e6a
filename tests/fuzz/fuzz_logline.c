/*
 * fuzz_logline.c - libFuzzer target for logline_escape.
 *
 * Besides crashes, it checks what the escaper promises: the output fits
 * the buffer, is valid UTF-8, and holds no control character, C1 control,
 * line or paragraph separator or bidi control, whatever the input; and
 * with room to spare nothing is cut.  The first input byte picks the
 * buffer size, so cuts at every position are tried.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/logline.h"
#include "core/utf8.h"
#include "fuzz.h"

static int
is_forbidden(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void
check_output(const char *out, size_t n, size_t dstsize)
{
	const unsigned char *s = (const unsigned char *)out;
	uint32_t cp;
	size_t i, k;

	if (n >= dstsize || strlen(out) != n)
		abort();
	for (i = 0; i < n; i += k)
		if ((k = utf8_sequence(s + i, n - i, &cp)) == 0 ||
		    is_forbidden(cp))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[LOGLINE_MAX];
	const char *in = (const char *)data + 1;
	size_t dstsize, n;

	if (size < 1)
		return 0;
	dstsize = 1 + data[0] % sizeof(out);
	n = logline_escape(out, dstsize, in, size - 1);
	check_output(out, n, dstsize);
	/* Each input byte becomes at most 4: with that much room, no cut. */
	if (4 * (size - 1) < sizeof(out)) {
		n = logline_escape(out, sizeof(out), in, size - 1);
		check_output(out, n, sizeof(out));
		/* Every byte comes out as itself or as \xNN: never fewer. */
		if (n < size - 1)
			abort();
	}
	return 0;
}
