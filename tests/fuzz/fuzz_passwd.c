/*
 * fuzz_passwd.c - libFuzzer target for the stored password hash parser.
 *
 * Only the parser runs: libscrypt is replaced by a stub that aborts, so
 * no input may reach a hash.  Beyond crashes, every accepted input must
 * be in range and under the caps, and must be the one canonical
 * spelling of what was parsed (re-encoding it gives the input back).
 */
// fuzz-sources: framework/broker/passwd.c
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "broker/passwd.h"
#include "fuzz.h"

int	libscrypt_scrypt(const uint8_t *, size_t, const uint8_t *, size_t,
	    uint64_t, uint32_t, uint32_t, uint8_t *, size_t);

int
libscrypt_scrypt(const uint8_t *pw, size_t pwlen, const uint8_t *salt,
    size_t saltlen, uint64_t n, uint32_t r, uint32_t p, uint8_t *buf,
    size_t buflen)
{
	abort();	/* the parser must never hash */
}

static void
check_canonical(const uint8_t *data, size_t size,
    const struct passwd_params *pp, const uint8_t *salt, size_t saltlen,
    const uint8_t *key)
{
	char s64[128], k64[64], again[PASSWD_STORED_MAX + 64];
	int n;

	if (passwd_params_check(pp) != 0 || saltlen < PASSWD_SALT_MIN ||
	    saltlen > PASSWD_SALT_MAX || pp->ln < PASSWD_LN_MIN ||
	    pp->ln > PASSWD_LN_MAX)
		abort();
	if ((128ULL << pp->ln) * pp->r > PASSWD_MEM_MAX ||
	    (1ULL << pp->ln) * pp->r * pp->p > PASSWD_WORK_MAX)
		abort();
	sodium_bin2base64(s64, sizeof(s64), salt, saltlen,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	sodium_bin2base64(k64, sizeof(k64), key, PASSWD_KEY_LEN,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	n = snprintf(again, sizeof(again), "$scrypt$ln=%u,r=%u,p=%u$%s$%s",
	    pp->ln, pp->r, pp->p, s64, k64);
	if (n < 0 || (size_t)n != size || memcmp(again, data, size) != 0)
		abort();
	if (size >= PASSWD_STORED_MAX)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct passwd_params pp;
	struct passwd_policy pol = { { 17, 8, 1 } };
	uint8_t salt[PASSWD_SALT_MAX], key[PASSWD_KEY_LEN];
	size_t saltlen;
	char *s;
	bool ok;

	ok = passwd_parse((const char *)data, size, &pp, salt, &saltlen,
	    key) == 0;
	if (ok)
		check_canonical(data, size, &pp, salt, saltlen, key);
	/* The C-string entry point agrees with the parser. */
	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (ok && !passwd_needs_rehash(s, &pol) !=
	    (pp.ln == 17 && pp.r == 8 && pp.p == 1))
		abort();
	if (!ok && memchr(data, '\0', size) == NULL &&
	    !passwd_needs_rehash(s, &pol))
		abort();
	(void)passwd_rule_check(s, size);
	free(s);
	return 0;
}
