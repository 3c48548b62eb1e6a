/*
 * broker_link.c - starting the broker and wiring its channels (see
 * broker_link.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <moat/log.h>

#include "broker/broker.h"
#include "core/log_internal.h"
#include "proto/proto.h"
#include "supervisor/broker_link.h"

#define BROKER_READY_TIMEOUT_MS	30000
#define CHANNEL_BUFFER		(2 * PROTO_MAX_FRAME)

bool
broker_link_wanted(const struct moat_config *cfg)
{
	return cfg->catalogue != NULL && cfg->broker_secrets != NULL;
}

/* In the broker child: stdio, then ctl on 3 and ready on 4, nothing else. */
static void
broker_child_fds(int log_w, int ctl, int ready)
{
	int devnull;

	if ((devnull = open("/dev/null", O_RDWR)) < 0 ||
	    dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(log_w, STDOUT_FILENO) < 0 || dup2(log_w, STDERR_FILENO) < 0 ||
	    (ctl = fcntl(ctl, F_DUPFD, 10)) < 0 ||
	    (ready = fcntl(ready, F_DUPFD, 10)) < 0 || dup2(ctl, 3) < 0 ||
	    dup2(ready, 4) < 0)
		_exit(BROKER_EXIT_STARTUP);
	close_range(5, ~0U, 0);
}

int
broker_link_wait(struct broker_link *bl, char *err, size_t errlen)
{
	struct pollfd p = { .fd = bl->ready_fd, .events = POLLIN };
	char byte;
	int rc = 0;

	if (poll(&p, 1, BROKER_READY_TIMEOUT_MS) != 1 ||
	    read(bl->ready_fd, &byte, 1) != 1) {
		snprintf(err, errlen, "the broker did not start (its log "
		    "lines say why)");
		rc = -1;
	}
	close(bl->ready_fd);
	bl->ready_fd = -1;
	return rc;
}

int
broker_link_start(struct broker_link *bl, const struct moat_config *cfg,
    int listen_fd, char *err, size_t errlen)
{
	int ctl[2], ready[2], logp[2];

	bl->pid = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) != 0 ||
	    pipe2(ready, O_CLOEXEC) != 0 || pipe2(logp, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "broker: %s", strerror(errno));
		return -1;
	}
	if ((bl->pid = fork()) < 0) {
		snprintf(err, errlen, "broker: fork: %s", strerror(errno));
		return -1;
	}
	if (bl->pid == 0) {
		log_set_sink(log_sink_stderr);
		(void)listen_fd;
		broker_child_fds(logp[1], ctl[1], ready[1]);
		broker_main(cfg, 3, 4);
	}
	close(ctl[1]);
	close(ready[1]);
	close(logp[1]);
	bl->ctl_fd = ctl[0];
	bl->ready_fd = ready[0];
	bl->log_fd = logp[0];
	fcntl(bl->log_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

int
broker_link_channel(int *worker_end, int *broker_end)
{
	int sv[2], size = CHANNEL_BUFFER, i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	/* A whole frame must fit in the socket buffers at once. */
	for (i = 0; i < 2; i++)
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &size,
		    sizeof(size)) != 0 || setsockopt(sv[i], SOL_SOCKET,
		    SO_RCVBUF, &size, sizeof(size)) != 0) {
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
	*worker_end = sv[0];
	*broker_end = sv[1];
	return 0;
}

int
broker_link_hand_over(struct broker_link *bl, int broker_end, pid_t pid)
{
	static struct proto_writer w;
	int rc;

	proto_writer_begin(&w, PROTO_OP_CTL_CHANNEL, 0);
	proto_put_i64(&w, pid);
	rc = proto_writer_finish(&w) == 0 ? proto_send(bl->ctl_fd, &w,
	    broker_end) : -1;
	close(broker_end);
	return rc;
}

void
broker_link_close(struct broker_link *bl)
{
	if (bl->ctl_fd >= 0)
		close(bl->ctl_fd);
	bl->ctl_fd = -1;
}

pid_t
broker_link_violator(struct broker_link *bl)
{
	static unsigned char frame[PROTO_MAX_FRAME];
	struct proto_reader r;
	int64_t pid;
	ssize_t n;

	n = proto_recv(bl->ctl_fd, frame, NULL);
	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN &&
	    errno != EMSGSIZE && errno != EBADMSG)) {
		broker_link_close(bl);
		return 0;
	}
	if (n < 0 || proto_reader_init(&r, frame, (size_t)n) != 0 ||
	    r.hdr.op != PROTO_OP_CTL_VIOLATION ||
	    proto_get_i64(&r, &pid) != 0 || proto_reader_end(&r) != 0 ||
	    pid <= 1)
		return 0;
	return (pid_t)pid;
}
