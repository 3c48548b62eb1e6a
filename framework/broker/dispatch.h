/*
 * dispatch.h - what a worker channel may ask, and in which state.
 *
 * After OpenSSH's monitor: each channel has a state, and a table says for
 * every op the states in which it is allowed.  Anything else (an unknown
 * op, an op out of state, a malformed frame, an unknown statement, a wrong
 * parameter) is a violation: the caller closes the channel and has the
 * supervisor replace the worker.  Identity is the channel itself; no frame
 * field ever says who the worker is or which user it serves.
 */
#ifndef MOAT_BROKER_DISPATCH_H
#define MOAT_BROKER_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "broker/catalogue.h"
#include "broker/db.h"
#include "proto/proto.h"
#include "broker/auth.h"

enum channel_state {
	CH_NEW,		/* waiting for HELLO */
	CH_IDLE,	/* between requests */
	CH_REQUEST,	/* inside a request */
	CH_DB,		/* a statement or batch is running */
	CH_HASH,	/* a password is being hashed (auth.c) */
};

enum file_op {
	FILE_OP_NONE,
	FILE_OP_STORE,		/* write file_in to the store, then the stmt */
	FILE_OP_OPEN,		/* run the stmt, open the name it returns */
};

struct channel {
	int			 fd;
	pid_t			 worker_pid;
	enum channel_state	 state;
	uint32_t		 db_seq;	/* seq of the running statement */
	enum file_op		 file_op;
	int			 file_in;	/* FILE_STORE content, or -1 */
	char			 file_name[33];	/* the stored name we made */
	/* The session of the current request, set by auth.c only. */
	int64_t			 user_id;	/* 0: nobody signed in */
	enum stmt_role		 role;
	bool			 has_session;
	unsigned char		 session_hash[AUTH_HASH_BYTES];
	struct auth_flow	 auth;		/* a session op under way */
	struct db_conn		 db;		/* pg NULL: reconnect later */
	long long		 db_retry_ms;	/* not before (monotonic) */
	struct db_call		 calls[DB_MAX_BATCH];
	size_t			 ncalls;
	char			 reason[160];	/* why it was closed */
	/* Text values, NUL-terminated for libpq, live here while they run. */
	char			 text[PROTO_MAX_FRAME + 2 * CATALOGUE_MAX_PARAMS *
				     DB_MAX_BATCH];
	size_t			 text_used;
	/* The rows reply, built up as results arrive. */
	struct proto_writer	 rows;
};

struct dispatch_ctx {
	const struct catalogue	*cat;
	const struct auth_env	*auth;
	struct proto_writer	*reply;		/* scratch for replies */
	bool			 has_reply;	/* reply holds a frame to send */
	int			 fd;		/* received with the frame, or -1;
						 * a handler that keeps it sets -1 */
};

/*
 * Handle one frame from ch.  Returns 0 and maybe a reply in ctx->reply
 * (ctx->has_reply), or -1 for a violation with ch->reason set.  After a
 * statement or batch the channel is in CH_DB with ch->calls to run.
 */
int	dispatch_frame(struct dispatch_ctx *ctx, struct channel *ch,
	    const unsigned char *msg, size_t len);

/* Record why ch is closed (its reason); returns -1 for the caller. */
int	channel_violation(struct channel *ch, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Name of a state, for logs. */
const char *channel_state_name(enum channel_state s);

#endif
