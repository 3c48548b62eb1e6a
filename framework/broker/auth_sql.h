/*
 * auth_sql.h - the broker's own statements: sessions, accounts, throttling.
 *
 * They are not part of the application's catalogue, so no worker can name
 * them: only the broker's session and account operations (auth.c) run
 * them, on the channel's connection, prepared next to the catalogue.
 * Their names contain a dot, which a catalogue name never does, so the
 * two sets cannot collide.  The tables are in sql/framework.sql.
 */
#ifndef MOAT_BROKER_AUTH_SQL_H
#define MOAT_BROKER_AUTH_SQL_H

#include "broker/catalogue.h"

enum auth_stmt {
	AS_SESSION_LOAD,	/* hash, idle, absolute, touch -> user,
				 * admin, agent hash (hex), network,
				 * due a touch */
	AS_SESSION_TOUCH,	/* hash: last_seen is now */
	AS_SESSION_CREATE,	/* hash, user|NULL, agent|NULL, net|NULL,
				 * idle, absolute */
	AS_SESSION_DELETE,	/* hash */
	AS_SESSION_DELETE_USER,	/* user id */
	AS_USER_BY_NAME,	/* name -> id, hash, admin, locked */
	AS_USER_BY_ID,		/* id -> id, hash, admin, locked */
	AS_USER_INSERT,		/* name, hash -> id (no row: taken) */
	AS_USER_SET_PASSWORD,	/* id, hash */
	AS_USER_LOCK,		/* id, locked -> id */
	AS_THROTTLE_ATTEMPT,	/* key x 3, trusted, free x 3, cap x 3,
				 * window -> seconds (0: counted) */
	AS_THROTTLE_TRUST,	/* trusted: the account used this network */
	AS_THROTTLE_RELEASE,	/* key, free: take the attempt back */
	AS_THROTTLE_CLEAR,	/* key */
	AS_THROTTLE_PURGE,
	AS_COUNT
};

/* The statements as a catalogue, built once; NULL if out of memory. */
const struct catalogue *auth_sql_catalogue(void);

/* One of them. */
const struct stmt *auth_sql(enum auth_stmt which);

#endif
