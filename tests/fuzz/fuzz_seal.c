// fuzz-sources: framework/broker/seal.c
/*
 * fuzz_seal.c - the sealed-value parser and opener on arbitrary bytes,
 * as a database row (or whoever can write one) would present them.
 *
 * Whatever parses must describe the input itself: a key id in range and
 * a base64 part inside the input whose length matches what it decodes
 * to.  Opening never reads past the input or writes past its buffer
 * (ASan checks), and anything that opens must seal and open again to
 * the same bytes, and bound to a row must open in that row alone.  The
 * seed corpus holds values sealed under the key below (id 7, column
 * "body"), so the opening path is reached too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "broker/seal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_KEY_ID	7

static struct seal_keyring	ring;

static void
init(void)
{
	unsigned char key[SEAL_KEY_BYTES];

	if (ring.nkeys != 0)
		return;
	if (sodium_init() < 0)
		abort();
	memset(key, 0x42, sizeof(key));
	if (seal_keyring_add(&ring, FUZZ_KEY_ID, key) != 0)
		abort();
	memset(key, 0x43, sizeof(key));
	if (seal_keyring_add(&ring, 8, key) != 0)
		abort();
	ring.current = 8;
}

static void
check_parts(const char *text, size_t size, const struct seal_parts *p)
{
	size_t rest = p->b64_len % 4, decoded;

	if (p->key_id == 0 || p->key_id > SEAL_KEYID_MAX ||
	    p->b64 < text || p->b64 + p->b64_len != text + size ||
	    rest == 1)
		abort();
	decoded = p->b64_len / 4 * 3 + (rest == 0 ? 0 : rest - 1);
	if (decoded != p->plain_len + 40)
		abort();
}

/* What opened must seal again (under the current key) and reopen. */
static void
round_trip(const unsigned char *plain, size_t len)
{
	size_t size = seal_sealed_size(len), back_len;
	unsigned char *back;
	char *sealed;

	if (size == 0 || (sealed = malloc(size)) == NULL)
		abort();
	if (seal_seal(&ring, "body", NULL, plain, len, sealed, size) != SEAL_OK)
		abort();
	if ((back = malloc(seal_open_size(strlen(sealed)))) == NULL)
		abort();
	if (seal_open(&ring, "body", NULL, sealed, strlen(sealed), back,
	    seal_open_size(strlen(sealed)), &back_len, NULL) != SEAL_OK ||
	    back_len != len || memcmp(back, plain, len) != 0)
		abort();
	/* The column is bound: it must not open as another. */
	if (seal_open(&ring, "bodx", NULL, sealed, strlen(sealed), back,
	    seal_open_size(strlen(sealed)), &back_len, NULL) != SEAL_FORGED)
		abort();
	free(back);
	free(sealed);
}

/* Bound to a row, with the input's first bytes as the row's identity:
 * it opens in that row only, and never unbound. */
static void
bound_trip(const unsigned char *plain, size_t len)
{
	struct seal_binding here = { "owner", (const char *)plain, len <
	    SEAL_BIND_MAX ? len : SEAL_BIND_MAX }, there = here;
	size_t size = seal_sealed_size(len), back_len;
	unsigned char *back;
	char *sealed;

	there.len = here.len > 0 ? here.len - 1 : 1;
	there.value = here.len > 0 ? here.value : "x";
	if ((sealed = malloc(size)) == NULL ||
	    seal_seal(&ring, "body", &here, plain, len, sealed, size) !=
	    SEAL_OK || (back = malloc(seal_open_size(strlen(sealed)))) == NULL)
		abort();
	if (seal_open(&ring, "body", &here, sealed, strlen(sealed), back,
	    seal_open_size(strlen(sealed)), &back_len, NULL) != SEAL_OK ||
	    back_len != len || memcmp(back, plain, len) != 0 ||
	    seal_open(&ring, "body", &there, sealed, strlen(sealed), back,
	    seal_open_size(strlen(sealed)), &back_len, NULL) != SEAL_FORGED ||
	    seal_open(&ring, "body", NULL, sealed, strlen(sealed), back,
	    seal_open_size(strlen(sealed)), &back_len, NULL) != SEAL_FORGED)
		abort();
	free(back);
	free(sealed);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct seal_parts parts;
	enum seal_status st;
	unsigned char *out;
	unsigned int id = 0;
	size_t n;

	init();
	st = seal_parse(text, size, &parts);
	if (st == SEAL_OK)
		check_parts(text, size, &parts);
	/* An exact-size copy, so ASan sees any read past the value. */
	if ((out = malloc(seal_open_size(size))) == NULL)
		abort();
	if (seal_open(&ring, "body", NULL, text, size, out, seal_open_size(size), &n,
	    &id) == SEAL_OK) {
		if (st != SEAL_OK || id != parts.key_id || n != parts.plain_len)
			abort();
		round_trip(out, n);
		bound_trip(out, n);
	} else if (n != 0)
		abort();
	free(out);
	return 0;
}
