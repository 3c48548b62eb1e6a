/*
 * passwd.h - password hashing for the broker's accounts: scrypt
 * (libscrypt) with a configurable cost that never drops below a floor,
 * a self-describing stored form, password rules.
 *
 * The stored form ("$scrypt$ln=17,r=8,p=1$<salt>$<key>", unpadded
 * standard base64, 16..64 salt bytes, a 32-byte key) is read back from
 * the database, which the broker does not fully trust: a hostile row
 * must get a clean "malformed" answer, never a multi-gigabyte allocation
 * or minutes of work.  Hence the caps below, which apply to every stored
 * hash and every policy.
 *
 * Everything here is reentrant: the hash pool's threads call it.
 */
#ifndef MOAT_BROKER_PASSWD_H
#define MOAT_BROKER_PASSWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Password rules: bytes of UTF-8, never truncated. */
#define PASSWD_MIN_LEN		8
#define PASSWD_MAX_LEN		128

/* Parameter ranges accepted anywhere (stored hash or policy). */
#define PASSWD_LN_MIN		10	/* N = 2^ln */
#define PASSWD_LN_MAX		22
#define PASSWD_R_MIN		1
#define PASSWD_R_MAX		32
#define PASSWD_P_MIN		1
#define PASSWD_P_MAX		16
/*
 * Caps on what one hash may cost.  scrypt's big buffer is 128 * r * N
 * bytes; 256 MiB is twice OWASP's recommendation, so K pool threads
 * need at most K * 256 MiB.  Work grows with N * r * p; 2^23 is eight
 * times the recommendation (a few seconds on a slow core), so a
 * planted row can hold one pool thread for seconds, not minutes.
 */
#define PASSWD_MEM_MAX		(256ULL << 20)
#define PASSWD_WORK_MAX		(1ULL << 23)

#define PASSWD_SALT_MIN		16
#define PASSWD_SALT_MAX		64
#define PASSWD_SALT_LEN		32	/* what new hashes get */
#define PASSWD_KEY_LEN		32
/* The longest stored form, with its NUL: a database column this wide. */
#define PASSWD_STORED_MAX	160

/* Room for the reason a policy was refused. */
#define PASSWD_ERR_MAX		256

/* scrypt parameters: N = 2^ln. */
struct passwd_params {
	unsigned int	ln;
	unsigned int	r;
	unsigned int	p;
};

/* The cost of new hashes (the dummy included). */
struct passwd_policy {
	struct passwd_params	params;
};

/* OWASP's recommendation: N = 2^17, r = 8, p = 1 (128 MiB). */
void	passwd_policy_default(struct passwd_policy *pol);

/*
 * Check a configured policy: inside the ranges and caps above and not
 * below the floor (see passwd.c).  0, or -1 with a sentence in err.
 */
int	passwd_policy_check(const struct passwd_policy *pol, char *err,
	    size_t errlen);

/*
 * NULL if pw[0..len) is an acceptable password (8..128 bytes of valid
 * UTF-8 without NUL), else a short reason fit for the user.
 */
const char *passwd_rule_check(const char *pw, size_t len);

/*
 * Hash a new password under pol into out (NUL-terminated, outlen at
 * least PASSWD_STORED_MAX).  The password must pass passwd_rule_check
 * and pol passwd_policy_check.  0, or -1 (errno EINVAL for a refused
 * password, policy or buffer; else what failed).
 */
int	passwd_hash(const struct passwd_policy *pol, const char *pw,
	    size_t len, char *out, size_t outlen);

/*
 * 1 if pw[0..len) matches the stored hash, 0 if not, -1 if stored is
 * malformed, out of range or over a cap (errno EINVAL) or scrypt failed.
 * The key is compared in constant time.  A password that breaks the
 * rules never matches, and costs no scrypt (its length or encoding says
 * nothing about whether the user exists).
 */
int	passwd_verify(const char *stored, const char *pw, size_t len);

/*
 * A hash of a random secret under pol, made once at start-up: verifying
 * an unknown user's password against it costs what a real user's
 * verify costs, and never matches.  0 or -1, as passwd_hash.
 */
int	passwd_dummy_make(const struct passwd_policy *pol, char *out,
	    size_t outlen);

/*
 * True if stored was made with other parameters than pol's, so the
 * caller may store a fresh hash after a successful verify.  A malformed
 * stored hash needs one too.
 */
bool	passwd_needs_rehash(const char *stored,
	    const struct passwd_policy *pol);

/*
 * Parse stored[0..len) strictly: prefix, parameters in range and under
 * the caps, canonical base64, sizes, nothing after.  0 with the parts,
 * or -1.  salt must have room for PASSWD_SALT_MAX bytes, key for
 * PASSWD_KEY_LEN.  Exposed for the tests and the fuzz target.
 */
int	passwd_parse(const char *stored, size_t len,
	    struct passwd_params *pp, uint8_t *salt, size_t *saltlen,
	    uint8_t *key);

/* 0 if the parameters are in range and under both caps, else -1. */
int	passwd_params_check(const struct passwd_params *pp);

/*
 * For the unit tests only: let passwd_hash take a policy below the floor
 * so tests run in milliseconds.  The broker never calls this.
 */
void	passwd_testing_allow_weak(bool allow);

#endif
