/*
 * catalogue.h - the statement catalogue: every SQL statement an
 * application may run, by name.  The format is described in sql/README.md.
 *
 * Workers never send SQL.  They name a statement and send typed parameter
 * values; the broker checks them against the entry here, fills the
 * parameters that come from the session itself, and runs the prepared
 * statement.
 */
#ifndef MOAT_BROKER_CATALOGUE_H
#define MOAT_BROKER_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>

#define CATALOGUE_NAME_MAX	63
#define CATALOGUE_MAX_PARAMS	32
#define CATALOGUE_MAX_STMTS	1024
#define CATALOGUE_ERR_MAX	512

enum stmt_role {
	ROLE_ANONYMOUS,		/* anyone, signed in or not */
	ROLE_USER,		/* a signed-in user */
	ROLE_ADMIN,		/* a signed-in admin */
};

enum param_type {
	PARAM_INT,		/* 64-bit signed integer */
	PARAM_TEXT,		/* UTF-8 text, at most max bytes */
	PARAM_BOOL,
	PARAM_BYTES,		/* binary, at most max bytes */
};

enum param_source {
	SOURCE_WORKER,		/* sent by the worker, checked here */
	SOURCE_SESSION_USER,	/* filled by the broker: the session's user id */
	SOURCE_FILE_NAME,	/* filled by the broker: a stored file's name */
};

struct stmt_param {
	char			name[CATALOGUE_NAME_MAX + 1];
	enum param_type		type;
	size_t			max;		/* TEXT and BYTES */
	enum param_source	source;
	bool			sensitive;	/* sealed when sent */
};

/*
 * A sensitive name: sealed as a parameter, opened as a result column.  A
 * bound one is sealed with the value of parameter bound (seal.h), the
 * row's identity, so that it opens only in the row it was written to.
 */
struct stmt_sensitive {
	char			*name;
	char			*bind;		/* "bound PARAM", or NULL */
	int			 bound;		/* index of that param, or -1 */
	unsigned int		 line;		/* where it was declared */
};

struct stmt {
	char			 name[CATALOGUE_NAME_MAX + 1];
	enum stmt_role		 role;
	struct stmt_param	 params[CATALOGUE_MAX_PARAMS];
	size_t			 nparams;
	size_t			 nworker;	/* params the worker sends */
	struct stmt_sensitive	 sensitive[CATALOGUE_MAX_PARAMS];
	size_t			 nsensitive;
	char			*sql;
	unsigned int		 line;		/* where it was declared */
	bool			 stores_file;	/* has a file.name parameter */
	bool			 opens_file;	/* column 1 of row 1 names a file */
};

struct catalogue {
	struct stmt	*stmts;
	size_t		 count;
	size_t		 cap;
};

/* Parse text as catalogue "name"; -1 with "name:line: reason" in err. */
int	catalogue_parse(struct catalogue *c, const char *name, const char *text,
	    size_t len, char *err, size_t errlen);

/* Read and parse a file (at most 4 MiB). */
int	catalogue_load(struct catalogue *c, const char *path, char *err,
	    size_t errlen);

/* The statement called name, or NULL. */
const struct stmt *catalogue_find(const struct catalogue *c, const char *name,
	    size_t len);

/* The sensitive entry for a result column (or parameter), or NULL. */
const struct stmt_sensitive *stmt_sensitive(const struct stmt *s,
	    const char *name);

/* Whether a result column (or parameter) called name is sensitive. */
bool	stmt_is_sensitive(const struct stmt *s, const char *name);

void	catalogue_free(struct catalogue *c);

#endif
