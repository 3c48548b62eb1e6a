/*
 * split.c - cutting a writable string into pieces in place (see split.h).
 */
#include <string.h>

#include "core/split.h"

char *
split_word(char **rest, const char *delims)
{
	char *s = *rest, *end;

	if (s == NULL)
		return NULL;
	s += strspn(s, delims);
	if (*s == '\0') {
		*rest = NULL;
		return NULL;
	}
	end = s + strcspn(s, delims);
	if (*end == '\0')
		*rest = NULL;
	else {
		*end = '\0';
		*rest = end + 1;
	}
	return s;
}

char *
split_line(char **rest)
{
	char *s = *rest, *nl;

	if (s == NULL || *s == '\0') {
		*rest = NULL;
		return NULL;
	}
	if ((nl = strchr(s, '\n')) == NULL)
		*rest = NULL;
	else {
		*nl = '\0';
		*rest = nl + 1;
	}
	return s;
}
