/*
 * seal.h - encryption at rest for the catalogue's sensitive columns.
 *
 * A sealed value is text, so that it fits the text column it replaces:
 *
 *   m1$KEYID$BASE64URL(nonce[24] || ciphertext || tag[16])
 *
 * KEYID is the decimal id (1..65535, no leading zero) of the data key
 * that sealed it, so keys can rotate: the keyring holds the current key
 * for sealing and older ones for opening.  The cipher is
 * XChaCha20-Poly1305, whose 192-bit nonces are safe to pick at random.
 * The associated data is "m1$KEYID$COLUMN", so a value copied into
 * another column, or relabelled with another key id, fails to open.  A
 * column bound to its row (struct seal_binding) adds the row's identity,
 * "m1$KEYID$COLUMN$NAME$LEN$VALUE" (LEN in decimal: VALUE may hold any
 * byte), so a value copied into another row fails to open there too.
 */
#ifndef MOAT_BROKER_SEAL_H
#define MOAT_BROKER_SEAL_H

#include <stdbool.h>
#include <stddef.h>

#define SEAL_KEY_BYTES		32
#define SEAL_MAX_KEYS		16
#define SEAL_KEYID_MAX		65535
#define SEAL_PREFIX		"m1$"
/* The largest plaintext sealed: the catalogue's cap on a text value. */
#define SEAL_PLAIN_MAX		(16 * 1024 * 1024)

/* The longest row identity a value can be bound to. */
#define SEAL_BIND_MAX		256

/*
 * What a bound column's value belongs to: the name of the row identity
 * (an identifier, such as "owner") and its value as text ("42").
 */
struct seal_binding {
	const char	*name;
	const char	*value;
	size_t		 len;
};

struct seal_key {
	unsigned int	 id;		/* 0: unused slot */
	unsigned char	 key[SEAL_KEY_BYTES];
};

struct seal_keyring {
	struct seal_key	 keys[SEAL_MAX_KEYS];
	size_t		 nkeys;
	unsigned int	 current;	/* the id that seals */
};

enum seal_status {
	SEAL_OK = 0,
	SEAL_NOT_SEALED,	/* not in the sealed format */
	SEAL_UNKNOWN_KEY,	/* sealed under a key id not in the keyring */
	SEAL_FORGED,		/* does not authenticate: tampered,
				 * moved, or the wrong key */
	SEAL_TOO_LONG,		/* over SEAL_PLAIN_MAX, or the buffer */
	SEAL_NO_KEY,		/* no current key to seal with */
	SEAL_NO_MEMORY,
};

/*
 * Where the parts of a sealed value are; the bytes stay in the input.
 * b64 is base64url(nonce || ciphertext); plain_len is what that decodes
 * to, less the nonce and the tag.
 */
struct seal_parts {
	unsigned int	 key_id;
	const char	*b64;
	size_t		 b64_len;
	size_t		 plain_len;
};

/* Add key id (1..SEAL_KEYID_MAX, not already there); -1 if not possible. */
int	seal_keyring_add(struct seal_keyring *kr, unsigned int id,
	    const unsigned char key[SEAL_KEY_BYTES]);

/* The key with this id, or NULL. */
const struct seal_key *seal_keyring_find(const struct seal_keyring *kr,
	    unsigned int id);

/* Bytes (with the NUL) that sealing plain_len bytes produces. */
size_t	seal_sealed_size(size_t plain_len);

/*
 * Seal plain under the keyring's current key for column (an identifier)
 * and bind (NULL: the column is not bound to its row) into out as
 * NUL-terminated text of seal_sealed_size(len) bytes.
 */
enum seal_status seal_seal(const struct seal_keyring *kr, const char *column,
	    const struct seal_binding *bind, const void *plain, size_t len,
	    char *out, size_t outlen);

/*
 * Check that text (len bytes, not necessarily terminated) is in the
 * sealed format, strictly: prefix, canonical key id, canonical unpadded
 * base64url long enough for a nonce and a tag.  Reads nothing beyond len.
 */
enum seal_status seal_parse(const char *text, size_t len,
	    struct seal_parts *parts);

/* Bytes of buffer seal_open needs for a sealed value of len bytes. */
size_t	seal_open_size(size_t len);

/*
 * Open a sealed value of column, sealed with bind (NULL: unbound), into
 * out (at least seal_open_size(len) bytes; the plaintext is at the
 * start, *plain_len long, and is also NUL-terminated).  *key_id, if not
 * NULL, gets the id it was sealed under once that is known.  On failure
 * out holds no plaintext.
 */
enum seal_status seal_open(const struct seal_keyring *kr, const char *column,
	    const struct seal_binding *bind, const char *text, size_t len,
	    unsigned char *out, size_t outlen, size_t *plain_len,
	    unsigned int *key_id);

/* A short phrase for a status, for logs (never includes a value). */
const char *seal_strerror(enum seal_status st);

/*
 * The broker's keyring, installed once its secrets are loaded (the
 * broker and the re-encrypt command are single-threaded).  NULL before.
 */
void	seal_use_keyring(const struct seal_keyring *kr);
const struct seal_keyring *seal_keyring(void);

#endif
