/*
 * listen.c - opening the FastCGI socket (see listen.h).
 *
 * A unix socket is the normal case: its file mode and group decide who may
 * connect, so nginx's group gets in and nobody else does.  An inherited
 * TCP socket (spawn-fcgi) has no such gate, so the workers check its
 * peers against fastcgi_peers on every accept (worker/peer.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "supervisor/listen.h"

#define LISTEN_BACKLOG	1024

static int
fail(char *err, size_t errlen, const char *what, const char *path)
{
	snprintf(err, errlen, "listen %s: %s: %s", path, what,
	    strerror(errno));
	return -1;
}

/*
 * A socket file left by a crashed instance is removed; one that still
 * answers belongs to a live server and is left alone.
 */
static int
remove_stale_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : fail(err, errlen, "lstat", path);
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return fail(err, errlen, "exists and is not a socket", path);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return fail(err, errlen, "socket", path);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		errno = EADDRINUSE;
		return fail(err, errlen, "another server is listening", path);
	}
	if (unlink(path) != 0)
		return fail(err, errlen, "cannot remove stale socket", path);
	return 0;
}

static int
set_owner_and_mode(const struct moat_config *cfg, char *err, size_t errlen)
{
	struct group *gr;

	if (cfg->socket_group != NULL) {
		if ((gr = getgrnam(cfg->socket_group)) == NULL) {
			snprintf(err, errlen, "listen %s: unknown group %s",
			    cfg->listen, cfg->socket_group);
			return -1;
		}
		if (chown(cfg->listen, (uid_t)-1, gr->gr_gid) != 0)
			return fail(err, errlen, "chown", cfg->listen);
	}
	if (chmod(cfg->listen, (mode_t)cfg->socket_mode) != 0)
		return fail(err, errlen, "chmod", cfg->listen);
	return 0;
}

static int
open_unix(const struct moat_config *cfg, struct listener *l, char *err,
    size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int rc;

	if (remove_stale_socket(cfg->listen, err, errlen) != 0)
		return -1;
	memcpy(sun.sun_path, cfg->listen, strlen(cfg->listen) + 1);
	l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->fd < 0)
		return fail(err, errlen, "socket", cfg->listen);
	/* Nobody may connect before the mode and group are right. */
	old_mask = umask(0177);
	rc = bind(l->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (rc != 0) {
		fail(err, errlen, "bind", cfg->listen);
		close(l->fd);
		return -1;
	}
	l->owns_path = true;
	if (set_owner_and_mode(cfg, err, errlen) != 0 ||
	    listen(l->fd, LISTEN_BACKLOG) != 0) {
		if (err[0] == '\0')
			fail(err, errlen, "listen", cfg->listen);
		listen_close(cfg, l);
		return -1;
	}
	return 0;
}

static int
adopt_inherited(const struct moat_config *cfg, struct listener *l,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int accepting = 0, flags;
	socklen_t alen = sizeof(accepting);

	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &alen) != 0 ||
	    !accepting) {
		snprintf(err, errlen, "listen fd:0: standard input is not a "
		    "listening socket");
		return -1;
	}
	if (getsockname(0, (struct sockaddr *)&ss, &len) != 0)
		return fail(err, errlen, "getsockname", "fd:0");
	l->is_tcp = ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
	if (l->is_tcp && cfg->fastcgi_peers == NULL) {
		snprintf(err, errlen, "listen fd:0: a TCP socket needs "
		    "fastcgi_peers (the web server's addresses)");
		return -1;
	}
	if ((l->fd = fcntl(0, F_DUPFD_CLOEXEC, 3)) < 0)
		return fail(err, errlen, "dup", "fd:0");
	if ((flags = fcntl(l->fd, F_GETFL)) < 0 ||
	    fcntl(l->fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return fail(err, errlen, "fcntl", "fd:0");
	return 0;
}

int
listen_open(const struct moat_config *cfg, struct listener *l, char *err,
    size_t errlen)
{
	l->fd = -1;
	l->is_tcp = false;
	l->owns_path = false;
	err[0] = '\0';
	if (strcmp(cfg->listen, CONFIG_LISTEN_INHERIT) == 0)
		return adopt_inherited(cfg, l, err, errlen);
	return open_unix(cfg, l, err, errlen);
}

void
listen_close(const struct moat_config *cfg, struct listener *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->owns_path)
		unlink(cfg->listen);
	l->owns_path = false;
}
