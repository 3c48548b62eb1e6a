/*
 * pidfile.c - the single-instance lock (see pidfile.h).
 *
 * The lock is flock(2) on the open file, not the file's existence: a
 * pidfile left by a crashed supervisor is stale but unlocked, so the next
 * start simply takes it over.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "supervisor/pidfile.h"

int
pidfile_lock(const char *path, char *err, size_t errlen)
{
	char text[32] = "";
	ssize_t n;
	int fd, len;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			n = pread(fd, text, sizeof(text) - 1, 0);
			text[n > 0 ? n : 0] = '\0';
			text[strcspn(text, "\n")] = '\0';
			snprintf(err, errlen, "pidfile %s: another instance is "
			    "already running (pid %s)", path, text);
		} else
			snprintf(err, errlen, "pidfile %s: flock: %s", path,
			    strerror(errno));
		close(fd);
		return -1;
	}
	len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)len, 0) != len) {
		snprintf(err, errlen, "pidfile %s: write: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void
pidfile_release(const char *path, int fd)
{
	if (fd < 0)
		return;
	unlink(path);
	close(fd);
}
