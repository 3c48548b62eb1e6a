/*
 * stall-proxy.c - a database address that stops answering, for
 * dbstall.sh.  It forwards TCP connections on 127.0.0.1 to PostgreSQL's
 * Unix socket until SIGUSR1.  From then on it accepts no connection: a new
 * one still completes its TCP handshake (the kernel's backlog does that)
 * and then hears nothing, as from a server that hangs.
 *
 *   stall-proxy PORT_FILE UNIX_SOCKET
 *
 * The port (chosen by the kernel, so no other test can hold it) is
 * written to PORT_FILE once the proxy listens.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_PAIRS	64

static volatile sig_atomic_t stalled;

static void
on_usr1(int sig)
{
	(void)sig;
	stalled = 1;
}

/* Listen on 127.0.0.1, any port; write the port where the test looks. */
static int
listen_loopback(const char *port_file)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	char tmp[4096];
	FILE *f;
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	/* Written whole, then renamed: the test never reads half a port. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", port_file) >=
	    sizeof(tmp) || (f = fopen(tmp, "w")) == NULL)
		return -1;
	if (fprintf(f, "%u\n", (unsigned)ntohs(sin.sin_port)) < 0 ||
	    fclose(f) != 0 || rename(tmp, port_file) != 0)
		return -1;
	return fd;
}

static int
connect_upstream(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Copy what is there from one side to the other; -1 when either ends. */
static int
pump(int from, int to)
{
	char buf[16384];
	ssize_t n, off, w;

	if ((n = read(from, buf, sizeof(buf))) <= 0)
		return -1;
	for (off = 0; off < n; off += w)
		if ((w = write(to, buf + off, (size_t)(n - off))) <= 0)
			return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[2 * MAX_PAIRS + 1];
	int fds[2 * MAX_PAIRS], lfd, c, u;
	size_t n = 0, i, np, polled;

	if (argc != 3) {
		fprintf(stderr, "usage: stall-proxy PORT_FILE UNIX_SOCKET\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (signal(SIGUSR1, on_usr1) == SIG_ERR ||
	    (lfd = listen_loopback(argv[1])) < 0) {
		fprintf(stderr, "stall-proxy: %s\n", strerror(errno));
		return 1;
	}
	for (;;) {
		for (i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		np = polled = n;
		if (!stalled)
			pfd[np++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		if (poll(pfd, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (np > polled && pfd[polled].revents != 0 &&
		    (c = accept(lfd, NULL, NULL)) >= 0) {
			if (n == 2 * MAX_PAIRS || (u = connect_upstream(argv[2])) < 0)
				close(c);
			else {
				fds[n++] = c;
				fds[n++] = u;
			}
		}
		/* Pairs are (client, server); an end closes both. */
		for (i = 0; i < polled; i++) {
			if (pfd[i].revents == 0 || pump(fds[i], fds[i ^ 1]) == 0)
				continue;
			close(fds[i & ~(size_t)1]);
			close(fds[i | 1]);
			fds[i & ~(size_t)1] = fds[n - 2];
			fds[i | 1] = fds[n - 1];
			n -= 2;
			break;	/* the pollfds no longer match: poll again */
		}
	}
}
