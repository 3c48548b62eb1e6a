/*
 * store.c - the broker's file store (see store.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "broker/store.h"

int
store_open_dir(const char *path, char *err, size_t errlen)
{
	int fd;

	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "file store %s: %s", path,
		    strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "file store %s: %s", path,
		    strerror(errno));
	return fd;
}

int
store_usage(int dir_fd, unsigned long long *bytes)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int fd;

	*bytes = 0;
	if ((fd = dup(dir_fd)) < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL)
		if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			*bytes += (unsigned long long)st.st_size;
	closedir(dir);
	return 0;
}

unsigned long long
store_size(int dir_fd, const char *name)
{
	struct stat st;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	return (unsigned long long)st.st_size;
}

/* Exactly what store_put() makes: 32 lower-case hex digits. */
static bool
valid_name(const char *name)
{
	size_t i;

	for (i = 0; i < STORE_NAME_LEN; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return name[STORE_NAME_LEN] == '\0';
}

static int
copy_content(int from, int to, size_t max, const char **why)
{
	char buf[65536];
	size_t total = 0;
	off_t off = 0;
	ssize_t n;

	/* pread from 0: the worker's write offset does not matter. */
	while ((n = pread(from, buf, sizeof(buf), off)) > 0) {
		if ((total += (size_t)n) > max) {
			*why = "file larger than allowed";
			return -1;
		}
		if (write(to, buf, (size_t)n) != n) {
			*why = "cannot write the file";
			return -1;
		}
		off += n;
	}
	if (n < 0) {
		*why = "cannot read the content";
		return -1;
	}
	if (fsync(to) != 0) {
		*why = "cannot sync the file";
		return -1;
	}
	return 0;
}

int
store_put(int dir_fd, int content_fd, size_t max, char *name,
    const char **why)
{
	unsigned char rnd[STORE_NAME_LEN / 2];
	struct stat st;
	int fd;

	if (fstat(content_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = "content is not a file (use a memfd)";
		return -1;
	}
	if ((size_t)st.st_size > max) {
		*why = "file larger than allowed";
		return -1;
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(name, STORE_NAME_LEN + 1, rnd, sizeof(rnd));
	fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0) {
		*why = "cannot create the file";
		return -1;
	}
	if (copy_content(content_fd, fd, max, why) != 0) {
		close(fd);
		unlinkat(dir_fd, name, 0);
		return -1;
	}
	if (close(fd) != 0) {
		unlinkat(dir_fd, name, 0);
		*why = "cannot close the file";
		return -1;
	}
	return 0;
}

int
store_open(int dir_fd, const char *name, const char **why)
{
	struct stat st;
	int fd;

	if (!valid_name(name)) {
		*why = "not a stored file name";
		return -1;
	}
	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd < 0) {
		*why = errno == ELOOP ? "stored name is a symlink" :
		    "no such stored file";
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		*why = "stored name is not a regular file";
		return -1;
	}
	return fd;
}

void
store_remove(int dir_fd, const char *name)
{
	if (valid_name(name))
		unlinkat(dir_fd, name, 0);
}
