/*
 * db.h - one asynchronous PostgreSQL connection per worker channel.
 *
 * The broker serves every worker from one event loop, so nothing here
 * blocks: the connection is made with PQconnectStart/PQconnectPoll and the
 * catalogue prepared in one pipeline, both driven by the loop's poll() and
 * bounded by connect_timeout (else 10 s); statements are sent with libpq's
 * asynchronous calls (a batch in pipeline mode, one round trip for N
 * statements), and results are collected as the socket becomes readable.
 * (A host name in the conninfo is looked up synchronously by libpq: give
 * hostaddr, or a name the resolver answers at once, such as localhost.)
 */
#ifndef MOAT_BROKER_DB_H
#define MOAT_BROKER_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "broker/catalogue.h"
#include "proto/proto.h"

#define DB_MAX_BATCH	32
/* A sensitive value did not open: tampered, moved or unknown key. */
#define DB_SQLSTATE_UNSEALED	"MT001"

/* A checked parameter value, in the statement's declared type. */
struct db_value {
	bool			 is_null;
	int64_t			 i;		/* PARAM_INT */
	bool			 b;		/* PARAM_BOOL */
	const char		*p;		/* PARAM_TEXT, PARAM_BYTES */
	size_t			 len;
};

struct db_call {
	const struct stmt	*stmt;
	struct db_value		 values[CATALOGUE_MAX_PARAMS];
};

enum db_phase {
	DB_CONNECTING,		/* PQconnectPoll */
	DB_PREPARING,		/* the catalogue's prepares are out */
	DB_READY,
};

struct db_conn {
	PGconn			*pg;
	enum db_phase		 phase;
	PostgresPollingStatusType poll;		/* what connecting waits for */
	long long		 timeout_ms;
	long long		 deadline_ms;	/* not ready by then: give up */
	const struct catalogue	*cat;		/* being prepared */
	size_t			 prepared;	/* prepare results seen */
	char			 prep_err[512];	/* the first that failed */
	bool			 was_ready;	/* this channel had a connection */
	size_t			 pending;	/* results still to collect */
	bool			 pipeline;
	bool			 want_write;	/* output not yet flushed */
	bool			 failed;	/* a statement failed */
	char			 sqlstate[6];
	/* Column 1 of row 1 of the first result, for "opens file". */
	char			 first_value[64];
	bool			 have_first;
	/* The calls sent, and whose results are arriving (seal.c). */
	const struct db_call	*sent;
	size_t			 nsent;
	size_t			 result_of;
};

/*
 * Start connecting; the catalogue and the broker's own statements will be
 * prepared on the new connection.  It has connect_timeout (else 10 s), at
 * most max_ms if that is not 0.  db is zeroed or was used before (whether
 * it was ever ready is kept).  -1 with a message if it cannot start.
 */
int	db_connect_start(struct db_conn *db, const char *conninfo,
	    const struct catalogue *cat, long long max_ms, char *err,
	    size_t errlen);

/*
 * Carry a connection being made one step further: when its socket is
 * ready for db_events(), or at db_deadline_ms().  1 once it is ready for
 * statements, 0 while it is not, -1 (closed) with a message naming the
 * statement that failed to prepare, the server's error, or the timeout.
 */
int	db_connect_step(struct db_conn *db, char *err, size_t errlen);

/* Both of the above, on a new db, waiting in poll(): for start-up only. */
int	db_connect(struct db_conn *db, const char *conninfo,
	    const struct catalogue *cat, char *err, size_t errlen);

bool	db_is_ready(const struct db_conn *db);
bool	db_connecting(const struct db_conn *db);
/* The poll() events to wait for on db_socket(). */
short	db_events(const struct db_conn *db);
/* When a connection being made gives up (monotonic ms); 0: none. */
long long db_deadline_ms(const struct db_conn *db);

void	db_close(struct db_conn *db);

/* The socket to poll, or -1. */
int	db_socket(const struct db_conn *db);

/*
 * Send n calls (n > 1 uses pipeline mode); they must stay as they are
 * until db_collect() has all their results, which are opened with their
 * values (a bound sensitive column).  -1 if the connection broke,
 * DB_SEAL_FAILED if a sensitive value could not be sealed (nothing of it
 * was sent, but earlier calls of a batch may have been).
 */
#define DB_SEAL_FAILED	(-2)
int	db_send(struct db_conn *db, const struct db_call *calls, size_t n);

/*
 * Flush output and read what has arrived.  Appends every completed result
 * set to reply (a PROTO_OP_R_ROWS frame under construction).  Returns 1
 * when all results are in, 0 when more are to come, -1 if the connection
 * broke.  A failed statement sets db->failed and db->sqlstate; so does a
 * sensitive column whose value does not open (DB_SQLSTATE_UNSEALED).
 */
int	db_collect(struct db_conn *db, struct proto_writer *reply);

#endif
