/*
 * logline.h - making untrusted text safe to put on one log line.
 */
#ifndef MOAT_CORE_LOGLINE_H
#define MOAT_CORE_LOGLINE_H

#include <stddef.h>

/* Longest line the log file ever gets from one message, prefix excluded. */
#define LOGLINE_MAX	2048

/*
 * Copy src[0..len) to dst (dstsize > 0), escaping control characters
 * and DEL as \xNN, and stopping before dst would overflow; a cut
 * line ends in "...".  dst is always NUL-terminated.  Returns the length
 * written.
 */
size_t	logline_escape(char *dst, size_t dstsize, const char *src, size_t len);

#endif
