/*
 * sandbox.h - what a worker can still do once it serves requests.
 *
 * A worker enters its sandbox once, after everything it needs is loaded
 * and before it accepts its first connection: as root it becomes
 * worker_user inside the empty worker_chroot; it always gets
 * PR_SET_NO_NEW_PRIVS, rlimits, a Landlock ruleset with no file access
 * (where the kernel has Landlock) and a seccomp allowlist that kills the
 * process on any other system call.  Only the file descriptors it is told
 * to keep survive.  The allowlist is the table at the top of sandbox.c.
 */
#ifndef MOAT_WORKER_SANDBOX_H
#define MOAT_WORKER_SANDBOX_H

#include <stddef.h>

#include <moat/app.h>

#include "core/config.h"

/* The descriptors a worker keeps, and how many it may open itself. */
struct sandbox_fds {
	const int	*keep;		/* besides 0, 1 and 2, which stay */
	size_t		 nkeep;
	unsigned int	 own;		/* connections etc. it may accept */
};

/*
 * Check, before any worker starts, what would make every worker fail:
 * names in app->sandbox_syscalls that the kernel does not know or that no
 * worker may have, and as root a missing worker_user or an unusable
 * worker_chroot.  Says once (as a log line) what dev mode leaves out.
 * -1 with a reason in err.
 */
int	sandbox_check(const struct moat_config *cfg,
	    const struct moat_app *app, char *err, size_t errlen);

/* The part of sandbox_check about app->sandbox_syscalls alone. */
int	sandbox_check_syscalls(const struct moat_app *app, char *err,
	    size_t errlen);

/*
 * At start, once: cap the Landlock ABI at cfg->landlock_max_abi for this
 * process and every child (broker and workers; a reload keeps it), and
 * log which ABI is in force.
 */
void	sandbox_landlock_start(const struct moat_config *cfg);

/*
 * Enter the sandbox in a freshly forked worker.  Closes every descriptor
 * not in fds and clears the environment.  On failure returns -1 with the
 * reason in err; the process is then half-sandboxed and must exit.
 */
int	sandbox_enter_worker(const struct moat_config *cfg,
	    const struct moat_app *app, const struct sandbox_fds *fds,
	    char *err, size_t errlen);

#endif
