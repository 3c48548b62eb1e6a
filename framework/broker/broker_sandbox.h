/*
 * broker_sandbox.h - what the broker can still do once it serves workers.
 *
 * The broker holds every secret, so a bug in it (libpq, the protocol
 * decoder, the catalogue code) must not turn into the run of the machine.
 * broker_start() already set PR_SET_NO_NEW_PRIVS, made the process not
 * dumpable and dropped to broker_user; this adds, once start-up has
 * succeeded:
 *
 *  - Landlock (where the kernel has it): read-write beneath the file-store
 *    directory, read-only on what libpq and libc read while connecting a
 *    new channel (/etc, /usr, /lib, /dev/urandom), nothing else.  TCP
 *    rights are left unhandled, so PostgreSQL stays reachable anywhere.
 *  - seccomp: the allowlist at the top of broker_sandbox.c; any other
 *    system call kills the broker (or, with sandbox_debug, is logged by
 *    name and fails with ENOSYS).
 */
#ifndef MOAT_BROKER_BROKER_SANDBOX_H
#define MOAT_BROKER_BROKER_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Enter the broker sandbox.  file_store is created (mode 0700) if it is
 * missing and can be.  debug is cfg->sandbox_debug.  -1 with a reason in
 * err; the broker is then half-sandboxed and must exit.
 */
int	broker_sandbox_enter(const char *file_store, bool debug, char *err,
	    size_t errlen);

#endif
