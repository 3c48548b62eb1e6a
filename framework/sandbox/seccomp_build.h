/*
 * seccomp_build.h - the one seccomp filter builder of both sandboxes.
 *
 * The worker (worker/sandbox.c) and the broker (broker/broker_sandbox.c)
 * each keep their allowlist as a table of these entries beside their
 * code; this builds a filter from a table the same way for both, so the
 * difference between the two policies is the difference between the two
 * tables.  Argument rules: syscall_rule.h.
 */
#ifndef MOAT_SANDBOX_SECCOMP_BUILD_H
#define MOAT_SANDBOX_SECCOMP_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include <seccomp.h>

#include "sandbox/syscall_rule.h"

/* AddressSanitizer reserves terabytes of shadow memory and needs a few
 * syscalls of its own: each table adds them under #if SANDBOX_ASAN. */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN	1
#endif
#endif
#ifndef SANDBOX_ASAN
#define SANDBOX_ASAN	0
#endif

struct allowed_syscall {
	const char		*name;
	enum syscall_rule	 rule;
};

/* What a filter is built with. */
struct seccomp_build {
	const char			*who;	/* "sandbox", "broker sandbox" */
	const struct allowed_syscall	*table;
	size_t				 n;
	bool				 debug;	/* trap, for sigsys_debug */
	bool				 all_threads;	/* TSYNC */
	/* Leave this entry out (an app's own rule replaces it); NULL: none. */
	bool				(*skip)(const struct allowed_syscall *,
					    const void *);
	const void			*skip_arg;
};

/*
 * The filter, built but not loaded: every table entry known on this
 * architecture under its rule, everything else killed (trapped when
 * debug), another ABI always killed.  NULL with "WHO: ..." in err.
 */
scmp_filter_ctx	seccomp_build(const struct seccomp_build *b, char *err,
		    size_t errlen);

#endif
