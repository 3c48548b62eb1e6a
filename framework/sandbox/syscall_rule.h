/*
 * syscall_rule.h - the argument rules of both seccomp allowlists.
 *
 * The worker's (worker/sandbox.c) and the broker's
 * (broker/broker_sandbox.c) tables name each call with one of these; the
 * conditions themselves live in syscall_rule.c only, so a rule means the
 * same in both sandboxes.  seccomp compares whole 64-bit registers: a
 * value with stray upper bits matches no rule and is denied, which is the
 * safe direction.
 */
#ifndef MOAT_SANDBOX_SYSCALL_RULE_H
#define MOAT_SANDBOX_SYSCALL_RULE_H

#include <seccomp.h>

enum syscall_rule {
	ANY,		/* any arguments */
	NO_EXEC,	/* mmap, mprotect: prot (arg 2) without PROT_EXEC */
	SELF,		/* tgkill: arg 0 is this process's pid */
	FAIL,		/* not allowed, but fails with EACCES: no kill */
	FCNTL,		/* F_GETFD, F_SETFD, F_GETFL, F_SETFL without O_ASYNC */
	MREMAP,		/* flags (arg 3) MREMAP_MAYMOVE at most */
	MADVISE,	/* the advice malloc, libsodium and ASan give */
	NO_ADDR,	/* sendto: no destination address (arg 4 NULL) */
	MEMFD,		/* memfd_create: flags MFD_CLOEXEC at most */
	SOCKET,		/* unix, IPv4, IPv6 stream or datagram, protocol 0 */
};

/*
 * Add to ctx the rules that let system call nr through under rule;
 * anything else falls to the filter's default action.  0, or a negative
 * errno from libseccomp.
 */
int	syscall_rule_add(scmp_filter_ctx ctx, enum syscall_rule rule, int nr);

#endif
