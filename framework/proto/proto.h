/*
 * proto.h - the worker <-> broker protocol, shared by both sides.
 *
 * Transport: one AF_UNIX SOCK_SEQPACKET socketpair per worker, so the
 * kernel keeps message boundaries: one message is exactly one frame, and
 * a message larger than the receive buffer is detected (MSG_TRUNC) rather
 * than split.  File descriptors travel with a frame as SCM_RIGHTS.
 *
 * Frame: a 12-byte header, then typed fields.
 *
 *   u32 length   payload bytes after the header (big-endian)
 *   u16 op       enum proto_op
 *   u16 flags    0, or PROTO_FLAG_BEGIN; any other bit is refused
 *   u32 seq      chosen by the worker; a reply carries the request's seq
 *
 * Field: u8 type, then
 *   PROTO_T_NULL   nothing
 *   PROTO_T_BOOL   u8 0 or 1
 *   PROTO_T_I64    8 bytes big-endian two's complement
 *   PROTO_T_TEXT   u32 length + bytes: valid UTF-8, no NUL
 *   PROTO_T_BYTES  u32 length + bytes: anything
 *
 * The decoder is strict: the header length must equal the message length,
 * every field must be complete, and proto_reader_end() fails if any byte
 * is left over.  Any failure is a protocol violation: the broker closes
 * the channel, it never answers "error" and carries on.
 */
#ifndef MOAT_PROTO_PROTO_H
#define MOAT_PROTO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROTO_HEADER_LEN	12

/* HELLO carries it; the broker refuses a worker built for another. */
#define PROTO_VERSION		1

/*
 * On the first frame of a request that the broker sees (a statement, a
 * file or a session op): the request begins with it.  It saves the
 * separate REQUEST_BEGIN message, and with it one wake-up of the broker
 * per request.  It also ends the previous request if that held no session
 * (the worker sends REQUEST_END only after session ops), so a page that
 * runs one statement costs one exchange and nothing else.
 */
#define PROTO_FLAG_BEGIN	0x0001
#define PROTO_FLAGS_KNOWN	PROTO_FLAG_BEGIN
#define PROTO_MAX_FRAME		(256 * 1024)	/* header included */
#define PROTO_MAX_PAYLOAD	(PROTO_MAX_FRAME - PROTO_HEADER_LEN)

enum proto_op {
	/* worker -> broker */
	PROTO_OP_HELLO = 1,		/* first frame on a channel */
	PROTO_OP_REQUEST_BEGIN,		/* an HTTP request starts */
	PROTO_OP_REQUEST_END,		/* it is over; forget its session */
	PROTO_OP_STMT,			/* run one named statement */
	PROTO_OP_BATCH,			/* run several, one round trip */
	PROTO_OP_FILE_STORE,		/* store content under a name */
	PROTO_OP_FILE_OPEN,		/* get a read fd for a stored file */
	PROTO_OP_PING,
	/* sessions and accounts (auth.c); each is answered with R_AUTH */
	PROTO_OP_SESSION_LOAD,		/* cookie token, user agent, address */
	PROTO_OP_SESSION_START,		/* user agent, address */
	PROTO_OP_LOGIN,			/* name, password, agent, address */
	PROTO_OP_REGISTER,		/* name, password, agent, address */
	PROTO_OP_LOGOUT,
	PROTO_OP_PASSWORD_CHANGE,	/* old, new, agent, address */
	PROTO_OP_ACCOUNT_LOCK,		/* user id, locked */
	/* supervisor <-> broker, on the control socket only */
	PROTO_OP_CTL_CHANNEL = 0x4001,	/* a new worker's channel (fd), pid */
	PROTO_OP_CTL_VIOLATION,		/* broker: replace the worker, pid */
	/* broker -> worker: replies have the high bit set */
	PROTO_OP_R_OK = 0x8001,
	PROTO_OP_R_ROWS,		/* result set(s) */
	PROTO_OP_R_FAIL,		/* a refused or failed operation */
	PROTO_OP_R_FILE,		/* carries an fd */
	PROTO_OP_R_PONG,
	/*
	 * outcome (enum moat_auth), retry-after seconds, user id, admin,
	 * CSRF token or NULL, new session token or NULL (NULL: keep the
	 * cookie as it is; "": clear it)
	 */
	PROTO_OP_R_AUTH,
};

enum proto_type {
	PROTO_T_NULL = 0,
	PROTO_T_BOOL = 1,
	PROTO_T_I64 = 2,
	PROTO_T_TEXT = 3,
	PROTO_T_BYTES = 4,
};

struct proto_header {
	uint32_t	length;
	uint16_t	op;
	uint16_t	flags;
	uint32_t	seq;
};

/* Building a frame in a fixed buffer; any overflow sticks as failed. */
struct proto_writer {
	unsigned char	buf[PROTO_MAX_FRAME];
	size_t		len;
	bool		failed;
};

void	proto_writer_begin(struct proto_writer *w, uint16_t op, uint32_t seq);
/* Set the header's flags (PROTO_FLAG_*). */
void	proto_writer_flags(struct proto_writer *w, uint16_t flags);
void	proto_put_null(struct proto_writer *w);
void	proto_put_bool(struct proto_writer *w, bool v);
void	proto_put_i64(struct proto_writer *w, int64_t v);
/* Text must be valid UTF-8 without NUL, else the writer fails. */
void	proto_put_text(struct proto_writer *w, const char *s, size_t len);
void	proto_put_bytes(struct proto_writer *w, const void *p, size_t len);
/* Write the length into the header; -1 if anything failed. */
int	proto_writer_finish(struct proto_writer *w);

/* Reading a received frame; pointers returned point into the frame. */
struct proto_reader {
	const unsigned char	*buf;
	size_t			 len;
	size_t			 off;
	struct proto_header	 hdr;
};

/*
 * Check the header of a whole message of len bytes: length field equal to
 * len - PROTO_HEADER_LEN, no unknown flag, len within PROTO_MAX_FRAME.
 * 0 or -1.
 */
int	proto_reader_init(struct proto_reader *r, const unsigned char *msg,
	    size_t len);
/* The type of the next field, or -1 at the end of the frame. */
int	proto_peek_type(const struct proto_reader *r);
int	proto_get_null(struct proto_reader *r);
int	proto_get_bool(struct proto_reader *r, bool *v);
int	proto_get_i64(struct proto_reader *r, int64_t *v);
int	proto_get_text(struct proto_reader *r, const char **s, size_t *len);
int	proto_get_bytes(struct proto_reader *r, const unsigned char **p,
	    size_t *len);
/* 0 if every byte was consumed, -1 if anything is left. */
int	proto_reader_end(const struct proto_reader *r);

/*
 * Send one finished frame, with an fd attached unless pass_fd < 0.
 * Retries on EINTR; -1 with errno on failure.
 */
int	proto_send(int sock, const struct proto_writer *w, int pass_fd);

/*
 * Receive one message into buf (PROTO_MAX_FRAME bytes).  Returns its
 * length, 0 when the peer closed, -1 on error or violation (EMSGSIZE for
 * a truncated message, EBADMSG for control data other than at most one
 * fd).  A received fd is stored in *fd_out (close-on-exec) or, when
 * fd_out is NULL, closed and reported as EBADMSG.
 */
ssize_t	proto_recv(int sock, unsigned char *buf, int *fd_out);

#endif
