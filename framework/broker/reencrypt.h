/*
 * reencrypt.h - the re-encrypt command: after a data key rotation,
 * re-seal every sensitive value still sealed under an older key.
 *
 *   PROG -c CONFIG [--adopt-unbound] --reencrypt
 *       TABLE.COLUMN[@KEYCOL][:BINDCOL][,TABLE.COLUMN...]
 *
 * A column bound to its row (sensitive COLUMN bound PARAM) names the
 * table column that holds the binding, BINDCOL, which must be PARAM's
 * name too: its value is the row's identity in the associated data.
 * --adopt-unbound, for the run that upgrades a column to a binding,
 * also re-seals values sealed before it was bound, binding them to the
 * row they are in.
 *
 * It runs with the broker's rights (it drops to broker_user when started
 * as root, and reads the broker's secrets file as the broker does),
 * walks each table in key order in batches, each batch one transaction
 * that locks its rows, and prints how many values it re-sealed, how many
 * were already current and how many did not open.
 */
#ifndef MOAT_BROKER_REENCRYPT_H
#define MOAT_BROKER_REENCRYPT_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "broker/catalogue.h"
#include "broker/seal.h"

#define REENCRYPT_MAX_TARGETS	32
#define REENCRYPT_BATCH		500

struct reencrypt_target {
	char	table[CATALOGUE_NAME_MAX + 1];
	char	column[CATALOGUE_NAME_MAX + 1];
	char	key[CATALOGUE_NAME_MAX + 1];	/* id, or KEYCOL */
	char	bind[CATALOGUE_NAME_MAX + 1];	/* BINDCOL, or "" */
	bool	adopt_unbound;			/* bind unbound values */
};

struct reencrypt_counts {
	unsigned long	resealed;	/* opened, sealed anew */
	unsigned long	current;	/* under the current key */
	unsigned long	failed;		/* not sealed, or shut */
};

/*
 * Parse "TABLE.COLUMN[@KEYCOL][:BINDCOL][,...]" into at most max
 * targets; every name an identifier ([a-z_][a-z0-9_]*, at most 63
 * bytes).  -1 with a reason in err.
 */
int	reencrypt_parse_targets(const char *spec, struct reencrypt_target *t,
	    size_t max, size_t *n, char *err, size_t errlen);

/*
 * Re-seal one column under kr's current key, batch by batch, adding to
 * counts.  -1 (with err) if the database refused a statement: that
 * batch is rolled back, the batches before it stay committed.
 */
int	reencrypt_column(PGconn *pg, const struct seal_keyring *kr,
	    const struct reencrypt_target *t, struct reencrypt_counts *counts,
	    char *err, size_t errlen);

/*
 * The command: -1 if argv does not ask for --reencrypt, else the exit
 * status (0 all done, 1 failures or errors, 2 usage).
 */
int	reencrypt_command(int argc, char **argv);

#endif
