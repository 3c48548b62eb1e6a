/*
 * supervisor.c - forks, reaps and respawns workers and the broker.
 *
 * The supervisor never reads request data.  All it takes from a worker is
 * bytes on the worker's stderr pipe, which the log writer (logwriter.c)
 * treats as untrusted.  Signals arrive through a
 * signalfd, so the whole supervisor is one poll loop with no work done in
 * signal handlers.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <moat/log.h>

#include "core/clock.h"
#include "core/log_internal.h"
#include "core/logline.h"
#include "supervisor/broker_link.h"
#include "supervisor/listen.h"
#include "supervisor/logwriter.h"
#include "supervisor/pidfile.h"
#include "supervisor/supervisor.h"
#include "worker/fault.h"
#include "worker/sandbox.h"
#include "worker/worker.h"

#define MAX_CHILDREN		512	/* two generations of 256 */
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		30000
#define HEALTHY_AFTER_S		10
#define STOP_GRACE_EXTRA_S	5

/* Worker fds: the listening socket, the broker channel and the two ends
 * of the connection hand-off queue, fixed. */
#define WORKER_LISTEN_FD	3
#define WORKER_BROKER_FD	4
#define WORKER_HANDOFF_IN_FD	5
#define WORKER_HANDOFF_OUT_FD	6
#define BROKER_SLOT		UINT_MAX

struct child {
	pid_t			pid;		/* 0: slot unused */
	const char		*role;		/* "worker" or "broker" */
	struct log_input	log;		/* its stderr */
	unsigned int		slot;		/* which of the N workers it is */
	unsigned int		generation;
	time_t			started;
};

struct slot {
	unsigned int	failures;	/* consecutive abnormal deaths */
	long long	respawn_at_ms;	/* 0: running or nothing to do */
};

struct supervisor {
	const struct moat_app		*app;
	const struct router		*router;
	struct moat_config		*cfg;
	const char			*config_path;
	struct listener			 listener;
	struct handoff			 handoff;
	struct broker_link		 broker;
	int				 exit_status;
	int				 pid_fd;
	int				 sig_fd;
	int				 log_fd;	/* the log file */
	unsigned int			 generation;
	unsigned int			 nslots;
	struct slot			 slots[256];
	struct child			 children[MAX_CHILDREN];
	bool				 stopping;
	long long			 stop_deadline_ms;
};

/* --- children ------------------------------------------------------------- */

static struct child *
child_free_entry(struct supervisor *s)
{
	size_t i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (s->children[i].pid == 0 && s->children[i].log.fd < 0)
			return &s->children[i];
	return NULL;
}

/*
 * In the new worker: stdio, the listening socket on 3, the broker channel
 * (if any) on 4, the hand-off queue on 5 and 6, and nothing else.  All
 * are moved above 10 first so that no dup2 can clobber another.
 */
static void
child_setup_fds(struct supervisor *s, int log_w, int chan)
{
	int devnull, lfd, hin, hout;

	/*
	 * The channel may itself be fd 3 (after a reload closed and
	 * reopened files), and dup2 onto 3 first would replace it with the
	 * listening socket.
	 */
	if ((lfd = fcntl(s->listener.fd, F_DUPFD, 10)) < 0 ||
	    (hin = fcntl(s->handoff.in, F_DUPFD, 10)) < 0 ||
	    (hout = fcntl(s->handoff.out, F_DUPFD, 10)) < 0 ||
	    (chan >= 0 && (chan = fcntl(chan, F_DUPFD, 10)) < 0))
		_exit(1);
	if ((devnull = open("/dev/null", O_RDWR)) < 0 ||
	    dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(log_w, STDOUT_FILENO) < 0 || dup2(log_w, STDERR_FILENO) < 0 ||
	    dup2(lfd, WORKER_LISTEN_FD) < 0 ||
	    dup2(hin, WORKER_HANDOFF_IN_FD) < 0 ||
	    dup2(hout, WORKER_HANDOFF_OUT_FD) < 0 ||
	    (chan >= 0 ? dup2(chan, WORKER_BROKER_FD) < 0 :
	    close(WORKER_BROKER_FD) != 0 && errno != EBADF))
		_exit(1);
	close_range(WORKER_HANDOFF_OUT_FD + 1, ~0U, 0);
	s->listener.fd = WORKER_LISTEN_FD;
	s->handoff.in = WORKER_HANDOFF_IN_FD;
	s->handoff.out = WORKER_HANDOFF_OUT_FD;
}

/* A new tracked child; its log pipe is read like every other. */
static void
child_track(struct supervisor *s, struct child *c, pid_t pid, int log_fd,
    unsigned int slot, const char *role)
{
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->role = role;
	log_input_init(&c->log, role, pid, log_fd);
	c->slot = slot;
	c->generation = s->generation;
	c->started = time(NULL);
}

static int
spawn_worker(struct supervisor *s, unsigned int slot)
{
	int pipefd[2], chan = -1, broker_end = -1;
	struct child *c;
	pid_t pid;

	if ((c = child_free_entry(s)) == NULL) {
		moat_log_error("too many processes to track");
		return -1;
	}
	if (s->broker.pid > 0 &&
	    broker_link_channel(&chan, &broker_end) != 0) {
		moat_log_error("broker channel: %s", strerror(errno));
		return -1;
	}
	pipefd[0] = pipefd[1] = -1;
	if (pipe2(pipefd, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		moat_log_error("cannot start a worker: %s", strerror(errno));
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		if (chan >= 0) {
			close(chan);
			close(broker_end);
		}
		return -1;
	}
	if (pid == 0) {
		log_writer_leave();
		child_setup_fds(s, pipefd[1], chan);
		worker_main(s->app, s->router, s->cfg, &s->listener,
		    &s->handoff, chan >= 0 ? WORKER_BROKER_FD : -1);
	}
	close(pipefd[1]);
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	if (chan >= 0) {
		close(chan);
		if (broker_link_hand_over(&s->broker, broker_end, pid) != 0)
			moat_log_error("cannot hand worker %ld its channel",
			    (long)pid);
	}
	child_track(s, c, pid, pipefd[0], slot, "worker");
	s->slots[slot].respawn_at_ms = 0;
	moat_log_debug("started worker %ld (slot %u)", (long)pid, slot);
	return 0;
}

static bool
slot_has_worker(const struct supervisor *s, unsigned int slot)
{
	size_t i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (s->children[i].pid > 0 && s->children[i].slot == slot &&
		    s->children[i].generation == s->generation)
			return true;
	return false;
}

static void
respawn_due(struct supervisor *s)
{
	long long now = clock_monotonic_ms();
	unsigned int i;

	if (s->stopping)
		return;
	for (i = 0; i < s->nslots; i++)
		if (!slot_has_worker(s, i) && s->slots[i].respawn_at_ms <= now)
			if (spawn_worker(s, i) != 0)
				s->slots[i].respawn_at_ms = now +
				    BACKOFF_MAX_MS;
}

/* Say why a worker ended; returns true if it failed (back off). */
static bool
report_exit(const struct child *c, int status)
{
	long pid = (long)c->pid;

	if (WIFSIGNALED(status)) {
		moat_log_error("worker %ld killed by signal %d (SIG%s)", pid,
		    WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ?
		    sigabbrev_np(WTERMSIG(status)) : "?");
		return true;
	}
	switch (WEXITSTATUS(status)) {
	case WORKER_EXIT_RETIRED:
		moat_log_info("worker %ld retired", pid);
		return false;
	case FAULT_EXIT_TIMEOUT:
		moat_log_warn("worker %ld replaced after a request timeout",
		    pid);
		return false;
	default:
		moat_log_error("worker %ld exited with status %d", pid,
		    WEXITSTATUS(status));
		return true;
	}
}

static void
schedule_respawn(struct supervisor *s, const struct child *c, bool failed)
{
	struct slot *sl = &s->slots[c->slot];
	long long delay;

	if (c->generation != s->generation || s->stopping)
		return;
	if (time(NULL) - c->started >= HEALTHY_AFTER_S)
		sl->failures = 0;
	if (!failed) {
		sl->respawn_at_ms = 0;
		return;
	}
	sl->failures++;
	delay = BACKOFF_MIN_MS;
	for (unsigned int i = 1; i < sl->failures && delay < BACKOFF_MAX_MS;
	    i++)
		delay *= 2;
	if (delay > BACKOFF_MAX_MS)
		delay = BACKOFF_MAX_MS;
	if (sl->failures > 1)
		moat_log_warn("slot %u: %u failures in a row, next worker in "
		    "%lld ms", c->slot, sl->failures, delay);
	sl->respawn_at_ms = clock_monotonic_ms() + delay;
}

static void begin_stop(struct supervisor *s, int sig);

/*
 * Without the broker no worker can do its job, and its channels are gone:
 * stop, with a failure status, and let the service manager restart us.
 */
static void
broker_died(struct supervisor *s, int status)
{
	if (s->stopping && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		moat_log_info("broker %ld stopped", (long)s->broker.pid);
		s->broker.pid = 0;
		broker_link_close(&s->broker);
		return;
	}
	if (WIFSIGNALED(status))
		moat_log_error("broker %ld killed by signal %d (SIG%s): "
		    "stopping", (long)s->broker.pid, WTERMSIG(status),
		    sigabbrev_np(WTERMSIG(status)) ?
		    sigabbrev_np(WTERMSIG(status)) : "?");
	else
		moat_log_error("broker %ld exited with status %d: stopping",
		    (long)s->broker.pid, WEXITSTATUS(status));
	s->broker.pid = 0;
	s->exit_status = 1;
	broker_link_close(&s->broker);
	begin_stop(s, SIGTERM);
}

static void
reap_children(struct supervisor *s)
{
	struct child *c;
	int status;
	pid_t pid;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0, c = NULL; i < MAX_CHILDREN; i++)
			if (s->children[i].pid == pid)
				c = &s->children[i];
		if (c == NULL)
			continue;
		/* Drain what it wrote before dying, so its lines come first. */
		for (int k = 0; k < 256 && c->log.fd >= 0; k++)
			if (!log_input_read(&c->log))
				break;
		if (pid == s->broker.pid)
			broker_died(s, status);
		else
			schedule_respawn(s, c, report_exit(c, status));
		c->pid = 0;
	}
}

static size_t
live_children(const struct supervisor *s)
{
	size_t i, n = 0;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (s->children[i].pid > 0)
			n++;
	return n;
}

static void
signal_children(struct supervisor *s, int sig, bool old_only)
{
	size_t i;

	/* The broker is stopped last, by closing its control socket. */
	for (i = 0; i < MAX_CHILDREN; i++)
		if (s->children[i].pid > 0 &&
		    s->children[i].pid != s->broker.pid && (!old_only ||
		    s->children[i].generation != s->generation))
			kill(s->children[i].pid, sig);
}

/* --- reload and stop -------------------------------------------------------- */

static bool
same_string(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Settings that belong to the socket and the lock need a restart. */
static void
keep_restart_only(struct moat_config *next, struct moat_config *cur)
{
	if (!same_string(next->listen, cur->listen) ||
	    !same_string(next->pidfile, cur->pidfile) ||
	    !same_string(next->socket_group, cur->socket_group) ||
	    !same_string(next->fastcgi_peers, cur->fastcgi_peers) ||
	    next->socket_mode != cur->socket_mode)
		moat_log_warn("reload: listen, socket_*, fastcgi_peers and "
		    "pidfile changes take effect after a restart");
#define KEEP(f) do { char *t = next->f; next->f = cur->f; cur->f = t; } \
	while (0)
	KEEP(listen);
	KEEP(pidfile);
	KEEP(socket_group);
	KEEP(fastcgi_peers);
#undef KEEP
	next->socket_mode = cur->socket_mode;
}

static void
reopen_log(struct supervisor *s)
{
	char err[CONFIG_ERR_MAX];
	int fd;

	if ((fd = log_writer_open(s->cfg, err, sizeof(err))) < 0) {
		moat_log_error("reload: %s (keeping the old log)", err);
		return;
	}
	close(s->log_fd);
	s->log_fd = fd;
	log_writer_use(fd);
}

static void
reload(struct supervisor *s)
{
	char err[CONFIG_ERR_MAX];
	struct moat_config next;
	unsigned int i;

	config_defaults(&next);
	if (config_load(&next, s->config_path, err, sizeof(err)) != 0) {
		moat_log_error("reload refused, keeping the running config: %s",
		    err);
		config_free(&next);
		return;
	}
	keep_restart_only(&next, s->cfg);
	config_free(s->cfg);
	*s->cfg = next;
	log_set_level(s->cfg->log_level);
	reopen_log(s);
	s->generation++;
	s->nslots = s->cfg->workers;
	for (i = 0; i < s->nslots; i++) {
		s->slots[i].failures = 0;
		s->slots[i].respawn_at_ms = 0;
	}
	moat_log_info("reload: starting %u new workers, old ones finish "
	    "their requests", s->nslots);
	respawn_due(s);
	/* Not SIGTERM: a retiring worker hands its kept connections to the
	 * new ones, which a stopping one has nobody to give to. */
	signal_children(s, WORKER_SIGNAL_RETIRE, true);
}

static void
begin_stop(struct supervisor *s, int sig)
{
	if (s->stopping)
		return;
	moat_log_info("SIG%s: stopping; workers finish their requests",
	    sigabbrev_np(sig));
	s->stopping = true;
	s->stop_deadline_ms = clock_monotonic_ms() + 1000LL *
	    (s->cfg->request_timeout + STOP_GRACE_EXTRA_S);
	signal_children(s, SIGTERM, false);
}

static void
handle_signals(struct supervisor *s)
{
	struct signalfd_siginfo si;

	while (read(s->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_children(s);
			break;
		case SIGHUP:
			if (!s->stopping)
				reload(s);
			break;
		case SIGTERM:
		case SIGINT:
			begin_stop(s, (int)si.ssi_signo);
			break;
		}
	}
}

/* --- the loop --------------------------------------------------------------- */

static int
poll_timeout(const struct supervisor *s)
{
	long long now = clock_monotonic_ms(), next = now + 1000;
	unsigned int i;

	if (s->stopping)
		next = s->stop_deadline_ms < next ? s->stop_deadline_ms : next;
	for (i = 0; i < s->nslots; i++)
		if (s->slots[i].respawn_at_ms > 0 &&
		    s->slots[i].respawn_at_ms < next)
			next = s->slots[i].respawn_at_ms;
	return next > now ? (int)(next - now) : 0;
}

/* The broker reported a protocol violation: replace that worker. */
static void
handle_violation(struct supervisor *s)
{
	pid_t pid = broker_link_violator(&s->broker);
	size_t i;

	for (i = 0; pid > 0 && i < MAX_CHILDREN; i++) {
		if (s->children[i].pid == pid && pid != s->broker.pid) {
			moat_log_error("worker %ld broke the broker protocol: "
			    "replacing it", (long)pid);
			kill(pid, SIGKILL);
			return;
		}
	}
}

/* Once the workers are gone, the broker may go: close its socket. */
static void
release_broker(struct supervisor *s)
{
	if (s->stopping && s->broker.ctl_fd >= 0 &&
	    live_children(s) <= (s->broker.pid > 0 ? 1u : 0u))
		broker_link_close(&s->broker);
}

static void
supervise(struct supervisor *s)
{
	struct pollfd pfd[MAX_CHILDREN + 2];
	struct child *owner[MAX_CHILDREN + 2];
	size_t i, n;

	while (!s->stopping || live_children(s) > 0) {
		n = 0;
		pfd[n].fd = s->sig_fd;
		pfd[n++].events = POLLIN;
		pfd[n].fd = s->broker.ctl_fd;
		pfd[n++].events = POLLIN;
		for (i = 0; i < MAX_CHILDREN; i++) {
			if (s->children[i].log.fd < 0)
				continue;
			owner[n] = &s->children[i];
			pfd[n].fd = s->children[i].log.fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, poll_timeout(s)) < 0 && errno != EINTR) {
			moat_log_error("poll: %s", strerror(errno));
			break;
		}
		for (i = 2; i < n; i++)
			if (pfd[i].revents != 0)
				log_input_read(&owner[i]->log);
		if (pfd[1].revents != 0)
			handle_violation(s);
		if (pfd[0].revents & POLLIN)
			handle_signals(s);
		release_broker(s);
		if (s->stopping && clock_monotonic_ms() >= s->stop_deadline_ms) {
			moat_log_warn("workers still busy after the grace "
			    "period: killing them");
			signal_children(s, SIGKILL, false);
			s->stop_deadline_ms = clock_monotonic_ms() + 60000;
		}
		respawn_due(s);
	}
}

static int
setup_signals(struct supervisor *s)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	s->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	/* Not ours to handle, but blocked so that a worker forked just
	 * before a reload keeps it pending until its handler is in place. */
	sigemptyset(&set);
	sigaddset(&set, WORKER_SIGNAL_RETIRE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return s->sig_fd < 0 ? -1 : 0;
}

/*
 * Start the broker if the config asks for one and wait until it has
 * prepared the catalogue, copying its log lines as they come.
 */
static int
start_broker(struct supervisor *s, char *err, size_t errlen)
{
	struct child *c = child_free_entry(s);
	int status, k;

	if (!broker_link_wanted(s->cfg) || c == NULL)
		return 0;
	if (broker_link_start(&s->broker, s->cfg, s->listener.fd, err,
	    errlen) != 0)
		return -1;
	child_track(s, c, s->broker.pid, s->broker.log_fd, BROKER_SLOT,
	    "broker");
	if (broker_link_wait(&s->broker, err, errlen) == 0) {
		while (log_input_read(&c->log))
			;
		return 0;
	}
	/* Its last words explain the failure: log them before ours. */
	kill(s->broker.pid, SIGKILL);
	waitpid(s->broker.pid, &status, 0);
	for (k = 0; k < 1024 && c->log.fd >= 0; k++)
		if (!log_input_read(&c->log))
			break;
	c->pid = 0;
	s->broker.pid = 0;
	return -1;
}

static int
startup_failed(struct supervisor *s, const char *err)
{
	fprintf(stderr, "moat: %s\n", err);
	if (s->log_fd >= 0 && s->log_fd != STDERR_FILENO)
		moat_log_error("%s", err);
	return 1;
}

/* Give up what start-up took once the socket was open. */
static void
serving_end(struct supervisor *s)
{
	handoff_close(&s->handoff);
	listen_close(s->cfg, &s->listener);
	pidfile_release(s->cfg->pidfile, s->pid_fd);
}

static int
serving_failed(struct supervisor *s, const char *err)
{
	serving_end(s);
	return startup_failed(s, err);
}

int
supervisor_run(const struct moat_app *app, const struct router *router,
    struct moat_config *cfg, const char *config_path)
{
	static struct supervisor sv;
	struct supervisor *s = &sv;
	char err[CONFIG_ERR_MAX] = "";
	size_t i;

	s->app = app;
	s->router = router;
	s->cfg = cfg;
	s->config_path = config_path;
	s->nslots = cfg->workers;
	s->log_fd = s->pid_fd = s->sig_fd = -1;
	s->broker.ctl_fd = -1;
	s->handoff.in = s->handoff.out = -1;
	for (i = 0; i < MAX_CHILDREN; i++)
		s->children[i].log.fd = -1;
	log_set_level(cfg->log_level);
	if ((s->log_fd = log_writer_open(cfg, err, sizeof(err))) < 0)
		return startup_failed(s, err);
	log_writer_use(s->log_fd);
	if ((s->pid_fd = pidfile_lock(cfg->pidfile, err, sizeof(err))) < 0)
		return startup_failed(s, err);
	if (listen_open(cfg, &s->listener, err, sizeof(err)) != 0) {
		pidfile_release(cfg->pidfile, s->pid_fd);
		return startup_failed(s, err);
	}
	if (handoff_open(&s->handoff, err, sizeof(err)) != 0)
		return serving_failed(s, err);
	if (setup_signals(s) != 0) {
		snprintf(err, sizeof(err), "signals: %s", strerror(errno));
		return serving_failed(s, err);
	}
	sandbox_landlock_start(cfg);
	if (start_broker(s, err, sizeof(err)) != 0)
		return serving_failed(s, err);
	if (cfg->renamed_key != NULL)
		moat_log_warn("config: %s is an old name: call it %s (the old "
		    "name will go)", cfg->renamed_key,
		    cfg->renamed_to);
	moat_log_info("%s: serving on %s with %u workers%s", app->name,
	    cfg->listen, cfg->workers, s->broker.pid > 0 ? " and a broker" :
	    "");
	respawn_due(s);
	supervise(s);
	serving_end(s);
	moat_log_info("stopped");
	return s->exit_status;
}
