/*
 * incident.h - short random ids that tie an error page to its log line.
 */
#ifndef MOAT_CORE_INCIDENT_H
#define MOAT_CORE_INCIDENT_H

#define INCIDENT_ID_LEN	12

/* Write a fresh id (Crockford base32, 60 random bits) and a NUL to out. */
void	incident_new(char out[INCIDENT_ID_LEN + 1]);

/* Forget buffered randomness: call in a child after fork(). */
void	incident_forget(void);

#endif
