/*
 * config.h - the instance configuration file.
 *
 * "key = value" lines; the table of keys, their defaults and their bounds
 * is in config.c.  Errors come back as "file:line: reason" so an operator
 * can go straight to the line.
 */
#ifndef MOAT_CORE_CONFIG_H
#define MOAT_CORE_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <moat/log.h>

#include "core/limits.h"

#define CONFIG_ERR_MAX	512
#define CONFIG_LISTEN_INHERIT	"fd:0"
#define CONFIG_NO_CAP		UINT_MAX	/* landlock_max_abi unset */

struct moat_config {
	char			*listen;	/* socket path or "fd:0" */
	unsigned int		 socket_mode;
	char			*socket_group;	/* NULL: keep the default */
	char			*fastcgi_peers;	/* TCP only: allowed peer IPs */
	char			*allowed_hosts;	/* Host header values served */
	unsigned int		 hsts_max_age;	/* seconds; 0: no HSTS */
	char			*pidfile;
	char			*log_file;	/* "-" is stderr */
	enum moat_log_level	 log_level;
	unsigned int		 workers;
	unsigned long		 max_requests;	/* 0: never recycle */
	unsigned int		 request_timeout;	/* seconds */
	unsigned int		 max_kept_connections;
	unsigned int		 kept_idle_timeout;	/* seconds */
	unsigned int		 kept_handoff_ms;	/* 0: never */
	struct moat_limits	 limits;
	char			*worker_user;	/* workers run as this user */
	char			*worker_chroot;	/* ... chrooted here (root) */
	size_t			 worker_max_memory;	/* 0: unlimited */
	bool			 sandbox_debug;	/* log denied syscalls */
	unsigned int		 landlock_max_abi;	/* testing; CONFIG_NO_CAP */
	char			*catalogue;	/* statement catalogue: broker */
	char			*broker_secrets;	/* read by the broker only */
	char			*broker_user;	/* the broker runs as this user */
	size_t			 store_quota_bytes;	/* file store; 0: none */
	char			*templates;	/* template directory, or NULL */
	/* Sessions and accounts (broker). */
	unsigned int		 session_idle_timeout;	/* seconds */
	unsigned int		 session_absolute_timeout;	/* seconds */
	bool			 session_bind_agent;	/* User-Agent */
	bool			 session_bind_network;	/* /24 or /64 */
	unsigned int		 hash_threads;	/* scrypt threads in the broker */
	unsigned int		 hash_queue;	/* waiting hashes, then busy */
	unsigned int		 scrypt_log2_n;	/* cost of new hashes */
	unsigned int		 scrypt_r;
	unsigned int		 scrypt_p;
	/* An old key name the file used and its new one, to be logged. */
	const char		*renamed_key;
	const char		*renamed_to;
};

/* Fill in every default; string keys become NULL. */
void	config_defaults(struct moat_config *cfg);

/*
 * Parse text as the config file "name".  On error returns -1 and writes
 * "name:line: reason" to err.  cfg must hold defaults on entry.
 */
int	config_parse(struct moat_config *cfg, const char *name,
	    const char *text, size_t len, char *err, size_t errlen);

/* Read and parse the file at path (at most 1 MiB). */
int	config_load(struct moat_config *cfg, const char *path, char *err,
	    size_t errlen);

/* Release the strings; the struct may be filled again with defaults. */
void	config_free(struct moat_config *cfg);

#endif
