/*
 * landlock.h - the few Landlock calls both sandboxes need.
 *
 * The uapi is spelled out here because the build machine's headers may
 * predate the running kernel, and the rights to handle depend on the
 * running kernel's ABI version.
 */
#ifndef MOAT_SANDBOX_LANDLOCK_H
#define MOAT_SANDBOX_LANDLOCK_H

#include <stddef.h>
#include <stdint.h>

#define LL_FS_EXECUTE		(1ULL << 0)
#define LL_FS_WRITE_FILE	(1ULL << 1)
#define LL_FS_READ_FILE		(1ULL << 2)
#define LL_FS_READ_DIR		(1ULL << 3)
#define LL_FS_REMOVE_DIR	(1ULL << 4)
#define LL_FS_REMOVE_FILE	(1ULL << 5)
#define LL_FS_MAKE_DIR		(1ULL << 7)
#define LL_FS_MAKE_REG		(1ULL << 8)
#define LL_FS_V1		((1ULL << 13) - 1)	/* execute .. make_sym */
#define LL_FS_REFER		(1ULL << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)		/* ABI 5 */
#define LL_NET_TCP		((1ULL << 0) | (1ULL << 1))	/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)		/* ABI 6 */
#define LL_READ			(LL_FS_READ_FILE | LL_FS_READ_DIR)

/* The running kernel's Landlock ABI version; 0 without Landlock. */
int		landlock_kernel_abi(void);

/*
 * Use at most this ABI version from now on in this process and its
 * children (landlock_max_abi, for testing what older kernels leave out):
 * 0 is no Landlock at all, CONFIG_NO_CAP (config.h) no cap.
 */
void		landlock_cap(unsigned int max);

/* The ABI version in force: the kernel's, capped; 0 is no Landlock. */
int		landlock_abi(void);

/*
 * Put "Landlock ABI N in force (kernel K, CAP)" into buf, or "no
 * Landlock (kernel K, CAP)", CAP being "no cap" or "landlock_max_abi C".
 */
void		landlock_describe(char *buf, size_t len);

/* Every file-system right that ABI version knows. */
uint64_t	landlock_fs_rights(int abi);

/*
 * A ruleset that handles fs, net and scoped (each masked to what abi
 * knows): whatever it handles is denied unless a rule allows it.
 * Returns its fd, or -1 with errno.
 */
int		landlock_ruleset(int abi, uint64_t fs, uint64_t net,
		    uint64_t scoped);

/*
 * Allow access beneath the directory (or to the file) open as fd; rights
 * that only make sense on directories are dropped for a file.
 */
int		landlock_allow(int ruleset, int fd, uint64_t access,
		    uint64_t handled);

/* Enforce the ruleset on this process from now on, and close it. */
int		landlock_enforce(int ruleset);

#endif
