/*
 * landlock.c - Landlock through raw system calls (see landlock.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/config.h"
#include "sandbox/landlock.h"

#define LL_CREATE_RULESET_VERSION	(1U << 0)
#define LL_RULE_PATH_BENEATH		1

/* The rights that make sense on a file, not only on a directory. */
#define LL_FS_FILE	(LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | \
			 LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

struct ll_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;
	uint64_t	scoped;
};

struct ll_path_beneath_attr {
	uint64_t	allowed_access;
	int32_t		parent_fd;
} __attribute__((packed));

/* Set from the config before the sandboxes go up; inherited by fork. */
static unsigned int ll_cap = CONFIG_NO_CAP;

int
landlock_kernel_abi(void)
{
#ifdef SYS_landlock_create_ruleset
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_RULESET_VERSION);

	return v > 0 ? (int)v : 0;
#else
	return 0;
#endif
}

void
landlock_cap(unsigned int max)
{
	ll_cap = max;
}

int
landlock_abi(void)
{
	int abi = landlock_kernel_abi();

	return ll_cap < (unsigned int)abi ? (int)ll_cap : abi;
}

void
landlock_describe(char *buf, size_t len)
{
	char cap[32] = "no cap";
	int abi = landlock_abi(), kernel = landlock_kernel_abi();

	if (ll_cap != CONFIG_NO_CAP)
		snprintf(cap, sizeof(cap), "landlock_max_abi %u", ll_cap);
	if (abi > 0)
		snprintf(buf, len, "Landlock ABI %d in force (kernel %d, %s)",
		    abi, kernel, cap);
	else
		snprintf(buf, len, "no Landlock (kernel %d, %s)", kernel, cap);
}

uint64_t
landlock_fs_rights(int abi)
{
	uint64_t fs = LL_FS_V1;

	if (abi >= 2)
		fs |= LL_FS_REFER;
	if (abi >= 3)
		fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LL_FS_IOCTL_DEV;
	return fs;
}

int
landlock_ruleset(int abi, uint64_t fs, uint64_t net, uint64_t scoped)
{
#ifdef SYS_landlock_create_ruleset
	struct ll_ruleset_attr attr;

	/* Fields an older kernel does not know are zero, which it accepts. */
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = fs & landlock_fs_rights(abi);
	attr.handled_access_net = abi >= 4 ? net : 0;
	attr.scoped = abi >= 6 ? scoped : 0;
	return (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr),
	    0U);
#else
	errno = ENOSYS;
	return -1;
#endif
}

int
landlock_allow(int ruleset, int fd, uint64_t access, uint64_t handled)
{
#ifdef SYS_landlock_add_rule
	struct ll_path_beneath_attr pb;
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		access &= LL_FS_FILE;
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = access & handled;
	pb.parent_fd = fd;
	return (int)syscall(SYS_landlock_add_rule, ruleset,
	    LL_RULE_PATH_BENEATH, &pb, 0U);
#else
	errno = ENOSYS;
	return -1;
#endif
}

int
landlock_enforce(int ruleset)
{
	int rc = -1;

#ifdef SYS_landlock_restrict_self
	rc = (int)syscall(SYS_landlock_restrict_self, ruleset, 0U);
#else
	errno = ENOSYS;
#endif
	close(ruleset);
	return rc;
}
