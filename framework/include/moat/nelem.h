/*
 * nelem.h - the number of elements of an array, for route, field and
 * other tables.  The one such macro in Moat, framework and apps alike.
 */
#ifndef MOAT_NELEM_H
#define MOAT_NELEM_H

/* Elements in the array a (an array, never a pointer). */
#define MOAT_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#endif
