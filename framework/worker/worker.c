/*
 * worker.c - the worker's connection loop and request pipeline.
 *
 * libfcgi's own accept loop pins a worker to one web-server connection for
 * as long as the server keeps it alive, so with fastcgi_keep_conn on and
 * more connections than workers, requests queue behind idle connections
 * while workers sit blocked in read(2).  This loop instead owns the
 * connections: it polls the listening socket and every kept connection
 * together and serves whichever has a request.  libfcgi still does all the
 * FastCGI record work: each ready connection is handed to FCGX_Accept_r()
 * through the request's ipcFd.
 *
 * Shedding a kept connection.  A worker that closes a connection races
 * with the web server, which may be writing a new request on it at that
 * very moment: the request is lost, and nginx re-sends a GET but answers
 * a POST with 502.  The worst moment to close is right after a response,
 * because nginx puts the connection back in its pool when it reads
 * FCGI_END_REQUEST and hands out the most recently used one first.  So
 * the worker does not close connections nginx may reuse; it asks nginx
 * to close them:
 *
 *  - Past max_kept_connections, the connection used longest ago is marked
 *    for shedding.  Its next response carries a goodbye record after
 *    FCGI_END_REQUEST, in the same write (worker/fcgi_record.h); nginx
 *    then closes that connection itself when the response is done, and
 *    the worker sees the close.  A request that still arrives on it is
 *    served like any other: nothing a peer sent is thrown away.
 *  - A front end that does not say it is nginx (SERVER_SOFTWARE) gets no
 *    goodbye: the worker closes right after the response instead.
 *    Apache's mod_proxy checks a pooled connection before it reuses it,
 *    so it notices the close rather than losing a request to it.
 *  - Nothing blocks: the worker writes its responses itself and never
 *    uses libfcgi's closing drain (shutdown, then up to two seconds of
 *    blocking reads that discard whatever arrives).  A connection is
 *    closed only when nothing is waiting to be read on it.
 *  - Connections idle past kept_idle_timeout (longer than nginx keeps an
 *    idle upstream connection) and those a front end ignored the goodbye
 *    on are closed cold: the web server is least likely to pick exactly
 *    those.  At WORKER_MAX_CONNS a worker stops taking connections and
 *    leaves them to the others.
 *
 * Passing connections on.  A kept connection belongs to one worker, and
 * a request nginx sends on it can only be served by that worker.  Two
 * moments would leave such a request waiting or lost, and at both the
 * worker passes its kept connections to its siblings through the pool's
 * hand-off queue (worker/handoff.h) instead; the first idle worker takes
 * each one over, with any request already waiting on it:
 *  - retiring (max_requests, a reload): a retiring worker passes them all
 *    on and exits, rather than closing them under nginx's feet.  Only a
 *    stopping pool (SIGTERM) keeps the old way: serve what comes for a
 *    moment, then close, since nobody would take them.
 *  - a long request: when a request has run kept_handoff_ms, a timer
 *    passes the worker's other kept connections on, so nothing waits for
 *    the long one to finish while another worker is idle.
 * A connection the queue cannot take (it is full) stays, and is shed as
 * above.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <moat/log.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/incident.h"
#include "http/errorpage.h"
#include "http/fields.h"
#include "http/host.h"
#include "http/request_internal.h"
#include "http/response_internal.h"
#include "worker/channel.h"
#include "worker/fault.h"
#include "worker/fcgi_record.h"
#include "worker/handoff.h"
#include "worker/sandbox.h"
#include "worker/session.h"
#include "worker/worker.h"

#define WORKER_MAX_CONNS	64
#define RETIRE_IDLE_MS		300	/* idle this long when retiring: close */
#define RETIRE_MAX_MS		5000
#define GOODBYE_WAIT_MS		2000	/* the front end ignored the goodbye */
#define RESPONSE_BODY_MAX	(64u * 1024 * 1024)
#define DRAIN_MAX		(256u * 1024 * 1024)

struct kept_conn {
	int			fd;
	long long		last_used_ms;
	bool			shed;	/* wanted gone: goodbye or close next */
	bool			goodbye_sent;	/* waiting for the peer's close */
	volatile sig_atomic_t	passed;	/* a sibling has it now */
};

struct worker {
	const struct moat_app		*app;
	const struct router		*router;
	const struct moat_config	*cfg;
	const struct listener		*listener;
	const struct handoff		*handoff;
	struct kept_conn		 conns[WORKER_MAX_CONNS];
	size_t				 nconns;
	size_t				 serving;	/* conns index, or nconns */
	size_t				 next_conn;	/* round robin */
	FCGX_Request			 fcgi;
	struct arena			 arena;
	struct moat_request		 req;
	struct moat_response		 res;
	struct moat_buf			 head;
	char				 incident[INCIDENT_ID_LEN + 1];
	unsigned long			 served;
	bool				 retiring;
	long long			 retire_started_ms;
	bool				 goodbye;	/* this response */
	bool				 conn_usable;	/* after it */
};

static volatile sig_atomic_t	stop_requested;
static volatile sig_atomic_t	retire_requested;
static struct worker		*self;	/* for the slow-request hook */

static void
on_stop(int sig)
{
	if (sig == WORKER_SIGNAL_RETIRE)
		retire_requested = 1;
	else
		stop_requested = 1;
}

static int
worker_signals(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* Restart blocking reads so a stop never cuts a request short. */
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_stop;
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(WORKER_SIGNAL_RETIRE, &sa, NULL) != 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &sa, NULL) != 0)
		return -1;
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL);
}

static void
conn_remove(struct worker *w, size_t i, bool do_close)
{
	if (do_close)
		close(w->conns[i].fd);
	w->conns[i] = w->conns[--w->nconns];
}

/* The kept connection that has waited longest: the one to give up. */
static size_t
conn_oldest(const struct worker *w, bool unmarked_only)
{
	size_t i, oldest = w->nconns;

	for (i = 0; i < w->nconns; i++) {
		if (unmarked_only && w->conns[i].shed)
			continue;
		if (oldest == w->nconns ||
		    w->conns[i].last_used_ms < w->conns[oldest].last_used_ms)
			oldest = i;
	}
	return oldest;
}

/* A request (or the peer's close) is already waiting on fd. */
static bool
conn_has_input(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

/*
 * Close connections idle past their limit.  "Idle" counts from our last
 * response, so a connection whose next request arrived while this worker
 * was busy elsewhere looks idle too: check for input before closing.
 */
static long long
conn_idle_limit(const struct worker *w, const struct kept_conn *c)
{
	if (w->retiring)
		return RETIRE_IDLE_MS;
	if (c->goodbye_sent)
		return GOODBYE_WAIT_MS;
	return (long long)w->cfg->kept_idle_timeout * 1000;
}

static void
conns_expire(struct worker *w, long long now)
{
	size_t i = 0;

	while (i < w->nconns) {
		if (now - w->conns[i].last_used_ms >=
		    conn_idle_limit(w, &w->conns[i]) &&
		    !conn_has_input(w->conns[i].fd))
			conn_remove(w, i, true);
		else
			i++;
	}
}

/*
 * Pass kept connection i to a sibling, unless nginx is closing it anyway.
 * Async-signal-safe, for the slow-request hook: it only marks the entry,
 * and the loop closes our copy (conns_drop_passed).
 */
static void
conn_pass_on(struct worker *w, size_t i)
{
	struct kept_conn *c = &w->conns[i];

	if (!c->passed && !c->goodbye_sent &&
	    handoff_send(w->handoff, c->fd) == 0)
		c->passed = 1;
}

/* kept_handoff_ms into a request: the other kept connections go. */
static void
on_slow_request(void)
{
	size_t i;

	for (i = 0; i < self->nconns; i++)
		if (i != self->serving)
			conn_pass_on(self, i);
}

static void
conns_drop_passed(struct worker *w)
{
	size_t i = 0, n = 0;

	while (i < w->nconns) {
		if (w->conns[i].passed) {
			conn_remove(w, i, true);
			n++;
		} else
			i++;
	}
	if (n > 0)
		moat_log_debug("passed %zu kept connections to other workers, "
		    "%zu kept", n, w->nconns);
}

/*
 * Stop taking connections.  pass_on: hand the kept ones to the others
 * (see the top of this file); what stays is shed as described there.
 */
static void
worker_retire(struct worker *w, bool pass_on)
{
	size_t i;

	if (w->retiring)
		return;
	w->retiring = true;
	w->retire_started_ms = clock_monotonic_ms();
	for (i = 0; i < w->nconns; i++) {
		if (pass_on)
			conn_pass_on(w, i);
		w->conns[i].shed = true;
		w->conns[i].last_used_ms = w->retire_started_ms;
	}
	conns_drop_passed(w);
}

/* Read and throw away what is left of the request body. */
static bool
drain_stdin(FCGX_Stream *in)
{
	char scratch[16384];
	size_t total = 0;
	int n;

	while ((n = FCGX_GetStr(scratch, sizeof(scratch), in)) > 0)
		if ((total += (size_t)n) > DRAIN_MAX)
			return false;
	return true;
}

static int
read_body(struct worker *w, const char **why)
{
	struct moat_request *req = &w->req;
	unsigned char *body;
	size_t got = 0;
	int n;

	if (req->body_len == 0)
		return 0;
	if ((body = arena_alloc(&w->arena, req->body_len + 1)) == NULL) {
		*why = "request body too large for memory";
		return 413;
	}
	while (got < req->body_len) {
		n = FCGX_GetStr((char *)body + got,
		    (int)(req->body_len - got > 65536 ? 65536 :
		    req->body_len - got), w->fcgi.in);
		if (n <= 0) {
			*why = "request body shorter than CONTENT_LENGTH";
			return 400;
		}
		got += (size_t)n;
	}
	return request_parse_body(req, body, got, why);
}

static void
describe_request(struct worker *w)
{
	char what[256];

	snprintf(what, sizeof(what), "%s %.200s", w->req.method,
	    w->req.raw_path != NULL ? w->req.raw_path : "?");
	fault_request_describe(what);
}

/* Route and run the handler; returns the status of an error page or 0. */
static int
route_and_run(struct worker *w)
{
	struct moat_request *req = &w->req;
	enum route_result rr;
	char why[FIELDS_WHY_MAX];
	const char *reason;
	int status;

	rr = router_match(w->router, req->method, &req->segments, &req->match);
	if (rr == ROUTE_NOT_FOUND)
		return 404;
	if (rr == ROUTE_BAD_METHOD) {
		errorpage_render(&w->res, 405, req->incident);
		moat_response_header(&w->res, "Allow", req->match.allow);
		return 0;
	}
	/* Unsafe methods: same origin, and the session's token if any. */
	if ((status = csrf_check(req, req->match.route, &reason)) != 0) {
		moat_log_warn("incident %s: %d for %s %.200s: %s",
		    req->incident, status, req->method, req->path, reason);
		return status;
	}
	/* Declared fields: checked, undeclared ones dropped (fields.h). */
	if ((status = fields_apply(req, req->match.route, why,
	    sizeof(why))) != 0) {
		if (status != 400) {
			moat_log_error("incident %s: route %s %s: %s",
			    req->incident, req->method,
			    req->match.route->pattern, why);
			return status;
		}
		moat_log_info("incident %s: 400 for %s %.200s: %s",
		    req->incident, req->method, req->path, why);
		errorpage_render_detail(&w->res, 400, req->incident, why);
		return 0;
	}
	if (req->match.route->handler(req, &w->res) != 0) {
		moat_log_error("incident %s: handler for %s %s failed%s",
		    req->incident, req->method, req->match.route->pattern,
		    channel_unavailable() ? " (database unavailable)" : "");
		return channel_unavailable() ? 503 : 500;
	}
	if (w->res.refused || moat_buf_failed(&w->res.body)) {
		moat_log_error("incident %s: handler for %s %s built an "
		    "invalid or oversized response", req->incident,
		    req->method, req->match.route->pattern);
		return 500;
	}
	return 0;
}

/* The whole response, its end and (w->goodbye) the goodbye, in one go. */
static void
send_response(struct worker *w)
{
	bool head_only = strcmp(w->req.method, "HEAD") == 0;

	moat_buf_reset(&w->head);
	fault_response_started();
	if (!response_head(&w->res, &w->head)) {
		errorpage_render(&w->res, 500, w->incident);
		moat_buf_reset(&w->head);
		response_head(&w->res, &w->head);
	}
	if (fcgi_reply_write(w->fcgi.ipcFd, w->fcgi.requestId, w->head.data,
	    w->head.len, w->res.body.data, head_only ? 0 : w->res.body.len,
	    w->goodbye) != 0) {
		/* The web server went away mid-response: nothing to keep. */
		moat_log_debug("response: %s", strerror(errno));
		w->conn_usable = false;
	}
}

static void
handle_request(struct worker *w)
{
	const char *why = "";
	int status;

	arena_reset(&w->arena);
	response_reset(&w->res);
	session_request_begin();
	status = request_from_params(&w->req, &w->arena, &w->cfg->limits,
	    w->fcgi.envp, w->incident, &why);
	describe_request(w);
	w->res.https = w->req.https != NULL && strcasecmp(w->req.https, "on")
	    == 0;
	w->res.hsts_max_age = w->cfg->hsts_max_age;
	if (status == 0 && !host_allowed(w->cfg->allowed_hosts,
	    moat_request_header(&w->req, "Host"))) {
		why = "Host header not in allowed_hosts";
		status = 400;
	}
	if (status == 0)
		status = read_body(w, &why);
	if (!drain_stdin(w->fcgi.in))
		w->conn_usable = false;
	if (status != 0)
		moat_log_info("incident %s: %d for %s %.200s: %s",
		    w->incident, status, w->req.method,
		    w->req.raw_path ? w->req.raw_path : "?", why);
	else
		status = route_and_run(w);
	if (status != 0)
		errorpage_render(&w->res, status, w->incident);
	session_finish(&w->req, &w->res);
	send_response(w);
	channel_request_end();
}

/*
 * nginx's stock fastcgi_params name it; a front end that does not is
 * not sent goodbyes it might not understand (see the top of this file).
 */
static bool
peer_is_nginx(FCGX_Request *fcgi)
{
	const char *sw = FCGX_GetParam("SERVER_SOFTWARE", fcgi->envp);

	return sw != NULL && strncmp(sw, "nginx/", 6) == 0;
}

/* After a response on c: keep it, wait for nginx to close it, or close. */
static void
conn_after_response(struct worker *w, size_t i, bool peer_keeps)
{
	struct kept_conn *c = &w->conns[i];

	c->last_used_ms = clock_monotonic_ms();
	if (w->conn_usable && peer_keeps && w->goodbye) {
		if (!c->goodbye_sent)
			moat_log_debug("kept connection shed: goodbye sent, "
			    "%zu kept", w->nconns);
		c->goodbye_sent = true;
	}
	else if (!w->conn_usable || !peer_keeps || c->shed || w->retiring)
		conn_remove(w, i, true);
}

/* Serve one request on kept connection i; drop it if it closed. */
static void
serve_connection(struct worker *w, size_t i)
{
	bool peer_keeps;
	int rc;

	w->fcgi.ipcFd = w->conns[i].fd;
	/* FCGX_Accept_r first finishes the last request: keep it from
	 * closing the fd we just handed it. */
	w->fcgi.keepConnection = 1;
	w->serving = i;
	incident_new(w->incident);
	/* From here request_timeout bounds reading and serving together,
	 * and a peer that connects and then sends nothing. */
	fault_request_begin(w->conns[i].fd, 0, w->incident, "(reading request)",
	    w->cfg->request_timeout);
	rc = FCGX_Accept_r(&w->fcgi);
	if (rc < 0) {
		/* The peer closed or spoke nonsense; libfcgi closed the fd. */
		fault_request_end();
		w->serving = SIZE_MAX;
		conn_remove(w, i, false);
		return;
	}
	/* The front end's FCGI_KEEP_CONN, from its FCGI_BEGIN_REQUEST. */
	peer_keeps = w->fcgi.keepConnection;
	w->goodbye = peer_keeps && (w->conns[i].shed || w->retiring) &&
	    peer_is_nginx(&w->fcgi);
	w->conn_usable = true;
	fault_request_identified(w->fcgi.requestId, "(request)");
	handle_request(w);
	/* The response went out whole (fcgi_record.c): libfcgi only has
	 * its buffers to free, and must neither write nor close. */
	w->fcgi.keepConnection = 1;
	FCGX_Free(&w->fcgi, 0);
	fault_request_end();
	w->serving = SIZE_MAX;
	w->served++;
	conn_after_response(w, i, peer_keeps);
}

/*
 * Past max_kept_connections the connection used longest ago is marked
 * for shedding (see the top of this file); it goes after its next
 * response.
 */
static void
conns_make_room(struct worker *w)
{
	size_t victim;

	if (w->nconns >= w->cfg->max_kept_connections &&
	    (victim = conn_oldest(w, true)) < w->nconns)
		w->conns[victim].shed = true;
}

/*
 * At the hard cap a worker takes no new connection; the others do.  If
 * one of its own is idle with nothing waiting, it is closed cold so the
 * pool cannot fill up with connections nginx keeps idle.
 */
static bool
conns_full(struct worker *w)
{
	size_t i;

	if (w->nconns < WORKER_MAX_CONNS)
		return false;
	if ((i = conn_oldest(w, false)) < w->nconns &&
	    !conn_has_input(w->conns[i].fd)) {
		conn_remove(w, i, true);
		return false;
	}
	return true;
}

/* A new entry for fd, making room first; its index. */
static size_t
conn_add(struct worker *w, int fd)
{
	conns_make_room(w);
	memset(&w->conns[w->nconns], 0, sizeof(w->conns[w->nconns]));
	w->conns[w->nconns].fd = fd;
	w->conns[w->nconns].last_used_ms = clock_monotonic_ms();
	return w->nconns++;
}

static void
accept_connection(struct worker *w)
{
	int fd;

	fd = accept4(w->listener->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0) {
		/* Another worker won the race, or a transient error. */
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			moat_log_warn("accept: %s", strerror(errno));
		return;
	}
	if (w->listener->is_tcp && !listener_peer_allowed(w->cfg, fd)) {
		moat_log_warn("refused a FastCGI connection from a peer not "
		    "in fastcgi_peers");
		close(fd);
		return;
	}
	serve_connection(w, conn_add(w, fd));
}

/* A kept connection a sibling passed on; served when it has a request. */
static void
adopt_connection(struct worker *w)
{
	int fd;

	if ((fd = handoff_recv(w->handoff)) < 0) {
		/* Another worker took it first, or a transient error. */
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			moat_log_warn("connection hand-off: %s",
			    strerror(errno));
		return;
	}
	conn_add(w, fd);
	moat_log_debug("took over a kept connection from another worker");
}

/* Index of a ready kept connection of the first n, round robin; -1 if
 * none.  pfd[i] is conns[i]. */
static int
ready_connection(struct worker *w, const struct pollfd *pfd, size_t n)
{
	size_t k, i;

	for (k = 0; k < n; k++) {
		i = (w->next_conn + k) % n;
		if (pfd[i].revents != 0) {
			w->next_conn = i + 1;
			return (int)i;
		}
	}
	return -1;
}

/* Retire on a stop request or after max_requests; run until drained. */
static bool
worker_should_run(struct worker *w)
{
	/* Nobody would take connections from a stopping pool. */
	if (stop_requested)
		worker_retire(w, false);
	/* A worker whose broker channel broke is useless: replace it. */
	if (retire_requested || channel_lost() || (w->cfg->max_requests != 0 &&
	    w->served >= w->cfg->max_requests))
		worker_retire(w, true);
	if (!w->retiring)
		return true;
	return w->nconns > 0 && clock_monotonic_ms() - w->retire_started_ms < RETIRE_MAX_MS;
}

/* pfd[] of the loop: the two ways in, then the kept connections. */
#define POLL_LISTENER	0
#define POLL_HANDOFF	1
#define POLL_CONNS	2

static void
worker_loop(struct worker *w)
{
	struct pollfd pfd[POLL_CONNS + WORKER_MAX_CONNS];
	bool prefer_listen = false, taking;
	size_t i, npolled;
	int n, ci;

	while (worker_should_run(w)) {
		conns_drop_passed(w);
		/* Before polling, so a connection that just got a request is
		 * served rather than closed under the web server's feet. */
		conns_expire(w, clock_monotonic_ms());
		/* A retiring or full worker leaves new connections to the
		 * others. */
		taking = !w->retiring && !conns_full(w);
		pfd[POLL_LISTENER].fd = taking ? w->listener->fd : -1;
		pfd[POLL_HANDOFF].fd = taking ? w->handoff->out : -1;
		npolled = w->nconns;
		for (i = 0; i < npolled; i++)
			pfd[POLL_CONNS + i].fd = w->conns[i].fd;
		for (i = 0; i < POLL_CONNS + npolled; i++) {
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		n = poll(pfd, POLL_CONNS + npolled, w->retiring ? 50 : 1000);
		if (n < 0 && errno != EINTR) {
			moat_log_error("poll: %s", strerror(errno));
			return;
		}
		if (n <= 0)
			continue;
		/* Taken over first: a request may have waited on it. */
		if (pfd[POLL_HANDOFF].revents & POLLIN)
			adopt_connection(w);
		/* Alternate so neither new nor kept connections starve. */
		ci = ready_connection(w, pfd + POLL_CONNS, npolled);
		if ((pfd[POLL_LISTENER].revents & POLLIN) &&
		    (ci < 0 || prefer_listen))
			accept_connection(w);
		else if (ci >= 0)
			serve_connection(w, (size_t)ci);
		prefer_listen = !prefer_listen;
	}
}

void
worker_main(const struct moat_app *app, const struct router *router,
    const struct moat_config *cfg, const struct listener *listener,
    const struct handoff *handoff, int broker_fd)
{
	const int keep[] = { listener->fd, handoff->in, handoff->out,
	    broker_fd };
	const struct sandbox_fds fds = { .keep = keep,
	    .nkeep = broker_fd >= 0 ? 4 : 3, .own = WORKER_MAX_CONNS + 8 };
	char err[CONFIG_ERR_MAX];
	struct worker *w;
	size_t i;

	if ((w = calloc(1, sizeof(*w))) == NULL || worker_signals() != 0 ||
	    fault_install() != 0 || FCGX_Init() != 0 ||
	    FCGX_InitRequest(&w->fcgi, -1, 0) != 0) {
		moat_log_error("worker: cannot initialise");
		_exit(1);
	}
	w->app = app;
	w->router = router;
	w->cfg = cfg;
	w->listener = listener;
	w->handoff = handoff;
	w->serving = SIZE_MAX;
	self = w;
	if (cfg->kept_handoff_ms != 0)
		fault_slow_hook(on_slow_request, cfg->kept_handoff_ms);
	incident_forget();
	arena_init(&w->arena, cfg->limits.max_multipart_bytes +
	    cfg->limits.max_body_bytes + 4 * 1024 * 1024);
	response_init(&w->res, RESPONSE_BODY_MAX);
	moat_buf_init(&w->head, RESPONSE_HEADERS_MAX + 1024);
	if (broker_fd >= 0 && channel_attach(broker_fd) != 0) {
		moat_log_error("worker: the broker does not answer");
		_exit(1);
	}
	/* Last: from here on the worker cannot open or load anything. */
	if (sandbox_enter_worker(cfg, app, &fds, err, sizeof(err)) != 0) {
		moat_log_error("worker: %s", err);
		_exit(1);
	}
	moat_log_debug("worker ready");
	worker_loop(w);
	for (i = 0; i < w->nconns; i++)
		close(w->conns[i].fd);
	arena_reset(&w->arena);
	response_free(&w->res);
	moat_buf_free(&w->head);
	free(w);
	_exit(WORKER_EXIT_RETIRED);
}
