/*
 * split.h - cutting a writable string into pieces in place, instead of
 * strtok(3)/strtok_r(3) (banned: they hide their position in static or
 * caller state and silently merge empty fields).
 */
#ifndef MOAT_CORE_SPLIT_H
#define MOAT_CORE_SPLIT_H

/*
 * The next word of *rest: delimiters before it are skipped, the first
 * one after it becomes NUL and *rest moves past it.  NULL once only
 * delimiters (or nothing) are left.
 */
char	*split_word(char **rest, const char *delims);

/*
 * The next line of *rest, empty lines included, so that a caller can
 * count them: the '\n' that ends it becomes NUL.  NULL at the end of the
 * string; a last line without '\n' is still returned.
 */
char	*split_line(char **rest);

#endif
