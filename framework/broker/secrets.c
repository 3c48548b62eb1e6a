/*
 * secrets.c - loading the broker's secrets file (see secrets.h).
 *
 * Keys live in locked memory (never swapped) and every copy is wiped with
 * sodium_memzero: the read buffer, the parsed values and, at exit, the
 * struct itself.  Error messages name the key or the problem, never a
 * value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "broker/secrets.h"
#include "core/split.h"

#define SECRETS_FILE_MAX	8192

static int
check_file(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: must be owned by the broker's user "
		    "(uid %ld), not uid %ld", path, (long)geteuid(),
		    (long)st.st_uid);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: mode %03o gives group or others "
		    "access; chmod 600 it", path, st.st_mode & 0777);
		return -1;
	}
	if (st.st_size > SECRETS_FILE_MAX) {
		snprintf(err, errlen, "%s: too large", path);
		return -1;
	}
	return 0;
}

static int
parse_key(unsigned char *key, const char *hex)
{
	size_t bin_len;

	if (strlen(hex) != 2 * SECRETS_KEY_BYTES ||
	    sodium_hex2bin(key, SECRETS_KEY_BYTES, hex, strlen(hex), NULL,
	    &bin_len, NULL) != 0 || bin_len != SECRETS_KEY_BYTES)
		return -1;
	return 0;
}

/* A key id: 1..SEAL_KEYID_MAX in decimal, no sign or leading zero. */
static const char *
parse_key_id(const char *v, unsigned int *id)
{
	unsigned long n = 0;
	size_t digits = 0;

	for (; *v >= '0' && *v <= '9'; v++) {
		if (++digits > 5 || (digits == 1 && *v == '0'))
			return NULL;
		n = n * 10 + (unsigned long)(*v - '0');
	}
	if (digits == 0 || n > SEAL_KEYID_MAX)
		return NULL;
	*id = (unsigned int)n;
	return v;
}

/* "KEYID:HEX", one key of the keyring; an id may appear once. */
static int
parse_data_key(struct broker_secrets *s, const char *v)
{
	unsigned char key[SECRETS_KEY_BYTES];
	unsigned int id;
	int rc;

	if ((v = parse_key_id(v, &id)) == NULL || *v != ':')
		return -1;
	rc = parse_key(key, v + 1) == 0 &&
	    seal_keyring_add(&s->keyring, id, key) == 0 ? 0 : -1;
	sodium_memzero(key, sizeof(key));
	return rc;
}

static int
parse_current(struct broker_secrets *s, const char *v)
{
	unsigned int id;

	if (s->keyring.current != 0 || (v = parse_key_id(v, &id)) == NULL ||
	    *v != '\0')
		return -1;
	s->keyring.current = id;
	return 0;
}

/*
 * The current key must be one of the keys; without data_key_current it
 * is the highest id, the one a rotation adds last.
 */
static int
choose_current(struct seal_keyring *kr)
{
	size_t i;

	if (kr->current != 0)
		return seal_keyring_find(kr, kr->current) != NULL ? 0 : -1;
	for (i = 0; i < kr->nkeys; i++)
		if (kr->keys[i].id > kr->current)
			kr->current = kr->keys[i].id;
	return kr->current != 0 ? 0 : -1;
}

static int
take_line(struct broker_secrets *s, char *line)
{
	char *eq, *key, *value;

	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' || *line == '#')
		return 0;
	if ((eq = strchr(line, '=')) == NULL)
		return -1;
	*eq = '\0';
	key = line;
	value = eq + 1;
	key[strcspn(key, " \t")] = '\0';
	value += strspn(value, " \t");
	if (strcmp(key, "database") == 0 && s->database == NULL)
		return (s->database = strdup(value)) == NULL ? -1 : 0;
	if (strcmp(key, "file_store") == 0 && s->file_store == NULL &&
	    value[0] == '/')
		return (s->file_store = strdup(value)) == NULL ? -1 : 0;
	if (strcmp(key, "session_key") == 0)
		return parse_key(s->session_key, value);
	if (strcmp(key, "data_key") == 0)
		return parse_data_key(s, value);
	if (strcmp(key, "data_key_current") == 0)
		return parse_current(s, value);
	return -1;
}

static int
parse_all(struct broker_secrets *s, char *text, const char *path, char *err,
    size_t errlen)
{
	char *line, *rest = text;
	unsigned int n = 0;

	while ((line = split_line(&rest)) != NULL) {
		n++;
		line[strcspn(line, "\r")] = '\0';
		if (take_line(s, line) != 0) {
			snprintf(err, errlen, "%s:%u: bad or repeated key "
			    "(value not shown)", path, n);
			return -1;
		}
	}
	if (s->database == NULL || s->file_store == NULL ||
	    s->keyring.nkeys == 0 || sodium_is_zero(s->session_key,
	    SECRETS_KEY_BYTES)) {
		snprintf(err, errlen, "%s: needs database, session_key, "
		    "data_key and file_store", path);
		return -1;
	}
	if (choose_current(&s->keyring) != 0) {
		snprintf(err, errlen, "%s: data_key_current %u is not one of "
		    "the data_key lines", path, s->keyring.current);
		return -1;
	}
	return 0;
}

int
secrets_load(struct broker_secrets *s, const char *path, char *err,
    size_t errlen)
{
	char text[SECRETS_FILE_MAX + 1];
	ssize_t n;
	int fd, rc = -1;

	memset(s, 0, sizeof(*s));
	if (mlock(s, sizeof(*s)) != 0 || mlock(text, sizeof(text)) != 0) {
		/* Without CAP_IPC_LOCK the limit may be small: warn only. */
		errno = 0;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (check_file(fd, path, err, errlen) == 0) {
		n = read(fd, text, SECRETS_FILE_MAX);
		if (n < 0)
			snprintf(err, errlen, "%s: read failed", path);
		else {
			text[n] = '\0';
			rc = parse_all(s, text, path, err, errlen);
		}
	}
	close(fd);
	sodium_memzero(text, sizeof(text));
	if (rc != 0)
		secrets_wipe(s);
	else
		seal_use_keyring(&s->keyring);
	return rc;
}

static void
wipe_string(char **p)
{
	if (*p == NULL)
		return;
	sodium_memzero(*p, strlen(*p));
	free(*p);
	*p = NULL;
}

void
secrets_wipe(struct broker_secrets *s)
{
	if (seal_keyring() == &s->keyring)
		seal_use_keyring(NULL);
	wipe_string(&s->database);
	wipe_string(&s->file_store);
	sodium_memzero(s, sizeof(*s));
}
