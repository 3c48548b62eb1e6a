/*
 * sigsys_debug.h - sandbox_debug: name a denied system call instead of
 * dying of it.  Shared by the worker's and the broker's sandboxes.
 */
#ifndef MOAT_SANDBOX_SIGSYS_DEBUG_H
#define MOAT_SANDBOX_SIGSYS_DEBUG_H

#include <stddef.h>

/*
 * Install a SIGSYS handler for a seccomp filter whose default action is
 * SCMP_ACT_TRAP: each denied call is logged as "warn: WHO: denied syscall
 * NAME (NR)" and fails with ENOSYS.  Call before the filter is loaded.
 */
int	sigsys_debug_install(const char *who, char *err, size_t errlen);

#endif
