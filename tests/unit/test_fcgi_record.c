/*
 * test_fcgi_record.c - the records a worker answers with: framing,
 * chunking, the end of the request and the goodbye behind it.
 *
 * Replies are written to a memfd and parsed back record by record, the
 * way a front end would read them.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "worker/fcgi_record.h"
#include "unit.h"

struct record {
	int		 type;
	int		 id;
	size_t		 len;
	size_t		 padding;
	const unsigned char *content;
};

/* The records in buf[0..len); -1 if one runs past the end. */
static int
parse(const unsigned char *buf, size_t len, struct record *out, size_t max)
{
	size_t off = 0;
	int n = 0;

	while (off < len) {
		if (len - off < FCGI_HEADER_LEN || (size_t)n == max)
			return -1;
		out[n].type = buf[off + 1];
		out[n].id = buf[off + 2] << 8 | buf[off + 3];
		out[n].len = (size_t)(buf[off + 4] << 8 | buf[off + 5]);
		out[n].padding = buf[off + 6];
		CU_ASSERT_EQUAL(buf[off], FCGI_VERSION_1);
		off += FCGI_HEADER_LEN;
		if (len - off < out[n].len + out[n].padding)
			return -1;
		out[n].content = buf + off;
		off += out[n].len + out[n].padding;
		n++;
	}
	return n;
}

/* Reply into a memfd; *len bytes, malloc'd. */
static unsigned char *
reply(int id, const void *head, size_t hl, const void *body, size_t bl,
    bool goodbye, size_t *len)
{
	unsigned char *buf;
	off_t size;
	int fd;

	CU_ASSERT_FATAL((fd = memfd_create("reply", MFD_CLOEXEC)) >= 0);
	CU_ASSERT_EQUAL_FATAL(fcgi_reply_write(fd, id, head, hl, body, bl,
	    goodbye), 0);
	CU_ASSERT_FATAL((size = lseek(fd, 0, SEEK_CUR)) >= 0);
	CU_ASSERT_FATAL((buf = malloc((size_t)size + 1)) != NULL);
	CU_ASSERT_EQUAL_FATAL(pread(fd, buf, (size_t)size, 0), size);
	close(fd);
	*len = (size_t)size;
	return buf;
}

/* STDOUT content in order, the empty STDOUT, END_REQUEST, maybe bye. */
static void
check_reply(int id, size_t hl, size_t bl, bool goodbye)
{
	static struct record r[64];
	unsigned char *head = malloc(hl + 1), *body = malloc(bl + 1), *buf;
	size_t len, i, got = 0, k;
	int n, nstdout;

	CU_ASSERT_FATAL(head != NULL && body != NULL);
	for (i = 0; i < hl; i++)
		head[i] = (unsigned char)('a' + i % 26);
	for (i = 0; i < bl; i++)
		body[i] = (unsigned char)(i * 7);
	buf = reply(id, head, hl, body, bl, goodbye, &len);
	n = parse(buf, len, r, 64);
	CU_ASSERT_FATAL(n >= 2 + (goodbye ? 1 : 0));
	nstdout = n - 2 - (goodbye ? 1 : 0);
	for (k = 0; k < (size_t)nstdout; k++) {
		CU_ASSERT_EQUAL(r[k].type, FCGI_STDOUT);
		CU_ASSERT_EQUAL(r[k].id, id);
		CU_ASSERT(r[k].len > 0 && r[k].len <= 32768);
		for (i = 0; i < r[k].len; i++, got++)
			if (r[k].content[i] != (got < hl ? head[got] :
			    body[got - hl]))
				break;
		CU_ASSERT_EQUAL(i, r[k].len);
	}
	CU_ASSERT_EQUAL(got, hl + bl);
	CU_ASSERT_EQUAL(r[nstdout].type, FCGI_STDOUT);
	CU_ASSERT_EQUAL(r[nstdout].len, 0);
	CU_ASSERT_EQUAL(r[nstdout + 1].type, FCGI_END_REQUEST);
	CU_ASSERT_EQUAL(r[nstdout + 1].id, id);
	CU_ASSERT_EQUAL(r[nstdout + 1].len, sizeof(FCGI_EndRequestBody));
	CU_ASSERT_EQUAL(r[nstdout + 1].content[4], FCGI_REQUEST_COMPLETE);
	CU_ASSERT(memcmp(r[nstdout + 1].content, "\0\0\0\0", 4) == 0);
	if (goodbye) {
		/* A management record: request id 0, nothing to answer. */
		CU_ASSERT_EQUAL(r[n - 1].type, FCGI_UNKNOWN_TYPE);
		CU_ASSERT_EQUAL(r[n - 1].id, FCGI_NULL_REQUEST_ID);
		CU_ASSERT_EQUAL(r[n - 1].len, sizeof(FCGI_UnknownTypeBody));
	}
	free(buf);
	free(head);
	free(body);
}

static void
test_small(void)
{
	check_reply(1, 40, 12, false);
	check_reply(1, 40, 12, true);
	check_reply(65535, 17, 0, false);	/* HEAD: no body */
	check_reply(300, 17, 0, true);
}

/* Bodies past one record, and past one write's worth of records. */
static void
test_chunked(void)
{
	check_reply(2, 100, 32768, false);
	check_reply(2, 100, 32769, true);
	check_reply(3, 200, 40 * 32768 + 5, true);
}

/* The goodbye follows END_REQUEST directly, as the very last bytes. */
static void
test_goodbye_last(void)
{
	unsigned char *buf;
	size_t len;

	buf = reply(9, "h", 1, "b", 1, true, &len);
	CU_ASSERT_FATAL(len > FCGI_END_RECORD_LEN + FCGI_GOODBYE_LEN);
	CU_ASSERT_EQUAL(buf[len - FCGI_GOODBYE_LEN - FCGI_END_RECORD_LEN + 1],
	    FCGI_END_REQUEST);
	CU_ASSERT_EQUAL(buf[len - FCGI_GOODBYE_LEN + 1], FCGI_UNKNOWN_TYPE);
	free(buf);
	buf = reply(9, "h", 1, "b", 1, false, &len);
	CU_ASSERT_EQUAL(buf[len - FCGI_END_RECORD_LEN + 1], FCGI_END_REQUEST);
	free(buf);
}

/* A closed descriptor is an error, not a crash or a hang. */
static void
test_write_error(void)
{
	CU_ASSERT_EQUAL(fcgi_reply_write(-1, 1, "h", 1, "b", 1, false), -1);
}

int
register_fcgi_record_tests(void)
{
	static const struct unit_test tests[] = {
		{ "small replies", test_small },
		{ "bodies over several records and writes", test_chunked },
		{ "the goodbye comes last", test_goodbye_last },
		{ "write errors", test_write_error },
	};

	return unit_add_suite("fcgi_record", tests, MOAT_NELEM(tests));
}
