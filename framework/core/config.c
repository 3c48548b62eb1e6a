/*
 * config.c - parsing the instance configuration file (see config.h).
 *
 * One table lists every key with its type, bounds and default, so adding a
 * setting is one line here plus its field in struct moat_config.  The parser
 * is strict on purpose: an unknown key is usually a typo, and a typo in a
 * limit silently left at its default is how limits stop protecting anyone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <moat/nelem.h>

#include "core/config.h"

#define CONFIG_FILE_MAX	(1024 * 1024)
#define CONFIG_LINE_MAX	1024
#define KiB		1024ULL
#define MiB		(1024ULL * 1024)
#define GiB		(1024ULL * 1024 * 1024)

enum key_type {
	KEY_LISTEN,	/* absolute socket path or "fd:0" */
	KEY_PATH,	/* absolute path */
	KEY_LOGPATH,	/* absolute path or "-" */
	KEY_NAME,	/* a user or group name */
	KEY_PEERS,	/* comma-separated IP addresses */
	KEY_HOSTS,	/* comma-separated host names and addresses */
	KEY_UINT,
	KEY_ULONG,
	KEY_SIZE,	/* bytes, with an optional k/M/G suffix */
	KEY_MODE,	/* octal permission bits */
	KEY_LEVEL,	/* log level */
	KEY_BOOL,	/* on or off */
	KEY_SIZE_OFF,	/* a KEY_SIZE within min..max, or 0 for off */
};

struct config_key {
	const char		*name;
	enum key_type		 type;
	size_t			 offset;
	unsigned long long	 min;
	unsigned long long	 max;
	unsigned long long	 def;
	bool			 required;
};

#define CFG(f)	offsetof(struct moat_config, f)
#define LIM(f)	(offsetof(struct moat_config, limits) + \
		    offsetof(struct moat_limits, f))

static const struct config_key config_keys[] = {
	{ "listen", KEY_LISTEN, CFG(listen), 0, 0, 0, true },
	{ "socket_mode", KEY_MODE, CFG(socket_mode), 0, 0777, 0660, false },
	{ "socket_group", KEY_NAME, CFG(socket_group), 0, 0, 0, false },
	{ "fastcgi_peers", KEY_PEERS, CFG(fastcgi_peers), 0, 0, 0, false },
	/* Host header values served; any other gets 400. */
	{ "allowed_hosts", KEY_HOSTS, CFG(allowed_hosts), 0, 0, 0, false },
	/* Strict-Transport-Security max-age on HTTPS responses; 0: none. */
	{ "hsts_max_age", KEY_UINT, CFG(hsts_max_age), 0, 100000000,
	    63072000, false },
	{ "pidfile", KEY_PATH, CFG(pidfile), 0, 0, 0, true },
	{ "log_file", KEY_LOGPATH, CFG(log_file), 0, 0, 0, false },
	{ "log_level", KEY_LEVEL, CFG(log_level), 0, 0, MOAT_LOG_INFO, false },
	{ "workers", KEY_UINT, CFG(workers), 1, 256, 4, false },
	{ "max_requests", KEY_ULONG, CFG(max_requests), 0, 1000000000, 10000,
	    false },
	{ "request_timeout", KEY_UINT, CFG(request_timeout), 1, 3600, 10,
	    false },
	{ "max_kept_connections", KEY_UINT, CFG(max_kept_connections), 1, 64,
	    16, false },
	{ "kept_idle_timeout", KEY_UINT, CFG(kept_idle_timeout), 1, 3600, 300,
	    false },
	{ "kept_handoff_ms", KEY_UINT, CFG(kept_handoff_ms), 0, 3600000, 20,
	    false },
	{ "max_body_bytes", KEY_SIZE, LIM(max_body_bytes), 0, 64 * MiB,
	    1 * MiB, false },
	{ "max_multipart_bytes", KEY_SIZE, LIM(max_multipart_bytes), 0,
	    1 * GiB, 10 * MiB, false },
	{ "max_file_bytes", KEY_SIZE, LIM(max_file_bytes), 0, 1 * GiB,
	    8 * MiB, false },
	{ "max_files", KEY_SIZE, LIM(max_files), 0, 1000, 8, false },
	{ "max_params", KEY_SIZE, LIM(max_params), 1, 10000, 100, false },
	{ "max_name_bytes", KEY_SIZE, LIM(max_name_bytes), 1, 4 * KiB, 128,
	    false },
	{ "max_value_bytes", KEY_SIZE, LIM(max_value_bytes), 1, 64 * MiB,
	    64 * KiB, false },
	{ "max_path_bytes", KEY_SIZE, LIM(max_path_bytes), 1, 64 * KiB,
	    2 * KiB, false },
	{ "max_query_bytes", KEY_SIZE, LIM(max_query_bytes), 0, 1 * MiB,
	    8 * KiB, false },
	{ "max_headers", KEY_SIZE, LIM(max_headers), 1, 1000, 64, false },
	{ "max_header_bytes", KEY_SIZE, LIM(max_header_bytes), 1, 1 * MiB,
	    8 * KiB, false },
	{ "max_cookie_bytes", KEY_SIZE, LIM(max_cookie_bytes), 0, 1 * MiB,
	    8 * KiB, false },
	{ "worker_user", KEY_NAME, CFG(worker_user), 0, 0, 0, false },
	{ "worker_chroot", KEY_PATH, CFG(worker_chroot), 0, 0, 0, false },
	/* Below 64M a worker cannot even map its libraries and buffers. */
	{ "worker_max_memory", KEY_SIZE_OFF, CFG(worker_max_memory), 64 * MiB,
	    1024 * GiB, 1 * GiB, false },
	{ "sandbox_debug", KEY_BOOL, CFG(sandbox_debug), 0, 1, 0, false },
	/* For tests: behave as on a kernel with at most this Landlock ABI
	 * (6 is the newest whose rights Moat uses).  Unset: no cap. */
	{ "landlock_max_abi", KEY_UINT, CFG(landlock_max_abi), 0, 6,
	    CONFIG_NO_CAP, false },
	/* The broker runs only when both of these are set. */
	{ "catalogue", KEY_PATH, CFG(catalogue), 0, 0, 0, false },
	{ "broker_secrets", KEY_PATH, CFG(broker_secrets), 0, 0, 0, false },
	{ "broker_user", KEY_NAME, CFG(broker_user), 0, 0, 0, false },
	{ "store_quota_bytes", KEY_SIZE, CFG(store_quota_bytes), 0,
	    1024 * 1024 * GiB, 1 * GiB, false },
	/* Compiled at start; an error stops start-up with file:line. */
	{ "templates", KEY_PATH, CFG(templates), 0, 0, 0, false },
	/* Sessions end after this much inactivity, and this long after log-in
	 * whatever happens (OWASP: 15-30 min idle, a working day absolute). */
	{ "session_idle_timeout", KEY_UINT, CFG(session_idle_timeout), 2,
	    7 * 86400, 1800, false },
	{ "session_absolute_timeout", KEY_UINT, CFG(session_absolute_timeout),
	    2, 90 * 86400, 43200, false },
	/* A request whose User-Agent or /24 (IPv6: /64) differs ends it. */
	{ "session_bind_agent", KEY_BOOL, CFG(session_bind_agent), 0, 1, 0,
	    false },
	{ "session_bind_network", KEY_BOOL, CFG(session_bind_network), 0, 1, 0,
	    false },
	/* At most hash_threads scrypt hashes at once, hash_queue waiting. */
	{ "hash_threads", KEY_UINT, CFG(hash_threads), 1, 64, 2, false },
	{ "hash_queue", KEY_UINT, CFG(hash_queue), 0, 4096, 16, false },
	/* scrypt cost of new hashes: OWASP's N=2^17, r=8, p=1 (128 MiB).
	 * The broker refuses a cost below OWASP's minimum at start-up. */
	{ "scrypt_log2_n", KEY_UINT, CFG(scrypt_log2_n), 10, 22, 17, false },
	{ "scrypt_r", KEY_UINT, CFG(scrypt_r), 1, 32, 8, false },
	{ "scrypt_p", KEY_UINT, CFG(scrypt_p), 1, 16, 1, false },
};

/* String keys that have a default; the other strings stay NULL. */
static const struct {
	size_t		 offset;
	const char	*value;
} string_defaults[] = {
	{ CFG(log_file), "-" },
	{ CFG(allowed_hosts), "localhost, 127.0.0.1, ::1" },
	{ CFG(worker_user), "moat-worker" },
	{ CFG(worker_chroot), "/var/empty/moat" },
	{ CFG(broker_user), "moat-broker" },
};

#define NKEYS	(MOAT_NELEM(config_keys))
#define NDEFAULTS (MOAT_NELEM(string_defaults))

static bool
key_is_string(enum key_type t)
{
	return t == KEY_LISTEN || t == KEY_PATH || t == KEY_LOGPATH ||
	    t == KEY_NAME || t == KEY_PEERS || t == KEY_HOSTS;
}

static void
key_store_number(struct moat_config *cfg, const struct config_key *k,
    unsigned long long v)
{
	char *field = (char *)cfg + k->offset;

	switch (k->type) {
	case KEY_SIZE:
	case KEY_SIZE_OFF:
		*(size_t *)(void *)field = (size_t)v;
		break;
	case KEY_ULONG:
		*(unsigned long *)(void *)field = (unsigned long)v;
		break;
	case KEY_LEVEL:
		*(enum moat_log_level *)(void *)field = (enum moat_log_level)v;
		break;
	case KEY_BOOL:
		*(bool *)(void *)field = v != 0;
		break;
	default:
		*(unsigned int *)(void *)field = (unsigned int)v;
		break;
	}
}

static char **
key_string_field(struct moat_config *cfg, const struct config_key *k)
{
	return (char **)(void *)((char *)cfg + k->offset);
}

void
config_defaults(struct moat_config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NKEYS; i++)
		if (!key_is_string(config_keys[i].type))
			key_store_number(cfg, &config_keys[i],
			    config_keys[i].def);
}

void
config_free(struct moat_config *cfg)
{
	size_t i;
	char **s;

	for (i = 0; i < NKEYS; i++) {
		if (!key_is_string(config_keys[i].type))
			continue;
		s = key_string_field(cfg, &config_keys[i]);
		free(*s);
		*s = NULL;
	}
}

/* The parse state, so error reporting needs no long argument lists. */
struct config_parser {
	struct moat_config	*cfg;
	const char		*name;
	size_t			 line;
	char			*err;
	size_t			 errlen;
	bool			 seen[NKEYS];
};

static int
parse_error(struct config_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
parse_error(struct config_parser *p, const char *fmt, ...)
{
	char reason[CONFIG_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%zu: %s", p->name, p->line, reason);
	return -1;
}

/*
 * Keys that were renamed: the old name still works, and start-up logs
 * that it should change ("worker" means a FastCGI process only).
 */
static const struct {
	const char	*old_name;
	const char	*name;
} renamed_keys[] = {
	{ "hash_workers", "hash_threads" },
};

static const char *
key_current_name(struct moat_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < MOAT_NELEM(renamed_keys); i++)
		if (strcmp(renamed_keys[i].old_name, name) == 0) {
			cfg->renamed_key = renamed_keys[i].old_name;
			cfg->renamed_to = renamed_keys[i].name;
			return renamed_keys[i].name;
		}
	return name;
}

static const struct config_key *
key_lookup(const char *name, size_t *index)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(config_keys[i].name, name) == 0) {
			*index = i;
			return &config_keys[i];
		}
	}
	return NULL;
}

/* Decimal with an optional k/K, m/M or g/G suffix; no sign, no spaces. */
static int
parse_number(const char *s, bool suffix_ok, unsigned long long *out)
{
	unsigned long long v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (ULLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (*p != '\0') {
		if (!suffix_ok || p[1] != '\0')
			return -1;
		switch (*p) {
		case 'k': case 'K': mult = KiB; break;
		case 'm': case 'M': mult = MiB; break;
		case 'g': case 'G': mult = GiB; break;
		default: return -1;
		}
		if (v > ULLONG_MAX / mult)
			return -1;
	}
	*out = v * mult;
	return 0;
}

static int
parse_mode(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0' || strlen(s) > 4)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '7')
			return -1;
		v = v * 8 + (unsigned long long)(*s - '0');
	}
	*out = v;
	return 0;
}

static int
parse_level(const char *s, unsigned long long *out)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	size_t i;

	for (i = 0; i < MOAT_NELEM(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

/* Exactly "on" or "off": a typo must not silently mean either. */
static int
parse_bool(const char *s, unsigned long long *out)
{
	if (strcmp(s, "on") == 0)
		*out = 1;
	else if (strcmp(s, "off") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
check_numeric(struct config_parser *p, const struct config_key *k,
    const char *value)
{
	unsigned long long v;
	int rc;

	if (k->type == KEY_MODE)
		rc = parse_mode(value, &v);
	else if (k->type == KEY_LEVEL)
		rc = parse_level(value, &v);
	else if (k->type == KEY_BOOL)
		rc = parse_bool(value, &v);
	else
		rc = parse_number(value, k->type == KEY_SIZE ||
		    k->type == KEY_SIZE_OFF, &v);
	if (rc != 0) {
		if (k->type == KEY_LEVEL)
			return parse_error(p, "%s: expected debug, info, warn "
			    "or error", k->name);
		if (k->type == KEY_BOOL)
			return parse_error(p, "%s: expected on or off",
			    k->name);
		return parse_error(p, "%s: \"%s\" is not a%s number", k->name,
		    value, k->type == KEY_MODE ? "n octal" : "");
	}
	/* For KEY_SIZE_OFF, 0 is "off" and always allowed. */
	if (k->type != KEY_LEVEL && !(k->type == KEY_SIZE_OFF && v == 0) &&
	    (v < k->min || v > k->max))
		return parse_error(p, "%s: %llu is out of range %llu..%llu%s",
		    k->name, v, k->min, k->max, k->type == KEY_SIZE_OFF ?
		    " (or 0 for off)" : "");
	key_store_number(p->cfg, k, v);
	return 0;
}

static bool
valid_name(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
		    *s == '.'))
			return false;
	}
	return n > 0 && n <= 32;
}

static bool
valid_peers(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		    (*s >= 'A' && *s <= 'F') || *s == '.' || *s == ':' ||
		    *s == ','))
			return false;
	return true;
}

static bool
valid_hosts(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= 'A' && *s <= 'Z') || strchr(".-:[], ", *s) != NULL))
			return false;
	return true;
}

static int
check_string(struct config_parser *p, const struct config_key *k,
    const char *value)
{
	const size_t sun_max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	char **field;

	switch (k->type) {
	case KEY_LISTEN:
		if (strcmp(value, CONFIG_LISTEN_INHERIT) == 0)
			break;
		if (value[0] != '/')
			return parse_error(p, "listen: expected an absolute "
			    "socket path or \"%s\"", CONFIG_LISTEN_INHERIT);
		if (strlen(value) > sun_max)
			return parse_error(p, "listen: socket path longer than "
			    "%zu bytes", sun_max);
		break;
	case KEY_LOGPATH:
		if (strcmp(value, "-") == 0)
			break;
		/* FALLTHROUGH */
	case KEY_PATH:
		if (value[0] != '/')
			return parse_error(p, "%s: expected an absolute path",
			    k->name);
		if (strlen(value) >= PATH_MAX)
			return parse_error(p, "%s: path too long", k->name);
		break;
	case KEY_NAME:
		if (!valid_name(value))
			return parse_error(p, "%s: \"%s\" is not a valid name",
			    k->name, value);
		break;
	case KEY_HOSTS:
		if (!valid_hosts(value))
			return parse_error(p, "%s: expected host names or "
			    "addresses separated by commas", k->name);
		break;
	case KEY_PEERS:
		if (!valid_peers(value))
			return parse_error(p, "%s: expected IP addresses "
			    "separated by commas", k->name);
		break;
	default:
		return parse_error(p, "internal: bad key type");
	}
	field = key_string_field(p->cfg, k);
	free(*field);
	if ((*field = strdup(value)) == NULL)
		return parse_error(p, "out of memory");
	return 0;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* One line, NUL-terminated and without its newline. */
static int
parse_line(struct config_parser *p, char *line)
{
	const struct config_key *k;
	char *key, *value, *eq;
	size_t index;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	if ((eq = strchr(key, '=')) == NULL)
		return parse_error(p, "expected \"key = value\"");
	*eq = '\0';
	key = trim(key);
	value = trim(eq + 1);
	if ((k = key_lookup(key_current_name(p->cfg, key), &index)) == NULL)
		return parse_error(p, "unknown key \"%.64s\"", key);
	if (p->seen[index])
		return parse_error(p, "%s: set twice", k->name);
	p->seen[index] = true;
	if (*value == '\0')
		return parse_error(p, "%s: empty value", k->name);
	if (key_is_string(k->type))
		return check_string(p, k, value);
	return check_numeric(p, k, value);
}

/* Required keys must be there; unset strings take their defaults. */
static int
check_required(struct config_parser *p)
{
	char **field;
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (config_keys[i].required && !p->seen[i])
			return parse_error(p, "missing required key \"%s\"",
			    config_keys[i].name);
	for (i = 0; i < NDEFAULTS; i++) {
		field = (char **)(void *)((char *)p->cfg +
		    string_defaults[i].offset);
		if (*field == NULL &&
		    (*field = strdup(string_defaults[i].value)) == NULL)
			return parse_error(p, "out of memory");
	}
	return 0;
}

int
config_parse(struct moat_config *cfg, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	struct config_parser p = { .cfg = cfg, .name = name, .err = err,
	    .errlen = errlen };
	char line[CONFIG_LINE_MAX + 1];
	const char *nul;
	size_t start = 0, end;

	if ((nul = memchr(text, '\0', len)) != NULL) {
		/* Name the line that holds it, as for every other error. */
		for (p.line = 1; text < nul; text++)
			if (*text == '\n')
				p.line++;
		return parse_error(&p, "file contains a NUL byte");
	}
	while (start < len) {
		p.line++;
		for (end = start; end < len && text[end] != '\n'; end++)
			;
		if (end - start > CONFIG_LINE_MAX)
			return parse_error(&p, "line longer than %d bytes",
			    CONFIG_LINE_MAX);
		memcpy(line, text + start, end - start);
		line[end - start] = '\0';
		if (parse_line(&p, line) != 0)
			return -1;
		start = end + 1;
	}
	return check_required(&p);
}

int
config_load(struct moat_config *cfg, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t got = 0;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %d "
		    "bytes", path, CONFIG_FILE_MAX);
		close(fd);
		return -1;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size &&
	    (n = read(fd, text + got, (size_t)st.st_size - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: read: %s", path,
			    strerror(errno));
			free(text);
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	rc = config_parse(cfg, path, text, got, err, errlen);
	free(text);
	return rc;
}
