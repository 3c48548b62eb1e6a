/*
 * bare-hello.c - the comparison floor for the benchmarks.
 *
 * The smallest useful libfcgi program: it opens a unix socket, forks
 * NPROCS-1 children, and every process (the parent too) answers each request
 * with a fixed text/plain page.  No parsing, no routing, no sandbox: whatever
 * Moat costs on top of libfcgi shows up as the difference against this.
 *
 *   usage: bare-hello SOCKET_PATH NPROCS
 *
 * SIGTERM or SIGINT to the parent stops the children too; a child also dies
 * when its parent does, so a killed benchmark leaves nothing behind.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#define BARE_BACKLOG 1024
#define BARE_MAX_PROCS 256

static const char bare_reply[] =
	"Content-Type: text/plain\r\n\r\nHello from bare libfcgi\n";

/* Filled before the handlers are installed; read only by the parent. */
static pid_t bare_children[BARE_MAX_PROCS];
static int bare_nchildren;

static void
bare_kill_children(void)
{
	int i;

	for (i = 0; i < bare_nchildren; i++)
		if (bare_children[i] > 0)
			kill(bare_children[i], SIGTERM);
}

static void
bare_stop(int sig)
{
	(void)sig;
	bare_kill_children();
	_exit(0);
}

static int
bare_parse_nprocs(const char *s, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 1 ||
	    n > BARE_MAX_PROCS)
		return -1;
	*out = (int)n;
	return 0;
}

/* The accept loop of one process; returns only when accepting fails. */
static int
bare_serve(int listen_fd)
{
	FCGX_Request req;

	if (FCGX_InitRequest(&req, listen_fd, 0) != 0) {
		fprintf(stderr, "bare-hello: FCGX_InitRequest failed\n");
		return 1;
	}
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(bare_reply, (int)(sizeof(bare_reply) - 1), req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}

static int
bare_install_stop_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bare_stop;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	int nprocs, listen_fd, i;
	pid_t parent;

	if (argc != 3 || bare_parse_nprocs(argv[2], &nprocs) != 0) {
		fprintf(stderr, "usage: bare-hello SOCKET_PATH NPROCS (1-%d)\n",
		    BARE_MAX_PROCS);
		return 2;
	}
	if (FCGX_Init() != 0) {
		fprintf(stderr, "bare-hello: FCGX_Init failed\n");
		return 1;
	}
	/* A socket left by an earlier run would make bind() fail. */
	if (unlink(argv[1]) != 0 && errno != ENOENT) {
		fprintf(stderr, "bare-hello: cannot remove %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	listen_fd = FCGX_OpenSocket(argv[1], BARE_BACKLOG);
	if (listen_fd < 0) {
		fprintf(stderr, "bare-hello: cannot listen on %s\n", argv[1]);
		return 1;
	}

	parent = getpid();
	for (i = 0; i < nprocs - 1; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "bare-hello: fork: %s\n",
			    strerror(errno));
			bare_kill_children();
			return 1;
		}
		if (pid == 0) {
			/* Die with the parent, even if it is SIGKILLed. */
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 ||
			    getppid() != parent)
				_exit(1);
			return bare_serve(listen_fd);
		}
		bare_children[bare_nchildren++] = pid;
	}
	if (bare_install_stop_handlers() != 0) {
		fprintf(stderr, "bare-hello: sigaction: %s\n", strerror(errno));
		bare_kill_children();
		return 1;
	}
	i = bare_serve(listen_fd);
	bare_kill_children();
	return i;
}
