/*
 * hashpool.h - scrypt off the broker's event loop.
 *
 * A password hash takes a few hundred milliseconds and 128 MiB; the loop
 * that serves every worker must not stall on one.  A fixed set of K
 * threads, started before the broker's sandbox goes on, takes jobs from
 * a bounded queue.  When K jobs run and Q more wait, a new job is
 * refused with EBUSY and the caller answers "busy": memory and CPU stay
 * bounded however many logins arrive.
 *
 * Only the loop thread calls these functions.  A finished job makes the
 * pool's eventfd readable; the loop then calls hashpool_collect().
 * Each job carries the caller's cookie (owner, seq).  When an owner (a
 * channel) goes away, hashpool_cancel() drops its waiting jobs and
 * makes sure a running one's result is never delivered, so a new
 * channel at the same address never sees an old answer.
 *
 * Passwords are copied into the pool on submit and wiped as soon as
 * their job ends; results carry no password.
 */
#ifndef MOAT_BROKER_HASHPOOL_H
#define MOAT_BROKER_HASHPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "broker/passwd.h"

#define HASHPOOL_THREADS_DEFAULT	2
#define HASHPOOL_QUEUE_DEFAULT		16
#define HASHPOOL_THREADS_MAX		64
#define HASHPOOL_QUEUE_MAX		1024

enum hashpool_op {
	HASHPOOL_HASH,		/* a new password: make its stored form */
	HASHPOOL_VERIFY,	/* check a password against a stored form */
};

struct hashpool_job {
	enum hashpool_op	 op;
	void			*owner;		/* cookie: a channel */
	uint64_t		 seq;		/* cookie: a request */
	/* Copied on submit; the caller wipes its own copy. */
	const char		*password;
	size_t			 passlen;
	/* VERIFY: the stored hash, or NULL for a user that does not exist
	 * (checked against the pool's dummy: same cost, never a match). */
	const char		*stored;
};

struct hashpool_result {
	enum hashpool_op	 op;
	void			*owner;
	uint64_t		 seq;
	/*
	 * HASH: 0, or -1 (password refused by the rules, or scrypt failed).
	 * VERIFY: 1 match, 0 no match (always for the dummy), -1 stored
	 * hash malformed or scrypt failed.
	 */
	int			 status;
	/* VERIFY matched but with other parameters than the policy's. */
	int			 rehash;
	char			 stored[PASSWD_STORED_MAX]; /* HASH */
};

struct hashpool;

/*
 * Start nthreads workers (1..64) with a queue of qlen (0..1024) jobs
 * waiting beyond the running ones, hashing new passwords under pol
 * (copied), and make the dummy hash (one hash's time).  Call before the
 * sandbox.  NULL with a reason in err.
 */
struct hashpool	*hashpool_create(unsigned int nthreads,
		    unsigned int qlen, const struct passwd_policy *pol,
		    char *err, size_t errlen);

/* The eventfd to poll for POLLIN: some job has finished. */
int	hashpool_fd(const struct hashpool *hp);

/*
 * Queue a job.  0, or -1 with errno EBUSY (every slot taken: answer
 * "busy") or EINVAL (no owner, password over PASSWD_MAX_LEN, stored
 * hash too long, unknown op).
 */
int	hashpool_submit(struct hashpool *hp, const struct hashpool_job *job);

/*
 * Move up to max finished jobs into out, oldest first, and return how
 * many.  Cancelled jobs are never returned.  Finished jobs hold their
 * slot until collected.
 */
size_t	hashpool_collect(struct hashpool *hp, struct hashpool_result *out,
	    size_t max);

/* Forget every job of owner: waiting, running or finished.  Returns how
 * many were dropped. */
size_t	hashpool_cancel(struct hashpool *hp, const void *owner);

/* Jobs submitted and not yet collected or cancelled. */
size_t	hashpool_pending(struct hashpool *hp);

/* The most jobs that ever ran at once (never more than the threads). */
unsigned int	hashpool_peak(struct hashpool *hp);

/* Stop the threads (after their current job), wipe and free. */
void	hashpool_destroy(struct hashpool *hp);

#endif
