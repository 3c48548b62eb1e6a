/*
 * passwd.c - scrypt password hashes (see passwd.h).
 *
 * The stored form follows the PHC string format's shape:
 *
 *	$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key>
 *
 * parameters in this order only, decimal without sign or leading zeros,
 * salt and key in standard base64 without padding and with zero spare
 * bits, so every hash has exactly one spelling and a parser that accepts
 * it has checked every byte.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <libscrypt.h>
#include <sodium.h>

#include <moat/nelem.h>

#include "broker/passwd.h"
#include "core/utf8.h"

#define PREFIX		"$scrypt$"
#define B64		sodium_base64_VARIANT_ORIGINAL_NO_PADDING
/* Base64 text for n bytes, unpadded. */
#define B64_LEN(n)	(((n) * 4 + 2) / 3)

static atomic_bool weak_ok;

/*
 * The floor.  OWASP's Password Storage Cheat Sheet (scrypt section)
 * asks for N = 2^17, r = 8, p = 1 at the least, and lists settings it
 * rates as equally strong that trade memory for more passes: N = 2^16
 * with p = 2, 2^15 with p = 3, 2^14 with p = 5, 2^13 with p = 10, all
 * with r = 8.  A policy must reach one of those rows: r >= 8, ln >= 13,
 * and p at least the row's p for its ln.  The sheet asks for raising the
 * cost as hardware allows, so above the floor only the caps limit it.
 */
#define FLOOR_LN	13
#define FLOOR_R		8
static const unsigned int floor_p[] = {
	10,	/* ln 13:   8 MiB */
	5,	/* ln 14:  16 MiB */
	3,	/* ln 15:  32 MiB */
	2,	/* ln 16:  64 MiB */
	1,	/* ln 17+: 128 MiB and up */
};
#define NFLOOR	(MOAT_NELEM(floor_p))

void
passwd_testing_allow_weak(bool allow)
{
	atomic_store(&weak_ok, allow);
}

void
passwd_policy_default(struct passwd_policy *pol)
{
	pol->params.ln = 17;
	pol->params.r = 8;
	pol->params.p = 1;
}

int
passwd_params_check(const struct passwd_params *pp)
{
	unsigned long long n;

	if (pp->ln < PASSWD_LN_MIN || pp->ln > PASSWD_LN_MAX ||
	    pp->r < PASSWD_R_MIN || pp->r > PASSWD_R_MAX ||
	    pp->p < PASSWD_P_MIN || pp->p > PASSWD_P_MAX)
		return -1;
	/* In range, none of these can overflow: 2^22 * 32 * 16 * 128. */
	n = 1ULL << pp->ln;
	if (128ULL * pp->r * n > PASSWD_MEM_MAX ||
	    n * pp->r * pp->p > PASSWD_WORK_MAX)
		return -1;
	return 0;
}

static bool
above_floor(const struct passwd_params *pp)
{
	size_t row;

	if (pp->ln < FLOOR_LN || pp->r < FLOOR_R)
		return false;
	row = pp->ln - FLOOR_LN;
	if (row >= NFLOOR)
		row = NFLOOR - 1;
	return pp->p >= floor_p[row];
}

int
passwd_policy_check(const struct passwd_policy *pol, char *err,
    size_t errlen)
{
	const struct passwd_params *pp = &pol->params;

	if (passwd_params_check(pp) != 0) {
		snprintf(err, errlen, "password hashing: scrypt ln=%u r=%u "
		    "p=%u is out of range (ln %d..%d, r %d..%d, p %d..%d, at "
		    "most %llu MiB and N*r*p at most 2^23 per hash)", pp->ln,
		    pp->r, pp->p, PASSWD_LN_MIN, PASSWD_LN_MAX, PASSWD_R_MIN,
		    PASSWD_R_MAX, PASSWD_P_MIN, PASSWD_P_MAX,
		    PASSWD_MEM_MAX >> 20);
		return -1;
	}
	if (!above_floor(pp)) {
		snprintf(err, errlen, "password hashing: scrypt ln=%u r=%u "
		    "p=%u is below the floor (OWASP: ln=17 r=8 p=1, or with "
		    "r=8 ln=16 p>=2, ln=15 p>=3, ln=14 p>=5, ln=13 p>=10)",
		    pp->ln, pp->r, pp->p);
		return -1;
	}
	return 0;
}

const char *
passwd_rule_check(const char *pw, size_t len)
{
	if (len < PASSWD_MIN_LEN)
		return "the password is shorter than 8 bytes";
	if (len > PASSWD_MAX_LEN)
		return "the password is longer than 128 bytes";
	if (!text_valid(pw, len))
		return "the password is not valid UTF-8 text";
	return NULL;
}

/* --- the stored form -------------------------------------------------- */

struct cursor {
	const char	*s;
	const char	*end;
};

static bool
take(struct cursor *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->s) < n || memcmp(c->s, lit, n) != 0)
		return false;
	c->s += n;
	return true;
}

/* "name=" and 1..2 decimal digits, no leading zero. */
static bool
take_uint(struct cursor *c, const char *name, unsigned int *v)
{
	unsigned int n = 0;
	int digits = 0;

	if (!take(c, name) || !take(c, "="))
		return false;
	while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
		if (digits == 2 || (digits == 1 && n == 0))
			return false;
		n = n * 10 + (unsigned int)(*c->s - '0');
		digits++;
		c->s++;
	}
	*v = n;
	return digits > 0;
}

/*
 * The alphabet is checked here because libsodium's decoder (1.0.18)
 * takes some bytes above 0x7f for letters, as fuzzing found.
 */
static bool
b64_alphabet(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/'))
			return false;
	return true;
}

/*
 * Base64 up to the next '$' (or the end when last) into bin; exactly
 * [min, max] bytes, canonical.
 */
static bool
take_b64(struct cursor *c, bool last, uint8_t *bin, size_t min, size_t max,
    size_t *binlen)
{
	const char *stop;
	size_t tlen;

	if ((stop = memchr(c->s, '$', (size_t)(c->end - c->s))) == NULL) {
		if (!last)
			return false;
		stop = c->end;
	} else if (last)
		return false;
	tlen = (size_t)(stop - c->s);
	if (tlen < B64_LEN(min) || tlen > B64_LEN(max) ||
	    !b64_alphabet(c->s, tlen))
		return false;
	if (sodium_base642bin(bin, max, c->s, tlen, NULL, binlen, NULL,
	    B64) != 0)
		return false;
	/* libsodium refuses stray characters and non-zero spare bits;
	 * the length must also be the one canonical length. */
	if (*binlen < min || B64_LEN(*binlen) != tlen)
		return false;
	c->s = stop;
	return true;
}

int
passwd_parse(const char *stored, size_t len, struct passwd_params *pp,
    uint8_t *salt, size_t *saltlen, uint8_t *key)
{
	struct cursor c = { stored, stored + len };
	size_t keylen;

	if (len >= PASSWD_STORED_MAX ||
	    !take(&c, PREFIX) ||
	    !take_uint(&c, "ln", &pp->ln) || !take(&c, ",") ||
	    !take_uint(&c, "r", &pp->r) || !take(&c, ",") ||
	    !take_uint(&c, "p", &pp->p) || !take(&c, "$") ||
	    passwd_params_check(pp) != 0 ||
	    !take_b64(&c, false, salt, PASSWD_SALT_MIN, PASSWD_SALT_MAX,
	    saltlen) || !take(&c, "$") ||
	    !take_b64(&c, true, key, PASSWD_KEY_LEN, PASSWD_KEY_LEN,
	    &keylen) || c.s != c.end) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int
format(char *out, size_t outlen, const struct passwd_params *pp,
    const uint8_t *salt, size_t saltlen, const uint8_t *key)
{
	char s64[B64_LEN(PASSWD_SALT_MAX) + 1];
	char k64[B64_LEN(PASSWD_KEY_LEN) + 1];
	int n;

	sodium_bin2base64(s64, sizeof(s64), salt, saltlen, B64);
	sodium_bin2base64(k64, sizeof(k64), key, PASSWD_KEY_LEN, B64);
	n = snprintf(out, outlen, PREFIX "ln=%u,r=%u,p=%u$%s$%s", pp->ln,
	    pp->r, pp->p, s64, k64);
	sodium_memzero(k64, sizeof(k64));
	if (n < 0 || (size_t)n >= outlen) {
		errno = EOVERFLOW;
		return -1;
	}
	return 0;
}

/* --- hashing ------------------------------------------------------------ */

static int
derive(const struct passwd_params *pp, const char *pw, size_t len,
    const uint8_t *salt, size_t saltlen, uint8_t *key)
{
	if (libscrypt_scrypt((const uint8_t *)pw, len, salt, saltlen,
	    1ULL << pp->ln, pp->r, pp->p, key, PASSWD_KEY_LEN) != 0) {
		sodium_memzero(key, PASSWD_KEY_LEN);
		if (errno == 0)
			errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* Hash any bytes under pol; the callers decide which bytes may come. */
static int
hash_bytes(const struct passwd_policy *pol, const char *pw, size_t len,
    char *out, size_t outlen)
{
	uint8_t salt[PASSWD_SALT_LEN], key[PASSWD_KEY_LEN];
	int rc;

	if (outlen < PASSWD_STORED_MAX ||
	    passwd_params_check(&pol->params) != 0 ||
	    (!above_floor(&pol->params) && !atomic_load(&weak_ok))) {
		errno = EINVAL;
		return -1;
	}
	randombytes_buf(salt, sizeof(salt));
	if ((rc = derive(&pol->params, pw, len, salt, sizeof(salt), key)) == 0)
		rc = format(out, outlen, &pol->params, salt, sizeof(salt), key);
	sodium_memzero(key, sizeof(key));
	if (rc != 0)
		out[0] = '\0';
	return rc;
}

int
passwd_hash(const struct passwd_policy *pol, const char *pw, size_t len,
    char *out, size_t outlen)
{
	if (outlen > 0)
		out[0] = '\0';
	if (passwd_rule_check(pw, len) != NULL) {
		errno = EINVAL;
		return -1;
	}
	return hash_bytes(pol, pw, len, out, outlen);
}

int
passwd_dummy_make(const struct passwd_policy *pol, char *out, size_t outlen)
{
	char secret[PASSWD_MAX_LEN];
	int rc;

	if (outlen > 0)
		out[0] = '\0';
	/* Nobody knows these bytes, and they break the UTF-8 rule besides
	 * often enough that no typed password is likely to match. */
	randombytes_buf(secret, sizeof(secret));
	rc = hash_bytes(pol, secret, sizeof(secret), out, outlen);
	sodium_memzero(secret, sizeof(secret));
	return rc;
}

int
passwd_verify(const char *stored, const char *pw, size_t len)
{
	struct passwd_params pp;
	uint8_t salt[PASSWD_SALT_MAX], key[PASSWD_KEY_LEN];
	uint8_t got[PASSWD_KEY_LEN];
	size_t saltlen;
	int rc;

	if (passwd_parse(stored, strnlen(stored, PASSWD_STORED_MAX), &pp,
	    salt, &saltlen, key) != 0)
		return -1;
	if (passwd_rule_check(pw, len) != NULL)
		rc = 0;
	else if (derive(&pp, pw, len, salt, saltlen, got) != 0)
		rc = -1;
	else
		rc = sodium_memcmp(got, key, sizeof(key)) == 0;
	sodium_memzero(got, sizeof(got));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(salt, sizeof(salt));
	return rc;
}

bool
passwd_needs_rehash(const char *stored, const struct passwd_policy *pol)
{
	struct passwd_params pp;
	uint8_t salt[PASSWD_SALT_MAX], key[PASSWD_KEY_LEN];
	size_t saltlen;

	if (passwd_parse(stored, strnlen(stored, PASSWD_STORED_MAX), &pp,
	    salt, &saltlen, key) != 0)
		return true;
	sodium_memzero(key, sizeof(key));
	return pp.ln != pol->params.ln || pp.r != pol->params.r ||
	    pp.p != pol->params.p;
}
