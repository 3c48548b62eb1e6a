/*
 * incident.c - incident ids.
 *
 * Every request gets its id before its handler runs, so that a fault
 * handler can name the incident without doing anything unsafe in a signal
 * handler.  Randomness is drawn from libsodium in blocks to keep this off
 * the per-request syscall path; after fork the block is discarded so that
 * two workers never hand out the same ids.
 */
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "core/incident.h"

#define POOL_BYTES	1024

static unsigned char	pool[POOL_BYTES];
static size_t		pool_left;

void
incident_forget(void)
{
	sodium_memzero(pool, sizeof(pool));
	pool_left = 0;
}

void
incident_new(char out[INCIDENT_ID_LEN + 1])
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint64_t bits = 0;
	size_t i;

	if (pool_left < sizeof(bits)) {
		randombytes_buf(pool, sizeof(pool));
		pool_left = sizeof(pool);
	}
	for (i = 0; i < sizeof(bits); i++)
		bits = bits << 8 | pool[--pool_left];
	for (i = 0; i < INCIDENT_ID_LEN; i++) {
		out[i] = alphabet[bits & 31];
		bits >>= 5;
	}
	out[INCIDENT_ID_LEN] = '\0';
}
