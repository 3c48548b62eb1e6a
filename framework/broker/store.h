/*
 * store.h - the broker's file store.
 *
 * Stored files are named by the broker (32 random hex digits), never by
 * a worker, and are always reached through the store directory's fd with
 * O_NOFOLLOW: a name from anywhere else, "..", an absolute path or a
 * symlink planted in the store can never lead outside it.
 */
#ifndef MOAT_BROKER_STORE_H
#define MOAT_BROKER_STORE_H

#include <stddef.h>

#define STORE_NAME_LEN	32

/* Open (creating it 0700 if missing) the store directory; -1 on error. */
int	store_open_dir(const char *path, char *err, size_t errlen);

/* Bytes in the store's files now (at start-up, for the quota). */
int	store_usage(int dir_fd, unsigned long long *bytes);

/*
 * Copy everything readable from content_fd (at most max bytes) into a new
 * file with a fresh name, written to name (STORE_NAME_LEN + 1 bytes).
 * -1 with *why on failure; nothing is left behind then.
 */
int	store_put(int dir_fd, int content_fd, size_t max, char *name,
	    const char **why);

/* The size of a stored file, 0 if there is none. */
unsigned long long store_size(int dir_fd, const char *name);

/* Open a stored file for reading; -1 with *why if name is not one. */
int	store_open(int dir_fd, const char *name, const char **why);

/* Remove a stored file (after its statement failed). */
void	store_remove(int dir_fd, const char *name);

#endif
