/*
 * db.h - one asynchronous PostgreSQL connection per worker channel.
 *
 * The broker serves every worker from one event loop, so nothing here
 * blocks once the connection is up: statements are sent with libpq's
 * asynchronous calls (a batch in pipeline mode, one round trip for N
 * statements), and results are collected as the socket becomes readable.
 */
#ifndef MOAT_DB_H
#define MOAT_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "broker/catalogue.h"
#include "broker/proto.h"

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

struct db_conn {
	PGconn			*pg;
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
 * Connect (blocking: done at start-up or when a worker is created, not
 * while serving) and prepare every statement of the catalogue.  -1 with a
 * message naming the statement that failed.
 */
int	db_connect(struct db_conn *db, const char *conninfo,
	    const struct catalogue *cat, char *err, size_t errlen);

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
