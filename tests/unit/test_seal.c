/*
 * test_seal.c - encryption at rest: sealing and opening sensitive
 * values, the strict sealed format, key rotation, the keyring in the
 * secrets file, and the re-encrypt command's column list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <sodium.h>

#include "broker/reencrypt.h"
#include "broker/seal.h"
#include "broker/secrets.h"
#include "unit.h"

#define BIG	4096

static struct seal_keyring	ring;	/* keys 1 and 2, current 1 */

static void
ring_init(struct seal_keyring *kr, unsigned int current)
{
	unsigned char key[SEAL_KEY_BYTES];

	memset(kr, 0, sizeof(*kr));
	memset(key, 0x11, sizeof(key));
	CU_ASSERT_EQUAL_FATAL(seal_keyring_add(kr, 1, key), 0);
	memset(key, 0x22, sizeof(key));
	CU_ASSERT_EQUAL_FATAL(seal_keyring_add(kr, 2, key), 0);
	kr->current = current;
}

/* Seal s for column under kr into out (BIG bytes). */
static void
seal_text(const struct seal_keyring *kr, const char *column, const char *s,
    char *out)
{
	CU_ASSERT_EQUAL_FATAL(seal_seal(kr, column, NULL, s, strlen(s), out, BIG),
	    SEAL_OK);
}

/* Open text for column; the status, and the plaintext in plain. */
static enum seal_status
open_text(const struct seal_keyring *kr, const char *column,
    const char *text, size_t len, unsigned char *plain, size_t *plen)
{
	return seal_open(kr, column, NULL, text, len, plain, BIG, plen, NULL);
}

static void
test_round_trip(void)
{
	char a[BIG], b[BIG];
	unsigned char plain[BIG];
	unsigned int id = 0;
	size_t n;

	ring_init(&ring, 1);
	seal_text(&ring, "body", "hello, sealed world", a);
	CU_ASSERT_EQUAL(strncmp(a, "m1$1$", 5), 0);
	CU_ASSERT_PTR_NULL(strstr(a, "hello"));
	CU_ASSERT(strlen(a) + 1 <= seal_sealed_size(19));
	CU_ASSERT_EQUAL(seal_open(&ring, "body", NULL, a, strlen(a), plain, BIG, &n,
	    &id), SEAL_OK);
	CU_ASSERT_EQUAL(n, 19);
	CU_ASSERT_EQUAL(id, 1);
	CU_ASSERT_STRING_EQUAL((char *)plain, "hello, sealed world");
	/* A fresh nonce each time: equal plaintexts do not look equal. */
	seal_text(&ring, "body", "hello, sealed world", b);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	/* Bytes that are not text survive too. */
	CU_ASSERT_EQUAL(seal_seal(&ring, "blob", NULL, "\0\xff\x01", 3, a, BIG),
	    SEAL_OK);
	CU_ASSERT_EQUAL(open_text(&ring, "blob", a, strlen(a), plain, &n),
	    SEAL_OK);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(memcmp(plain, "\0\xff\x01", 3), 0);
}

static void
test_empty_and_max(void)
{
	unsigned char *plain, *big;
	char out[BIG], *sealed;
	size_t n, size;

	ring_init(&ring, 2);
	seal_text(&ring, "body", "", out);
	CU_ASSERT_EQUAL(strncmp(out, "m1$2$", 5), 0);
	plain = malloc(BIG);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT_EQUAL(open_text(&ring, "body", out, strlen(out), plain, &n),
	    SEAL_OK);
	CU_ASSERT_EQUAL(n, 0);
	free(plain);
	/* The largest plaintext the catalogue allows, and one byte more. */
	CU_ASSERT_EQUAL(seal_sealed_size(SEAL_PLAIN_MAX + 1), 0);
	size = seal_sealed_size(SEAL_PLAIN_MAX);
	big = malloc(SEAL_PLAIN_MAX + 1);
	sealed = malloc(size);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sealed);
	memset(big, 'x', SEAL_PLAIN_MAX + 1);
	CU_ASSERT_EQUAL(seal_seal(&ring, "body", NULL, big, SEAL_PLAIN_MAX + 1,
	    sealed, size), SEAL_TOO_LONG);
	CU_ASSERT_EQUAL(seal_seal(&ring, "body", NULL, big, SEAL_PLAIN_MAX, sealed,
	    size - 1), SEAL_TOO_LONG);
	CU_ASSERT_EQUAL_FATAL(seal_seal(&ring, "body", NULL, big, SEAL_PLAIN_MAX,
	    sealed, size), SEAL_OK);
	CU_ASSERT(strlen(sealed) < size);
	memset(big, 0, SEAL_PLAIN_MAX + 1);
	CU_ASSERT_EQUAL(seal_open(&ring, "body", NULL, sealed, strlen(sealed), big,
	    SEAL_PLAIN_MAX, &n, NULL), SEAL_TOO_LONG);
	plain = malloc(seal_open_size(strlen(sealed)));
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT_EQUAL(seal_open(&ring, "body", NULL, sealed, strlen(sealed),
	    plain, seal_open_size(strlen(sealed)), &n, NULL), SEAL_OK);
	CU_ASSERT_EQUAL(n, SEAL_PLAIN_MAX);
	CU_ASSERT(plain[0] == 'x' && plain[SEAL_PLAIN_MAX - 1] == 'x');
	free(plain);
	free(sealed);
	free(big);
}

static void
test_wrong_key_and_column(void)
{
	struct seal_keyring only2;
	unsigned char plain[BIG], key[SEAL_KEY_BYTES];
	char out[BIG];
	size_t n;

	ring_init(&ring, 1);
	seal_text(&ring, "body", "secret", out);
	/* Copied into another column: the associated data differs. */
	CU_ASSERT_EQUAL(open_text(&ring, "title", out, strlen(out), plain,
	    &n), SEAL_FORGED);
	CU_ASSERT_EQUAL(open_text(&ring, "bod", out, strlen(out), plain, &n),
	    SEAL_FORGED);
	/* Relabelled with another key id that is in the ring. */
	out[3] = '2';
	CU_ASSERT_EQUAL(open_text(&ring, "body", out, strlen(out), plain, &n),
	    SEAL_FORGED);
	out[3] = '1';
	/* The key id is not in the ring at all. */
	memset(&only2, 0, sizeof(only2));
	memset(key, 0x22, sizeof(key));
	CU_ASSERT_EQUAL_FATAL(seal_keyring_add(&only2, 2, key), 0);
	only2.current = 2;
	CU_ASSERT_EQUAL(open_text(&only2, "body", out, strlen(out), plain, &n),
	    SEAL_UNKNOWN_KEY);
	/* Same id, other key bytes. */
	memset(&only2, 0, sizeof(only2));
	memset(key, 0x33, sizeof(key));
	CU_ASSERT_EQUAL_FATAL(seal_keyring_add(&only2, 1, key), 0);
	CU_ASSERT_EQUAL(open_text(&only2, "body", out, strlen(out), plain, &n),
	    SEAL_FORGED);
	CU_ASSERT_EQUAL(n, 0);
	/* No keyring, no current key, no column. */
	CU_ASSERT_EQUAL(open_text(NULL, "body", out, strlen(out), plain, &n),
	    SEAL_UNKNOWN_KEY);
	CU_ASSERT_EQUAL(seal_seal(NULL, "body", NULL, "x", 1, out, BIG),
	    SEAL_NO_KEY);
	only2.current = 7;
	CU_ASSERT_EQUAL(seal_seal(&only2, "body", NULL, "x", 1, out, BIG),
	    SEAL_NO_KEY);
	CU_ASSERT_NOT_EQUAL(seal_seal(&ring, "", NULL, "x", 1, out, BIG), SEAL_OK);
}

/* Seal s for column bound to name=value; open it bound to name2=value2. */
static enum seal_status
bound_trip(const char *column, const char *name, const char *value,
    size_t len, const char *column2, const char *name2, const char *value2,
    size_t len2)
{
	struct seal_binding a = { name, value, len }, b = { name2, value2,
	    len2 };
	unsigned char plain[BIG];
	char out[BIG];
	size_t n;

	CU_ASSERT_EQUAL_FATAL(seal_seal(&ring, column, &a, "row secret", 10,
	    out, BIG), SEAL_OK);
	return seal_open(&ring, column2, &b, out, strlen(out), plain, BIG, &n,
	    NULL);
}

/*
 * A bound value opens only with the binding it was sealed with: not in
 * another row, not unbound, and no two bindings spell the same
 * associated data ("o1" + "2x" is not "o12" + "x").
 */
static void
test_bound(void)
{
	static const struct seal_binding owner1 = { "owner", "1", 1 };
	struct seal_binding big;
	unsigned char plain[BIG];
	char out[BIG], value[SEAL_BIND_MAX + 1];
	size_t n;

	ring_init(&ring, 1);
	CU_ASSERT_EQUAL(bound_trip("body", "owner", "1", 1, "body", "owner",
	    "1", 1), SEAL_OK);
	CU_ASSERT_EQUAL(bound_trip("body", "owner", "1", 1, "body", "owner",
	    "2", 1), SEAL_FORGED);
	CU_ASSERT_EQUAL(bound_trip("body", "owner", "1", 1, "body", "owner",
	    "11", 2), SEAL_FORGED);
	CU_ASSERT_EQUAL(bound_trip("body", "owner", "1", 1, "body", "author",
	    "1", 1), SEAL_FORGED);
	CU_ASSERT_EQUAL(bound_trip("body", "owner", "1", 1, "name", "owner",
	    "1", 1), SEAL_FORGED);
	CU_ASSERT_EQUAL(bound_trip("body", "o1", "2x", 2, "body", "o12", "x",
	    1), SEAL_FORGED);
	CU_ASSERT_EQUAL(bound_trip("body1", "x", "", 0, "body", "1x", "", 0),
	    SEAL_FORGED);
	CU_ASSERT_EQUAL(bound_trip("body", "owner", "", 0, "body", "owner", "",
	    0), SEAL_OK);
	/* Any byte may be in a value: only the length delimits it. */
	CU_ASSERT_EQUAL(bound_trip("body", "tag", "a$1$\0b", 6, "body", "tag",
	    "a$1$\0b", 6), SEAL_OK);
	CU_ASSERT_EQUAL(bound_trip("body", "tag", "a$1$\0b", 6, "body", "tag",
	    "a$1$\0c", 6), SEAL_FORGED);
	/* Bound and unbound never open as each other. */
	CU_ASSERT_EQUAL(seal_seal(&ring, "body", &owner1, "x", 1, out, BIG),
	    SEAL_OK);
	CU_ASSERT_EQUAL(open_text(&ring, "body", out, strlen(out), plain, &n),
	    SEAL_FORGED);
	seal_text(&ring, "body", "x", out);
	CU_ASSERT_EQUAL(seal_open(&ring, "body", &owner1, out, strlen(out),
	    plain, BIG, &n, NULL), SEAL_FORGED);
	CU_ASSERT_EQUAL(n, 0);
	/* Names that could blur the parts, and values over the cap. */
	big = (struct seal_binding){ "ow$ner", "1", 1 };
	CU_ASSERT_NOT_EQUAL(seal_seal(&ring, "body", &big, "x", 1, out, BIG),
	    SEAL_OK);
	big.name = "";
	CU_ASSERT_NOT_EQUAL(seal_seal(&ring, "body", &big, "x", 1, out, BIG),
	    SEAL_OK);
	CU_ASSERT_NOT_EQUAL(seal_seal(&ring, "bo$dy", NULL, "x", 1, out, BIG),
	    SEAL_OK);
	memset(value, '7', sizeof(value));
	big = (struct seal_binding){ "owner", value, SEAL_BIND_MAX };
	CU_ASSERT_EQUAL(seal_seal(&ring, "body", &big, "x", 1, out, BIG),
	    SEAL_OK);
	CU_ASSERT_EQUAL(seal_open(&ring, "body", &big, out, strlen(out), plain,
	    BIG, &n, NULL), SEAL_OK);
	big.len = SEAL_BIND_MAX + 1;
	CU_ASSERT_NOT_EQUAL(seal_seal(&ring, "body", &big, "x", 1, out, BIG),
	    SEAL_OK);
	CU_ASSERT_NOT_EQUAL(seal_open(&ring, "body", &big, out, strlen(out),
	    plain, BIG, &n, NULL), SEAL_OK);
}

/* Every byte of a sealed value changed, one at a time: nothing opens. */
static void
test_tampering(void)
{
	static const char repl[] = "AaZz09-_$m1.=+/ ";
	unsigned char plain[BIG];
	char out[BIG], copy[BIG];
	size_t len, i, j, n, opened = 0, tried = 0;

	ring_init(&ring, 1);
	seal_text(&ring, "body", "tamper with me", out);
	len = strlen(out);
	for (i = 0; i < len; i++)
		for (j = 0; j < sizeof(repl) - 1; j++) {
			if (out[i] == repl[j])
				continue;
			memcpy(copy, out, len + 1);
			copy[i] = repl[j];
			tried++;
			if (open_text(&ring, "body", copy, len, plain, &n) ==
			    SEAL_OK)
				opened++;
		}
	CU_ASSERT(tried > 1000);
	CU_ASSERT_EQUAL(opened, 0);
	/* Each part by name: head, nonce, ciphertext, tag. */
	memcpy(copy, out, len + 1);
	copy[0] = 'M';
	CU_ASSERT_EQUAL(open_text(&ring, "body", copy, len, plain, &n),
	    SEAL_NOT_SEALED);
	memcpy(copy, out, len + 1);
	copy[6] = copy[6] == 'A' ? 'B' : 'A';		/* in the nonce */
	CU_ASSERT_EQUAL(open_text(&ring, "body", copy, len, plain, &n),
	    SEAL_FORGED);
	memcpy(copy, out, len + 1);
	copy[5 + 34] = copy[5 + 34] == 'A' ? 'B' : 'A';	/* ciphertext */
	CU_ASSERT_EQUAL(open_text(&ring, "body", copy, len, plain, &n),
	    SEAL_FORGED);
	memcpy(copy, out, len + 1);
	copy[len - 4] = copy[len - 4] == 'A' ? 'B' : 'A';	/* the tag */
	CU_ASSERT_EQUAL(open_text(&ring, "body", copy, len, plain, &n),
	    SEAL_FORGED);
	/* Every truncation, and one byte too many. */
	for (i = 0; i < len; i++)
		CU_ASSERT_NOT_EQUAL(open_text(&ring, "body", out, i, plain, &n),
		    SEAL_OK);
	memcpy(copy, out, len);
	memcpy(copy + len, "AA", 3);
	CU_ASSERT_NOT_EQUAL(open_text(&ring, "body", copy, len + 2, plain,
	    &n), SEAL_OK);
}

static void
test_strict_format(void)
{
	static const char *const bad[] = {
		"", "m", "m1", "m1$", "m1$1", "m1$1$", "m2$1$AAAA",
		"m1$$AAAA", "m1$01$", "m1$0$", "m1$65536$", "m1$123456$",
		"m1$+1$", "m1$ 1$", "m1$1x$", "plain text", "M1$1$",
	};
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	struct seal_parts p;
	unsigned char plain[BIG];
	char out[BIG], copy[BIG];
	size_t i, len, n;

	for (i = 0; i < MOAT_NELEM(bad); i++)
		CU_ASSERT_EQUAL(seal_parse(bad[i], strlen(bad[i]), &p),
		    SEAL_NOT_SEALED);
	CU_ASSERT_EQUAL(seal_parse(NULL, 0, &p), SEAL_NOT_SEALED);
	/* Nonce and tag need 40 bytes: 54 digits; 53 is not enough. */
	memset(copy, 'A', sizeof(copy));
	memcpy(copy, "m1$7$", 5);
	CU_ASSERT_EQUAL(seal_parse(copy, 5 + 54, &p), SEAL_OK);
	CU_ASSERT_EQUAL(p.key_id, 7);
	CU_ASSERT_EQUAL(p.plain_len, 0);
	CU_ASSERT_EQUAL(seal_parse(copy, 5 + 53, &p), SEAL_NOT_SEALED);
	CU_ASSERT_EQUAL(seal_parse(copy, 5 + 56, &p), SEAL_OK);
	CU_ASSERT_EQUAL(p.plain_len, 2);
	CU_ASSERT_EQUAL(seal_parse(copy, 5 + 57, &p), SEAL_NOT_SEALED);
	memcpy(copy, "m1$65535$", 9);
	CU_ASSERT_EQUAL(seal_parse(copy, 9 + 54, &p), SEAL_OK);
	CU_ASSERT_EQUAL(p.key_id, 65535);

	ring_init(&ring, 1);
	seal_text(&ring, "body", "ab", out);	/* 42 bytes: 56 digits */
	len = strlen(out);
	CU_ASSERT_EQUAL(len, 5 + 56);
	/* Standard base64 digits, padding, spaces: not the one spelling. */
	for (i = 0; i < 4; i++) {
		memcpy(copy, out, len + 1);
		copy[10] = "+/= "[i];
		CU_ASSERT_EQUAL(open_text(&ring, "body", copy, len, plain, &n),
		    SEAL_NOT_SEALED);
	}
	memcpy(copy, out, len + 1);
	memcpy(copy + len, "==", 3);
	CU_ASSERT_EQUAL(open_text(&ring, "body", copy, len + 2, plain, &n),
	    SEAL_NOT_SEALED);
	/* Stray bits in the last digit: 41 bytes end in 3 digits, the
	 * last carrying 4 bits and 2 that must be zero. */
	seal_text(&ring, "body", "a", copy);
	len = strlen(copy);
	CU_ASSERT_EQUAL_FATAL(len, 5 + 55);
	CU_ASSERT_EQUAL(open_text(&ring, "body", copy, len, plain, &n),
	    SEAL_OK);
	i = (size_t)(strchr(b64, copy[len - 1]) - b64);
	copy[len - 1] = b64[i ^ 1];
	CU_ASSERT_EQUAL(open_text(&ring, "body", copy, len, plain, &n),
	    SEAL_NOT_SEALED);
	len = strlen(out);
	/* A NUL inside is not skipped over. */
	memcpy(copy, out, len + 1);
	copy[20] = '\0';
	CU_ASSERT_EQUAL(open_text(&ring, "body", copy, len, plain, &n),
	    SEAL_NOT_SEALED);
	/* Too small an output buffer. */
	CU_ASSERT_EQUAL(seal_open(&ring, "body", NULL, out, len, plain, 41, &n,
	    NULL), SEAL_TOO_LONG);
	CU_ASSERT_EQUAL(seal_open(&ring, "body", NULL, out, len, plain, 42, &n,
	    NULL), SEAL_OK);
	CU_ASSERT_STRING_NOT_EQUAL(seal_strerror(SEAL_FORGED),
	    seal_strerror(SEAL_NOT_SEALED));
}

static void
test_rotation(void)
{
	struct seal_keyring newer;
	unsigned char plain[BIG], key[SEAL_KEY_BYTES];
	char old[BIG], cur[BIG];
	size_t n;

	ring_init(&ring, 1);
	seal_text(&ring, "body", "written under key 1", old);
	ring.current = 2;
	seal_text(&ring, "body", "written under key 2", cur);
	CU_ASSERT_EQUAL(strncmp(cur, "m1$2$", 5), 0);
	CU_ASSERT_EQUAL(open_text(&ring, "body", old, strlen(old), plain, &n),
	    SEAL_OK);
	CU_ASSERT_STRING_EQUAL((char *)plain, "written under key 1");
	CU_ASSERT_EQUAL(open_text(&ring, "body", cur, strlen(cur), plain, &n),
	    SEAL_OK);
	CU_ASSERT_STRING_EQUAL((char *)plain, "written under key 2");
	/* Once key 1 is removed, only what key 2 sealed opens. */
	memset(&newer, 0, sizeof(newer));
	memset(key, 0x22, sizeof(key));
	CU_ASSERT_EQUAL_FATAL(seal_keyring_add(&newer, 2, key), 0);
	newer.current = 2;
	CU_ASSERT_EQUAL(open_text(&newer, "body", old, strlen(old), plain,
	    &n), SEAL_UNKNOWN_KEY);
	CU_ASSERT_EQUAL(open_text(&newer, "body", cur, strlen(cur), plain,
	    &n), SEAL_OK);
}

static void
test_keyring_limits(void)
{
	struct seal_keyring kr;
	unsigned char key[SEAL_KEY_BYTES] = { 1 };
	unsigned int i;

	memset(&kr, 0, sizeof(kr));
	CU_ASSERT_EQUAL(seal_keyring_add(&kr, 0, key), -1);
	CU_ASSERT_EQUAL(seal_keyring_add(&kr, SEAL_KEYID_MAX + 1, key), -1);
	CU_ASSERT_EQUAL(seal_keyring_add(&kr, SEAL_KEYID_MAX, key), 0);
	CU_ASSERT_EQUAL(seal_keyring_add(&kr, SEAL_KEYID_MAX, key), -1);
	for (i = 1; i < SEAL_MAX_KEYS; i++)
		CU_ASSERT_EQUAL(seal_keyring_add(&kr, i, key), 0);
	CU_ASSERT_EQUAL(seal_keyring_add(&kr, 100, key), -1);
	CU_ASSERT_PTR_NOT_NULL(seal_keyring_find(&kr, 3));
	CU_ASSERT_PTR_NULL(seal_keyring_find(&kr, 100));
	CU_ASSERT_PTR_NULL(seal_keyring_find(&kr, 0));
}

/* Write text to a fresh private file; its path in path. */
static void
secrets_file(char *path, const char *text, mode_t mode)
{
	int fd;

	snprintf(path, 64, "/tmp/moat-seal-test.XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) ==
	    (ssize_t)strlen(text));
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	close(fd);
}

static const char secrets_head[] =
    "database = dbname=x\n"
    "file_store = /var/lib/moat/store\n"
    "session_key = 0101010101010101010101010101010101010101010101010101010101010101\n";
#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Load head + tail; returns what secrets_load returned. */
static int
load_secrets(struct broker_secrets *s, const char *tail, char *err)
{
	char path[64], text[1024];
	int rc;

	snprintf(text, sizeof(text), "%s%s", secrets_head, tail);
	secrets_file(path, text, 0600);
	err[0] = '\0';
	rc = secrets_load(s, path, err, 256);
	unlink(path);
	return rc;
}

static void
test_secrets_keyring(void)
{
	static struct broker_secrets s;
	char err[256], path[64];

	CU_ASSERT_EQUAL(load_secrets(&s, "data_key = 1:" HEX_A "\n"
	    "data_key = 3:" HEX_B "\n", err), 0);
	CU_ASSERT_EQUAL(s.keyring.nkeys, 2);
	CU_ASSERT_EQUAL(s.keyring.current, 3);	/* the highest by default */
	CU_ASSERT_PTR_EQUAL(seal_keyring(), &s.keyring);
	CU_ASSERT_EQUAL(seal_keyring_find(&s.keyring, 1)->key[0], 0xaa);
	secrets_wipe(&s);
	CU_ASSERT_PTR_NULL(seal_keyring());
	CU_ASSERT_EQUAL(s.keyring.nkeys, 0);

	CU_ASSERT_EQUAL(load_secrets(&s, "data_key = 1:" HEX_A "\n"
	    "data_key_current = 1\n" "data_key = 3:" HEX_B "\n", err), 0);
	CU_ASSERT_EQUAL(s.keyring.current, 1);
	secrets_wipe(&s);

	CU_ASSERT_EQUAL(load_secrets(&s, "data_key = 1:" HEX_A "\n"
	    "data_key_current = 2\n", err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "data_key_current 2 is not one"));
	CU_ASSERT_EQUAL(load_secrets(&s, "data_key = 1:" HEX_A "\n"
	    "data_key = 1:" HEX_B "\n", err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":5: bad or repeated key"));
	CU_ASSERT_PTR_NULL(strstr(err, "bbbb"));
	CU_ASSERT_EQUAL(load_secrets(&s, "data_key = 01:" HEX_A "\n", err), -1);
	CU_ASSERT_EQUAL(load_secrets(&s, "data_key = 65536:" HEX_A "\n", err),
	    -1);
	CU_ASSERT_EQUAL(load_secrets(&s, "data_key = 1:" HEX_A "aa\n", err),
	    -1);
	CU_ASSERT_EQUAL(load_secrets(&s, "data_key = 1:" HEX_A "\n"
	    "data_key_current = 1\ndata_key_current = 1\n", err), -1);
	CU_ASSERT_EQUAL(load_secrets(&s, "data_key = 1:" HEX_A "\n"
	    "data_key_current = 1 \n", err), -1);
	CU_ASSERT_EQUAL(load_secrets(&s, "", err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs database, session_key, "
	    "data_key"));
	CU_ASSERT_PTR_NULL(seal_keyring());
	/* The permission check still holds. */
	secrets_file(path, "data_key = 1:" HEX_A "\n", 0640);
	CU_ASSERT_EQUAL(secrets_load(&s, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "gives group or others access"));
	unlink(path);
}

static void
test_reencrypt_targets(void)
{
	static const char *const bad[] = {
		"", "notes", "notes.", ".body", "notes.body@", "Notes.body",
		"notes.bo-dy", "notes.body,", ",notes.body", "notes@id.body",
		"s.notes.body", "notes.body@id@x", "notes.body;drop",
		"notes.\"body\"", "notes.body:", "notes.body:Owner",
		"notes.body:owner@id", "notes.body::owner", "notes:owner.body",
		"notes.body:owner:x", ":owner",
	};
	struct reencrypt_target t[4];
	char err[256], many[512];
	size_t n, i;

	CU_ASSERT_EQUAL(reencrypt_parse_targets("notes.body", t, 4, &n, err,
	    sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_STRING_EQUAL(t[0].table, "notes");
	CU_ASSERT_STRING_EQUAL(t[0].column, "body");
	CU_ASSERT_STRING_EQUAL(t[0].key, "id");
	CU_ASSERT_EQUAL(reencrypt_parse_targets("notes.body,users.ssn@user_id",
	    t, 4, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_STRING_EQUAL(t[1].table, "users");
	CU_ASSERT_STRING_EQUAL(t[1].column, "ssn");
	CU_ASSERT_STRING_EQUAL(t[1].key, "user_id");
	CU_ASSERT_STRING_EQUAL(t[1].bind, "");
	/* A binding column, with or without a key column. */
	CU_ASSERT_EQUAL(reencrypt_parse_targets("notes.body:owner,"
	    "attachments.name@id:owner", t, 4, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_STRING_EQUAL(t[0].column, "body");
	CU_ASSERT_STRING_EQUAL(t[0].key, "id");
	CU_ASSERT_STRING_EQUAL(t[0].bind, "owner");
	CU_ASSERT_STRING_EQUAL(t[1].table, "attachments");
	CU_ASSERT_STRING_EQUAL(t[1].key, "id");
	CU_ASSERT_STRING_EQUAL(t[1].bind, "owner");
	CU_ASSERT_FALSE(t[1].adopt_unbound);
	for (i = 0; i < MOAT_NELEM(bad); i++) {
		CU_ASSERT_EQUAL(reencrypt_parse_targets(bad[i], t, 4, &n, err,
		    sizeof(err)), -1);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "is not TABLE.COLUMN"));
	snprintf(many, sizeof(many), "a.b,a.c,a.d,a.e,a.f");
	CU_ASSERT_EQUAL(reencrypt_parse_targets(many, t, 4, &n, err,
	    sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "more than 4 columns");
	/* 64-byte names are one too many. */
	memset(many, 'a', sizeof(many));
	many[64] = '.';
	many[65] = 'b';
	many[66] = '\0';
	CU_ASSERT_EQUAL(reencrypt_parse_targets(many, t, 4, &n, err,
	    sizeof(err)), -1);
	CU_ASSERT_EQUAL(reencrypt_parse_targets(many + 1, t, 4, &n, err,
	    sizeof(err)), 0);
}

int
register_seal_tests(void)
{
	static const struct unit_test tests[] = {
		{ "round trip", test_round_trip },
		{ "empty and largest values", test_empty_and_max },
		{ "wrong key id, key or column", test_wrong_key_and_column },
		{ "bound to a row", test_bound },
		{ "tampering and truncation", test_tampering },
		{ "one spelling only", test_strict_format },
		{ "key rotation", test_rotation },
		{ "keyring limits", test_keyring_limits },
		{ "the keyring in the secrets file", test_secrets_keyring },
		{ "re-encrypt column list", test_reencrypt_targets },
	};

	if (sodium_init() < 0)
		return -1;
	return unit_add_suite("seal", tests, MOAT_NELEM(tests));
}
