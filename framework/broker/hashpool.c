/*
 * hashpool.c - a bounded pool of scrypt threads (see hashpool.h).
 *
 * K + Q job slots, allocated once with sodium_allocarray (locked in
 * memory, guard pages) because they hold passwords.  A slot is FREE,
 * QUEUED (its index in the FIFO ring), RUNNING (owned by one thread) or
 * DONE (its index in the done list, waiting for the loop).  One mutex
 * guards all of it; a thread drops the mutex only while it hashes.
 *
 * Each thread confines itself when it starts, before any password
 * reaches it: no new privileges, and where the kernel has Landlock a
 * domain with no file-system or TCP rights.  Landlock binds one thread
 * at a time, so the broker sandbox (entered later, on the loop thread)
 * would not cover these threads; the broker's seccomp filter does,
 * through TSYNC (broker_sandbox.c).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <sodium.h>

#include "broker/hashpool.h"
#include "sandbox/landlock.h"

enum slot_state { FREE, QUEUED, RUNNING, DONE };

struct slot {
	enum slot_state		 state;
	bool			 cancelled;	/* drop the result */
	bool			 dummy;		/* an unknown user */
	enum hashpool_op	 op;
	void			*owner;
	uint64_t		 seq;
	size_t			 passlen;
	char			 password[PASSWD_MAX_LEN];
	char			 stored[PASSWD_STORED_MAX];
	struct hashpool_result	 res;
};

struct hashpool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 work;		/* a job, or stop */
	pthread_cond_t		 started;	/* a thread is ready */
	bool			 stopping;
	unsigned int		 nready;	/* threads confined */
	int			 start_errno;	/* a thread could not */
	pthread_t		*threads;
	unsigned int		 nthreads;	/* threads created */
	struct slot		*slots;
	size_t			 nslots;
	size_t			 used;		/* slots not FREE */
	unsigned int		 running;	/* jobs hashing now */
	unsigned int		 peak;		/* and at most */
	size_t			*queue;		/* QUEUED, a ring */
	size_t			 qhead, qcount;
	size_t			*done;		/* DONE, oldest first */
	size_t			 dcount;
	int			 efd;
	struct passwd_policy	 pol;
	char			 dummy[PASSWD_STORED_MAX];
};

static void
slot_free(struct hashpool *hp, struct slot *s)
{
	sodium_memzero(s, sizeof(*s));
	s->state = FREE;
	hp->used--;
}

static void
notify(struct hashpool *hp)
{
	uint64_t one = 1;

	/* Cannot fail short of a counter at 2^64 - 2; the loop reads it. */
	if (write(hp->efd, &one, sizeof(one)) != sizeof(one))
		return;
}

/* --- the threads -------------------------------------------------------- */

/* No privileges to gain, no files, no TCP: this thread only computes. */
static int
confine(void)
{
	int abi, fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	if ((abi = landlock_abi()) == 0)
		return 0;
	if ((fd = landlock_ruleset(abi, landlock_fs_rights(abi), LL_NET_TCP,
	    LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL)) < 0 ||
	    landlock_enforce(fd) != 0)
		return -1;
	return 0;
}

static void
run(struct hashpool *hp, struct slot *s)
{
	struct hashpool_result *r = &s->res;
	const char *stored;
	int st;

	r->op = s->op;
	r->owner = s->owner;
	r->seq = s->seq;
	r->rehash = 0;
	r->stored[0] = '\0';
	if (s->op == HASHPOOL_HASH) {
		r->status = passwd_hash(&hp->pol, s->password, s->passlen,
		    r->stored, sizeof(r->stored)) == 0 ? 0 : -1;
	} else {
		stored = s->dummy ? hp->dummy : s->stored;
		st = passwd_verify(stored, s->password, s->passlen);
		if (s->dummy)	/* the same answers as for a real user */
			st = st < 0 ? -1 : 0;
		r->status = st;
		r->rehash = st == 1 && passwd_needs_rehash(stored, &hp->pol);
	}
	sodium_memzero(s->password, sizeof(s->password));
	s->passlen = 0;
}

static void *
worker(void *arg)
{
	struct hashpool *hp = arg;
	struct slot *s;
	bool tell;
	int rc;

	errno = 0;
	if ((rc = confine()) != 0)
		rc = errno != 0 ? errno : EPERM;
	pthread_mutex_lock(&hp->lock);
	if (rc != 0 && hp->start_errno == 0)
		hp->start_errno = rc;
	hp->nready++;
	pthread_cond_signal(&hp->started);
	for (;;) {
		while (!hp->stopping && hp->qcount == 0)
			pthread_cond_wait(&hp->work, &hp->lock);
		if (hp->stopping)
			break;
		s = &hp->slots[hp->queue[hp->qhead]];
		hp->qhead = (hp->qhead + 1) % hp->nslots;
		hp->qcount--;
		s->state = RUNNING;
		if (++hp->running > hp->peak)
			hp->peak = hp->running;
		pthread_mutex_unlock(&hp->lock);
		run(hp, s);
		pthread_mutex_lock(&hp->lock);
		hp->running--;
		if ((tell = !s->cancelled)) {
			s->state = DONE;
			hp->done[hp->dcount++] = (size_t)(s - hp->slots);
		} else
			slot_free(hp, s);
		if (tell) {
			pthread_mutex_unlock(&hp->lock);
			notify(hp);
			pthread_mutex_lock(&hp->lock);
		}
	}
	pthread_mutex_unlock(&hp->lock);
	return NULL;
}

/* --- start and stop ----------------------------------------------------- */

static struct hashpool *
pool_alloc(unsigned int nthreads, unsigned int qlen)
{
	struct hashpool *hp;

	if ((hp = calloc(1, sizeof(*hp))) == NULL)
		return NULL;
	hp->efd = -1;
	hp->nslots = (size_t)nthreads + qlen;
	hp->slots = sodium_allocarray(hp->nslots, sizeof(*hp->slots));
	hp->queue = calloc(hp->nslots, sizeof(*hp->queue));
	hp->done = calloc(hp->nslots, sizeof(*hp->done));
	hp->threads = calloc(nthreads, sizeof(*hp->threads));
	if (hp->slots == NULL || hp->queue == NULL || hp->done == NULL ||
	    hp->threads == NULL || pthread_mutex_init(&hp->lock, NULL) != 0) {
		sodium_free(hp->slots);
		free(hp->queue);
		free(hp->done);
		free(hp->threads);
		free(hp);
		return NULL;
	}
	memset(hp->slots, 0, hp->nslots * sizeof(*hp->slots));
	pthread_cond_init(&hp->work, NULL);
	pthread_cond_init(&hp->started, NULL);
	return hp;
}

/* Start the threads with signals blocked: the loop thread takes them. */
static int
threads_start(struct hashpool *hp, unsigned int n)
{
	sigset_t all, old;
	int rc = 0;

	sigfillset(&all);
	/* Faults and the sandbox's SIGSYS stay with the thread that caused
	 * them (a blocked one would reset sandbox_debug's handler). */
	sigdelset(&all, SIGSYS);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; hp->nthreads < n; hp->nthreads++)
		if ((rc = pthread_create(&hp->threads[hp->nthreads], NULL,
		    worker, hp)) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_lock(&hp->lock);
	while (hp->nready < hp->nthreads)
		pthread_cond_wait(&hp->started, &hp->lock);
	if (rc == 0 && hp->start_errno != 0)
		rc = hp->start_errno;
	pthread_mutex_unlock(&hp->lock);
	return rc;
}

struct hashpool *
hashpool_create(unsigned int nthreads, unsigned int qlen,
    const struct passwd_policy *pol, char *err, size_t errlen)
{
	struct hashpool *hp;
	int rc;

	if (nthreads < 1 || nthreads > HASHPOOL_THREADS_MAX ||
	    qlen > HASHPOOL_QUEUE_MAX) {
		snprintf(err, errlen, "hash pool: %u threads and a queue of "
		    "%u: need 1..%d threads and 0..%d queued", nthreads, qlen,
		    HASHPOOL_THREADS_MAX, HASHPOOL_QUEUE_MAX);
		return NULL;
	}
	if (sodium_init() < 0 || (hp = pool_alloc(nthreads, qlen)) == NULL) {
		snprintf(err, errlen, "hash pool: out of memory");
		return NULL;
	}
	hp->pol = *pol;
	if (passwd_dummy_make(pol, hp->dummy, sizeof(hp->dummy)) != 0) {
		snprintf(err, errlen, "hash pool: cannot make the dummy hash: "
		    "%s", strerror(errno));
		hashpool_destroy(hp);
		return NULL;
	}
	if ((hp->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "hash pool: eventfd: %s",
		    strerror(errno));
		hashpool_destroy(hp);
		return NULL;
	}
	if ((rc = threads_start(hp, nthreads)) != 0) {
		snprintf(err, errlen, "hash pool: starting %u threads: %s",
		    nthreads, strerror(rc));
		hashpool_destroy(hp);
		return NULL;
	}
	return hp;
}

void
hashpool_destroy(struct hashpool *hp)
{
	unsigned int i;

	if (hp == NULL)
		return;
	pthread_mutex_lock(&hp->lock);
	hp->stopping = true;
	pthread_cond_broadcast(&hp->work);
	pthread_mutex_unlock(&hp->lock);
	for (i = 0; i < hp->nthreads; i++)
		pthread_join(hp->threads[i], NULL);
	if (hp->efd >= 0)
		close(hp->efd);
	sodium_free(hp->slots);		/* zeroes them first */
	sodium_memzero(hp->dummy, sizeof(hp->dummy));
	pthread_cond_destroy(&hp->started);
	pthread_cond_destroy(&hp->work);
	pthread_mutex_destroy(&hp->lock);
	free(hp->queue);
	free(hp->done);
	free(hp->threads);
	free(hp);
}

/* --- the loop's side ---------------------------------------------------- */

int
hashpool_fd(const struct hashpool *hp)
{
	return hp->efd;
}

static int
job_valid(const struct hashpool_job *job)
{
	if (job->owner == NULL || job->passlen > PASSWD_MAX_LEN ||
	    (job->password == NULL && job->passlen > 0))
		return -1;
	if (job->op == HASHPOOL_HASH)
		return 0;
	if (job->op != HASHPOOL_VERIFY)
		return -1;
	if (job->stored != NULL &&
	    strnlen(job->stored, PASSWD_STORED_MAX) == PASSWD_STORED_MAX)
		return -1;
	return 0;
}

static struct slot *
slot_take(struct hashpool *hp)
{
	size_t i;

	for (i = 0; i < hp->nslots; i++)
		if (hp->slots[i].state == FREE) {
			hp->used++;
			return &hp->slots[i];
		}
	return NULL;
}

int
hashpool_submit(struct hashpool *hp, const struct hashpool_job *job)
{
	struct slot *s;

	if (job_valid(job) != 0) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&hp->lock);
	if ((s = slot_take(hp)) == NULL) {
		pthread_mutex_unlock(&hp->lock);
		errno = EBUSY;
		return -1;
	}
	s->state = QUEUED;
	s->cancelled = false;
	s->op = job->op;
	s->owner = job->owner;
	s->seq = job->seq;
	s->passlen = job->passlen;
	if (job->passlen > 0)
		memcpy(s->password, job->password, job->passlen);
	s->dummy = job->op == HASHPOOL_VERIFY && job->stored == NULL;
	if (job->op == HASHPOOL_VERIFY && !s->dummy)
		memcpy(s->stored, job->stored, strlen(job->stored) + 1);
	hp->queue[(hp->qhead + hp->qcount) % hp->nslots] =
	    (size_t)(s - hp->slots);
	hp->qcount++;
	pthread_cond_signal(&hp->work);
	pthread_mutex_unlock(&hp->lock);
	return 0;
}

size_t
hashpool_collect(struct hashpool *hp, struct hashpool_result *out, size_t max)
{
	uint64_t count;
	struct slot *s;
	size_t n;
	bool more;

	/* Read first: a job finishing after this wakes the loop again. */
	if (read(hp->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return 0;
	pthread_mutex_lock(&hp->lock);
	for (n = 0; n < max && n < hp->dcount; n++) {
		s = &hp->slots[hp->done[n]];
		out[n] = s->res;
		slot_free(hp, s);
	}
	memmove(hp->done, hp->done + n, (hp->dcount - n) * sizeof(*hp->done));
	hp->dcount -= n;
	more = hp->dcount > 0;
	pthread_mutex_unlock(&hp->lock);
	if (more)	/* out was full: poll must report the rest */
		notify(hp);
	return n;
}

/* Drop owner's entries from a list of slot indices; the new count. */
static size_t
filter(struct hashpool *hp, size_t *list, size_t start, size_t count,
    const void *owner, size_t *dropped)
{
	size_t i, k, idx;

	for (i = k = 0; i < count; i++) {
		idx = list[(start + i) % hp->nslots];
		if (hp->slots[idx].owner == owner) {
			slot_free(hp, &hp->slots[idx]);
			(*dropped)++;
		} else
			list[(start + k++) % hp->nslots] = idx;
	}
	return k;
}

size_t
hashpool_cancel(struct hashpool *hp, const void *owner)
{
	size_t dropped = 0, i;

	if (owner == NULL)
		return 0;
	pthread_mutex_lock(&hp->lock);
	hp->qcount = filter(hp, hp->queue, hp->qhead, hp->qcount, owner,
	    &dropped);
	hp->dcount = filter(hp, hp->done, 0, hp->dcount, owner, &dropped);
	for (i = 0; i < hp->nslots; i++)
		if (hp->slots[i].state == RUNNING &&
		    hp->slots[i].owner == owner && !hp->slots[i].cancelled) {
			hp->slots[i].cancelled = true;
			dropped++;
		}
	pthread_mutex_unlock(&hp->lock);
	return dropped;
}

size_t
hashpool_pending(struct hashpool *hp)
{
	size_t i, n = 0;

	pthread_mutex_lock(&hp->lock);
	for (i = 0; i < hp->nslots; i++)
		if (hp->slots[i].state != FREE && !hp->slots[i].cancelled)
			n++;
	pthread_mutex_unlock(&hp->lock);
	return n;
}

unsigned int
hashpool_peak(struct hashpool *hp)
{
	unsigned int n;

	pthread_mutex_lock(&hp->lock);
	n = hp->peak;
	pthread_mutex_unlock(&hp->lock);
	return n;
}
