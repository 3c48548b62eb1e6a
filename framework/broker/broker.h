/*
 * broker.h - the privileged broker process.
 */
#ifndef MOAT_BROKER_BROKER_H
#define MOAT_BROKER_BROKER_H

#include "core/config.h"

/* Exit status when start-up failed (secrets, catalogue, database). */
#define BROKER_EXIT_STARTUP	3

/*
 * Become the broker: drop to broker_user (when root), read the secrets,
 * load the catalogue, check that every statement prepares, then serve
 * worker channels handed over on ctl_fd until the supervisor goes away.
 * ready_fd gets one byte once start-up has succeeded, and is closed.
 */
void	broker_main(const struct moat_config *cfg, int ctl_fd, int ready_fd)
	    __attribute__((noreturn));

/*
 * Become user (when root: no groups, its gid and uid, for good); as
 * anyone else, stay as is with a warning.  Also used by --reencrypt.
 */
int	broker_drop_privileges(const char *user, char *err, size_t errlen);

#endif
