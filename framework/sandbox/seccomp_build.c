/*
 * seccomp_build.c - building a seccomp filter from an allowlist table
 * (see seccomp_build.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <moat/log.h>

#include "sandbox/seccomp_build.h"

static int
build_attrs(scmp_filter_ctx ctx, const struct seccomp_build *b)
{
	int rc;

	/* Another ABI (x32, i386 through int 0x80) is always fatal. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	/* Every thread, not just this one, where threads were started
	 * before the filter (the broker's hash threads). */
	if (rc == 0 && b->all_threads)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	/* A binary search over the syscall numbers, not a linear scan;
	 * older libseccomp lacks it, which only costs a little speed. */
	if (rc == 0 && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) != 0)
		moat_log_debug("%s: seccomp filter not optimised", b->who);
	return rc;
}

scmp_filter_ctx
seccomp_build(const struct seccomp_build *b, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	const char *name = "attributes";
	size_t i;
	int nr, rc;

	if ((ctx = seccomp_init(b->debug ? SCMP_ACT_TRAP :
	    SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, errlen, "%s: seccomp_init failed", b->who);
		return NULL;
	}
	rc = build_attrs(ctx, b);
	for (i = 0; rc == 0 && i < b->n; i++) {
		name = b->table[i].name;
		if ((nr = seccomp_syscall_resolve_name(name)) < 0)
			continue;	/* not on this architecture */
		if (b->skip != NULL && b->skip(&b->table[i], b->skip_arg))
			continue;
		rc = syscall_rule_add(ctx, b->table[i].rule, nr);
	}
	if (rc != 0) {
		snprintf(err, errlen, "%s: seccomp rule for %s: %s", b->who,
		    name, strerror(-rc));
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}
