/*
 * token.h - HTTP's character classes, shared by every parser and by the
 * response code so that all of them agree on what a token is.
 */
#ifndef MOAT_HTTP_TOKEN_H
#define MOAT_HTTP_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* RFC 9110 tchar. */
static inline bool
http_is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A non-empty NUL-terminated token. */
static inline bool
http_is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!http_is_tchar((unsigned char)*s))
			return false;
	return true;
}

/*
 * A request method as Moat accepts it: 1 to 16 upper-case letters.  Real
 * methods are a subset of tokens; refusing the rest keeps odd bytes out of
 * routing and logs.
 */
static inline bool
http_is_method(const char *m)
{
	size_t n = 0;

	for (; *m != '\0'; m++, n++)
		if (*m < 'A' || *m > 'Z')
			return false;
	return n > 0 && n <= 16;
}

/* 8-4-4-4-12 hexadecimal digits, either case: a UUID in its text form. */
static inline bool
http_is_uuid(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	}
	return s[36] == '\0';
}

#endif
