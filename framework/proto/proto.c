/*
 * proto.c - the worker <-> broker frame codec and its transport (the wire
 * format is described in proto.h).
 *
 * The broker decodes what a possibly compromised worker sent, so nothing
 * here trusts a length: every one is checked against what is left of the
 * message before it is used, with comparisons that cannot wrap.  Nothing
 * allocates.  A get that fails leaves the reader where it was, so a caller
 * may try another type; the broker treats any failure as a violation.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "core/utf8.h"
#include "proto/proto.h"

/* A u32 length prefix follows the type byte of TEXT and BYTES. */
#define LENVAL_HEAD	(1 + 4)

/*
 * Room for a few fds besides the one we accept, so that a message with
 * two of them is seen whole and refused, not merely truncated; the kernel
 * closes whatever does not fit and says MSG_CTRUNC.
 */
#define RECV_MAX_FDS	8
#define RECV_CTL_LEN	CMSG_SPACE(sizeof(int) * RECV_MAX_FDS)

static void
put_be16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint16_t
get_be16(const unsigned char *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t
get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
get_be64(const unsigned char *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* Two's complement back to signed without implementation-defined casts. */
static int64_t
u64_to_i64(uint64_t u)
{
	if (u <= INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(UINT64_MAX - u) - 1;
}

/* --- writer ------------------------------------------------------------ */

void
proto_writer_begin(struct proto_writer *w, uint16_t op, uint32_t seq)
{
	put_be32(w->buf, 0);		/* set by proto_writer_finish */
	put_be16(w->buf + 4, op);
	put_be16(w->buf + 6, 0);
	put_be32(w->buf + 8, seq);
	w->len = PROTO_HEADER_LEN;
	w->failed = false;
}

void
proto_writer_flags(struct proto_writer *w, uint16_t flags)
{
	put_be16(w->buf + 6, flags);
}

/*
 * Claim n more bytes of the frame.  The first overflow fails the writer
 * for good, so a caller may put every field and check once at the end.
 */
static unsigned char *
reserve(struct proto_writer *w, size_t n)
{
	unsigned char *p;

	if (w->failed)
		return NULL;
	if (w->len > PROTO_MAX_FRAME || n > PROTO_MAX_FRAME - w->len) {
		w->failed = true;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

void
proto_put_null(struct proto_writer *w)
{
	unsigned char *p;

	if ((p = reserve(w, 1)) != NULL)
		p[0] = PROTO_T_NULL;
}

void
proto_put_bool(struct proto_writer *w, bool v)
{
	unsigned char *p;

	if ((p = reserve(w, 2)) != NULL) {
		p[0] = PROTO_T_BOOL;
		p[1] = v ? 1 : 0;
	}
}

void
proto_put_i64(struct proto_writer *w, int64_t v)
{
	unsigned char *p;

	if ((p = reserve(w, 9)) != NULL) {
		p[0] = PROTO_T_I64;
		put_be64(p + 1, (uint64_t)v);
	}
}

/* A length-prefixed field; the size is checked before the sum is formed. */
static void
put_lenval(struct proto_writer *w, enum proto_type t, const void *v,
    size_t len)
{
	unsigned char *p;

	if (len > PROTO_MAX_PAYLOAD) {
		w->failed = true;
		return;
	}
	if ((p = reserve(w, LENVAL_HEAD + len)) == NULL)
		return;
	p[0] = (unsigned char)t;
	put_be32(p + 1, (uint32_t)len);
	if (len > 0)
		memcpy(p + LENVAL_HEAD, v, len);
}

void
proto_put_text(struct proto_writer *w, const char *s, size_t len)
{
	if (w->failed)
		return;
	/* Size first: no point scanning what cannot be sent anyway. */
	if (len > PROTO_MAX_PAYLOAD || !text_valid(s, len)) {
		w->failed = true;
		return;
	}
	put_lenval(w, PROTO_T_TEXT, s, len);
}

void
proto_put_bytes(struct proto_writer *w, const void *p, size_t len)
{
	if (w->failed)
		return;
	put_lenval(w, PROTO_T_BYTES, p, len);
}

int
proto_writer_finish(struct proto_writer *w)
{
	if (w->failed || w->len < PROTO_HEADER_LEN ||
	    w->len > PROTO_MAX_FRAME)
		return -1;
	put_be32(w->buf, (uint32_t)(w->len - PROTO_HEADER_LEN));
	return 0;
}

/* --- reader ------------------------------------------------------------ */

int
proto_reader_init(struct proto_reader *r, const unsigned char *msg,
    size_t len)
{
	/*
	 * Until the header is accepted the reader is empty and past its
	 * end, so a caller that ignores our -1 still gets no field and
	 * fails proto_reader_end().
	 */
	memset(&r->hdr, 0, sizeof(r->hdr));
	r->buf = msg;
	r->len = 0;
	r->off = 1;
	if (msg == NULL || len < PROTO_HEADER_LEN || len > PROTO_MAX_FRAME)
		return -1;
	if (get_be32(msg) != len - PROTO_HEADER_LEN)
		return -1;
	if ((get_be16(msg + 6) & ~PROTO_FLAGS_KNOWN) != 0)
		return -1;
	r->hdr.length = get_be32(msg);
	r->hdr.op = get_be16(msg + 4);
	r->hdr.flags = get_be16(msg + 6);
	r->hdr.seq = get_be32(msg + 8);
	r->len = len;
	r->off = PROTO_HEADER_LEN;
	return 0;
}

int
proto_peek_type(const struct proto_reader *r)
{
	if (r->off >= r->len)
		return -1;
	/* Unknown types are returned as they are; every get refuses them. */
	return r->buf[r->off];
}

/*
 * The n bytes after the type byte of the next field, if that field has
 * type t and those bytes are all there; NULL otherwise.
 */
static const unsigned char *
field(const struct proto_reader *r, enum proto_type t, size_t n)
{
	if (r->off >= r->len || r->buf[r->off] != t)
		return NULL;
	if (n > r->len - r->off - 1)
		return NULL;
	return r->buf + r->off + 1;
}

int
proto_get_null(struct proto_reader *r)
{
	if (field(r, PROTO_T_NULL, 0) == NULL)
		return -1;
	r->off += 1;
	return 0;
}

int
proto_get_bool(struct proto_reader *r, bool *v)
{
	const unsigned char *p;

	/* Only 0 and 1, so that every value has one encoding. */
	if ((p = field(r, PROTO_T_BOOL, 1)) == NULL || p[0] > 1)
		return -1;
	*v = p[0] == 1;
	r->off += 2;
	return 0;
}

int
proto_get_i64(struct proto_reader *r, int64_t *v)
{
	const unsigned char *p;

	if ((p = field(r, PROTO_T_I64, 8)) == NULL)
		return -1;
	*v = u64_to_i64(get_be64(p));
	r->off += 9;
	return 0;
}

/* A length-prefixed field whose length lies within the message. */
static const unsigned char *
get_lenval(const struct proto_reader *r, enum proto_type t, size_t *len)
{
	const unsigned char *p;
	uint32_t n;

	if ((p = field(r, t, 4)) == NULL)
		return NULL;
	n = get_be32(p);
	if (n > r->len - r->off - LENVAL_HEAD)
		return NULL;
	*len = n;
	return p + 4;
}

int
proto_get_text(struct proto_reader *r, const char **s, size_t *len)
{
	const unsigned char *p;
	size_t n;

	if ((p = get_lenval(r, PROTO_T_TEXT, &n)) == NULL)
		return -1;
	if (!text_valid((const char *)p, n))
		return -1;
	*s = (const char *)p;
	*len = n;
	r->off += LENVAL_HEAD + n;
	return 0;
}

int
proto_get_bytes(struct proto_reader *r, const unsigned char **p, size_t *len)
{
	const unsigned char *q;
	size_t n;

	if ((q = get_lenval(r, PROTO_T_BYTES, &n)) == NULL)
		return -1;
	*p = q;
	*len = n;
	r->off += LENVAL_HEAD + n;
	return 0;
}

int
proto_reader_end(const struct proto_reader *r)
{
	return r->off == r->len ? 0 : -1;
}

/* --- transport --------------------------------------------------------- */

/* A frame proto_writer_finish() accepted; anything else is never sent. */
static bool
frame_ready(const struct proto_writer *w)
{
	if (w->failed || w->len < PROTO_HEADER_LEN ||
	    w->len > PROTO_MAX_FRAME)
		return false;
	return get_be32(w->buf) == w->len - PROTO_HEADER_LEN &&
	    (get_be16(w->buf + 6) & ~PROTO_FLAGS_KNOWN) == 0;
}

int
proto_send(int sock, const struct proto_writer *w, int pass_fd)
{
	union {
		struct cmsghdr	hdr;	/* for alignment */
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct cmsghdr *c;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;

	if (!frame_ready(w)) {
		errno = EINVAL;
		return -1;
	}
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)w->buf;	/* sendmsg does not write to it */
	iov.iov_len = w->len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (pass_fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	/* No SIGPIPE: a dead peer is an EPIPE for the caller to handle. */
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	/* SOCK_SEQPACKET sends whole messages; anything else is a bug. */
	if ((size_t)n != w->len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* How many fds an SCM_RIGHTS message holds, within the control buffer. */
static size_t
rights_count(const struct msghdr *msg, const struct cmsghdr *c)
{
	const unsigned char *end, *data;
	size_t n;

	if (c->cmsg_len < CMSG_LEN(0))
		return 0;
	n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	end = (const unsigned char *)msg->msg_control + msg->msg_controllen;
	data = CMSG_DATA(c);
	if (data > end)
		return 0;
	if (n > (size_t)(end - data) / sizeof(int))
		n = (size_t)(end - data) / sizeof(int);
	return n;
}

static bool
is_rights(const struct cmsghdr *c)
{
	return c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS;
}

/* Close every fd a message brought in, whatever else it carried. */
static void
close_rights(struct msghdr *msg)
{
	struct cmsghdr *c;
	size_t i, n;
	int fd;

	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (!is_rights(c))
			continue;
		n = rights_count(msg, c);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			(void)close(fd);
		}
	}
}

/*
 * The fd a message carries: -1 if there is no control data, -2 if there
 * is anything but one SCM_RIGHTS message with exactly one fd in it.
 */
static int
single_fd(struct msghdr *msg)
{
	struct cmsghdr *c;
	int fd;

	if ((c = CMSG_FIRSTHDR(msg)) == NULL)
		return -1;
	if (!is_rights(c) || rights_count(msg, c) != 1 ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)) ||
	    CMSG_NXTHDR(msg, c) != NULL)
		return -2;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

ssize_t
proto_recv(int sock, unsigned char *buf, int *fd_out)
{
	union {
		struct cmsghdr	hdr;	/* for alignment */
		unsigned char	buf[RECV_CTL_LEN];
	} ctl;
	struct msghdr msg;
	struct iovec iov;
	ssize_t n;
	int fd, err;

	if (fd_out != NULL)
		*fd_out = -1;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = PROTO_MAX_FRAME;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	/* Close-on-exec from the start: no window for a fork to leak it. */
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;

	fd = single_fd(&msg);
	err = 0;
	if (msg.msg_flags & MSG_TRUNC)
		err = EMSGSIZE;
	else if ((msg.msg_flags & MSG_CTRUNC) || fd == -2)
		err = EBADMSG;
	/* An fd nobody asked for, or one riding an empty message. */
	else if (fd >= 0 && (fd_out == NULL || n == 0))
		err = EBADMSG;
	if (err != 0) {
		close_rights(&msg);
		errno = err;
		return -1;
	}
	if (fd_out != NULL)
		*fd_out = fd;
	return n;
}
