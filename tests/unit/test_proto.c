/*
 * test_proto.c - the broker frame codec and its SOCK_SEQPACKET transport.
 *
 * The decoder is what stands between a compromised worker and the
 * broker, so most of these tests feed it hand-made hostile messages and
 * pin the exact outcome: which call fails, and that a failed get leaves
 * the reader where it was.  The socket tests use a real socketpair and
 * check that every fd the kernel hands us on a refused message is closed
 * again, by probing the numbers it would have used and counting
 * /proc/self/fd before and after.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "proto/proto.h"
#include "unit.h"

/* Big enough for the frames here; static: each is over 256 KiB. */
static struct proto_writer tw;
static unsigned char msg[2 * PROTO_MAX_FRAME];
static unsigned char rbuf[PROTO_MAX_FRAME];
static unsigned char big[2 * PROTO_MAX_FRAME];

/* --- helpers --------------------------------------------------------- */

/* A raw message: a header claiming plen payload bytes, then the payload. */
static size_t
mk_len(unsigned char *dst, uint32_t length, uint16_t op, uint16_t flags,
    uint32_t seq, const void *payload, size_t plen)
{
	dst[0] = (unsigned char)(length >> 24);
	dst[1] = (unsigned char)(length >> 16);
	dst[2] = (unsigned char)(length >> 8);
	dst[3] = (unsigned char)length;
	dst[4] = (unsigned char)(op >> 8);
	dst[5] = (unsigned char)op;
	dst[6] = (unsigned char)(flags >> 8);
	dst[7] = (unsigned char)flags;
	dst[8] = (unsigned char)(seq >> 24);
	dst[9] = (unsigned char)(seq >> 16);
	dst[10] = (unsigned char)(seq >> 8);
	dst[11] = (unsigned char)seq;
	if (plen > 0)
		memcpy(dst + PROTO_HEADER_LEN, payload, plen);
	return PROTO_HEADER_LEN + plen;
}

static size_t
mk(const void *payload, size_t plen)
{
	return mk_len(msg, (uint32_t)plen, PROTO_OP_STMT, 0, 7, payload, plen);
}

/* Payload from a string literal (which may hold NULs). */
#define MK(lit)	mk((lit), sizeof(lit) - 1)

/* The reader must refuse every kind of field here and not move. */
static void
expect_stuck(struct proto_reader *r)
{
	const unsigned char *p = NULL;
	const char *s = NULL;
	size_t off = r->off, len = 99;
	int64_t i = 42;
	bool b = true;

	CU_ASSERT_EQUAL(proto_get_null(r), -1);
	CU_ASSERT_EQUAL(proto_get_bool(r, &b), -1);
	CU_ASSERT_EQUAL(proto_get_i64(r, &i), -1);
	CU_ASSERT_EQUAL(proto_get_text(r, &s, &len), -1);
	CU_ASSERT_EQUAL(proto_get_bytes(r, &p, &len), -1);
	/* Nothing was written and nothing consumed. */
	CU_ASSERT_EQUAL(b, true);
	CU_ASSERT_EQUAL(i, 42);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(len, 99);
	CU_ASSERT_EQUAL(r->off, off);
	CU_ASSERT_EQUAL(proto_reader_end(r), -1);
}

/* A message whose header is fine but whose one field is refused. */
static void
expect_bad_field(size_t len, int type)
{
	struct proto_reader r;

	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, msg, len), 0);
	CU_ASSERT_EQUAL(proto_peek_type(&r), type);
	expect_stuck(&r);
	CU_ASSERT_EQUAL(r.off, PROTO_HEADER_LEN);
}

/* At the end of a whole frame: nothing more to get, end stays 0. */
static void
expect_stuck_at_end(struct proto_reader *r)
{
	const unsigned char *p = NULL;
	const char *s = NULL;
	size_t off = r->off, len = 99;
	int64_t i = 42;
	bool b = true;

	CU_ASSERT_EQUAL(proto_peek_type(r), -1);
	CU_ASSERT_EQUAL(proto_get_null(r), -1);
	CU_ASSERT_EQUAL(proto_get_bool(r, &b), -1);
	CU_ASSERT_EQUAL(proto_get_i64(r, &i), -1);
	CU_ASSERT_EQUAL(proto_get_text(r, &s, &len), -1);
	CU_ASSERT_EQUAL(proto_get_bytes(r, &p, &len), -1);
	CU_ASSERT_EQUAL(b, true);
	CU_ASSERT_EQUAL(i, 42);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL(len, 99);
	CU_ASSERT_EQUAL(r->off, off);
	CU_ASSERT_EQUAL(proto_reader_end(r), 0);
}

/* Read the next field whatever its type; 0 or -1. */
static int
read_any(struct proto_reader *r)
{
	const unsigned char *p;
	const char *s;
	size_t len;
	int64_t i;
	bool b;

	switch (proto_peek_type(r)) {
	case PROTO_T_NULL:
		return proto_get_null(r);
	case PROTO_T_BOOL:
		return proto_get_bool(r, &b);
	case PROTO_T_I64:
		return proto_get_i64(r, &i);
	case PROTO_T_TEXT:
		return proto_get_text(r, &s, &len);
	case PROTO_T_BYTES:
		return proto_get_bytes(r, &p, &len);
	default:
		return -1;
	}
}

/* --- writer and round trips ------------------------------------------ */

static void
test_encoding_exact(void)
{
	static const unsigned char want[] = {
		0x00, 0x00, 0x00, 0x1a,		/* 26 payload bytes */
		0x00, 0x04, 0x00, 0x00,		/* STMT, flags 0 */
		0x01, 0x02, 0x03, 0x04,		/* seq */
		0x00,				/* null */
		0x01, 0x01,			/* true */
		0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0x03, 0x00, 0x00, 0x00, 0x02, 0xc3, 0xa9,	/* "é" */
		0x04, 0x00, 0x00, 0x00, 0x02, 0x00, 0xff,
	};

	proto_writer_begin(&tw, PROTO_OP_STMT, 0x01020304);
	proto_put_null(&tw);
	proto_put_bool(&tw, true);
	proto_put_i64(&tw, -2);
	proto_put_text(&tw, "\xc3\xa9", 2);
	proto_put_bytes(&tw, "\x00\xff", 2);
	CU_ASSERT_FALSE(tw.failed);
	CU_ASSERT_EQUAL(proto_writer_finish(&tw), 0);
	CU_ASSERT_EQUAL(tw.len, sizeof(want));
	CU_ASSERT(memcmp(tw.buf, want, sizeof(want)) == 0);
}

static void
test_roundtrip_all(void)
{
	static const int64_t ints[] = {
		0, 1, -1, 127, 128, -128, 255, 256, INT32_MAX, INT32_MIN,
		UINT32_MAX, (int64_t)UINT32_MAX + 1, INT64_MAX - 1,
		INT64_MIN + 1, INT64_MAX, INT64_MIN,
	};
	static const unsigned char bytes[] = { 0x00, 0xff, 0x0a, 0x00 };
	struct proto_reader r;
	const unsigned char *p;
	const char *s;
	size_t i, len;
	int64_t v;
	bool b;

	proto_writer_begin(&tw, PROTO_OP_R_ROWS, 0xfffffffe);
	proto_put_null(&tw);
	proto_put_bool(&tw, true);
	proto_put_bool(&tw, false);
	for (i = 0; i < MOAT_NELEM(ints); i++)
		proto_put_i64(&tw, ints[i]);
	proto_put_text(&tw, "h\xc3\xa9llo \xf0\x9f\x98\x80", 11);
	proto_put_bytes(&tw, bytes, sizeof(bytes));
	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&tw), 0);
	CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN + 1 + 2 + 2 +
	    9 * MOAT_NELEM(ints) + 5 + 11 + 5 + sizeof(bytes));

	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, tw.buf, tw.len), 0);
	CU_ASSERT_EQUAL(r.hdr.length, tw.len - PROTO_HEADER_LEN);
	CU_ASSERT_EQUAL(r.hdr.op, PROTO_OP_R_ROWS);
	CU_ASSERT_EQUAL(r.hdr.op, 0x8002);
	CU_ASSERT_EQUAL(r.hdr.flags, 0);
	CU_ASSERT_EQUAL(r.hdr.seq, 0xfffffffe);

	CU_ASSERT_EQUAL(proto_peek_type(&r), PROTO_T_NULL);
	CU_ASSERT_EQUAL(proto_get_null(&r), 0);
	CU_ASSERT_EQUAL(proto_peek_type(&r), PROTO_T_BOOL);
	b = false;
	CU_ASSERT_EQUAL(proto_get_bool(&r, &b), 0);
	CU_ASSERT_EQUAL(b, true);
	CU_ASSERT_EQUAL(proto_get_bool(&r, &b), 0);
	CU_ASSERT_EQUAL(b, false);
	for (i = 0; i < MOAT_NELEM(ints); i++) {
		CU_ASSERT_EQUAL(proto_peek_type(&r), PROTO_T_I64);
		v = 12345;
		CU_ASSERT_EQUAL(proto_get_i64(&r, &v), 0);
		CU_ASSERT_EQUAL(v, ints[i]);
	}
	CU_ASSERT_EQUAL(proto_peek_type(&r), PROTO_T_TEXT);
	CU_ASSERT_EQUAL(proto_get_text(&r, &s, &len), 0);
	CU_ASSERT_EQUAL(len, 11);
	CU_ASSERT(memcmp(s, "h\xc3\xa9llo \xf0\x9f\x98\x80", 11) == 0);
	/* Pointers go into the frame itself. */
	CU_ASSERT_PTR_EQUAL(s, (const char *)tw.buf + tw.len - 5 -
	    sizeof(bytes) - 11);
	CU_ASSERT_EQUAL(proto_peek_type(&r), PROTO_T_BYTES);
	CU_ASSERT_EQUAL(proto_get_bytes(&r, &p, &len), 0);
	CU_ASSERT_EQUAL(len, sizeof(bytes));
	CU_ASSERT(memcmp(p, bytes, sizeof(bytes)) == 0);
	CU_ASSERT_PTR_EQUAL(p, tw.buf + tw.len - sizeof(bytes));
	CU_ASSERT_EQUAL(proto_peek_type(&r), -1);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
}

static void
test_int_extremes_encoding(void)
{
	static const unsigned char min[] = {
		0x02, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const unsigned char max[] = {
		0x02, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};

	proto_writer_begin(&tw, PROTO_OP_PING, 0);
	proto_put_i64(&tw, INT64_MIN);
	proto_put_i64(&tw, INT64_MAX);
	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&tw), 0);
	CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN + 18);
	CU_ASSERT(memcmp(tw.buf + PROTO_HEADER_LEN, min, 9) == 0);
	CU_ASSERT(memcmp(tw.buf + PROTO_HEADER_LEN + 9, max, 9) == 0);
}

static void
test_empty_fields(void)
{
	static const unsigned char want[] = {
		0x03, 0x00, 0x00, 0x00, 0x00,
		0x04, 0x00, 0x00, 0x00, 0x00,
		0x03, 0x00, 0x00, 0x00, 0x00,
		0x04, 0x00, 0x00, 0x00, 0x00,
	};
	struct proto_reader r;
	const unsigned char *p;
	const char *s;
	size_t len;

	proto_writer_begin(&tw, PROTO_OP_HELLO, 1);
	proto_put_text(&tw, "", 0);
	proto_put_bytes(&tw, "", 0);
	/* NULL with no length is an empty field too. */
	proto_put_text(&tw, NULL, 0);
	proto_put_bytes(&tw, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&tw), 0);
	CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN + sizeof(want));
	CU_ASSERT(memcmp(tw.buf + PROTO_HEADER_LEN, want, sizeof(want)) == 0);

	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, tw.buf, tw.len), 0);
	len = 99;
	CU_ASSERT_EQUAL(proto_get_text(&r, &s, &len), 0);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_PTR_EQUAL(s, (const char *)tw.buf + PROTO_HEADER_LEN + 5);
	len = 99;
	CU_ASSERT_EQUAL(proto_get_bytes(&r, &p, &len), 0);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_PTR_EQUAL(p, tw.buf + PROTO_HEADER_LEN + 10);
	CU_ASSERT_EQUAL(proto_get_text(&r, &s, &len), 0);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(proto_get_bytes(&r, &p, &len), 0);
	CU_ASSERT_EQUAL(len, 0);
	/* The last empty field ends exactly at the end of the frame. */
	CU_ASSERT_PTR_EQUAL(p, tw.buf + tw.len);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
}

static void
test_empty_frame(void)
{
	static const unsigned char want[] = {
		0x00, 0x00, 0x00, 0x00, 0x80, 0x05, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	struct proto_reader r;

	proto_writer_begin(&tw, PROTO_OP_R_PONG, 0);
	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&tw), 0);
	CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN);
	CU_ASSERT(memcmp(tw.buf, want, sizeof(want)) == 0);
	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, tw.buf, tw.len), 0);
	CU_ASSERT_EQUAL(r.hdr.length, 0);
	CU_ASSERT_EQUAL(r.hdr.op, PROTO_OP_R_PONG);
	CU_ASSERT_EQUAL(r.hdr.seq, 0);
	CU_ASSERT_EQUAL(proto_peek_type(&r), -1);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
	/* Past the end every get fails, and the end still holds. */
	expect_stuck_at_end(&r);
}

static void
test_max_frame_bytes(void)
{
	struct proto_reader r;
	const unsigned char *p;
	size_t i, len, n = PROTO_MAX_PAYLOAD - 5;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 3);

	/* Exactly PROTO_MAX_FRAME. */
	proto_writer_begin(&tw, PROTO_OP_FILE_STORE, 9);
	proto_put_bytes(&tw, big, n);
	CU_ASSERT_FALSE(tw.failed);
	CU_ASSERT_EQUAL(tw.len, PROTO_MAX_FRAME);
	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&tw), 0);
	CU_ASSERT_EQUAL(tw.buf[0], 0x00);
	CU_ASSERT_EQUAL(tw.buf[1], 0x03);
	CU_ASSERT_EQUAL(tw.buf[2], 0xff);
	CU_ASSERT_EQUAL(tw.buf[3], 0xf4);
	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, tw.buf, tw.len), 0);
	CU_ASSERT_EQUAL(r.hdr.length, PROTO_MAX_PAYLOAD);
	CU_ASSERT_EQUAL(proto_get_bytes(&r, &p, &len), 0);
	CU_ASSERT_EQUAL(len, n);
	CU_ASSERT_PTR_EQUAL(p, tw.buf + PROTO_HEADER_LEN + 5);
	CU_ASSERT(memcmp(p, big, n) == 0);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);

	/* Nothing more fits, not even a one-byte field, and it sticks. */
	proto_put_null(&tw);
	CU_ASSERT_TRUE(tw.failed);
	CU_ASSERT_EQUAL(tw.len, PROTO_MAX_FRAME);
	CU_ASSERT_EQUAL(proto_writer_finish(&tw), -1);

	/* One byte past in a single field. */
	proto_writer_begin(&tw, PROTO_OP_FILE_STORE, 9);
	proto_put_bytes(&tw, big, n + 1);
	CU_ASSERT_TRUE(tw.failed);
	CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN);
	CU_ASSERT_EQUAL(proto_writer_finish(&tw), -1);

	/* A length that would wrap a size_t sum is refused before use. */
	proto_writer_begin(&tw, PROTO_OP_FILE_STORE, 9);
	proto_put_bytes(&tw, big, SIZE_MAX);
	CU_ASSERT_TRUE(tw.failed);
	CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN);
	proto_writer_begin(&tw, PROTO_OP_FILE_STORE, 9);
	proto_put_bytes(&tw, big, SIZE_MAX - 4);
	CU_ASSERT_TRUE(tw.failed);
	proto_writer_begin(&tw, PROTO_OP_FILE_STORE, 9);
	proto_put_text(&tw, "a", SIZE_MAX);
	CU_ASSERT_TRUE(tw.failed);
	CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN);
}

static void
test_max_frame_small_fields(void)
{
	struct proto_reader r;
	size_t i, n = 0;

	/* Byte-sized fields up to the exact limit, then one more. */
	proto_writer_begin(&tw, PROTO_OP_BATCH, 3);
	for (i = 0; i < PROTO_MAX_PAYLOAD; i++)
		proto_put_null(&tw);
	CU_ASSERT_FALSE(tw.failed);
	CU_ASSERT_EQUAL(tw.len, PROTO_MAX_FRAME);
	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&tw), 0);
	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, tw.buf, tw.len), 0);
	while (proto_get_null(&r) == 0)
		n++;
	CU_ASSERT_EQUAL(n, PROTO_MAX_PAYLOAD);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);

	proto_put_null(&tw);
	CU_ASSERT_TRUE(tw.failed);
	CU_ASSERT_EQUAL(tw.len, PROTO_MAX_FRAME);
	CU_ASSERT_EQUAL(proto_writer_finish(&tw), -1);

	/* A wider field that would cross the limit fails whole. */
	proto_writer_begin(&tw, PROTO_OP_BATCH, 3);
	for (i = 0; i < PROTO_MAX_PAYLOAD - 8; i++)
		proto_put_null(&tw);
	CU_ASSERT_EQUAL(tw.len, PROTO_MAX_FRAME - 8);
	proto_put_i64(&tw, 1);
	CU_ASSERT_TRUE(tw.failed);
	CU_ASSERT_EQUAL(tw.len, PROTO_MAX_FRAME - 8);

	/* Text at the limit too. */
	memset(big, 'a', PROTO_MAX_PAYLOAD);
	proto_writer_begin(&tw, PROTO_OP_BATCH, 3);
	proto_put_text(&tw, (const char *)big, PROTO_MAX_PAYLOAD - 5);
	CU_ASSERT_FALSE(tw.failed);
	CU_ASSERT_EQUAL(tw.len, PROTO_MAX_FRAME);
	proto_writer_begin(&tw, PROTO_OP_BATCH, 3);
	proto_put_text(&tw, (const char *)big, PROTO_MAX_PAYLOAD - 4);
	CU_ASSERT_TRUE(tw.failed);
	CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN);
}

static void
test_writer_bad_text(void)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} bad[] = {
		{ "\xff", 1 },
		{ "\xc0\x80", 2 },		/* overlong NUL */
		{ "\xe0\x80\xaf", 3 },		/* overlong '/' */
		{ "\xed\xa0\x80", 3 },		/* surrogate */
		{ "\xf4\x90\x80\x80", 4 },	/* past U+10FFFF */
		{ "\xe2\x82", 2 },		/* truncated */
		{ "a\0b", 3 },			/* NUL */
		{ "\0", 1 },
	};
	size_t i;

	for (i = 0; i < MOAT_NELEM(bad); i++) {
		proto_writer_begin(&tw, PROTO_OP_STMT, 1);
		proto_put_text(&tw, bad[i].s, bad[i].len);
		CU_ASSERT_TRUE(tw.failed);
		CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN);
		/* Sticky: good fields afterwards do not clear it. */
		proto_put_text(&tw, "ok", 2);
		proto_put_null(&tw);
		CU_ASSERT_TRUE(tw.failed);
		CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN);
		CU_ASSERT_EQUAL(proto_writer_finish(&tw), -1);
		/* The same bytes are fine as BYTES in a fresh frame. */
		proto_writer_begin(&tw, PROTO_OP_STMT, 1);
		CU_ASSERT_FALSE(tw.failed);
		proto_put_bytes(&tw, bad[i].s, bad[i].len);
		CU_ASSERT_EQUAL(proto_writer_finish(&tw), 0);
		CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN + 5 + bad[i].len);
	}
	/* The extremes of valid UTF-8 are accepted. */
	proto_writer_begin(&tw, PROTO_OP_STMT, 1);
	proto_put_text(&tw, "\x7f\xc2\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf", 10);
	CU_ASSERT_EQUAL(proto_writer_finish(&tw), 0);
	CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN + 15);
}

/* --- hostile decoding ------------------------------------------------ */

static void
test_short_header(void)
{
	struct proto_reader r;
	size_t n;

	mk_len(msg, 0, PROTO_OP_PING, 0, 1, NULL, 0);
	for (n = 0; n < PROTO_HEADER_LEN; n++) {
		CU_ASSERT_EQUAL(proto_reader_init(&r, msg, n), -1);
		/* A refused reader yields nothing and never ends well. */
		CU_ASSERT_EQUAL(proto_peek_type(&r), -1);
		expect_stuck(&r);
	}
	CU_ASSERT_EQUAL(proto_reader_init(&r, NULL, 0), -1);
	CU_ASSERT_EQUAL(proto_reader_end(&r), -1);
	/* Twelve bytes are a whole, empty frame. */
	CU_ASSERT_EQUAL(proto_reader_init(&r, msg, PROTO_HEADER_LEN), 0);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
}

static void
test_length_mismatch(void)
{
	static const uint32_t lies[] = {
		0, 1, 2, 4, 5, 0x7fffffff, 0x80000000, 0xffffffff,
		PROTO_MAX_PAYLOAD, PROTO_MAX_PAYLOAD + 1,
	};
	struct proto_reader r;
	size_t i, len;

	/* The message has 3 payload bytes; the header says otherwise. */
	for (i = 0; i < MOAT_NELEM(lies); i++) {
		len = mk_len(msg, lies[i], PROTO_OP_PING, 0, 1, "\x01\x01\x00",
		    3);
		CU_ASSERT_EQUAL(len, 15);
		CU_ASSERT_EQUAL(proto_reader_init(&r, msg, len), -1);
		expect_stuck(&r);
	}
	len = mk_len(msg, 3, PROTO_OP_PING, 0, 1, "\x01\x01\x00", 3);
	CU_ASSERT_EQUAL(proto_reader_init(&r, msg, len), 0);

	/* A header with no payload claiming some. */
	mk_len(msg, 1, PROTO_OP_PING, 0, 1, NULL, 0);
	CU_ASSERT_EQUAL(proto_reader_init(&r, msg, PROTO_HEADER_LEN), -1);

	/* Consistent but over the cap: refused by size alone. */
	memset(msg, 0, sizeof(msg));
	mk_len(msg, PROTO_MAX_PAYLOAD + 1, PROTO_OP_PING, 0, 1, NULL, 0);
	CU_ASSERT_EQUAL(proto_reader_init(&r, msg, PROTO_MAX_FRAME + 1), -1);
	mk_len(msg, PROTO_MAX_PAYLOAD, PROTO_OP_PING, 0, 1, NULL, 0);
	CU_ASSERT_EQUAL(proto_reader_init(&r, msg, PROTO_MAX_FRAME), 0);
	CU_ASSERT_EQUAL(r.hdr.length, PROTO_MAX_PAYLOAD);
}

static void
test_flags_nonzero(void)
{
	/* Only PROTO_FLAG_BEGIN is known; every other bit is refused. */
	static const uint16_t flags[] = { 0x0002, 0x0003, 0x0100, 0x8000,
	    0xffff };
	struct proto_reader r;
	size_t i, len;

	for (i = 0; i < MOAT_NELEM(flags); i++) {
		len = mk_len(msg, 0, PROTO_OP_PING, flags[i], 1, NULL, 0);
		CU_ASSERT_EQUAL(proto_reader_init(&r, msg, len), -1);
		CU_ASSERT_EQUAL(proto_reader_end(&r), -1);
	}
	len = mk_len(msg, 0, PROTO_OP_STMT, PROTO_FLAG_BEGIN, 1, NULL, 0);
	CU_ASSERT_EQUAL(proto_reader_init(&r, msg, len), 0);
	CU_ASSERT_EQUAL(r.hdr.flags, PROTO_FLAG_BEGIN);
	/* Any op and seq pass: they are the broker's state machine's call. */
	len = mk_len(msg, 0, 0xffff, 0, 0xffffffff, NULL, 0);
	CU_ASSERT_EQUAL(proto_reader_init(&r, msg, len), 0);
	CU_ASSERT_EQUAL(r.hdr.op, 0xffff);
	CU_ASSERT_EQUAL(r.hdr.seq, 0xffffffff);
}

static void
test_truncated_fields(void)
{
	static const struct {
		const char	*field;
		size_t		 len;
		int		 type;
	} fields[] = {
		{ "\x01\x01", 2, PROTO_T_BOOL },
		{ "\x02\x01\x02\x03\x04\x05\x06\x07\x08", 9, PROTO_T_I64 },
		{ "\x03\x00\x00\x00\x03" "abc", 8, PROTO_T_TEXT },
		{ "\x04\x00\x00\x00\x03" "abc", 8, PROTO_T_BYTES },
	};
	struct proto_reader r;
	size_t i, cut, len;

	for (i = 0; i < MOAT_NELEM(fields); i++) {
		/* Every proper prefix of the field, the type byte included. */
		for (cut = 1; cut < fields[i].len; cut++) {
			len = mk(fields[i].field, cut);
			expect_bad_field(len, fields[i].type);
		}
		/* The whole field reads. */
		len = mk(fields[i].field, fields[i].len);
		CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, msg, len), 0);
		CU_ASSERT_EQUAL(proto_peek_type(&r), fields[i].type);
		CU_ASSERT_EQUAL(read_any(&r), 0);
		CU_ASSERT_EQUAL(r.off, len);
		CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
	}
}

static void
test_length_past_end(void)
{
	static const struct {
		const char	*field;
		size_t		 len;
		int		 type;
	} fields[] = {
		/* One past what is there. */
		{ "\x03\x00\x00\x00\x04" "abc", 8, PROTO_T_TEXT },
		{ "\x04\x00\x00\x00\x04" "abc", 8, PROTO_T_BYTES },
		/* Lengths that wrap a 32-bit sum with the 5-byte head. */
		{ "\x03\xff\xff\xff\xff" "abc", 8, PROTO_T_TEXT },
		{ "\x04\xff\xff\xff\xff" "abc", 8, PROTO_T_BYTES },
		{ "\x03\xff\xff\xff\xfb" "abc", 8, PROTO_T_TEXT },
		{ "\x04\xff\xff\xff\xfb" "abc", 8, PROTO_T_BYTES },
		{ "\x04\x80\x00\x00\x00" "abc", 8, PROTO_T_BYTES },
		/* Empty field claiming a byte. */
		{ "\x04\x00\x00\x00\x01", 5, PROTO_T_BYTES },
	};
	struct proto_reader r;
	const unsigned char *p;
	size_t i, len;

	for (i = 0; i < MOAT_NELEM(fields); i++) {
		len = mk(fields[i].field, fields[i].len);
		expect_bad_field(len, fields[i].type);
	}
	/* A length short of the end leaves the rest as a next field. */
	len = MK("\x04\x00\x00\x00\x02" "ab\x00");
	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, msg, len), 0);
	CU_ASSERT_EQUAL(proto_get_bytes(&r, &p, &len), 0);
	CU_ASSERT_EQUAL(len, 2);
	CU_ASSERT_EQUAL(proto_reader_end(&r), -1);
	CU_ASSERT_EQUAL(proto_get_null(&r), 0);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
}

static void
test_bad_bool(void)
{
	static const unsigned char vals[] = { 2, 3, 0x7f, 0x80, 0xff };
	unsigned char field[2];
	struct proto_reader r;
	size_t i, len;
	bool b;

	for (i = 0; i < MOAT_NELEM(vals); i++) {
		field[0] = PROTO_T_BOOL;
		field[1] = vals[i];
		len = mk(field, 2);
		expect_bad_field(len, PROTO_T_BOOL);
	}
	len = MK("\x01\x00\x01\x01");
	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, msg, len), 0);
	b = true;
	CU_ASSERT_EQUAL(proto_get_bool(&r, &b), 0);
	CU_ASSERT_EQUAL(b, false);
	CU_ASSERT_EQUAL(proto_get_bool(&r, &b), 0);
	CU_ASSERT_EQUAL(b, true);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
}

static void
test_unknown_type(void)
{
	static const unsigned char types[] = { 5, 6, 0x7f, 0x80, 0xff };
	unsigned char field[6];
	size_t i, len;

	for (i = 0; i < MOAT_NELEM(types); i++) {
		/* Alone, and followed by bytes that would make a field. */
		field[0] = types[i];
		len = mk(field, 1);
		expect_bad_field(len, types[i]);
		memcpy(field + 1, "\x00\x00\x00\x00\x00", 5);
		len = mk(field, 6);
		expect_bad_field(len, types[i]);
	}
}

static void
test_bad_text(void)
{
	static const struct {
		const char	*s;
		size_t		 len;
	} bad[] = {
		{ "\xff", 1 },
		{ "\x80", 1 },
		{ "\xc0\x80", 2 },
		{ "\xc1\xbf", 2 },
		{ "\xe0\x9f\xbf", 3 },
		{ "\xed\xa0\x80", 3 },
		{ "\xed\xbf\xbf", 3 },
		{ "\xf0\x8f\xbf\xbf", 4 },
		{ "\xf4\x90\x80\x80", 4 },
		{ "\xf5\x80\x80\x80", 4 },
		{ "\xe2\x82", 2 },
		{ "ok\xc3", 3 },
		{ "a\0b", 3 },
		{ "\0", 1 },
		{ "abc\0", 4 },
	};
	unsigned char field[16];
	struct proto_reader r;
	const unsigned char *p;
	size_t i, len, n;

	for (i = 0; i < MOAT_NELEM(bad); i++) {
		n = bad[i].len;
		memcpy(field, "\x03\x00\x00\x00", 4);
		field[4] = (unsigned char)n;
		memcpy(field + 5, bad[i].s, n);
		len = mk(field, 5 + n);
		expect_bad_field(len, PROTO_T_TEXT);
		/* As BYTES the same content is fine. */
		field[0] = PROTO_T_BYTES;
		len = mk(field, 5 + n);
		CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, msg, len), 0);
		CU_ASSERT_EQUAL(proto_get_bytes(&r, &p, &len), 0);
		CU_ASSERT_EQUAL(len, n);
		CU_ASSERT(memcmp(p, bad[i].s, n) == 0);
		CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
	}
}

static void
test_trailing_garbage(void)
{
	struct proto_reader r;
	size_t len;
	int64_t v;

	/* A complete field, then a byte that is not one. */
	len = MK("\x02\x00\x00\x00\x00\x00\x00\x00\x2a\x09");
	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, msg, len), 0);
	CU_ASSERT_EQUAL(proto_get_i64(&r, &v), 0);
	CU_ASSERT_EQUAL(v, 42);
	CU_ASSERT_EQUAL(proto_peek_type(&r), 9);
	expect_stuck(&r);
	CU_ASSERT_EQUAL(r.off, len - 1);

	/* Stopping early is as bad as garbage: the end is not reached. */
	len = MK("\x00\x00");
	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, msg, len), 0);
	CU_ASSERT_EQUAL(proto_reader_end(&r), -1);
	CU_ASSERT_EQUAL(proto_get_null(&r), 0);
	CU_ASSERT_EQUAL(proto_reader_end(&r), -1);
	CU_ASSERT_EQUAL(proto_get_null(&r), 0);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
}

static void
test_read_past_end(void)
{
	struct proto_reader r;
	size_t len;

	len = MK("\x00");
	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, msg, len), 0);
	CU_ASSERT_EQUAL(proto_get_null(&r), 0);
	CU_ASSERT_EQUAL(proto_peek_type(&r), -1);
	/* The byte after the frame would be a valid NULL: never read. */
	msg[len] = PROTO_T_NULL;
	CU_ASSERT_EQUAL(proto_get_null(&r), -1);
	CU_ASSERT_EQUAL(r.off, len);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
	/* Every other get fails the same way, and the end still holds. */
	expect_stuck_at_end(&r);
	CU_ASSERT_EQUAL(r.off, len);
}

static void
test_type_mismatch(void)
{
	struct proto_reader r;
	const char *s;
	size_t len;
	int64_t v;
	bool b;

	len = MK("\x02\x00\x00\x00\x00\x00\x00\x00\x01"
	    "\x03\x00\x00\x00\x01" "x");
	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, msg, len), 0);
	/* The wrong getter fails and leaves the field for the right one. */
	b = false;
	CU_ASSERT_EQUAL(proto_get_bool(&r, &b), -1);
	CU_ASSERT_EQUAL(b, false);
	CU_ASSERT_EQUAL(proto_get_text(&r, &s, &len), -1);
	CU_ASSERT_EQUAL(r.off, PROTO_HEADER_LEN);
	CU_ASSERT_EQUAL(proto_get_i64(&r, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(proto_get_i64(&r, &v), -1);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(proto_get_text(&r, &s, &len), 0);
	CU_ASSERT_EQUAL(len, 1);
	CU_ASSERT_EQUAL(s[0], 'x');
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);
}

/* --- sockets --------------------------------------------------------- */

static int
set_int(int s, int opt, int v)
{
	return setsockopt(s, SOL_SOCKET, opt, &v, sizeof(v));
}

/*
 * A SOCK_SEQPACKET pair with room for a whole frame in flight both ways,
 * and timeouts so that a bug fails a test rather than hanging it.
 */
static int
seqpair(int sv[2])
{
	struct timeval tv = { 5, 0 };
	int i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (set_int(sv[i], SO_SNDBUF, 2 * PROTO_MAX_FRAME) == -1 ||
		    set_int(sv[i], SO_RCVBUF, 2 * PROTO_MAX_FRAME) == -1 ||
		    setsockopt(sv[i], SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv)) == -1 ||
		    setsockopt(sv[i], SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv)) == -1) {
			(void)close(sv[0]);
			(void)close(sv[1]);
			return -1;
		}
	}
	return 0;
}

static void
close_pair(int sv[2])
{
	if (sv[0] >= 0)
		CU_ASSERT_EQUAL(close(sv[0]), 0);
	if (sv[1] >= 0)
		CU_ASSERT_EQUAL(close(sv[1]), 0);
}

/* One raw message with any number of fds (up to 64) in one SCM_RIGHTS. */
static ssize_t
send_raw(int s, const void *p, size_t len, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int) * 64)];
	} ctl;
	struct cmsghdr *c;
	struct msghdr m;
	struct iovec iov;

	memset(&m, 0, sizeof(m));
	memset(&ctl, 0, sizeof(ctl));
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (nfds > 0) {
		if (nfds > 64)
			return -1;
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	return sendmsg(s, &m, MSG_NOSIGNAL);
}

/* Open descriptors, from /proc/self/fd (the listing's own fd included). */
static int
count_fds(void)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			n++;
	(void)closedir(dir);
	return n;
}

/* The next n numbers the kernel will hand out (lowest free first). */
static void
next_fds(int *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = dup(2);
	for (i = 0; i < n; i++)
		if (out[i] >= 0)
			(void)close(out[i]);
}

static bool
fd_closed(int fd)
{
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/* A small finished frame in tw. */
static void
small_frame(uint16_t op, uint32_t seq)
{
	proto_writer_begin(&tw, op, seq);
	proto_put_text(&tw, "hi", 2);
	proto_put_i64(&tw, -5);
	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&tw), 0);
}

static void
test_sock_roundtrip(void)
{
	struct proto_reader r;
	const char *s;
	int sv[2], fd;
	size_t len;
	int64_t v;

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	small_frame(PROTO_OP_STMT, 77);
	CU_ASSERT_EQUAL(tw.len, PROTO_HEADER_LEN + 7 + 9);
	CU_ASSERT_EQUAL(proto_send(sv[0], &tw, -1), 0);
	fd = 42;
	memset(rbuf, 0xaa, 64);
	CU_ASSERT_EQUAL(proto_recv(sv[1], rbuf, &fd), (ssize_t)tw.len);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT(memcmp(rbuf, tw.buf, tw.len) == 0);
	CU_ASSERT_EQUAL_FATAL(proto_reader_init(&r, rbuf, tw.len), 0);
	CU_ASSERT_EQUAL(r.hdr.op, PROTO_OP_STMT);
	CU_ASSERT_EQUAL(r.hdr.seq, 77);
	CU_ASSERT_EQUAL(proto_get_text(&r, &s, &len), 0);
	CU_ASSERT_EQUAL(len, 2);
	CU_ASSERT(memcmp(s, "hi", 2) == 0);
	CU_ASSERT_EQUAL(proto_get_i64(&r, &v), 0);
	CU_ASSERT_EQUAL(v, -5);
	CU_ASSERT_EQUAL(proto_reader_end(&r), 0);

	/* The other way, with fd_out NULL, and two messages kept apart. */
	small_frame(PROTO_OP_R_OK, 77);
	CU_ASSERT_EQUAL(proto_send(sv[1], &tw, -1), 0);
	proto_writer_begin(&tw, PROTO_OP_R_PONG, 78);
	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&tw), 0);
	CU_ASSERT_EQUAL(proto_send(sv[1], &tw, -1), 0);
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, NULL), 28);
	CU_ASSERT_EQUAL(rbuf[4], 0x80);
	CU_ASSERT_EQUAL(rbuf[5], 0x01);
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, NULL), PROTO_HEADER_LEN);
	CU_ASSERT(memcmp(rbuf, tw.buf, PROTO_HEADER_LEN) == 0);
	close_pair(sv);
}

static void
test_sock_max_frame(void)
{
	size_t i;
	int sv[2], fd;

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	for (i = 0; i < PROTO_MAX_PAYLOAD; i++)
		big[i] = (unsigned char)(i * 13 + 1);
	proto_writer_begin(&tw, PROTO_OP_FILE_STORE, 5);
	proto_put_bytes(&tw, big, PROTO_MAX_PAYLOAD - 5);
	CU_ASSERT_EQUAL_FATAL(proto_writer_finish(&tw), 0);
	CU_ASSERT_EQUAL(tw.len, PROTO_MAX_FRAME);
	CU_ASSERT_EQUAL(proto_send(sv[0], &tw, -1), 0);
	CU_ASSERT_EQUAL(proto_recv(sv[1], rbuf, &fd), PROTO_MAX_FRAME);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT(memcmp(rbuf, tw.buf, PROTO_MAX_FRAME) == 0);
	close_pair(sv);
}

static void
test_sock_pass_fd(void)
{
	char got[8];
	int sv[2], p[2], fd, before;

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	CU_ASSERT_EQUAL(write(p[1], "moat", 4), 4);
	CU_ASSERT_EQUAL(close(p[1]), 0);
	small_frame(PROTO_OP_R_FILE, 3);
	CU_ASSERT_EQUAL(proto_send(sv[1], &tw, p[0]), 0);
	/* Only the copy in flight keeps the pipe's read end alive. */
	CU_ASSERT_EQUAL(close(p[0]), 0);
	before = count_fds();
	fd = -7;
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, &fd), (ssize_t)tw.len);
	CU_ASSERT(memcmp(rbuf, tw.buf, tw.len) == 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(count_fds(), before + 1);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFD), FD_CLOEXEC);
	memset(got, 0, sizeof(got));
	CU_ASSERT_EQUAL(read(fd, got, sizeof(got)), 4);
	CU_ASSERT(memcmp(got, "moat", 4) == 0);
	CU_ASSERT_EQUAL(read(fd, got, sizeof(got)), 0);
	CU_ASSERT_EQUAL(close(fd), 0);
	close_pair(sv);
}

static void
test_sock_fd_unwanted(void)
{
	struct pollfd pfd;
	int sv[2], p[2], would[1], before;

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	small_frame(PROTO_OP_R_OK, 3);
	CU_ASSERT_EQUAL(proto_send(sv[1], &tw, p[0]), 0);
	before = count_fds();
	next_fds(would, 1);
	errno = 0;
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, NULL), -1);
	CU_ASSERT_EQUAL(errno, EBADMSG);
	CU_ASSERT_TRUE(fd_closed(would[0]));
	CU_ASSERT_EQUAL(count_fds(), before);
	/*
	 * Closed for good: once our own copy goes, the pipe has no reader
	 * left, which poll reports as POLLERR on the write end.
	 */
	CU_ASSERT_EQUAL(close(p[0]), 0);
	pfd.fd = p[1];
	pfd.events = POLLOUT;
	pfd.revents = 0;
	CU_ASSERT_EQUAL(poll(&pfd, 1, 0), 1);
	CU_ASSERT_EQUAL(pfd.revents, POLLOUT | POLLERR);
	CU_ASSERT_EQUAL(close(p[1]), 0);
	close_pair(sv);
}

/* Send a frame with nfds copies of one fd; the receiver must refuse it. */
static void
expect_fds_refused(size_t nfds, size_t nprobe)
{
	int sv[2], p[2], fds[64], would[8], before, fd;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	for (i = 0; i < nfds; i++)
		fds[i] = i % 2 == 0 ? p[0] : p[1];
	small_frame(PROTO_OP_R_FILE, 3);
	CU_ASSERT_EQUAL(send_raw(sv[1], tw.buf, tw.len, fds, nfds),
	    (ssize_t)tw.len);
	before = count_fds();
	next_fds(would, nprobe);
	fd = 42;
	errno = 0;
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, &fd), -1);
	CU_ASSERT_EQUAL(errno, EBADMSG);
	CU_ASSERT_EQUAL(fd, -1);
	for (i = 0; i < nprobe; i++)
		CU_ASSERT_TRUE(fd_closed(would[i]));
	CU_ASSERT_EQUAL(count_fds(), before);
	CU_ASSERT_EQUAL(close(p[0]), 0);
	CU_ASSERT_EQUAL(close(p[1]), 0);
	close_pair(sv);
}

static void
test_sock_two_fds(void)
{
	expect_fds_refused(2, 2);
}

static void
test_sock_many_fds(void)
{
	/* More than the control buffer holds: MSG_CTRUNC, all closed. */
	expect_fds_refused(64, 8);
}

/*
 * Two fds where the process may open only one more: the kernel installs
 * the first, drops the second and sets MSG_CTRUNC.  The one fd that did
 * arrive looks fine on its own, so only the flag tells; it must be closed.
 */
static void
test_sock_ctrunc_one_fd(void)
{
	struct rlimit old, low;
	int sv[2], p[2], fds[2], would[1], before, fd;
	ssize_t n;

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	fds[0] = p[0];
	fds[1] = p[1];
	small_frame(PROTO_OP_R_FILE, 3);
	CU_ASSERT_EQUAL(send_raw(sv[1], tw.buf, tw.len, fds, 2),
	    (ssize_t)tw.len);
	before = count_fds();
	next_fds(would, 1);
	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)would[0] + 1;
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_NOFILE, &low), 0);
	fd = 42;
	errno = 0;
	n = proto_recv(sv[0], rbuf, &fd);
	CU_ASSERT_EQUAL(errno, EBADMSG);
	CU_ASSERT_EQUAL(setrlimit(RLIMIT_NOFILE, &old), 0);
	CU_ASSERT_EQUAL(n, -1);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT_TRUE(fd_closed(would[0]));
	CU_ASSERT_EQUAL(count_fds(), before);
	CU_ASSERT_EQUAL(close(p[0]), 0);
	CU_ASSERT_EQUAL(close(p[1]), 0);
	close_pair(sv);
}

static void
test_sock_empty_with_fd(void)
{
	int sv[2], p[2], would[1], before, fd;

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	CU_ASSERT_EQUAL(send_raw(sv[1], "", 0, &p[0], 1), 0);
	before = count_fds();
	next_fds(would, 1);
	fd = 42;
	errno = 0;
	/* Not an orderly close: something was sent, and it is wrong. */
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, &fd), -1);
	CU_ASSERT_EQUAL(errno, EBADMSG);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT_TRUE(fd_closed(would[0]));
	CU_ASSERT_EQUAL(count_fds(), before);
	CU_ASSERT_EQUAL(close(p[0]), 0);
	CU_ASSERT_EQUAL(close(p[1]), 0);
	close_pair(sv);
}

static void
test_sock_credentials(void)
{
	int sv[2], p[2], would[1], before, fd;

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	/* With SO_PASSCRED every message brings SCM_CREDENTIALS along. */
	CU_ASSERT_EQUAL_FATAL(set_int(sv[0], SO_PASSCRED, 1), 0);
	small_frame(PROTO_OP_HELLO, 1);
	CU_ASSERT_EQUAL(proto_send(sv[1], &tw, -1), 0);
	fd = 42;
	errno = 0;
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, &fd), -1);
	CU_ASSERT_EQUAL(errno, EBADMSG);
	CU_ASSERT_EQUAL(fd, -1);

	/* And an fd riding along with them is closed. */
	CU_ASSERT_EQUAL(proto_send(sv[1], &tw, p[0]), 0);
	before = count_fds();
	next_fds(would, 1);
	errno = 0;
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, &fd), -1);
	CU_ASSERT_EQUAL(errno, EBADMSG);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT_TRUE(fd_closed(would[0]));
	CU_ASSERT_EQUAL(count_fds(), before);
	CU_ASSERT_EQUAL(close(p[0]), 0);
	CU_ASSERT_EQUAL(close(p[1]), 0);
	close_pair(sv);
}

/* A plain send of len bytes must come out as EMSGSIZE, fds closed. */
static void
expect_oversized(int sv[2], size_t len, bool with_fd)
{
	int p[2], would[1], before, fd;

	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	memset(big, 0, len);
	mk_len(big, (uint32_t)(len - PROTO_HEADER_LEN), PROTO_OP_PING, 0, 1,
	    NULL, 0);
	CU_ASSERT_EQUAL(send_raw(sv[1], big, len, &p[0], with_fd ? 1 : 0),
	    (ssize_t)len);
	before = count_fds();
	next_fds(would, 1);
	fd = 42;
	errno = 0;
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, &fd), -1);
	CU_ASSERT_EQUAL(errno, EMSGSIZE);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT_TRUE(fd_closed(would[0]));
	CU_ASSERT_EQUAL(count_fds(), before);
	CU_ASSERT_EQUAL(close(p[0]), 0);
	CU_ASSERT_EQUAL(close(p[1]), 0);
}

static void
test_sock_oversized(void)
{
	socklen_t sl;
	int sv[2], sndbuf;

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	expect_oversized(sv, PROTO_MAX_FRAME + 1, false);
	expect_oversized(sv, PROTO_MAX_FRAME + 1, true);
	/*
	 * Twice the limit needs net.core.wmem_max of at least that much
	 * (or SO_SNDBUFFORCE); the kernel reports the doubled value.
	 */
	sl = sizeof(sndbuf);
	CU_ASSERT_EQUAL(getsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl),
	    0);
	if (sndbuf < 3 * PROTO_MAX_FRAME)
		(void)set_int(sv[1], SO_SNDBUFFORCE, 2 * PROTO_MAX_FRAME);
	CU_ASSERT_EQUAL(getsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl),
	    0);
	if (sndbuf >= 3 * PROTO_MAX_FRAME)
		expect_oversized(sv, 2 * PROTO_MAX_FRAME, true);

	/* The oversized messages were consumed whole; the next one reads. */
	small_frame(PROTO_OP_PING, 2);
	CU_ASSERT_EQUAL(proto_send(sv[1], &tw, -1), 0);
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, NULL), (ssize_t)tw.len);
	CU_ASSERT(memcmp(rbuf, tw.buf, tw.len) == 0);
	close_pair(sv);
}

static void
test_sock_peer_close(void)
{
	int sv[2], fd;

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	/* Queued messages still arrive, then the close. */
	small_frame(PROTO_OP_PING, 1);
	CU_ASSERT_EQUAL(proto_send(sv[1], &tw, -1), 0);
	CU_ASSERT_EQUAL(close(sv[1]), 0);
	sv[1] = -1;
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, NULL), (ssize_t)tw.len);
	fd = 42;
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, &fd), 0);
	CU_ASSERT_EQUAL(fd, -1);
	CU_ASSERT_EQUAL(proto_recv(sv[0], rbuf, NULL), 0);

	/* Sending to a closed peer is EPIPE, not a SIGPIPE death. */
	errno = 0;
	CU_ASSERT_EQUAL(proto_send(sv[0], &tw, -1), -1);
	CU_ASSERT_EQUAL(errno, EPIPE);
	close_pair(sv);
}

static void
test_sock_send_refused(void)
{
	int sv[2], would[1];

	CU_ASSERT_EQUAL_FATAL(seqpair(sv), 0);
	/* A failed writer is never sent. */
	proto_writer_begin(&tw, PROTO_OP_STMT, 1);
	proto_put_text(&tw, "\xff", 1);
	errno = 0;
	CU_ASSERT_EQUAL(proto_send(sv[0], &tw, -1), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	/* Nor an unfinished one (its header length is still 0). */
	proto_writer_begin(&tw, PROTO_OP_STMT, 1);
	proto_put_null(&tw);
	errno = 0;
	CU_ASSERT_EQUAL(proto_send(sv[0], &tw, -1), -1);
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(recv(sv[1], rbuf, PROTO_MAX_FRAME, MSG_DONTWAIT), -1);
	CU_ASSERT_EQUAL(errno, EAGAIN);

	/* A bad fd to pass fails the send, which sends nothing. */
	small_frame(PROTO_OP_R_FILE, 1);
	next_fds(would, 1);
	errno = 0;
	CU_ASSERT_EQUAL(proto_send(sv[0], &tw, would[0]), -1);
	CU_ASSERT_EQUAL(errno, EBADF);
	CU_ASSERT_EQUAL(recv(sv[1], rbuf, PROTO_MAX_FRAME, MSG_DONTWAIT), -1);
	CU_ASSERT_EQUAL(errno, EAGAIN);
	close_pair(sv);
}

int
register_proto_tests(void)
{
	static const struct unit_test tests[] = {
		{ "proto encoding exact", test_encoding_exact },
		{ "proto round trip all types", test_roundtrip_all },
		{ "proto i64 extremes", test_int_extremes_encoding },
		{ "proto empty text and bytes", test_empty_fields },
		{ "proto empty frame", test_empty_frame },
		{ "proto max frame bytes", test_max_frame_bytes },
		{ "proto max frame small fields", test_max_frame_small_fields },
		{ "proto writer bad text", test_writer_bad_text },
		{ "proto short header", test_short_header },
		{ "proto length mismatch", test_length_mismatch },
		{ "proto flags nonzero", test_flags_nonzero },
		{ "proto truncated fields", test_truncated_fields },
		{ "proto length past end", test_length_past_end },
		{ "proto bad bool", test_bad_bool },
		{ "proto unknown type", test_unknown_type },
		{ "proto bad text", test_bad_text },
		{ "proto trailing garbage", test_trailing_garbage },
		{ "proto read past end", test_read_past_end },
		{ "proto type mismatch", test_type_mismatch },
		{ "proto sock round trip", test_sock_roundtrip },
		{ "proto sock max frame", test_sock_max_frame },
		{ "proto sock pass fd", test_sock_pass_fd },
		{ "proto sock fd unwanted", test_sock_fd_unwanted },
		{ "proto sock two fds", test_sock_two_fds },
		{ "proto sock many fds", test_sock_many_fds },
		{ "proto sock ctrunc one fd", test_sock_ctrunc_one_fd },
		{ "proto sock empty message with fd", test_sock_empty_with_fd },
		{ "proto sock credentials", test_sock_credentials },
		{ "proto sock oversized", test_sock_oversized },
		{ "proto sock peer close", test_sock_peer_close },
		{ "proto sock send refused", test_sock_send_refused },
	};

	return unit_add_suite("proto", tests, MOAT_NELEM(tests));
}
