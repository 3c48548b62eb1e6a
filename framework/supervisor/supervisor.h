/*
 * supervisor.h - the process that starts, watches and stops the workers.
 */
#ifndef MOAT_SUPERVISOR_SUPERVISOR_H
#define MOAT_SUPERVISOR_SUPERVISOR_H

#include <moat/app.h>

#include "core/config.h"
#include "http/router.h"

/*
 * Take the pidfile, open the log and the socket, prefork the workers and
 * supervise them until SIGTERM or SIGINT.  SIGHUP re-reads config_path and
 * replaces the workers gracefully.  Returns the exit status.
 */
int	supervisor_run(const struct moat_app *app, const struct router *router,
	    struct moat_config *cfg, const char *config_path);

#endif
