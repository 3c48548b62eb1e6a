/*
 * fcgi_record.c - FastCGI records the worker writes itself (see
 * fcgi_record.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "worker/fcgi_record.h"

/* Content per FCGI_STDOUT record: under the 16-bit limit, 8-aligned. */
#define REPLY_CHUNK	32768
/* iovecs per write: a header and a chunk per record, plus the tail. */
#define REPLY_IOV	64
#define REPLY_RECORDS	(REPLY_IOV / 2)

struct reply {
	int		 fd;
	struct iovec	 iov[REPLY_IOV];
	size_t		 niov;
	unsigned char	 hdr[REPLY_RECORDS][FCGI_HEADER_LEN];
	size_t		 nhdr;
};

void
fcgi_record_header(unsigned char h[FCGI_HEADER_LEN], int type,
    int request_id, size_t len)
{
	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)((request_id >> 8) & 0xff);
	h[3] = (unsigned char)(request_id & 0xff);
	h[4] = (unsigned char)((len >> 8) & 0xff);
	h[5] = (unsigned char)(len & 0xff);
	h[6] = 0;
	h[7] = 0;
}

void
fcgi_end_record(unsigned char r[FCGI_END_RECORD_LEN], int request_id,
    uint32_t app_status)
{
	unsigned char *b = r + FCGI_HEADER_LEN;

	fcgi_record_header(r, FCGI_END_REQUEST, request_id,
	    sizeof(FCGI_EndRequestBody));
	memset(b, 0, sizeof(FCGI_EndRequestBody));
	b[0] = (unsigned char)(app_status >> 24);
	b[1] = (unsigned char)(app_status >> 16);
	b[2] = (unsigned char)(app_status >> 8);
	b[3] = (unsigned char)app_status;
	b[4] = FCGI_REQUEST_COMPLETE;
}

void
fcgi_goodbye_record(unsigned char r[FCGI_GOODBYE_LEN])
{
	fcgi_record_header(r, FCGI_UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID,
	    sizeof(FCGI_UnknownTypeBody));
	memset(r + FCGI_HEADER_LEN, 0, sizeof(FCGI_UnknownTypeBody));
}

/* writev until everything went, whatever the kernel takes per call. */
static int
reply_flush(struct reply *r)
{
	struct iovec *v = r->iov;
	size_t n = r->niov;
	ssize_t done;

	while (n > 0) {
		if ((done = writev(r->fd, v, (int)n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (; n > 0 && (size_t)done >= v->iov_len; v++, n--)
			done -= (ssize_t)v->iov_len;
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + done;
			v->iov_len -= (size_t)done;
		}
	}
	r->niov = r->nhdr = 0;
	return 0;
}

/* Room for one more record (header and content) in this write. */
static int
reply_room(struct reply *r, size_t niov)
{
	if (r->niov + niov > REPLY_IOV || r->nhdr == REPLY_RECORDS)
		return reply_flush(r);
	return 0;
}

static void
reply_add(struct reply *r, const void *p, size_t len)
{
	r->iov[r->niov].iov_base = (void *)p;
	r->iov[r->niov].iov_len = len;
	r->niov++;
}

/* p[0..len) as FCGI_STDOUT records of at most REPLY_CHUNK bytes. */
static int
reply_stdout(struct reply *r, int request_id, const unsigned char *p,
    size_t len)
{
	size_t n;

	while (len > 0) {
		n = len < REPLY_CHUNK ? len : REPLY_CHUNK;
		if (reply_room(r, 2) != 0)
			return -1;
		fcgi_record_header(r->hdr[r->nhdr], FCGI_STDOUT, request_id,
		    n);
		reply_add(r, r->hdr[r->nhdr++], FCGI_HEADER_LEN);
		reply_add(r, p, n);
		p += n;
		len -= n;
	}
	return 0;
}

int
fcgi_reply_write(int fd, int request_id, const void *head, size_t headlen,
    const void *body, size_t bodylen, bool goodbye)
{
	unsigned char end[FCGI_END_RECORD_LEN], bye[FCGI_GOODBYE_LEN];
	struct reply r;

	r.fd = fd;
	r.niov = r.nhdr = 0;
	if (reply_stdout(&r, request_id, head, headlen) != 0 ||
	    reply_stdout(&r, request_id, body, bodylen) != 0)
		return -1;
	/* The tail goes in one write: END_REQUEST and the goodbye must
	 * reach the peer together (fcgi_record.h). */
	if (reply_room(&r, 3) != 0)
		return -1;
	fcgi_record_header(r.hdr[r.nhdr], FCGI_STDOUT, request_id, 0);
	reply_add(&r, r.hdr[r.nhdr++], FCGI_HEADER_LEN);
	fcgi_end_record(end, request_id, 0);
	reply_add(&r, end, sizeof(end));
	if (goodbye) {
		fcgi_goodbye_record(bye);
		reply_add(&r, bye, sizeof(bye));
	}
	return reply_flush(&r);
}
