/*
 * reencrypt.c - re-sealing sensitive columns under the current data key
 * (see reencrypt.h).
 *
 * The walk is by key, in batches: each batch is one transaction that
 * locks its rows (FOR UPDATE), so the broker can keep serving while it
 * runs and a failure loses at most the batch under way.  A value that
 * does not open is counted and named by its row key, never shown, and
 * left as it is.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <sodium.h>

#include "broker/broker.h"
#include "broker/reencrypt.h"
#include "broker/secrets.h"
#include "core/config.h"

#define REENCRYPT_SQL_MAX	1024	/* nine names of 63 bytes, quoted */
#define REENCRYPT_UPDATE	"moat_reencrypt_update"

struct reencrypt_sql {
	char	first[REENCRYPT_SQL_MAX];	/* the first batch */
	char	next[REENCRYPT_SQL_MAX];	/* the batch after key $1 */
	char	update[REENCRYPT_SQL_MAX];
};

static int
is_identifier(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > CATALOGUE_NAME_MAX ||
	    !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Copy the identifier s[0..len) into dst, or fail. */
static int
take_name(char *dst, const char *s, size_t len)
{
	if (!is_identifier(s, len))
		return -1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/* One "TABLE.COLUMN[@KEYCOL][:BINDCOL]" of len bytes. */
static int
parse_target(const char *s, size_t len, struct reencrypt_target *t)
{
	const char *colon = memchr(s, ':', len), *dot, *at;
	size_t end;

	memset(t, 0, sizeof(*t));
	if (colon != NULL) {
		if (take_name(t->bind, colon + 1, len - (size_t)(colon - s) -
		    1) != 0)
			return -1;
		len = (size_t)(colon - s);
	}
	dot = memchr(s, '.', len);
	at = memchr(s, '@', len);
	end = at != NULL ? (size_t)(at - s) : len;
	if (dot == NULL || (at != NULL && at < dot))
		return -1;
	if (take_name(t->table, s, (size_t)(dot - s)) != 0 ||
	    take_name(t->column, dot + 1, end - (size_t)(dot - s) - 1) != 0)
		return -1;
	if (at == NULL) {
		memcpy(t->key, "id", 3);
		return 0;
	}
	return take_name(t->key, at + 1, len - end - 1);
}

int
reencrypt_parse_targets(const char *spec, struct reencrypt_target *t,
    size_t max, size_t *n, char *err, size_t errlen)
{
	const char *p = spec, *comma;
	size_t len;

	*n = 0;
	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (*n == max) {
			snprintf(err, errlen, "more than %zu columns", max);
			return -1;
		}
		if (parse_target(p, len, &t[*n]) != 0) {
			snprintf(err, errlen, "\"%.*s\" is not TABLE.COLUMN, "
			    "TABLE.COLUMN@KEYCOL or either with :BINDCOL "
			    "(names: [a-z_][a-z0-9_]*)",
			    (int)(len > 200 ? 200 : len), p);
			return -1;
		}
		(*n)++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int
build_sql(PGconn *pg, const struct reencrypt_target *t,
    struct reencrypt_sql *q)
{
	char *tb, *co, *ke, *bi = NULL, bind[2 * CATALOGUE_NAME_MAX + 16];
	int a = -1, b = -1, c = -1, d = 0;

	tb = PQescapeIdentifier(pg, t->table, strlen(t->table));
	co = PQescapeIdentifier(pg, t->column, strlen(t->column));
	ke = PQescapeIdentifier(pg, t->key, strlen(t->key));
	/* The third column is the binding, as text as the broker spells it. */
	if (t->bind[0] != '\0' && (bi = PQescapeIdentifier(pg, t->bind,
	    strlen(t->bind))) != NULL)
		d = snprintf(bind, sizeof(bind), "%s::text", bi);
	else
		d = snprintf(bind, sizeof(bind), "NULL::text");
	/*
	 * ORDER BY names the table's column: a bare name would be the
	 * output column, the key as text, and text order is not key order.
	 */
	if (tb != NULL && co != NULL && ke != NULL && (t->bind[0] == '\0' ||
	    bi != NULL) && d > 0 && (size_t)d < sizeof(bind)) {
		a = snprintf(q->first, sizeof(q->first), "SELECT %s::text, %s, "
		    "%s FROM %s WHERE %s IS NOT NULL ORDER BY %s.%s LIMIT %d "
		    "FOR UPDATE", ke, co, bind, tb, co, tb, ke,
		    REENCRYPT_BATCH);
		b = snprintf(q->next, sizeof(q->next), "SELECT %s::text, %s, "
		    "%s FROM %s WHERE %s IS NOT NULL AND %s.%s > $1 ORDER BY "
		    "%s.%s LIMIT %d FOR UPDATE", ke, co, bind, tb, co, tb, ke,
		    tb, ke, REENCRYPT_BATCH);
		c = snprintf(q->update, sizeof(q->update), "UPDATE %s SET "
		    "%s = $1 WHERE %s = $2", tb, co, ke);
	}
	PQfreemem(tb);
	PQfreemem(co);
	PQfreemem(ke);
	PQfreemem(bi);
	return a > 0 && (size_t)a < sizeof(q->first) && b > 0 &&
	    (size_t)b < sizeof(q->next) && c > 0 &&
	    (size_t)c < sizeof(q->update) ? 0 : -1;
}

/* Run sql; 0 if it gave the status wanted, else -1 with err. */
static int
exec_ok(PGconn *pg, const char *sql, const struct reencrypt_target *t,
    char *err, size_t errlen)
{
	PGresult *res = PQexec(pg, sql);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;

	if (rc != 0)
		snprintf(err, errlen, "%s.%s: %s: %s", t->table, t->column,
		    sql, PQresultErrorMessage(res));
	PQclear(res);
	return rc;
}

/* Seal plain again, under the current key; 1, or -1 with *why. */
static int
seal_again(const struct seal_keyring *kr, const struct reencrypt_target *t,
    const struct seal_binding *bind, const unsigned char *plain,
    size_t plain_len, char **sealed, const char **why)
{
	size_t out = seal_sealed_size(plain_len);
	enum seal_status st = SEAL_NO_MEMORY;

	if ((*sealed = malloc(out)) == NULL || (st = seal_seal(kr, t->column,
	    bind, plain, plain_len, *sealed, out)) != SEAL_OK) {
		free(*sealed);
		*sealed = NULL;
		*why = seal_strerror(st);
		return -1;
	}
	return 1;
}

/*
 * Decide one value: 0 already current, 1 re-sealed into *sealed (to
 * free), -1 did not open (*why says why).  A bound target's values open
 * with their row's binding (bind).  One sealed before the column was
 * bound opens without it, and is bound to its row only when the target
 * adopts unbound values: that is the upgrade's one run, since a value
 * copied into another row before then would be bound to that row too.
 */
static int
reseal(const struct seal_keyring *kr, const struct reencrypt_target *t,
    const struct seal_binding *bind, const char *v, size_t len,
    char **sealed, const char **why)
{
	size_t size = seal_open_size(len), plain_len = 0;
	struct seal_parts parts;
	enum seal_status st;
	unsigned char *plain;
	bool unbound = false;
	int rc;

	*sealed = NULL;
	if ((st = seal_parse(v, len, &parts)) != SEAL_OK) {
		*why = seal_strerror(st);
		return -1;
	}
	if (bind == NULL && parts.key_id == kr->current)
		return 0;
	if ((plain = malloc(size)) == NULL) {
		*why = seal_strerror(SEAL_NO_MEMORY);
		return -1;
	}
	st = seal_open(kr, t->column, bind, v, len, plain, size, &plain_len,
	    NULL);
	if (st == SEAL_FORGED && bind != NULL && seal_open(kr, t->column,
	    NULL, v, len, plain, size, &plain_len, NULL) == SEAL_OK) {
		unbound = true;
		st = SEAL_OK;
	}
	if (st != SEAL_OK) {
		*why = seal_strerror(st);
		rc = -1;
	} else if (unbound && !t->adopt_unbound) {
		*why = "sealed before the column was bound to its row "
		    "(--adopt-unbound binds it, in the upgrade's run)";
		rc = -1;
	} else if (!unbound && parts.key_id == kr->current)
		rc = 0;
	else
		rc = seal_again(kr, t, bind, plain, plain_len, sealed, why);
	sodium_memzero(plain, size);
	free(plain);
	return rc;
}

/* Write one re-sealed value back; its row is locked by this batch. */
static int
update_row(PGconn *pg, const struct reencrypt_target *t, const char *key,
    const char *sealed, char *err, size_t errlen)
{
	const char *values[2] = { sealed, key };
	PGresult *res;
	int rc;

	res = PQexecPrepared(pg, REENCRYPT_UPDATE, 2, values, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdTuples(res), "1") == 0 ? 0 : -1;
	if (rc != 0)
		snprintf(err, errlen, "%s.%s: row %s=%.64s: update: %s",
		    t->table, t->column, t->key, key,
		    PQresultStatus(res) == PGRES_COMMAND_OK ?
		    "not exactly one row" : PQresultErrorMessage(res));
	PQclear(res);
	return rc;
}

/*
 * Row r's binding, its third column (NULL for an unbound target); -1
 * if a bound row has none, so no value could be bound to it.
 */
static int
row_binding(const struct reencrypt_target *t, PGresult *res, int r,
    struct seal_binding *b, const struct seal_binding **out)
{
	*out = NULL;
	if (t->bind[0] == '\0')
		return 0;
	if (PQgetisnull(res, r, 2))
		return -1;
	b->name = t->bind;
	b->value = PQgetvalue(res, r, 2);
	b->len = (size_t)PQgetlength(res, r, 2);
	*out = b;
	return 0;
}

/* The rows of one batch, inside its transaction. */
static int
batch_rows(PGconn *pg, const struct seal_keyring *kr,
    const struct reencrypt_target *t, PGresult *res,
    struct reencrypt_counts *c, char *err, size_t errlen)
{
	const struct seal_binding *bind;
	struct seal_binding b;
	const char *why;
	char *sealed = NULL;
	int r, rc;

	for (r = 0; r < PQntuples(res); r++) {
		why = "its binding is NULL";
		rc = row_binding(t, res, r, &b, &bind) != 0 ? -1 :
		    reseal(kr, t, bind, PQgetvalue(res, r, 1),
		    (size_t)PQgetlength(res, r, 1), &sealed, &why);
		if (rc == 0)
			c->current++;
		else if (rc < 0) {
			c->failed++;
			fprintf(stderr, "%s.%s: row %s=%.64s: %s\n", t->table,
			    t->column, t->key, PQgetvalue(res, r, 0), why);
		} else {
			rc = update_row(pg, t, PQgetvalue(res, r, 0), sealed,
			    err, errlen);
			free(sealed);
			if (rc != 0)
				return -1;
			c->resealed++;
		}
	}
	return 0;
}

/*
 * One batch after key *last (NULL: from the start).  *last becomes the
 * batch's last key (to free); *more says whether a full batch came.
 */
static int
one_batch(PGconn *pg, const struct seal_keyring *kr,
    const struct reencrypt_target *t, const struct reencrypt_sql *q,
    char **last, int *more, struct reencrypt_counts *total, char *err,
    size_t errlen)
{
	struct reencrypt_counts c = { 0, 0, 0 };
	const char *values[1] = { *last };
	PGresult *res;
	int n;

	if (exec_ok(pg, "BEGIN", t, err, errlen) != 0)
		return -1;
	res = PQexecParams(pg, *last != NULL ? q->next : q->first,
	    *last != NULL ? 1 : 0, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s.%s: select: %s", t->table, t->column,
		    PQresultErrorMessage(res));
		goto fail;
	}
	if (batch_rows(pg, kr, t, res, &c, err, errlen) != 0)
		goto fail;
	n = PQntuples(res);
	*more = n == REENCRYPT_BATCH;
	free(*last);
	*last = n > 0 ? strdup(PQgetvalue(res, n - 1, 0)) : NULL;
	PQclear(res);
	if ((n > 0 && *last == NULL) ||
	    exec_ok(pg, "COMMIT", t, err, errlen) != 0)
		return -1;
	total->resealed += c.resealed;
	total->current += c.current;
	total->failed += c.failed;
	return 0;
fail:
	PQclear(res);
	PQclear(PQexec(pg, "ROLLBACK"));
	return -1;
}

int
reencrypt_column(PGconn *pg, const struct seal_keyring *kr,
    const struct reencrypt_target *t, struct reencrypt_counts *counts,
    char *err, size_t errlen)
{
	struct reencrypt_sql q;
	PGresult *res;
	char *last = NULL;
	int more = 1, rc = 0;

	if (seal_keyring_find(kr, kr->current) == NULL) {
		snprintf(err, errlen, "no current data key");
		return -1;
	}
	if (build_sql(pg, t, &q) != 0) {
		snprintf(err, errlen, "%s.%s: cannot build the statements",
		    t->table, t->column);
		return -1;
	}
	res = PQprepare(pg, REENCRYPT_UPDATE, q.update, 2, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "%s.%s: %s", t->table, t->column,
		    PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	while (more && rc == 0)
		rc = one_batch(pg, kr, t, &q, &last, &more, counts, err,
		    errlen);
	free(last);
	PQclear(PQexec(pg, "DEALLOCATE " REENCRYPT_UPDATE));
	return rc;
}

static int
usage(const char *prog)
{
	fprintf(stderr, "usage: %s -c CONFIG_FILE [--adopt-unbound] "
	    "--reencrypt TABLE.COLUMN[@KEYCOL][:BINDCOL][,...]\n", prog);
	return 2;
}

/* --adopt-unbound applies to the bound targets; without one it is a
 * mistake (a binding left out), not a no-op. */
static int
adopt_unbound(struct reencrypt_target *t, size_t n)
{
	size_t i, bound = 0;

	for (i = 0; i < n; i++)
		if (t[i].bind[0] != '\0') {
			t[i].adopt_unbound = true;
			bound++;
		}
	if (bound > 0)
		return 0;
	fprintf(stderr, "reencrypt: --adopt-unbound binds values to their "
	    "rows: name the binding column (TABLE.COLUMN:BINDCOL)\n");
	return -1;
}

/* Every column in turn; 0 if all went through without a failure. */
static int
run_targets(PGconn *pg, const struct seal_keyring *kr,
    const struct reencrypt_target *t, size_t n)
{
	struct reencrypt_counts c;
	char err[1024];
	size_t i;
	int status = 0;

	printf("re-sealing under data key %u\n", kr->current);
	for (i = 0; i < n; i++) {
		memset(&c, 0, sizeof(c));
		err[0] = '\0';
		if (reencrypt_column(pg, kr, &t[i], &c, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "reencrypt: %s\n", err);
			status = 1;
		}
		printf("%s.%s: %lu re-sealed, %lu already current, %lu "
		    "failed\n", t[i].table, t[i].column, c.resealed, c.current,
		    c.failed);
		if (c.failed > 0)
			status = 1;
	}
	fflush(stdout);
	return status;
}

/* The broker's rights, the broker's secrets, then the database. */
static int
run(const struct moat_config *cfg, const struct reencrypt_target *t,
    size_t n)
{
	static struct broker_secrets secrets;
	char err[CATALOGUE_ERR_MAX + 256];
	PGconn *pg;
	int status;

	/* Not dumpable: it is about to hold the data keys. */
	err[0] = '\0';
	if (prctl(PR_SET_DUMPABLE, 0) != 0 || sodium_init() < 0 ||
	    broker_drop_privileges(cfg->broker_user, err, sizeof(err)) != 0 ||
	    secrets_load(&secrets, cfg->broker_secrets, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "reencrypt: %s\n", err[0] != '\0' ? err :
		    "cannot initialise (prctl or libsodium)");
		return 1;
	}
	pg = PQconnectdb(secrets.database);
	if (pg == NULL || PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, "reencrypt: database: %s", pg != NULL ?
		    PQerrorMessage(pg) : "out of memory\n");
		PQfinish(pg);
		secrets_wipe(&secrets);
		return 1;
	}
	status = run_targets(pg, &secrets.keyring, t, n);
	PQfinish(pg);
	secrets_wipe(&secrets);
	return status;
}

int
reencrypt_command(int argc, char **argv)
{
	static struct moat_config cfg;
	struct reencrypt_target t[REENCRYPT_MAX_TARGETS];
	const char *path = NULL, *spec = NULL;
	char err[CONFIG_ERR_MAX];
	bool adopt = false;
	size_t n;
	int i, status;

	for (i = 1; i < argc && strcmp(argv[i], "--reencrypt") != 0; i++)
		;
	if (i == argc)
		return -1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc && path == NULL)
			path = argv[++i];
		else if (strcmp(argv[i], "--reencrypt") == 0 && i + 1 < argc &&
		    spec == NULL)
			spec = argv[++i];
		else if (strcmp(argv[i], "--adopt-unbound") == 0 && !adopt)
			adopt = true;
		else
			return usage(argv[0]);
	}
	if (path == NULL || spec == NULL)
		return usage(argv[0]);
	if (reencrypt_parse_targets(spec, t, REENCRYPT_MAX_TARGETS, &n, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "reencrypt: %s\n", err);
		return 2;
	}
	if (adopt && adopt_unbound(t, n) != 0)
		return 2;
	config_defaults(&cfg);
	if (config_load(&cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (cfg.broker_secrets == NULL) {
		fprintf(stderr, "reencrypt: %s: no broker_secrets\n", path);
		config_free(&cfg);
		return 1;
	}
	status = run(&cfg, t, n);
	config_free(&cfg);
	return status;
}
