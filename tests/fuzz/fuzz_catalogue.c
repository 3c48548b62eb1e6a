// fuzz-sources: framework/broker/catalogue.c
/*
 * fuzz_catalogue.c - the statement catalogue parser on arbitrary bytes.
 *
 * Besides not crashing, an accepted catalogue must keep the promises the
 * broker relies on: names are identifiers, every parameter is used by
 * the SQL, text and bytes parameters have a maximum, no SQL holds ';',
 * only text parameters the worker sends are sealed, and a sealed value
 * is bound only to a parameter that can carry a row's identity.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "broker/catalogue.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_stmt(const struct stmt *s)
{
	size_t i, worker = 0;

	if (s->name[0] == '\0' || s->sql == NULL ||
	    strchr(s->sql, ';') != NULL || s->nparams > CATALOGUE_MAX_PARAMS)
		abort();
	for (i = 0; i < s->nparams; i++) {
		if ((s->params[i].type == PARAM_TEXT ||
		    s->params[i].type == PARAM_BYTES) && s->params[i].max == 0)
			abort();
		if (s->params[i].source == SOURCE_WORKER)
			worker++;
		/* Only text the worker sends is sealed, and every sensitive
		 * name that is a parameter is sealed. */
		if (s->params[i].sensitive != stmt_is_sensitive(s,
		    s->params[i].name) || (s->params[i].sensitive &&
		    (s->params[i].type != PARAM_TEXT ||
		    s->params[i].source != SOURCE_WORKER)))
			abort();
	}
	if (worker != s->nworker)
		abort();
	/* A binding is an unsealed int or short text parameter. */
	for (i = 0; i < s->nsensitive; i++) {
		const struct stmt_sensitive *e = &s->sensitive[i];
		const struct stmt_param *bp;

		if ((e->bind == NULL) != (e->bound < 0))
			abort();
		if (e->bound < 0)
			continue;
		bp = &s->params[e->bound];
		if ((size_t)e->bound >= s->nparams ||
		    strcmp(bp->name, e->bind) != 0 || bp->sensitive ||
		    bp->source == SOURCE_FILE_NAME ||
		    (bp->type != PARAM_INT && (bp->type != PARAM_TEXT ||
		    bp->max > 256)))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalogue c;
	char err[CATALOGUE_ERR_MAX];
	size_t i;

	if (catalogue_parse(&c, "fuzz", (const char *)data, size, err,
	    sizeof(err)) == 0) {
		for (i = 0; i < c.count; i++) {
			check_stmt(&c.stmts[i]);
			if (catalogue_find(&c, c.stmts[i].name,
			    strlen(c.stmts[i].name)) != &c.stmts[i])
				abort();
		}
	}
	catalogue_free(&c);
	return 0;
}
