/*
 * test_channel.c - the worker's end of its broker channel (transport
 * only): the greeting, the begin flag on a request's first frame and not
 * on later ones, REQUEST_END only after a session op, and a reply with
 * the wrong sequence number breaking the channel.  The test plays the
 * broker on the other end of a SOCK_SEQPACKET pair, writing each reply
 * before the call so that no thread is needed.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "proto/proto.h"
#include "worker/channel.h"
#include "unit.h"

static int			 broker_end = -1;
static struct proto_writer	 reply;
static unsigned char		 frame[PROTO_MAX_FRAME];

/* Queue a reply with op and seq for the worker's next receive. */
static void
queue_reply(uint16_t op, uint32_t seq)
{
	proto_writer_begin(&reply, op, seq);
	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&reply), 0);
	CU_ASSERT_EQUAL_FATAL(proto_send(broker_end, &reply, -1), 0);
}

/* The next frame the worker sent, or -1 op if there is none. */
static struct proto_header
next_frame(void)
{
	struct proto_reader r;
	struct proto_header none = { .op = 0xffff };
	ssize_t n;

	n = recv(broker_end, frame, sizeof(frame), MSG_DONTWAIT);
	if (n <= 0 || proto_reader_init(&r, frame, (size_t)n) != 0)
		return none;
	return r.hdr;
}

static void
test_transport(void)
{
	struct proto_reader r;
	struct proto_header h;
	struct proto_writer *w;
	int sv[2];

	CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET |
	    SOCK_CLOEXEC, 0, sv), 0);
	broker_end = sv[1];
	/* HELLO is seq 1. */
	queue_reply(PROTO_OP_R_OK, 1);
	CU_ASSERT_EQUAL(channel_attach(sv[0]), 0);
	CU_ASSERT_EQUAL(next_frame().op, PROTO_OP_HELLO);
	/* The first frame of a request begins it; the next does not. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(w = channel_begin(PROTO_OP_PING));
	queue_reply(PROTO_OP_R_OK, 2);
	CU_ASSERT_EQUAL(channel_exchange(&r), 0);
	h = next_frame();
	CU_ASSERT_EQUAL(h.op, PROTO_OP_PING);
	CU_ASSERT_EQUAL(h.flags, PROTO_FLAG_BEGIN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(channel_begin(PROTO_OP_PING));
	queue_reply(PROTO_OP_R_OK, 3);
	CU_ASSERT_EQUAL(channel_exchange(&r), 0);
	CU_ASSERT_EQUAL(next_frame().flags, 0);
	/* No session op: the request ends without a message. */
	channel_request_end();
	CU_ASSERT_EQUAL(next_frame().op, 0xffff);
	/* After one, it ends with REQUEST_END. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(channel_begin(PROTO_OP_PING));
	channel_holds_session();
	queue_reply(PROTO_OP_R_OK, 4);
	CU_ASSERT_EQUAL(channel_exchange(&r), 0);
	CU_ASSERT_EQUAL(next_frame().flags, PROTO_FLAG_BEGIN);
	channel_request_end();
	CU_ASSERT_EQUAL(next_frame().op, PROTO_OP_REQUEST_END);
	CU_ASSERT_FALSE(channel_lost());
	/* A reply to another frame breaks the channel for good. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(channel_begin(PROTO_OP_PING));
	queue_reply(PROTO_OP_R_OK, 99);
	CU_ASSERT_EQUAL(channel_exchange(&r), -1);
	CU_ASSERT_TRUE(channel_lost());
	CU_ASSERT_TRUE(channel_unavailable());
	CU_ASSERT_PTR_NULL(channel_begin(PROTO_OP_PING));
	close(sv[0]);
	close(sv[1]);
}

int
register_channel_tests(void)
{
	static const struct unit_test tests[] = {
		{ "transport", test_transport },
	};

	return unit_add_suite("channel", tests, MOAT_NELEM(tests));
}
