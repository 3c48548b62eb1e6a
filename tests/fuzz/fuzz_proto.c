// fuzz-sources: framework/proto/proto.c
/*
 * fuzz_proto.c - libFuzzer target for the broker frame decoder.
 *
 * The input is one received message.  Crashes are not the only finding:
 * every pointer and length a get returns must lie inside the input, TEXT
 * must be valid, a failed get must leave the reader where it was, and,
 * since the encoding is canonical, writing back what was decoded must
 * give the input byte for byte (the whole message when it decodes, the
 * prefix up to the first refused field when it does not).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http/params.h"
#include "proto/proto.h"

/* Over 256 KiB: static rather than on the fuzzer's stack. */
static struct proto_writer w;

#define CHECK(c)	do { if (!(c)) abort(); } while (0)

/* p[0..len) lies within data[0..size), compared as integers. */
static bool
inside(const void *p, size_t len, const uint8_t *data, size_t size)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)data;

	return a >= lo && a - lo <= size && len <= size - (a - lo);
}

/* Every get but the one for type t must refuse the field and not move. */
static void
check_others_refuse(struct proto_reader *r, int t)
{
	const unsigned char *p;
	const char *s;
	size_t off = r->off, len;
	int64_t i;
	bool b;

	if (t != PROTO_T_NULL)
		CHECK(proto_get_null(r) == -1);
	if (t != PROTO_T_BOOL)
		CHECK(proto_get_bool(r, &b) == -1);
	if (t != PROTO_T_I64)
		CHECK(proto_get_i64(r, &i) == -1);
	if (t != PROTO_T_TEXT)
		CHECK(proto_get_text(r, &s, &len) == -1);
	if (t != PROTO_T_BYTES)
		CHECK(proto_get_bytes(r, &p, &len) == -1);
	CHECK(r->off == off);
}

/* Decode the next field and write it back; -1 if it was refused. */
static int
copy_field(struct proto_reader *r, int t, const uint8_t *data, size_t size)
{
	const unsigned char *p;
	const char *s;
	size_t len;
	int64_t i;
	bool b;

	switch (t) {
	case PROTO_T_NULL:
		if (proto_get_null(r) == -1)
			return -1;
		proto_put_null(&w);
		return 0;
	case PROTO_T_BOOL:
		if (proto_get_bool(r, &b) == -1)
			return -1;
		proto_put_bool(&w, b);
		return 0;
	case PROTO_T_I64:
		if (proto_get_i64(r, &i) == -1)
			return -1;
		proto_put_i64(&w, i);
		return 0;
	case PROTO_T_TEXT:
		if (proto_get_text(r, &s, &len) == -1)
			return -1;
		CHECK(inside(s, len, data, size));
		CHECK(text_valid(s, len));
		proto_put_text(&w, s, len);
		return 0;
	case PROTO_T_BYTES:
		if (proto_get_bytes(r, &p, &len) == -1)
			return -1;
		CHECK(inside(p, len, data, size));
		proto_put_bytes(&w, p, len);
		return 0;
	default:
		return -1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_reader r;
	size_t off;
	int t;

	if (proto_reader_init(&r, data, size) == -1) {
		/* A refused message yields nothing and never ends well. */
		CHECK(proto_peek_type(&r) == -1);
		CHECK(proto_reader_end(&r) == -1);
		return 0;
	}
	CHECK(size >= PROTO_HEADER_LEN && size <= PROTO_MAX_FRAME);
	CHECK(r.hdr.length == size - PROTO_HEADER_LEN &&
	    (r.hdr.flags & ~PROTO_FLAGS_KNOWN) == 0);
	proto_writer_begin(&w, r.hdr.op, r.hdr.seq);
	proto_writer_flags(&w, r.hdr.flags);

	while ((t = proto_peek_type(&r)) != -1) {
		CHECK(t >= 0 && t <= 255);
		CHECK(r.off < size);
		check_others_refuse(&r, t);
		off = r.off;
		if (copy_field(&r, t, data, size) == -1) {
			CHECK(r.off == off);
			break;
		}
		CHECK(r.off > off && r.off <= size);
		CHECK(!w.failed);
	}

	/* What was accepted so far re-encodes to the same bytes. */
	CHECK(!w.failed);
	CHECK(w.len == r.off);
	CHECK(memcmp(w.buf + 4, data + 4, r.off - 4) == 0);
	if (t == -1) {
		CHECK(r.off == size);
		CHECK(proto_reader_end(&r) == 0);
		CHECK(proto_writer_finish(&w) == 0);
		CHECK(w.len == size);
		CHECK(memcmp(w.buf, data, size) == 0);
	} else
		CHECK(proto_reader_end(&r) == -1);
	return 0;
}
