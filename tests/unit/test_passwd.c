/*
 * test_passwd.c - scrypt password hashes: the floor, the rules, the
 * stored form and its hostile variants.
 *
 * Round trips use a policy far below the floor (ln=10, r=1, p=1) so the
 * suite runs in milliseconds; passwd_testing_allow_weak lets it through,
 * and test_floor_in_hash checks that nothing else does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libscrypt.h>
#include <sodium.h>

#include "broker/passwd.h"
#include "unit.h"

#define GOOD	"correct horse battery"

static const struct passwd_policy weak = { { 10, 1, 1 } };

static void
weak_on(void)
{
	CU_ASSERT_FATAL(sodium_init() >= 0);
	passwd_testing_allow_weak(true);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
policy_ok(unsigned int ln, unsigned int r, unsigned int p, char *err,
    size_t errlen)
{
	struct passwd_policy pol = { { ln, r, p } };

	err[0] = '\0';
	return passwd_policy_check(&pol, err, errlen);
}

static void
test_default_policy(void)
{
	struct passwd_policy pol;
	char err[PASSWD_ERR_MAX];

	passwd_policy_default(&pol);
	CU_ASSERT_EQUAL(pol.params.ln, 17);
	CU_ASSERT_EQUAL(pol.params.r, 8);
	CU_ASSERT_EQUAL(pol.params.p, 1);
	CU_ASSERT_EQUAL(passwd_policy_check(&pol, err, sizeof(err)), 0);
}

static void
test_floor(void)
{
	/* OWASP's rows and stronger ones pass. */
	static const unsigned int good[][3] = { { 17, 8, 1 }, { 16, 8, 2 },
	    { 15, 8, 3 }, { 14, 8, 5 }, { 13, 8, 10 }, { 18, 8, 1 },
	    { 17, 16, 1 }, { 16, 8, 4 } };
	/* Below a row: too little N, r or p. */
	static const unsigned int low[][3] = { { 16, 8, 1 }, { 17, 4, 1 },
	    { 15, 8, 2 }, { 14, 8, 4 }, { 13, 8, 9 }, { 12, 8, 16 },
	    { 10, 1, 1 }, { 17, 7, 1 } };
	/* Over a cap or out of range: 512 MiB, 2^24 work, ln 23, r 33. */
	static const unsigned int big[][3] = { { 19, 8, 1 }, { 17, 8, 16 },
	    { 23, 1, 1 }, { 14, 33, 1 }, { 17, 8, 0 }, { 17, 0, 1 } };
	char err[PASSWD_ERR_MAX];
	size_t i;

	for (i = 0; i < MOAT_NELEM(good); i++)
		CU_ASSERT_EQUAL(policy_ok(good[i][0], good[i][1], good[i][2],
		    err, sizeof(err)), 0);
	for (i = 0; i < MOAT_NELEM(low); i++) {
		CU_ASSERT_EQUAL(policy_ok(low[i][0], low[i][1], low[i][2],
		    err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "below the floor"));
	}
	for (i = 0; i < MOAT_NELEM(big); i++) {
		CU_ASSERT_EQUAL(policy_ok(big[i][0], big[i][1], big[i][2],
		    err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of range"));
	}
	CU_ASSERT_EQUAL(policy_ok(16, 8, 1, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "password hashing: scrypt ln=16 r=8 p=1 "
	    "is below the floor (OWASP: ln=17 r=8 p=1, or with r=8 ln=16 "
	    "p>=2, ln=15 p>=3, ln=14 p>=5, ln=13 p>=10)");
}

/* Without the test hook, no weak hash can be made at all. */
static void
test_floor_in_hash(void)
{
	char out[PASSWD_STORED_MAX];

	passwd_testing_allow_weak(false);
	errno = 0;
	CU_ASSERT_EQUAL(passwd_hash(&weak, GOOD, strlen(GOOD), out,
	    sizeof(out)), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_EQUAL(passwd_dummy_make(&weak, out, sizeof(out)), -1);
	weak_on();
}

static void
test_round_trip(void)
{
	char a[PASSWD_STORED_MAX], b[PASSWD_STORED_MAX];
	struct passwd_params pp;
	uint8_t salt[PASSWD_SALT_MAX], key[PASSWD_KEY_LEN];
	size_t saltlen;

	weak_on();
	CU_ASSERT_FATAL(passwd_hash(&weak, GOOD, strlen(GOOD), a,
	    sizeof(a)) == 0);
	CU_ASSERT_FATAL(passwd_hash(&weak, GOOD, strlen(GOOD), b,
	    sizeof(b)) == 0);
	CU_ASSERT_EQUAL(strncmp(a, "$scrypt$ln=10,r=1,p=1$", 22), 0);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);	/* a fresh salt each time */
	CU_ASSERT_EQUAL(passwd_parse(a, strlen(a), &pp, salt, &saltlen, key),
	    0);
	CU_ASSERT_EQUAL(saltlen, PASSWD_SALT_LEN);
	CU_ASSERT(pp.ln == 10 && pp.r == 1 && pp.p == 1);
	CU_ASSERT_EQUAL(passwd_verify(a, GOOD, strlen(GOOD)), 1);
	CU_ASSERT_EQUAL(passwd_verify(b, GOOD, strlen(GOOD)), 1);
	CU_ASSERT_EQUAL(passwd_verify(a, "correct horse battery!", 22), 0);
	CU_ASSERT_EQUAL(passwd_verify(a, "Correct horse battery", 21), 0);
	CU_ASSERT_EQUAL(passwd_verify(a, GOOD, strlen(GOOD) - 1), 0);
	/* Too small an output buffer is refused, not truncated. */
	CU_ASSERT_EQUAL(passwd_hash(&weak, GOOD, strlen(GOOD), a, 100), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
}

static void
test_lengths(void)
{
	char pw[PASSWD_MAX_LEN + 2], out[PASSWD_STORED_MAX];

	weak_on();
	memset(pw, 'x', sizeof(pw));
	CU_ASSERT_PTR_NOT_NULL(passwd_rule_check(pw, 0));
	CU_ASSERT_STRING_EQUAL(passwd_rule_check(pw, 7),
	    "the password is shorter than 8 bytes");
	CU_ASSERT_PTR_NULL(passwd_rule_check(pw, 8));
	CU_ASSERT_PTR_NULL(passwd_rule_check(pw, 128));
	CU_ASSERT_STRING_EQUAL(passwd_rule_check(pw, 129),
	    "the password is longer than 128 bytes");
	CU_ASSERT_EQUAL(passwd_hash(&weak, pw, 7, out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(passwd_hash(&weak, pw, 129, out, sizeof(out)), -1);
	CU_ASSERT_EQUAL(passwd_hash(&weak, pw, 8, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(passwd_verify(out, pw, 8), 1);
	CU_ASSERT_EQUAL(passwd_verify(out, pw, 7), 0);
	CU_ASSERT_EQUAL(passwd_verify(out, pw, 9), 0);
	CU_ASSERT_FATAL(passwd_hash(&weak, pw, 128, out, sizeof(out)) == 0);
	CU_ASSERT_EQUAL(passwd_verify(out, pw, 128), 1);
	/* A longer password is refused whole, never cut to 128. */
	CU_ASSERT_EQUAL(passwd_verify(out, pw, 129), 0);
}

static void
test_utf8(void)
{
	static const char *const bad[] = {
		"password\xff", "pass\xc0\xafword", "pass\xed\xa0\x80word",
		"password\xe2\x82", "\xf4\x90\x80\x80password", "pass\x80word",
	};
	char out[PASSWD_STORED_MAX];
	size_t i;

	weak_on();
	for (i = 0; i < MOAT_NELEM(bad); i++) {
		CU_ASSERT_STRING_EQUAL(passwd_rule_check(bad[i],
		    strlen(bad[i])), "the password is not valid UTF-8 text");
		CU_ASSERT_EQUAL(passwd_hash(&weak, bad[i], strlen(bad[i]), out,
		    sizeof(out)), -1);
	}
	/* NUL is refused; other control characters and any script pass. */
	CU_ASSERT_PTR_NOT_NULL(passwd_rule_check("pass\0word", 9));
	CU_ASSERT_PTR_NULL(passwd_rule_check("pass\tword", 9));
	CU_ASSERT_PTR_NULL(passwd_rule_check("p\xc3\xa4ssw\xc3\xb6rd", 10));
	CU_ASSERT_PTR_NULL(passwd_rule_check("\xf0\x9f\x94\x91\xf0\x9f\x94"
	    "\x91", 8));
	CU_ASSERT_FATAL(passwd_hash(&weak, "p\xc3\xa4ssw\xc3\xb6rd", 10, out,
	    sizeof(out)) == 0);
	CU_ASSERT_EQUAL(passwd_verify(out, "p\xc3\xa4ssw\xc3\xb6rd", 10), 1);
	/* The same letters decomposed are other bytes: no match. */
	CU_ASSERT_EQUAL(passwd_verify(out, "pa\xcc\x88ssw\xc3\xb6rd", 11), 0);
}

/* Every byte counts: bcrypt-style cut-offs at 72 (or anywhere) fail. */
static void
test_no_truncation(void)
{
	static const size_t at[] = { 72, 73, 100, 127 };
	char pw[PASSWD_MAX_LEN], other[PASSWD_MAX_LEN];
	char out[PASSWD_STORED_MAX];
	size_t i;

	weak_on();
	memset(pw, 'a', sizeof(pw));
	CU_ASSERT_FATAL(passwd_hash(&weak, pw, sizeof(pw), out,
	    sizeof(out)) == 0);
	for (i = 0; i < MOAT_NELEM(at); i++) {
		memcpy(other, pw, sizeof(other));
		other[at[i]] = 'b';
		CU_ASSERT_EQUAL(passwd_verify(out, other, sizeof(other)), 0);
		/* As a prefix, too. */
		CU_ASSERT_EQUAL(passwd_verify(out, pw, at[i]), 0);
	}
	CU_ASSERT_EQUAL(passwd_verify(out, pw, sizeof(pw)), 1);
}

/* A stored hash with its key bytes changed at one position. */
static void
flip_key(const char *stored, size_t pos, char *out, size_t outlen)
{
	struct passwd_params pp;
	uint8_t salt[PASSWD_SALT_MAX], key[PASSWD_KEY_LEN];
	char s64[128], k64[64];
	size_t saltlen;

	CU_ASSERT_FATAL(passwd_parse(stored, strlen(stored), &pp, salt,
	    &saltlen, key) == 0);
	key[pos] ^= 0x01;
	sodium_bin2base64(s64, sizeof(s64), salt, saltlen,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	sodium_bin2base64(k64, sizeof(k64), key, sizeof(key),
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	CU_ASSERT_FATAL(snprintf(out, outlen, "$scrypt$ln=%u,r=%u,p=%u$%s$%s",
	    pp.ln, pp.r, pp.p, s64, k64) < (int)outlen);
}

/* The whole key is compared, first byte to last. */
static void
test_whole_key(void)
{
	char out[PASSWD_STORED_MAX], bent[PASSWD_STORED_MAX];
	size_t pos;

	weak_on();
	CU_ASSERT_FATAL(passwd_hash(&weak, GOOD, strlen(GOOD), out,
	    sizeof(out)) == 0);
	for (pos = 0; pos < PASSWD_KEY_LEN; pos += PASSWD_KEY_LEN - 1) {
		flip_key(out, pos, bent, sizeof(bent));
		CU_ASSERT_EQUAL(passwd_verify(bent, GOOD, strlen(GOOD)), 0);
	}
	flip_key(out, 5, bent, sizeof(bent));
	CU_ASSERT_EQUAL(passwd_verify(bent, GOOD, strlen(GOOD)), 0);
}

/*
 * A hash made outside this module (libscrypt called directly, base64 by
 * hand through libsodium), with the smallest and largest salts: the
 * stored form means what it says.
 */
static void
test_foreign_hash(void)
{
	static const size_t sizes[] = { PASSWD_SALT_MIN, PASSWD_SALT_MAX };
	uint8_t salt[PASSWD_SALT_MAX], key[PASSWD_KEY_LEN];
	char s64[128], k64[64], stored[PASSWD_STORED_MAX];
	size_t i;

	for (i = 0; i < MOAT_NELEM(sizes); i++) {
		randombytes_buf(salt, sizes[i]);
		CU_ASSERT_FATAL(libscrypt_scrypt((const uint8_t *)GOOD,
		    strlen(GOOD), salt, sizes[i], 1024, 2, 3, key,
		    sizeof(key)) == 0);
		sodium_bin2base64(s64, sizeof(s64), salt, sizes[i],
		    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
		sodium_bin2base64(k64, sizeof(k64), key, sizeof(key),
		    sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
		CU_ASSERT_FATAL(snprintf(stored, sizeof(stored),
		    "$scrypt$ln=10,r=2,p=3$%s$%s", s64, k64) <
		    (int)sizeof(stored));
		CU_ASSERT_EQUAL(passwd_verify(stored, GOOD, strlen(GOOD)), 1);
		CU_ASSERT_EQUAL(passwd_verify(stored, "correct horse", 13), 0);
	}
}

/* 43 base64 characters for 32 zero bytes, and salts of n zero bytes. */
#define K42	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define K43	K42 "A"
#define S22	"AAAAAAAAAAAAAAAAAAAAAA"		/* 16 bytes */
#define S20	"AAAAAAAAAAAAAAAAAAAA"			/* 15 */
#define S86	S22 S22 S22 "AAAAAAAAAAAAAAAAAAAA"	/* 64 */
#define S87	S86 "A"					/* 65 */

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"",
		"$scrypt$",
		"scrypt$ln=10,r=1,p=1$" S22 "$" K43,
		"$scrypt2$ln=10,r=1,p=1$" S22 "$" K43,
		"$Scrypt$ln=10,r=1,p=1$" S22 "$" K43,
		"$s1$0e0801$" S22 "$" K43,
		"$argon2id$v=19$m=65536,t=3,p=4$" S22 "$" K43,
		/* out of range, leading zeros, signs, order, spacing */
		"$scrypt$ln=9,r=1,p=1$" S22 "$" K43,
		"$scrypt$ln=23,r=1,p=1$" S22 "$" K43,
		"$scrypt$ln=99,r=1,p=1$" S22 "$" K43,
		"$scrypt$ln=100,r=1,p=1$" S22 "$" K43,
		"$scrypt$ln=10,r=0,p=1$" S22 "$" K43,
		"$scrypt$ln=10,r=33,p=1$" S22 "$" K43,
		"$scrypt$ln=10,r=1,p=0$" S22 "$" K43,
		"$scrypt$ln=10,r=1,p=17$" S22 "$" K43,
		"$scrypt$ln=010,r=1,p=1$" S22 "$" K43,
		"$scrypt$ln=10,r=01,p=1$" S22 "$" K43,
		"$scrypt$ln=+10,r=1,p=1$" S22 "$" K43,
		"$scrypt$ln=-10,r=1,p=1$" S22 "$" K43,
		"$scrypt$ln=,r=1,p=1$" S22 "$" K43,
		"$scrypt$ln=10,p=1,r=1$" S22 "$" K43,
		"$scrypt$r=1,ln=10,p=1$" S22 "$" K43,
		"$scrypt$ln=10,r=1$" S22 "$" K43,
		"$scrypt$ln=10,r=1,p=1,x=1$" S22 "$" K43,
		"$scrypt$ln=10, r=1,p=1$" S22 "$" K43,
		"$scrypt$ln=10,r=1,p=1 $" S22 "$" K43,
		"$scrypt$LN=10,r=1,p=1$" S22 "$" K43,
		/* memory and work caps: 4 GiB, 512 MiB, 2^24 and 2^27 work */
		"$scrypt$ln=22,r=8,p=1$" S22 "$" K43,
		"$scrypt$ln=19,r=8,p=1$" S22 "$" K43,
		"$scrypt$ln=17,r=8,p=16$" S22 "$" K43,
		"$scrypt$ln=21,r=4,p=16$" S22 "$" K43,
		/* salt */
		"$scrypt$ln=10,r=1,p=1$$" K43,
		"$scrypt$ln=10,r=1,p=1$" S20 "$" K43,
		"$scrypt$ln=10,r=1,p=1$" S87 "$" K43,
		"$scrypt$ln=10,r=1,p=1$" S22 "==$" K43,
		"$scrypt$ln=10,r=1,p=1$AAAAAAAAAAA!AAAAAAAAAA$" K43,
		"$scrypt$ln=10,r=1,p=1$AAAAAAAAAAA-AAAAAAAAAA$" K43,
		"$scrypt$ln=10,r=1,p=1$AAAAAAAAAAA AAAAAAAAAA$" K43,
		"$scrypt$ln=10,r=1,p=1$AAAAAAAAAAAAAAAAAAAAAB$" K43,
		"$scrypt$ln=10,r=1,p=1$" S20 "A$" K43,
		/* key: short, long, padded, spare bits, bad characters */
		"$scrypt$ln=10,r=1,p=1$" S22,
		"$scrypt$ln=10,r=1,p=1$" S22 "$",
		"$scrypt$ln=10,r=1,p=1$" S22 "$" K42,
		"$scrypt$ln=10,r=1,p=1$" S22 "$" K43 "AA",
		"$scrypt$ln=10,r=1,p=1$" S22 "$" K43 "=",
		"$scrypt$ln=10,r=1,p=1$" S22 "$" K42 "B",
		"$scrypt$ln=10,r=1,p=1$" S22 "$" K42 "_",
		/* a byte above 0x7f that libsodium 1.0.18 decodes */
		"$scrypt$ln=12,r=8,p=2$14wlJdqlUdBKc5N7jnk07eKlOAxE9ZS"
		    "TUNeib+CZyRg$3Slk+v8Kx8+ffdtXrPf+5Qp/r\xf1"
		    "CgQYh0WWVJ42yTSfs",
		/* trailing garbage */
		"$scrypt$ln=10,r=1,p=1$" S22 "$" K43 "$",
		"$scrypt$ln=10,r=1,p=1$" S22 "$" K43 "$x",
		"$scrypt$ln=10,r=1,p=1$" S22 "$" K43 " ",
		"$scrypt$ln=10,r=1,p=1$" S22 "$" K43 "\n",
		" $scrypt$ln=10,r=1,p=1$" S22 "$" K43,
		/* too long for any stored hash */
		"$scrypt$ln=10,r=1,p=1$" S86 S86 "$" K43,
	};
	struct passwd_params pp;
	uint8_t salt[PASSWD_SALT_MAX], key[PASSWD_KEY_LEN];
	size_t i, saltlen;
	double t0;

	/* The control: the well-formed spelling of the same fields. */
	CU_ASSERT_EQUAL(passwd_parse("$scrypt$ln=10,r=1,p=1$" S22 "$" K43,
	    strlen("$scrypt$ln=10,r=1,p=1$" S22 "$" K43), &pp, salt, &saltlen,
	    key), 0);
	CU_ASSERT_EQUAL(passwd_parse("$scrypt$ln=10,r=1,p=1$" S86 "$" K43,
	    strlen("$scrypt$ln=10,r=1,p=1$" S86 "$" K43), &pp, salt, &saltlen,
	    key), 0);
	CU_ASSERT_EQUAL(saltlen, 64);
	t0 = now();
	for (i = 0; i < MOAT_NELEM(bad); i++) {
		if (passwd_parse(bad[i], strlen(bad[i]), &pp, salt, &saltlen,
		    key) != -1)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CU_ASSERT_EQUAL(passwd_parse(bad[i], strlen(bad[i]), &pp, salt,
		    &saltlen, key), -1);
		CU_ASSERT_EQUAL(passwd_verify(bad[i], GOOD, strlen(GOOD)), -1);
		CU_ASSERT_TRUE(passwd_needs_rehash(bad[i], &weak));
	}
	/* Refused before any scrypt: the capped rows would take seconds
	 * and gigabytes. */
	CU_ASSERT(now() - t0 < 1.0);
	/* A NUL inside: the parser sees it, the C string view stops. */
	CU_ASSERT_EQUAL(passwd_parse("$scrypt$ln=10,r=1,p=1$" S22 "\0" K43,
	    22 + 22 + 1 + 43, &pp, salt, &saltlen, key), -1);
}

static void
test_dummy(void)
{
	char d1[PASSWD_STORED_MAX], d2[PASSWD_STORED_MAX];
	struct passwd_policy def;

	weak_on();
	passwd_policy_default(&def);
	CU_ASSERT_FATAL(passwd_dummy_make(&weak, d1, sizeof(d1)) == 0);
	CU_ASSERT_FATAL(passwd_dummy_make(&weak, d2, sizeof(d2)) == 0);
	CU_ASSERT_STRING_NOT_EQUAL(d1, d2);
	/* Same parameters as the policy, so the same cost as a real user. */
	CU_ASSERT_FALSE(passwd_needs_rehash(d1, &weak));
	CU_ASSERT_TRUE(passwd_needs_rehash(d1, &def));
	CU_ASSERT_EQUAL(passwd_verify(d1, GOOD, strlen(GOOD)), 0);
	CU_ASSERT_EQUAL(passwd_verify(d1, "", 0), 0);
	CU_ASSERT_EQUAL(passwd_verify(d1, "\xff\xff\xff\xff\xff\xff\xff\xff",
	    8), 0);
}

int
register_passwd_tests(void)
{
	static const struct unit_test tests[] = {
		{ "default policy is OWASP's", test_default_policy },
		{ "floor, ranges and caps", test_floor },
		{ "no weak hash without the test hook", test_floor_in_hash },
		{ "hash and verify", test_round_trip },
		{ "8..128 bytes", test_lengths },
		{ "UTF-8 only, no NUL", test_utf8 },
		{ "never truncated", test_no_truncation },
		{ "whole key compared", test_whole_key },
		{ "hash made elsewhere", test_foreign_hash },
		{ "malformed stored hashes", test_malformed },
		{ "dummy hash", test_dummy },
	};

	return unit_add_suite("passwd", tests, MOAT_NELEM(tests));
}
