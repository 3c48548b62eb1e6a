/*
 * worker.h - a worker process: the FastCGI loop and the handlers.
 */
#ifndef MOAT_WORKER_H
#define MOAT_WORKER_H

#include <moat/app.h>

#include "core/config.h"
#include "http/router.h"
#include "process/listen.h"

/* Worker exit status when it retires after max_requests. */
#define WORKER_EXIT_RETIRED	0

/*
 * Serve requests until told to stop (SIGTERM) or max_requests is reached.
 * broker_fd is this worker's channel to the broker, or -1 without one.
 * Never returns; the exit status tells the supervisor why it ended.
 */
void	worker_main(const struct moat_app *app, const struct router *router,
	    const struct moat_config *cfg, const struct listener *listener,
	    int broker_fd)
	    __attribute__((noreturn));

#endif
