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
#include "broker/channel.h"
#include "proto/proto.h"

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
