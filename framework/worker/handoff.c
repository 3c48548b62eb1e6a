/*
 * handoff.c - the queue of kept connections between workers (handoff.h).
 *
 * One descriptor per datagram, so a worker never receives more
 * connections than it made room for: a descriptor that does not fit under
 * the receiver's RLIMIT_NOFILE would be closed by the kernel, and with it
 * the request waiting on it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "worker/handoff.h"

int
handoff_open(struct handoff *h, char *err, size_t errlen)
{
	int sv[2];

	/* A connected pair has no queue-length cap, only its buffer. */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) != 0) {
		snprintf(err, errlen, "connection hand-off queue: %s",
		    strerror(errno));
		h->in = h->out = -1;
		return -1;
	}
	h->in = sv[0];
	h->out = sv[1];
	return 0;
}

void
handoff_close(struct handoff *h)
{
	if (h->in >= 0)
		close(h->in);
	if (h->out >= 0)
		close(h->out);
	h->in = h->out = -1;
}

int
handoff_send(const struct handoff *h, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	char tag = 'c';
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(h->in, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int
handoff_recv(const struct handoff *h)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	char tag;
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(h->out, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
		return -1;
	/* Room for one: a sender that put in more has had the rest closed
	 * by the kernel (MSG_CTRUNC), which loses nothing of ours. */
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}
