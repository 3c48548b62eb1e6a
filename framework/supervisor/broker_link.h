/*
 * broker_link.h - the supervisor's side of the broker: starting it, and
 * handing it one channel per worker.
 *
 * The supervisor never reads what travels on a channel.  It only creates
 * each worker's socketpair, passes one end to the broker (with the
 * worker's pid, for the log and for violation reports) and the other end
 * to the worker, and replaces a worker when the broker reports that it
 * broke the protocol.
 */
#ifndef MOAT_SUPERVISOR_BROKER_LINK_H
#define MOAT_SUPERVISOR_BROKER_LINK_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/config.h"

struct broker_link {
	pid_t	pid;		/* 0: no broker configured */
	int	ctl_fd;		/* control socket, supervisor end */
	int	log_fd;		/* read end of the broker's stderr */
	int	ready_fd;	/* one byte arrives when it is ready */
};

/* Whether cfg asks for a broker (catalogue and secrets are set). */
bool	broker_link_wanted(const struct moat_config *cfg);

/*
 * Fork the broker.  Its stderr is bl->log_fd, for the supervisor to read
 * like a worker's.  -1 with err if it could not be started.
 */
int	broker_link_start(struct broker_link *bl, const struct moat_config *cfg,
	    int listen_fd, char *err, size_t errlen);

/* Wait until the broker has prepared the catalogue; -1 if it failed. */
int	broker_link_wait(struct broker_link *bl, char *err, size_t errlen);

/*
 * Make a worker channel: *worker_end for the child, the broker end kept
 * until broker_link_hand_over().  -1 on failure.
 */
int	broker_link_channel(int *worker_end, int *broker_end);

/* Pass the broker end of pid's channel to the broker, and close it. */
int	broker_link_hand_over(struct broker_link *bl, int broker_end,
	    pid_t pid);

/* Close the control socket (the broker exits when it sees that). */
void	broker_link_close(struct broker_link *bl);

/*
 * Read one control message: the pid of a worker to replace, or 0.  When
 * the broker has gone, the socket is closed so that it stops polling.
 */
pid_t	broker_link_violator(struct broker_link *bl);

#endif
