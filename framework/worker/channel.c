/*
 * channel.c - the worker's end of its broker channel: the transport the
 * statements (db.c) and the session code (session.c) are built on.  It
 * calls nothing above it.
 *
 * Each worker has one channel and handles one request at a time, so a
 * call is a plain send and a blocking receive; the request timeout bounds
 * a broker that never answers.  The broker learns that a request began
 * only from that request's first frame (PROTO_FLAG_BEGIN, set by
 * channel_begin), so pages that touch no data cost the broker nothing, and
 * those that do cost one exchange per statement, batch or session op.  The end of a request
 * is a message of its own (REQUEST_END) only when the broker holds
 * something of it to forget, i.e. after a session operation; otherwise
 * the next request's first frame ends it (dispatch.c refuses that when
 * the broker does hold a session, so a worker cannot skip the forgetting).
 */
#include <errno.h>
#include <string.h>

#include <moat/log.h>

#include "proto/proto.h"
#include "worker/channel.h"

static int			 channel_fd = -1;
static bool			 lost;
static bool			 unavailable;	/* this request saw DOWN */
static bool			 in_request;
static bool			 session_asked;	/* the broker holds request state */
static uint32_t			 next_seq;
static unsigned long		 requests_ended;
static struct proto_writer	 tx;
static unsigned char		 rx[PROTO_MAX_FRAME];

void
channel_broken(const char *why)
{
	if (!lost)
		moat_log_error("broker channel: %s", why);
	lost = true;
	unavailable = true;
}

bool
channel_lost(void)
{
	return lost;
}

int
channel_call(struct proto_reader *r, int send_fd, int *recv_fd)
{
	ssize_t n;

	if (proto_writer_finish(&tx) != 0) {
		channel_broken("request too large for one frame");
		return -1;
	}
	if (proto_send(channel_fd, &tx, send_fd) != 0) {
		channel_broken(strerror(errno));
		return -1;
	}
	do
		n = proto_recv(channel_fd, rx, recv_fd);
	while (n < 0 && errno == EINTR);
	if (n <= 0 || proto_reader_init(r, rx, (size_t)n) != 0 ||
	    r->hdr.seq != next_seq) {
		channel_broken(n == 0 ? "broker closed the channel" :
		    "bad reply");
		return -1;
	}
	return 0;
}

int
channel_exchange(struct proto_reader *r)
{
	return channel_call(r, -1, NULL);
}

int
channel_attach(int fd)
{
	struct proto_reader r;

	channel_fd = fd;
	proto_writer_begin(&tx, PROTO_OP_HELLO, ++next_seq);
	proto_put_i64(&tx, PROTO_VERSION);
	if (channel_exchange(&r) != 0 || r.hdr.op != PROTO_OP_R_OK ||
	    proto_reader_end(&r) != 0) {
		channel_broken("no greeting from the broker");
		return -1;
	}
	return 0;
}

static int
send_oneway(uint16_t op)
{
	proto_writer_begin(&tx, op, 0);
	if (proto_writer_finish(&tx) != 0 ||
	    proto_send(channel_fd, &tx, -1) != 0) {
		channel_broken(strerror(errno));
		return -1;
	}
	return 0;
}

void
channel_mark_unavailable(void)
{
	unavailable = true;
}

bool
channel_unavailable(void)
{
	return unavailable;
}

void
channel_request_end(void)
{
	bool end_message = in_request && session_asked && !lost;

	requests_ended++;
	unavailable = false;
	in_request = false;
	session_asked = false;
	if (end_message)
		send_oneway(PROTO_OP_REQUEST_END);
}

unsigned long
channel_requests_ended(void)
{
	return requests_ended;
}

void
channel_holds_session(void)
{
	session_asked = true;
}

/* Announce the request if needed and start a frame for op. */
static int
begin_call(uint16_t op)
{
	if (channel_fd < 0 || lost)
		return -1;
	proto_writer_begin(&tx, op, ++next_seq);
	if (!in_request) {
		/* The request begins with this frame: no message of its own. */
		proto_writer_flags(&tx, PROTO_FLAG_BEGIN);
		in_request = true;
	}
	return 0;
}

struct proto_writer *
channel_begin(uint16_t op)
{
	return begin_call(op) == 0 ? &tx : NULL;
}
