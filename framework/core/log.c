/*
 * log.c - moat_log() and its sink.
 *
 * In a worker the sink is stderr, a pipe to the supervisor, which stamps
 * and writes each line (see supervisor.c).  The supervisor installs a sink
 * that writes to the log file directly.  Either way one message is one
 * write(2) of one escaped line, so lines from different processes never
 * interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <moat/log.h>

#include "core/log_internal.h"
#include "core/logline.h"

static enum moat_log_level	 log_threshold = MOAT_LOG_INFO;
static log_sink_fn		 log_sink = log_sink_stderr;

static const char *const level_names[] = {
	[MOAT_LOG_DEBUG] = "debug",
	[MOAT_LOG_INFO] = "info",
	[MOAT_LOG_WARN] = "warn",
	[MOAT_LOG_ERROR] = "error",
};

const char *
log_level_name(enum moat_log_level level)
{
	if ((unsigned)level > MOAT_LOG_ERROR)
		return "?";
	return level_names[level];
}

void
log_set_level(enum moat_log_level level)
{
	log_threshold = level;
}

void
log_set_sink(log_sink_fn sink)
{
	log_sink = sink != NULL ? sink : log_sink_stderr;
}

/* Write all of p, retrying on EINTR; a log that cannot be written is lost. */
void
log_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

void
log_sink_stderr(enum moat_log_level level, const char *line)
{
	char out[LOGLINE_MAX + 16];
	int n;

	n = snprintf(out, sizeof(out), "%s: %s\n", log_level_name(level), line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(out))
		n = sizeof(out) - 1;
	log_write_all(STDERR_FILENO, out, (size_t)n);
}

void
moat_log(enum moat_log_level level, const char *fmt, ...)
{
	char raw[LOGLINE_MAX], line[LOGLINE_MAX];
	va_list ap;
	int n;

	if (level < log_threshold)
		return;
	va_start(ap, fmt);
	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(raw))
		n = sizeof(raw) - 1;
	logline_escape(line, sizeof(line), raw, (size_t)n);
	log_sink(level, line);
}
