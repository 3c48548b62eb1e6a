/*
 * handoff.h - kept FastCGI connections passed from one worker to another.
 *
 * A worker that will not serve its kept connections for a while (it is
 * retiring, or busy with a long request) passes them on instead of
 * closing them under the web server's feet.  The supervisor makes one
 * queue per pool, before the first fork: a datagram socketpair whose
 * "in" end every worker may write a connection to and whose "out" end
 * every idle worker polls beside the listening socket, so the first idle
 * sibling (or the successor of a retiring worker) takes each connection
 * over, with whatever request is already waiting on it.  The queue
 * carries nothing the listening socket does not already offer to every
 * worker: a connection from the web server.
 */
#ifndef MOAT_WORKER_HANDOFF_H
#define MOAT_WORKER_HANDOFF_H

#include <stddef.h>

struct handoff {
	int	in;	/* a worker sends a connection here */
	int	out;	/* an idle worker takes one from here */
};

/* Create the queue (both ends non-blocking); -1 with err on failure. */
int	handoff_open(struct handoff *h, char *err, size_t errlen);

/* Close both ends; connections still queued are closed with them. */
void	handoff_close(struct handoff *h);

/*
 * Queue connection fd for a sibling; the caller still owns its own copy
 * and closes it.  Never blocks, and is async-signal-safe so a worker may
 * call it from a timer while a handler runs.  0, or -1 with errno (EAGAIN:
 * the queue is full, keep the connection).
 */
int	handoff_send(const struct handoff *h, int fd);

/* A connection a sibling queued, or -1 (errno EAGAIN: none is waiting). */
int	handoff_recv(const struct handoff *h);

#endif
