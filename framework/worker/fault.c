/*
 * fault.c - crash and timeout handling in a worker (see fault.h).
 *
 * Everything reached from the signal handlers is async-signal-safe: the
 * state they read is prepared at request start, the page is built with
 * errorpage_raw(), and output goes out with write(2).  After a fault the
 * process state cannot be trusted, so the worker never continues: it
 * re-raises the signal (the supervisor logs its name) or, after a
 * timeout, exits with FAULT_EXIT_TIMEOUT.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <fastcgi.h>

#include <moat/nelem.h>

#include "core/incident.h"
#include "core/log_internal.h"
#include "core/logline.h"
#include "http/errorpage.h"
#include "worker/fault.h"
#include "worker/fcgi_record.h"

#define WHAT_MAX	256

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
    SIGABRT };

static struct {
	volatile sig_atomic_t	 active;
	volatile sig_atomic_t	 response_started;
	volatile sig_atomic_t	 slow_pending;	/* the slow hook is due */
	long			 rest_ms;	/* of the timeout, after it */
	int			 fd;
	int			 request_id;
	char			 incident[INCIDENT_ID_LEN + 1];
	char			 what[WHAT_MAX];
} current;

size_t
fault_fcgi_records(unsigned char *buf, size_t size, int request_id,
    int status, const char *incident)
{
	char page[2048];
	size_t len, need;
	unsigned char *p = buf;

	if ((len = errorpage_raw(page, sizeof(page), status, incident)) == 0)
		return 0;
	need = FCGI_HEADER_LEN * 2 + len + FCGI_END_RECORD_LEN;
	if (need > size)
		return 0;
	fcgi_record_header(p, FCGI_STDOUT, request_id, len);
	memcpy(p + FCGI_HEADER_LEN, page, len);
	p += FCGI_HEADER_LEN + len;
	fcgi_record_header(p, FCGI_STDOUT, request_id, 0);
	p += FCGI_HEADER_LEN;
	fcgi_end_record(p, request_id, 1);	/* appStatus: failed */
	p += FCGI_END_RECORD_LEN;
	return (size_t)(p - buf);
}

static void
log_incident(const char *event)
{
	static const char pre[] = "error: incident ";
	char line[WHAT_MAX + 128];
	size_t n = 0, len;

#define ADD(s) do { len = strlen(s); \
	if (len > sizeof(line) - 1 - n) len = sizeof(line) - 1 - n; \
	memcpy(line + n, (s), len); n += len; } while (0)
	ADD(pre);
	ADD(current.incident);
	ADD(": ");
	ADD(event);
	ADD(" while handling ");
	ADD(current.what);
#undef ADD
	line[n++] = '\n';
	log_write_all(STDERR_FILENO, line, n);
}

static void
answer_and_log(int status, const char *event)
{
	unsigned char records[4096];
	size_t len;

	if (!current.active)
		return;
	current.active = 0;
	log_incident(event);
	if (current.response_started)
		return;
	len = fault_fcgi_records(records, sizeof(records), current.request_id,
	    status, current.incident);
	if (len > 0)
		log_write_all(current.fd, (const char *)records, len);
}

static const char *
signal_event(int sig)
{
	switch (sig) {
	case SIGSEGV: return "fatal signal SIGSEGV";
	case SIGBUS: return "fatal signal SIGBUS";
	case SIGFPE: return "fatal signal SIGFPE";
	case SIGILL: return "fatal signal SIGILL";
	case SIGABRT: return "fatal signal SIGABRT";
	}
	return "fatal signal";
}

static void
on_fatal_signal(int sig)
{
	int saved = errno;
	sigset_t set;

	answer_and_log(500, signal_event(sig));
	errno = saved;
	/* Die of the same signal so the supervisor can name it; the signal
	 * is blocked while its handler runs, so unblock it first. */
	sigemptyset(&set);
	sigaddset(&set, sig);
	signal(sig, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

static void			(*slow_hook)(void);
static unsigned int		  slow_after_ms;

static void
set_timer_ms(long ms)
{
	struct itimerval it = { .it_value = { .tv_sec = ms / 1000,
	    .tv_usec = (ms % 1000) * 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* One timer serves both: first the slow hook, then the timeout. */
static void
on_timeout(int sig)
{
	int saved = errno;

	(void)sig;
	/* Armed for a request that is over (fault_request_end leaves it). */
	if (!current.active)
		return;
	if (current.slow_pending) {
		current.slow_pending = 0;
		slow_hook();
		set_timer_ms(current.rest_ms);
		errno = saved;
		return;
	}
	answer_and_log(503, "request timeout");
	_exit(FAULT_EXIT_TIMEOUT);
}

int
fault_install(void)
{
	static unsigned char altstack[64 * 1024];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	size_t i;

	if (sigaltstack(&ss, NULL) != 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	for (i = 0; i < MOAT_NELEM(fatal_signals); i++)
		if (sigaction(fatal_signals[i], &sa, NULL) != 0)
			return -1;
	/* A timeout is no stack overflow: the normal stack will do.  On
	 * the alternate stack, ASan's _exit hook would look the main stack
	 * up in /proc, which the sandbox does not allow. */
	sa.sa_handler = on_timeout;
	/* After the slow hook the request goes on: restart what the
	 * signal interrupted. */
	sa.sa_flags = SA_RESTART;
	return sigaction(SIGALRM, &sa, NULL);
}

void
fault_slow_hook(void (*hook)(void), unsigned int after_ms)
{
	slow_hook = hook;
	slow_after_ms = after_ms;
}

void
fault_request_describe(const char *what)
{
	logline_escape(current.what, sizeof(current.what), what,
	    strlen(what));
}

void
fault_request_begin(int fd, int request_id, const char *incident,
    const char *what, unsigned int timeout_s)
{
	current.fd = fd;
	current.request_id = request_id;
	memcpy(current.incident, incident, INCIDENT_ID_LEN + 1);
	fault_request_describe(what);
	/* Without a request id there is no request to answer. */
	current.response_started = request_id <= 0;
	/* Armed before it counts as active: a tick still due from the last
	 * request must find nothing to time out. */
	if (slow_hook != NULL && slow_after_ms < 1000L * timeout_s) {
		current.rest_ms = 1000L * timeout_s - slow_after_ms;
		current.slow_pending = 1;
		set_timer_ms(slow_after_ms);
	} else {
		current.slow_pending = 0;
		set_timer_ms(1000L * timeout_s);
	}
	current.active = 1;
}

void
fault_request_identified(int request_id, const char *what)
{
	current.request_id = request_id;
	fault_request_describe(what);
	current.response_started = request_id <= 0;
}

void
fault_response_started(void)
{
	current.response_started = 1;
}

void
fault_request_end(void)
{
	/* The timer stays armed: the next request re-arms it, and a tick
	 * between requests finds nothing active.  That saves a system call
	 * per request. */
	current.slow_pending = 0;
	current.active = 0;
}
