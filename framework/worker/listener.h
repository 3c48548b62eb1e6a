/*
 * listener.h - the FastCGI socket, as the supervisor opens it
 * (supervisor/listen.h) and the workers accept on it.
 */
#ifndef MOAT_WORKER_LISTENER_H
#define MOAT_WORKER_LISTENER_H

#include <stdbool.h>

#include "core/config.h"

struct listener {
	int	fd;
	bool	is_tcp;		/* inherited TCP socket: peers are checked */
	bool	owns_path;	/* we created the unix socket file */
};

/* For TCP: is the connected peer listed in cfg->fastcgi_peers? */
bool	listener_peer_allowed(const struct moat_config *cfg, int fd);

#endif
