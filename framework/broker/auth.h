/*
 * auth.h - sessions, accounts and login throttling, decided in the broker.
 *
 * A worker hands over what the client sent (the session cookie's token,
 * a user name and password, the User-Agent and address) and gets back
 * decisions: who is signed in and with which role, the session's CSRF
 * token, a new session token to set.  It never sees a hash, a key or
 * another user's data.  Each operation is a short sequence of steps on the
 * channel: statements from auth_sql.c on the channel's own connection,
 * and scrypt in the hashing pool, so the loop never waits for either.
 *
 * Tokens: 32 random bytes, sent as 43 characters of unpadded base64url.
 * The database holds HMAC-SHA-256(token key, token) only.  The CSRF token
 * is HMAC-SHA-256(CSRF key, that hash): it changes with the session and
 * cannot be turned back into it.  Both keys are derived from the
 * session_key secret.
 */
#ifndef MOAT_BROKER_AUTH_H
#define MOAT_BROKER_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <moat/session.h>

#include "core/config.h"

#define AUTH_HASH_BYTES		32
#define AUTH_TOKEN_LEN		43	/* base64url of 32 bytes */
#define AUTH_PHC_MAX		256	/* a stored password hash */

struct channel;
struct dispatch_ctx;
struct proto_reader;
struct proto_writer;

/* What the operations need from the broker. */
struct auth_env {
	const struct moat_config *cfg;
	unsigned char		 token_key[32];
	unsigned char		 csrf_key[32];
	unsigned char		 agent_key[32];
};

/* One operation in progress on a channel. */
struct auth_flow {
	uint16_t	 op;		/* PROTO_OP_*, 0: none */
	int		 step;
	uint32_t	 seq;
	char		 name[MOAT_USERNAME_MAX + 1];
	char		 name_key[MOAT_USERNAME_MAX + 1];	/* lower case */
	char		 password[MOAT_PASSWORD_MAX + 1];
	char		 new_password[MOAT_PASSWORD_MAX + 1];
	char		 network[64];	/* "192.0.2.0/24" */
	unsigned char	 agent_hash[AUTH_HASH_BYTES];
	char		 keys[4][MOAT_USERNAME_MAX + 80];	/* throttle */
	int64_t		 user_id;	/* the account acted on */
	bool		 admin;
	bool		 locked;
	bool		 found;
	bool		 refused_busy;	/* STEP_REFUSED: busy, not down */
	char		 stored[AUTH_PHC_MAX];	/* its password hash */
	char		 new_hash[AUTH_PHC_MAX];
	int64_t		 target;	/* ACCOUNT_LOCK */
	bool		 lock;
	char		 token[AUTH_TOKEN_LEN + 1];	/* a new session's */
	unsigned char	 token_hash[AUTH_HASH_BYTES];
};

/* Derive the keys from session_key; -1 if libsodium fails. */
int	auth_env_init(struct auth_env *env, const struct moat_config *cfg,
	    const unsigned char session_key[32]);
void	auth_env_wipe(struct auth_env *env);

/*
 * The op handlers, for the dispatch table.  Each decodes its frame, then
 * leaves the channel in CH_DB (statements in ch->calls to send), CH_HASH
 * (ch->auth says what to hash) or with a reply in ctx->reply.  -1 is a
 * violation with ch->reason set.
 */
int	auth_op_session_load(struct dispatch_ctx *, struct channel *,
	    struct proto_reader *);
int	auth_op_session_start(struct dispatch_ctx *, struct channel *,
	    struct proto_reader *);
int	auth_op_login(struct dispatch_ctx *, struct channel *,
	    struct proto_reader *);
int	auth_op_register(struct dispatch_ctx *, struct channel *,
	    struct proto_reader *);
int	auth_op_logout(struct dispatch_ctx *, struct channel *,
	    struct proto_reader *);
int	auth_op_password_change(struct dispatch_ctx *, struct channel *,
	    struct proto_reader *);
int	auth_op_account_lock(struct dispatch_ctx *, struct channel *,
	    struct proto_reader *);

/*
 * The statements of the current step are done: rows holds their results
 * (an R_ROWS frame), failed says whether one failed.  Same outcomes as
 * the op handlers.
 */
int	auth_db_done(struct dispatch_ctx *ctx, struct channel *ch,
	    struct proto_writer *rows, bool failed);

/*
 * The pool finished ch's hash: match for a verify, or the new hash
 * (NULL if hashing failed).  Same outcomes as the op handlers.
 */
int	auth_hash_done(struct dispatch_ctx *ctx, struct channel *ch,
	    bool match, const char *new_hash);

/*
 * What ch (in CH_HASH) waits for: verify (*password against *stored, or
 * against the pool's dummy when *stored is NULL) or a new hash.
 */
void	auth_hash_job(const struct channel *ch, bool *verify,
	    const char **password, const char **stored);

/* Answer MOAT_AUTH_DOWN, logging why (never a secret). */
int	auth_down(struct dispatch_ctx *ctx, struct channel *ch,
	    const char *why);

/*
 * The hashing pool refused the job (busy: every slot taken): answer
 * MOAT_AUTH_BUSY, or MOAT_AUTH_DOWN; a password check first takes back
 * the attempt it counted, so it may leave the channel in CH_DB.
 */
int	auth_hash_refused(struct dispatch_ctx *ctx, struct channel *ch,
	    bool busy);

/* Token helpers (auth_token.c). */

/* True if s is exactly AUTH_TOKEN_LEN characters of base64url. */
bool	auth_token_valid(const char *s, size_t len);
/* A new random token and its hash; -1 if encoding fails. */
int	auth_token_new(const struct auth_env *env,
	    char token[AUTH_TOKEN_LEN + 1], unsigned char hash[AUTH_HASH_BYTES]);
/* The stored form of a token; -1 unless auth_token_valid(). */
int	auth_token_hash(const struct auth_env *env, const char *token,
	    size_t len, unsigned char hash[AUTH_HASH_BYTES]);
/* The CSRF token of the session whose token hashes to hash. */
void	auth_csrf_token(const struct auth_env *env,
	    const unsigned char hash[AUTH_HASH_BYTES],
	    char out[AUTH_TOKEN_LEN + 1]);
/* A keyed hash of a User-Agent value, for binding. */
void	auth_agent_hash(const struct auth_env *env, const char *agent,
	    size_t len, unsigned char out[AUTH_HASH_BYTES]);
/*
 * The client's network: an IPv4 address's /24 or an IPv6 address's /64,
 * as "192.0.2.0/24"; "unknown" for anything else.
 */
void	auth_network(const char *addr, size_t len, char *out, size_t outlen);

/* The request is over: forget its session and wipe what is left. */
void	auth_request_end(struct channel *ch);

/*
 * Whether the channel's request holds anything auth_request_end would
 * forget: a session, a user or role, or a session operation under way.
 */
bool	auth_request_holds_state(const struct channel *ch);

#endif
