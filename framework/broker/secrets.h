/*
 * secrets.h - what only the broker may know.
 *
 * The secrets file is read by the broker alone, after it has become its
 * own user, so no other process (and no worker, whose memory is a copy of
 * the supervisor's) ever holds a byte of it.  Format: "key = value" lines:
 *
 *   database    = libpq connection string (with the password)
 *   session_key = 64 hex digits
 *   data_key    = KEYID:64 hex digits (encryption at rest; one line
 *                 per key, at most SEAL_MAX_KEYS, ids 1..65535)
 *   data_key_current = KEYID (the key that seals; by default the
 *                 highest id.  The others only open older values.)
 *   file_store  = absolute path of the file-store directory
 *
 * The file must be owned by the broker's user with no group or other
 * access, or the broker refuses to start.  Once loaded, the data keys
 * are the process's keyring for seal.c (seal_keyring()).
 */
#ifndef MOAT_BROKER_SECRETS_H
#define MOAT_BROKER_SECRETS_H

#include <stddef.h>

#include "broker/seal.h"

#define SECRETS_KEY_BYTES	32

struct broker_secrets {
	char			*database;
	char			*file_store;
	unsigned char		 session_key[SECRETS_KEY_BYTES];
	struct seal_keyring	 keyring;	/* the data keys */
};

/*
 * Read and check the file; -1 with a reason (never a secret) in err.
 * On success s->keyring is also installed with seal_use_keyring().
 */
int	secrets_load(struct broker_secrets *s, const char *path, char *err,
	    size_t errlen);

/* Wipe and free everything. */
void	secrets_wipe(struct broker_secrets *s);

#endif
