/*
 * worker.h - a worker process: the FastCGI loop and the handlers.
 */
#ifndef MOAT_WORKER_WORKER_H
#define MOAT_WORKER_WORKER_H

#include <signal.h>

#include <moat/app.h>

#include "core/config.h"
#include "http/router.h"
#include "worker/handoff.h"
#include "worker/listener.h"

/* Worker exit status when it retires after max_requests. */
#define WORKER_EXIT_RETIRED	0

/* Retire: finish the request, pass the kept connections on, exit (a
 * reload).  SIGTERM stops a worker without passing anything on. */
#define WORKER_SIGNAL_RETIRE	SIGUSR2

/*
 * Serve requests until told to stop (SIGTERM), to retire
 * (WORKER_SIGNAL_RETIRE) or max_requests is reached.  Connections come
 * from listener and from siblings through handoff; broker_fd is this
 * worker's channel to the broker, or -1 without one.  Never returns; the
 * exit status tells the supervisor why it ended.
 */
void	worker_main(const struct moat_app *app, const struct router *router,
	    const struct moat_config *cfg, const struct listener *listener,
	    const struct handoff *handoff, int broker_fd)
	    __attribute__((noreturn));

#endif
