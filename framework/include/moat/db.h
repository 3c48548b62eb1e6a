/*
 * db.h - running statements from the catalogue.
 *
 * A handler never writes SQL.  It names a statement declared in the
 * application's catalogue (sql/README.md) and passes typed values for the
 * parameters the worker supplies; the broker checks them, adds the ones
 * that come from the session (the signed-in user's id), and runs the
 * prepared statement.  Asking for something the catalogue does not allow
 * is a protocol violation: the worker is replaced.
 *
 * Results live in the request's memory until the response is sent.
 */
#ifndef MOAT_DB_H
#define MOAT_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <moat/request.h>

enum moat_value_type {
	MOAT_VALUE_NULL,
	MOAT_VALUE_INT,
	MOAT_VALUE_TEXT,
	MOAT_VALUE_BOOL,
	MOAT_VALUE_BYTES,
};

/* One parameter value; build it with the MOAT_* macros below. */
struct moat_value {
	enum moat_value_type	 type;
	int64_t			 i;
	bool			 b;
	const void		*p;
	size_t			 len;
};

#define MOAT_NULL	((struct moat_value){ .type = MOAT_VALUE_NULL })
#define MOAT_INT(v)	((struct moat_value){ .type = MOAT_VALUE_INT, \
			    .i = (v) })
#define MOAT_BOOL(v)	((struct moat_value){ .type = MOAT_VALUE_BOOL, \
			    .b = (v) })
#define MOAT_TEXT(s)	((struct moat_value){ .type = MOAT_VALUE_TEXT, \
			    .p = (s), .len = strlen(s) })
#define MOAT_BYTES(p_, n) ((struct moat_value){ .type = MOAT_VALUE_BYTES, \
			    .p = (p_), .len = (n) })

/* The rows of one statement: text cells, NULL for SQL NULL. */
struct moat_rows;

/* One statement of a batch. */
struct moat_call {
	const char			*stmt;
	const struct moat_value		*values;
	size_t				 nvalues;
};

/* Outcome of a statement or batch. */
enum moat_db_status {
	MOAT_DB_OK = 0,
	MOAT_DB_FAILED = -1,	/* the statement failed: see the SQLSTATE */
	MOAT_DB_DOWN = -2,	/* the broker or the database is unreachable */
};

/**
 * Run one statement.  On MOAT_DB_OK *rows holds its result; on
 * MOAT_DB_FAILED moat_db_sqlstate() tells why ("23505": unique violation).
 */
enum moat_db_status moat_db_run(const struct moat_request *req,
		    const char *stmt, const struct moat_value *values,
		    size_t nvalues, struct moat_rows **rows);

/**
 * Run n statements in one round trip to the broker (pipeline mode in
 * PostgreSQL).  rows[i] is the result of calls[i].  If one fails, the
 * rest are not run and the whole batch is MOAT_DB_FAILED.
 */
enum moat_db_status moat_db_batch(const struct moat_request *req,
		    const struct moat_call *calls, size_t n,
		    struct moat_rows **rows);

/**
 * Store len bytes as a new file and run stmt, a statement whose
 * "file.name" parameter the broker fills with the stored file's name
 * (sql/README.md).  The worker never learns or chooses where it lives.
 */
enum moat_db_status moat_file_store(const struct moat_request *req,
		    const char *stmt, const struct moat_value *values,
		    size_t nvalues, const void *data, size_t len,
		    struct moat_rows **rows);

/**
 * Run stmt, declared "opens file", and open the stored file named by the
 * first column of its first row: *fd is then a read-only descriptor
 * (close it).  No row: MOAT_DB_FAILED with SQLSTATE "02000".
 */
enum moat_db_status moat_file_open(const struct moat_request *req,
		    const char *stmt, const struct moat_value *values,
		    size_t nvalues, int *fd);

/** The SQLSTATE of the last failed statement of this request, or "". */
const char	*moat_db_sqlstate(const struct moat_request *req);

/** Number of rows and of columns. */
size_t		 moat_rows_count(const struct moat_rows *rows);
size_t		 moat_rows_columns(const struct moat_rows *rows);

/** A cell as text, or NULL for SQL NULL or out of range. */
const char	*moat_rows_text(const struct moat_rows *rows, size_t row,
		    size_t col);

/** A cell as an integer; false if NULL, out of range or not a number. */
bool		 moat_rows_int(const struct moat_rows *rows, size_t row,
		    size_t col, int64_t *out);

#endif
