/*
 * host.h - the Host header against the configured allowed_hosts.
 *
 * A request for a name the application does not serve is refused before
 * routing (400): absolute links, password-reset mails and cache keys
 * built from Host can then never point at an attacker's name.
 */
#ifndef MOAT_HTTP_HOST_H
#define MOAT_HTTP_HOST_H

#include <stdbool.h>

/*
 * True if host (the Host header: name or address, optional ":port",
 * IPv6 in brackets) is in allowed, a comma-separated list of names or
 * addresses compared without case and without port.  A list entry
 * ".example.com" also allows every subdomain.  NULL or "" host: false.
 */
bool	host_allowed(const char *allowed, const char *host);

#endif
