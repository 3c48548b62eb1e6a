/*
 * host.c - matching the Host header (see host.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "http/host.h"

#define HOST_MAX	255

/* Host without port and brackets into out; false if malformed. */
static bool
host_name(const char *host, char *out, size_t size)
{
	const char *end;
	size_t len;

	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL ||
		    (end[1] != '\0' && end[1] != ':'))
			return false;
		host++;
	} else if ((end = strchr(host, ':')) == NULL)
		end = host + strlen(host);
	len = (size_t)(end - host);
	if (len == 0 || len >= size)
		return false;
	memcpy(out, host, len);
	out[len] = '\0';
	return true;
}

/* One list entry (trimmed) against name. */
static bool
entry_matches(const char *entry, size_t elen, const char *name)
{
	size_t nlen = strlen(name);

	if (elen > 1 && entry[0] == '.')	/* ".example.com" */
		return (nlen == elen - 1 && strncasecmp(name, entry + 1,
		    elen - 1) == 0) || (nlen > elen && strncasecmp(name +
		    nlen - elen, entry, elen) == 0);
	return nlen == elen && strncasecmp(name, entry, elen) == 0;
}

bool
host_allowed(const char *allowed, const char *host)
{
	char name[HOST_MAX + 1];
	const char *p, *e;
	size_t len;

	if (allowed == NULL || host == NULL || !host_name(host, name,
	    sizeof(name)))
		return false;
	for (p = allowed; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		for (len = (size_t)(e - p); len > 0 && (p[len - 1] == ' ' ||
		    p[len - 1] == '\t'); len--)
			;
		if (len > 0 && entry_matches(p, len, name))
			return true;
	}
	return false;
}
