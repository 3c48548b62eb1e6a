/*
 * peer.c - which TCP peers may speak FastCGI to a worker (see listener.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/split.h"
#include "worker/listener.h"

bool
listener_peer_allowed(const struct moat_config *cfg, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN], list[1024];
	char *tok, *rest = list;
	const void *raw;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return false;
	if (ss.ss_family == AF_INET)
		raw = &((struct sockaddr_in *)&ss)->sin_addr;
	else if (ss.ss_family == AF_INET6)
		raw = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	else
		return true;
	if (inet_ntop(ss.ss_family, raw, addr, sizeof(addr)) == NULL ||
	    cfg->fastcgi_peers == NULL ||
	    strlen(cfg->fastcgi_peers) >= sizeof(list))
		return false;
	memcpy(list, cfg->fastcgi_peers, strlen(cfg->fastcgi_peers) + 1);
	while ((tok = split_word(&rest, ",")) != NULL)
		if (strcmp(tok, addr) == 0)
			return true;
	return false;
}
