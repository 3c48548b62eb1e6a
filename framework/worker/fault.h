/*
 * fault.h - a clean answer when a request crashes or runs too long.
 *
 * Before a handler runs, the worker tells this module which connection and
 * FastCGI request id are current.  If the handler then faults (SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL, SIGABRT) or the request timer fires, the signal
 * handler writes a generic 500 or 503 page straight onto the connection,
 * logs the incident id, and ends the worker, which the supervisor replaces.
 */
#ifndef MOAT_WORKER_FAULT_H
#define MOAT_WORKER_FAULT_H

/* Worker exit status after a timeout: the supervisor restarts it at once. */
#define FAULT_EXIT_TIMEOUT	75

/* Install the handlers and an alternate signal stack; -1 on failure. */
int	fault_install(void);

/*
 * A request is starting on fd: arm the timer.  what is a short description
 * (method and path) for the log line; it is copied.  request_id 0 means
 * the request has not been read yet: a timeout then only logs and exits.
 */
void	fault_request_begin(int fd, int request_id, const char *incident,
	    const char *what, unsigned int timeout_s);

/* Describe the request once it is known (method and path). */
void	fault_request_describe(const char *what);

/*
 * The request begun on fd has been read: its FastCGI id and a short
 * description.  The timer keeps running from fault_request_begin.
 */
void	fault_request_identified(int request_id, const char *what);

/*
 * The response is being written: a fault from now on cannot send a page
 * (the client already has part of one), so it only logs and exits.
 */
void	fault_response_started(void);

/*
 * Call hook once when a request is still running after_ms, then let the
 * request go on (the timeout still counts from its start).  The hook runs
 * in a signal handler: it must be async-signal-safe.  NULL: none.
 */
void	fault_slow_hook(void (*hook)(void), unsigned int after_ms);

/* The request is over: neither timer nor faults answer on it now. */
void	fault_request_end(void);

/* Build the raw FastCGI records of a complete error response (tests). */
size_t	fault_fcgi_records(unsigned char *buf, size_t size, int request_id,
	    int status, const char *incident);

#endif
