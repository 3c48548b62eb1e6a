/*
 * template.c - templates from a directory, the process-wide set, and
 * moat_render() (moat/template.h, template.h).
 *
 * The supervisor loads the set before the workers fork, so every worker
 * shares it read-only and never opens a template file: the sandbox denies
 * file access anyway.  Loading builds a complete new set first and only
 * then replaces the old one, so a reload with a broken template keeps the
 * templates that work.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <moat/log.h>
#include <moat/response.h>
#include <moat/session.h>
#include <moat/template.h>

#include "template/template.h"

static struct tpl_set	*loaded;	/* what moat_render() uses */

/* --- a directory ----------------------------------------------------- */

/* Read the regular file dfd/name (template name rel) into the loader. */
static int
read_source(struct tpl_loader *l, int dfd, const char *name,
    const char *rel)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(l->err, l->errlen, "%s: %s", rel, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > TPL_FILE_MAX) {
		snprintf(l->err, l->errlen, "%s: %s", rel, S_ISREG(st.st_mode) ?
		    "larger than 1 MiB" : "not a regular file");
		goto out;
	}
	/* One byte more than allowed shows a file that grew meanwhile. */
	if ((buf = malloc(TPL_FILE_MAX + 1)) == NULL) {
		snprintf(l->err, l->errlen, "%s: out of memory", rel);
		goto out;
	}
	while (len <= TPL_FILE_MAX) {
		n = read(fd, buf + len, TPL_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(l->err, l->errlen, "%s: %s", rel,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = tpl_loader_add(l, rel, buf, len);
out:
	free(buf);
	if (fd != -1)
		close(fd);
	return rc;
}

static bool
is_html(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && strcmp(name + len - 5, ".html") == 0;
}

/* Append "/" to rel, which has room for it. */
static bool
add_slash(char *rel)
{
	size_t len = strlen(rel);

	rel[len] = '/';
	rel[len + 1] = '\0';
	return true;
}

/* Every *.html below dfd, whose names start with prefix; dfd is closed. */
static int
walk(struct tpl_loader *l, int dfd, const char *prefix, int depth)
{
	struct dirent *de;
	struct stat st;
	char rel[TPL_NAME_MAX + 2];
	DIR *d;
	int sub, rc = 0;

	if ((d = fdopendir(dfd)) == NULL) {
		snprintf(l->err, l->errlen, "%s: %s", *prefix ? prefix : ".",
		    strerror(errno));
		close(dfd);
		return -1;
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(rel, sizeof(rel), "%s%s", prefix,
		    de->d_name) >= sizeof(rel)) {
			snprintf(l->err, l->errlen, "%.64s...: name too long",
			    rel);
			rc = -1;
		} else if (fstatat(dirfd(d), de->d_name, &st, 0) == -1) {
			snprintf(l->err, l->errlen, "%s: %s", rel,
			    strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode) && depth + 1 < TPL_DIR_DEPTH) {
			if (strlen(rel) + 1 >= sizeof(rel) || !add_slash(rel) ||
			    (sub = openat(dirfd(d), de->d_name, O_RDONLY |
			    O_DIRECTORY | O_CLOEXEC)) == -1) {
				snprintf(l->err, l->errlen, "%s: cannot open",
				    rel);
				rc = -1;
			} else
				rc = walk(l, sub, rel, depth + 1);
		} else if (S_ISREG(st.st_mode) && is_html(de->d_name))
			rc = read_source(l, dirfd(d), de->d_name, rel);
	}
	if (rc == 0 && errno != 0) {
		snprintf(l->err, l->errlen, "%s: %s", *prefix ? prefix : ".",
		    strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}

struct tpl_set *
tpl_compile_dir(const char *dir, char *err, size_t errlen)
{
	struct tpl_set *set;
	struct tpl_loader l;
	char inner[512];
	int dfd;

	memset(&l, 0, sizeof(l));
	l.err = inner;
	l.errlen = sizeof(inner);
	inner[0] = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (walk(&l, dfd, "", 0) != 0) {
		tpl_loader_free(&l);
		snprintf(err, errlen, "%s/%s", dir, inner);
		return NULL;
	}
	if ((set = tpl_loader_build(&l, inner, sizeof(inner))) == NULL)
		snprintf(err, errlen, "%s/%s", dir, inner);
	return set;
}

/* --- the process-wide set -------------------------------------------- */

int
templates_load(const char *dir, char *err, size_t errlen)
{
	struct tpl_set *set;

	if ((set = tpl_compile_dir(dir, err, errlen)) == NULL)
		return -1;
	tpl_set_free(loaded);
	loaded = set;
	return 0;
}

void
templates_free(void)
{
	tpl_set_free(loaded);
	loaded = NULL;
}

int
moat_render(const struct moat_request *req, struct moat_response *res,
    const char *template_name, const struct moat_view *v)
{
	const struct tpl *t;
	const char *token = NULL;
	struct moat_buf *body;
	char err[512];
	size_t mark;

	if (res == NULL || template_name == NULL) {
		moat_log_error("moat_render: no response or template name");
		return -1;
	}
	if ((t = tpl_find(loaded, template_name)) == NULL) {
		moat_log_error("template %s: no such template%s", template_name,
		    loaded == NULL ? " (no templates loaded)" : "");
		return -1;
	}
	/* Only a form asks for a token: it may start a session. */
	if (tpl_needs_csrf(t) && (token = moat_csrf_token(req)) == NULL) {
		moat_log_error("template %s: no CSRF token for {%% csrf_field "
		    "%%}", template_name);
		return -1;
	}
	if (moat_response_content_type(res, "text/html") != 0) {
		moat_log_error("template %s: cannot set the content type",
		    template_name);
		return -1;
	}
	body = moat_response_body(res);
	mark = body->len;
	if (tpl_render(t, v, token, body, err, sizeof(err)) != 0) {
		body->len = mark;
		if (body->data != NULL)
			body->data[mark] = '\0';
		moat_log_error("template %s: %s", template_name, err);
		return -1;
	}
	return 0;
}
