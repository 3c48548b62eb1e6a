/*
 * syscall_rule.c - the argument rules of both seccomp allowlists (see
 * syscall_rule.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <moat/nelem.h>

#include "sandbox/syscall_rule.h"


/* Allow nr when argument arg equals one of values. */
static int
allow_values(scmp_filter_ctx ctx, int nr, unsigned int arg,
    const scmp_datum_t *values, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_CMP(arg, SCMP_CMP_EQ, values[i]))) != 0)
			return rc;
	return 0;
}

/* Allow nr when argument arg has no bit outside allowed. */
static int
allow_bits(scmp_filter_ctx ctx, int nr, unsigned int arg,
    scmp_datum_t allowed)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
	    SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, ~allowed, 0));
}

/*
 * F_SETOWN, F_SETOWN_EX and F_SETSIG with O_ASYNC would let I/O signal
 * any process of the same uid (sibling workers; in dev mode the
 * supervisor and the broker), and F_SETLEASE and F_NOTIFY signal too;
 * Landlock scopes signals only from ABI 6 on.  What Moat, libfcgi, libpq
 * and glibc use is descriptor flags and O_NONBLOCK.
 */
static int
fcntl_rules(scmp_filter_ctx ctx, int nr)
{
	static const scmp_datum_t cmds[] = { F_GETFD, F_SETFD, F_GETFL };
	int rc;

	if ((rc = allow_values(ctx, nr, 1, cmds, MOAT_NELEM(cmds))) != 0)
		return rc;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2,
	    SCMP_A1(SCMP_CMP_EQ, F_SETFL),
	    SCMP_A2(SCMP_CMP_MASKED_EQ, O_ASYNC, 0));
}

/*
 * glibc's malloc gives memory back with MADV_DONTNEED; libsodium keeps
 * its guarded pages out of core dumps; ASan also turns huge pages off
 * for its shadow.  Left out: MADV_MERGEABLE, whose page merging across
 * processes is a known side channel, and everything else nobody here
 * needs.
 */
static int
madvise_rules(scmp_filter_ctx ctx, int nr)
{
	static const scmp_datum_t advice[] = { MADV_DONTNEED, MADV_FREE,
	    MADV_DONTDUMP, MADV_DODUMP, MADV_HUGEPAGE, MADV_NOHUGEPAGE };

	return allow_values(ctx, nr, 2, advice, MOAT_NELEM(advice));
}

/*
 * The families libpq and getaddrinfo use, as stream or datagram sockets
 * with the protocol left to the kernel: no raw, packet or ping sockets,
 * no SCTP.  getaddrinfo's netlink query for local addresses fails
 * instead, and it then assumes both families.
 */
static int
socket_rules(scmp_filter_ctx ctx, int nr)
{
	static const scmp_datum_t families[] = { AF_UNIX, AF_INET, AF_INET6 };
	static const scmp_datum_t types[] = { SOCK_STREAM, SOCK_DGRAM };
	const scmp_datum_t flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
	size_t f, t;
	int rc;

	for (f = 0; f < MOAT_NELEM(families); f++)
		for (t = 0; t < MOAT_NELEM(types); t++)
			if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 3,
			    SCMP_A0(SCMP_CMP_EQ, families[f]),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, ~flags, types[t]),
			    SCMP_A2(SCMP_CMP_EQ, 0))) != 0)
				return rc;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), nr, 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_NETLINK));
}

int
syscall_rule_add(scmp_filter_ctx ctx, enum syscall_rule rule, int nr)
{
	switch (rule) {
	case NO_EXEC:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case SELF:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	case FAIL:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 0);
	case FCNTL:
		return fcntl_rules(ctx, nr);
	case MREMAP:
		return allow_bits(ctx, nr, 3, MREMAP_MAYMOVE);
	case MADVISE:
		return madvise_rules(ctx, nr);
	case NO_ADDR:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A4(SCMP_CMP_EQ, 0));
	case MEMFD:
		return allow_bits(ctx, nr, 1, MFD_CLOEXEC);
	case SOCKET:
		return socket_rules(ctx, nr);
	default:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
}
