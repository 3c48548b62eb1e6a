/*
 * channel.h - the broker's state for one worker channel: where in a
 * request it is, the session it holds for that request, its database
 * connection and the statements under way.  dispatch.c's op table says
 * what each state allows; only auth.c sets the session fields.
 */
#ifndef MOAT_BROKER_CHANNEL_H
#define MOAT_BROKER_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "broker/auth.h"
#include "broker/catalogue.h"
#include "broker/db.h"
#include "proto/proto.h"

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

#endif
