/*
 * logwriter.c - the one writer of the log (see logwriter.h).
 *
 * What a child writes to its stderr is untrusted: each line is escaped
 * (logline.c), capped and stamped with the child's pid by the supervisor,
 * so no process can forge a line that looks like another's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <moat/log.h>

#include "core/log_internal.h"
#include "core/logline.h"
#include "supervisor/logwriter.h"

/* The log file descriptor the supervisor's sink writes to. */
static int	log_writer_fd = STDERR_FILENO;

/* One stamped line: "2026-11-28T10:00:00Z source[pid] text". */
static void
log_stamped(const char *source, pid_t pid, const char *text)
{
	char line[LOGLINE_MAX + 128], stamp[32];
	struct tm tm;
	time_t t = time(NULL);
	int n;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(line, sizeof(line), "%s %s[%ld] %s\n", stamp, source,
	    (long)pid, text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	log_write_all(log_writer_fd, line, (size_t)n);
}

static void
supervisor_sink(enum moat_log_level level, const char *line)
{
	char text[LOGLINE_MAX + 16];

	snprintf(text, sizeof(text), "%s: %s", log_level_name(level), line);
	log_stamped("supervisor", getpid(), text);
}

int
log_writer_open(const struct moat_config *cfg, char *err, size_t errlen)
{
	int fd;

	if (strcmp(cfg->log_file, "-") == 0)
		return dup(STDERR_FILENO);
	fd = open(cfg->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0640);
	if (fd < 0)
		snprintf(err, errlen, "log_file %s: %s", cfg->log_file,
		    strerror(errno));
	return fd;
}

void
log_writer_use(int fd)
{
	log_writer_fd = fd;
	log_set_sink(supervisor_sink);
}

void
log_writer_leave(void)
{
	log_writer_fd = -1;
	log_set_sink(log_sink_stderr);
}

/* --- children's output ------------------------------------------------------ */

void
log_input_init(struct log_input *in, const char *role, pid_t pid, int fd)
{
	memset(in, 0, sizeof(*in));
	in->role = role;
	in->pid = pid;
	in->fd = fd;
}

static void
input_flush_line(struct log_input *c)
{
	char escaped[LOGLINE_MAX];

	logline_escape(escaped, sizeof(escaped), c->line, c->line_len);
	log_stamped(c->role, c->pid, escaped);
	c->line_len = 0;
}

/* Split what a child wrote into lines; cap each, drop the overflow. */
static void
input_take(struct log_input *c, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (!c->skipping)
				input_flush_line(c);
			c->skipping = false;
			c->line_len = 0;
			continue;
		}
		if (c->skipping)
			continue;
		if (c->line_len == sizeof(c->line) - 4) {
			memcpy(c->line + c->line_len, "...", 3);
			c->line_len += 3;
			input_flush_line(c);
			c->skipping = true;
			continue;
		}
		c->line[c->line_len++] = p[i];
	}
}

bool
log_input_read(struct log_input *c)
{
	char buf[4096];
	ssize_t n;

	n = read(c->fd, buf, sizeof(buf));
	if (n < 0 && errno == EINTR)
		return true;
	if (n < 0 && errno == EAGAIN)
		return false;
	if (n <= 0) {
		if (c->line_len > 0 && !c->skipping)
			input_flush_line(c);
		close(c->fd);
		c->fd = -1;
		return false;
	}
	input_take(c, buf, (size_t)n);
	return true;
}
