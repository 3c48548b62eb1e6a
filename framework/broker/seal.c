/*
 * seal.c - sealing and opening sensitive column values (see seal.h).
 *
 * The parser is strict on purpose: a sealed value has exactly one
 * spelling, so a value that merely looks sealed (a leading zero in the
 * key id, padding, stray bits in the last base64 digit) is refused
 * before any key is touched.  Nothing here logs; callers name the
 * statement and column, never the value.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "broker/seal.h"

#define SEAL_NONCE	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG	crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEAL_B64	sodium_base64_VARIANT_URLSAFE_NO_PADDING
/* "m1$" + 5 digits + "$" */
#define SEAL_HEAD_MAX	9
/* The head, a column and a binding's name (identifiers of at most 63
 * bytes), the binding's length and value, and the separators. */
#define SEAL_AD_MAX	(SEAL_HEAD_MAX + 2 * 64 + 24 + SEAL_BIND_MAX)

static const struct seal_keyring *installed;

void
seal_use_keyring(const struct seal_keyring *kr)
{
	installed = kr;
}

const struct seal_keyring *
seal_keyring(void)
{
	return installed;
}

int
seal_keyring_add(struct seal_keyring *kr, unsigned int id,
    const unsigned char key[SEAL_KEY_BYTES])
{
	struct seal_key *k;

	if (id == 0 || id > SEAL_KEYID_MAX || kr->nkeys == SEAL_MAX_KEYS ||
	    seal_keyring_find(kr, id) != NULL)
		return -1;
	k = &kr->keys[kr->nkeys++];
	k->id = id;
	memcpy(k->key, key, SEAL_KEY_BYTES);
	return 0;
}

const struct seal_key *
seal_keyring_find(const struct seal_keyring *kr, unsigned int id)
{
	size_t i;

	if (kr == NULL || id == 0)
		return NULL;
	for (i = 0; i < kr->nkeys && i < SEAL_MAX_KEYS; i++)
		if (kr->keys[i].id == id)
			return &kr->keys[i];
	return NULL;
}

size_t
seal_sealed_size(size_t plain_len)
{
	if (plain_len > SEAL_PLAIN_MAX)
		return 0;
	return SEAL_HEAD_MAX + sodium_base64_ENCODED_LEN(SEAL_NONCE +
	    plain_len + SEAL_TAG, SEAL_B64);
}

size_t
seal_open_size(size_t len)
{
	/* Base64 decodes to less than it spells; +1 for the NUL. */
	return len + 1;
}

/* [a-z0-9_]{1,63}: never a '$', so the parts of the AD stay apart. */
static bool
ad_name(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return false;
	return n > 0 && n <= 63;
}

/*
 * The associated data: the head, the column it belongs to and, for a
 * bound column, the row's identity.  The value's length comes before
 * it, so no two bindings spell the same AD.
 */
static int
make_ad(char *ad, unsigned int id, const char *column,
    const struct seal_binding *b, size_t *adlen)
{
	int n, m = 0;

	if (!ad_name(column) || (b != NULL && (!ad_name(b->name) ||
	    b->len > SEAL_BIND_MAX || (b->value == NULL && b->len > 0))))
		return -1;
	n = snprintf(ad, SEAL_AD_MAX, SEAL_PREFIX "%u$%s", id, column);
	if (n < 0 || n >= SEAL_AD_MAX)
		return -1;
	if (b != NULL) {
		m = snprintf(ad + n, SEAL_AD_MAX - (size_t)n, "$%s$%zu$",
		    b->name, b->len);
		if (m < 0 || (size_t)n + (size_t)m + b->len > SEAL_AD_MAX)
			return -1;
		if (b->len > 0)
			memcpy(ad + n + m, b->value, b->len);
	}
	*adlen = (size_t)n + (size_t)m + (b != NULL ? b->len : 0);
	return 0;
}

enum seal_status
seal_seal(const struct seal_keyring *kr, const char *column,
    const struct seal_binding *bind, const void *plain, size_t len,
    char *out, size_t outlen)
{
	const struct seal_key *k;
	unsigned char *bin;
	char ad[SEAL_AD_MAX];
	size_t adlen, binlen = SEAL_NONCE + len + SEAL_TAG;
	int head;

	if ((k = seal_keyring_find(kr, kr != NULL ? kr->current : 0)) == NULL)
		return SEAL_NO_KEY;
	if (len > SEAL_PLAIN_MAX || outlen < seal_sealed_size(len))
		return SEAL_TOO_LONG;
	if (make_ad(ad, k->id, column, bind, &adlen) != 0)
		return SEAL_NOT_SEALED;
	head = snprintf(out, outlen, SEAL_PREFIX "%u$", k->id);
	if (head < 0 || (size_t)head >= outlen)
		return SEAL_TOO_LONG;
	if ((bin = malloc(binlen)) == NULL)
		return SEAL_NO_MEMORY;
	randombytes_buf(bin, SEAL_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(bin + SEAL_NONCE, NULL,
	    plain, len, (const unsigned char *)ad, adlen, NULL, bin, k->key);
	sodium_bin2base64(out + head, outlen - (size_t)head, bin, binlen,
	    SEAL_B64);
	free(bin);
	return SEAL_OK;
}

/* The value of a base64url digit, or -1. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Unpadded base64url whose last digit carries no stray bits: the one
 * spelling of its bytes.  *decoded gets their number.
 */
static int
check_b64(const char *s, size_t len, size_t *decoded)
{
	size_t i, rest = len % 4;
	int v = 0;

	if (rest == 1)
		return -1;
	for (i = 0; i < len; i++)
		if ((v = b64_value((unsigned char)s[i])) < 0)
			return -1;
	if ((rest == 2 && (v & 0x0f) != 0) || (rest == 3 && (v & 0x03) != 0))
		return -1;
	*decoded = len / 4 * 3 + (rest == 0 ? 0 : rest - 1);
	return 0;
}

/* "m1$" then 1..65535 in decimal without a leading zero, then "$". */
static int
parse_head(const char *text, size_t len, unsigned int *id, size_t *used)
{
	size_t i = sizeof(SEAL_PREFIX) - 1, digits = 0;
	unsigned long v = 0;

	if (len < i || memcmp(text, SEAL_PREFIX, i) != 0)
		return -1;
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		if (++digits > 5 || (digits == 1 && text[i] == '0'))
			return -1;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (digits == 0 || v > SEAL_KEYID_MAX || i == len || text[i] != '$')
		return -1;
	*id = (unsigned int)v;
	*used = i + 1;
	return 0;
}

enum seal_status
seal_parse(const char *text, size_t len, struct seal_parts *parts)
{
	size_t head, decoded;

	memset(parts, 0, sizeof(*parts));
	if (text == NULL || parse_head(text, len, &parts->key_id, &head) != 0)
		return SEAL_NOT_SEALED;
	parts->b64 = text + head;
	parts->b64_len = len - head;
	if (check_b64(parts->b64, parts->b64_len, &decoded) != 0 ||
	    decoded < SEAL_NONCE + SEAL_TAG)
		return SEAL_NOT_SEALED;
	parts->plain_len = decoded - SEAL_NONCE - SEAL_TAG;
	if (parts->plain_len > SEAL_PLAIN_MAX)
		return SEAL_TOO_LONG;
	return SEAL_OK;
}

enum seal_status
seal_open(const struct seal_keyring *kr, const char *column,
    const struct seal_binding *bind, const char *text, size_t len,
    unsigned char *out, size_t outlen, size_t *plain_len,
    unsigned int *key_id)
{
	unsigned char nonce[SEAL_NONCE];
	unsigned long long mlen;
	const struct seal_key *k;
	struct seal_parts p;
	enum seal_status st;
	char ad[SEAL_AD_MAX];
	size_t adlen, binlen;

	*plain_len = 0;
	if ((st = seal_parse(text, len, &p)) != SEAL_OK)
		return st;
	if (key_id != NULL)
		*key_id = p.key_id;
	if ((k = seal_keyring_find(kr, p.key_id)) == NULL)
		return SEAL_UNKNOWN_KEY;
	if (make_ad(ad, p.key_id, column, bind, &adlen) != 0)
		return SEAL_NOT_SEALED;
	if (outlen < SEAL_NONCE + p.plain_len + SEAL_TAG)
		return SEAL_TOO_LONG;
	if (sodium_base642bin(out, outlen, p.b64, p.b64_len, NULL, &binlen,
	    NULL, SEAL_B64) != 0 || binlen != SEAL_NONCE + p.plain_len +
	    SEAL_TAG)
		return SEAL_NOT_SEALED;
	/* Decrypt in place: the ciphertext moves to the front first. */
	memcpy(nonce, out, SEAL_NONCE);
	memmove(out, out + SEAL_NONCE, binlen - SEAL_NONCE);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, out,
	    binlen - SEAL_NONCE, (const unsigned char *)ad, adlen, nonce,
	    k->key) != 0) {
		sodium_memzero(out, binlen);
		return SEAL_FORGED;
	}
	out[mlen] = '\0';
	*plain_len = (size_t)mlen;
	return SEAL_OK;
}

const char *
seal_strerror(enum seal_status st)
{
	switch (st) {
	case SEAL_OK:
		return "ok";
	case SEAL_NOT_SEALED:
		return "not a sealed value";
	case SEAL_UNKNOWN_KEY:
		return "sealed under a key id not in the keyring";
	case SEAL_FORGED:
		return "does not authenticate (tampered, moved or wrong key)";
	case SEAL_TOO_LONG:
		return "too long";
	case SEAL_NO_KEY:
		return "no current data key";
	case SEAL_NO_MEMORY:
		return "out of memory";
	}
	return "unknown error";
}
