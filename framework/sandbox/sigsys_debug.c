/*
 * sigsys_debug.c - the sandbox_debug SIGSYS handler (see sigsys_debug.h).
 *
 * The handler runs inside a trapped system call, so it may not allocate:
 * every syscall name is resolved up front, and the log line is put
 * together by hand and written with one write(2).
 */
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "core/log_internal.h"
#include "sandbox/sigsys_debug.h"

#define DEBUG_NR_MAX	1024

static const char	*debug_names[DEBUG_NR_MAX];
static uint32_t		 debug_arch;
static char		 debug_who[32];

static size_t
put_str(char *buf, size_t n, size_t size, const char *s)
{
	while (*s != '\0' && n < size)
		buf[n++] = *s++;
	return n;
}

static size_t
put_num(char *buf, size_t n, size_t size, unsigned long v)
{
	char digits[24];
	size_t k = 0;

	do {
		digits[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (k > 0 && n < size)
		buf[n++] = digits[--k];
	return n;
}

static void
on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	ucontext_t *uc = uctx;
#if !defined(__x86_64__) && !defined(__aarch64__)
	sigset_t set;
#endif
	char line[160];
	const char *name = "?";
	int saved = errno, nr = si->si_syscall;
	size_t n = 0;

	(void)sig;
	if (si->si_arch == debug_arch && nr >= 0 && nr < DEBUG_NR_MAX &&
	    debug_names[nr] != NULL)
		name = debug_names[nr];
	n = put_str(line, n, sizeof(line) - 1, "warn: ");
	n = put_str(line, n, sizeof(line) - 1, debug_who);
	n = put_str(line, n, sizeof(line) - 1, ": denied syscall ");
	n = put_str(line, n, sizeof(line) - 1, name);
	n = put_str(line, n, sizeof(line) - 1, " (");
	n = put_num(line, n, sizeof(line) - 1, (unsigned long)(unsigned)nr);
	n = put_str(line, n, sizeof(line) - 1, ")");
	line[n++] = '\n';
	log_write_all(STDERR_FILENO, line, n);
	/* The trapped call returns -ENOSYS, as if the kernel lacked it. */
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#elif defined(__aarch64__)
	uc->uc_mcontext.regs[0] = (unsigned long long)-ENOSYS;
#else
	/* No known return register here: die as without sandbox_debug. */
	(void)uc;
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	signal(SIGSYS, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGSYS);
#endif
	errno = saved;
}

int
sigsys_debug_install(const char *who, char *err, size_t errlen)
{
	struct sigaction sa;
	int nr;

	snprintf(debug_who, sizeof(debug_who), "%s", who);
	debug_arch = seccomp_arch_native();
	for (nr = 0; nr < DEBUG_NR_MAX; nr++)
		if (debug_names[nr] == NULL)
			debug_names[nr] = seccomp_syscall_resolve_num_arch(
			    debug_arch, nr);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_sigsys;
	/* On the worker's alternate stack if it has one; else ignored. */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	if (sigaction(SIGSYS, &sa, NULL) != 0) {
		snprintf(err, errlen, "%s: sigaction SIGSYS: %s", who,
		    strerror(errno));
		return -1;
	}
	return 0;
}
