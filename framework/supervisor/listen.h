/*
 * listen.h - the socket the web server connects to.
 */
#ifndef MOAT_SUPERVISOR_LISTEN_H
#define MOAT_SUPERVISOR_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "worker/listener.h"


/*
 * Open cfg->listen: create a unix socket with the configured mode and
 * group, or adopt a listening socket inherited on fd 0.  The socket is
 * non-blocking so that idle workers can poll it.  -1 with err on failure.
 */
int	listen_open(const struct moat_config *cfg, struct listener *l,
	    char *err, size_t errlen);

/* Close it and remove the socket file if we created it. */
void	listen_close(const struct moat_config *cfg, struct listener *l);

#endif
