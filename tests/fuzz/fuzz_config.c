// fuzz-sources: framework/core/config.c
/*
 * fuzz_config.c - libFuzzer target for config_parse.
 *
 * The input is the file.  A parse that succeeds must have set the
 * required keys to valid values and kept every number inside its bounds;
 * a parse that fails must say "name:line: reason" and nothing else.  The
 * error buffer is then made as small as the first byte says and the parse
 * repeated, so a message that does not fit is cut, never overflowed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "fuzz.h"

#define NAME	"fuzz.conf"

static bool
in_range(unsigned long long v, unsigned long long lo, unsigned long long hi)
{
	return v >= lo && v <= hi;
}

/* What a successful parse promises to the rest of the program. */
static void
check_config(const struct moat_config *c)
{
	const struct moat_limits *l = &c->limits;

	if (c->listen == NULL || c->pidfile == NULL || c->log_file == NULL)
		abort();
	if (strcmp(c->listen, CONFIG_LISTEN_INHERIT) != 0 &&
	    c->listen[0] != '/')
		abort();
	if (c->pidfile[0] != '/' ||
	    (c->log_file[0] != '/' && strcmp(c->log_file, "-") != 0))
		abort();
	if (c->socket_group != NULL && (c->socket_group[0] == '\0' ||
	    strlen(c->socket_group) > 32))
		abort();
	if (c->socket_mode > 0777 || c->log_level > MOAT_LOG_ERROR ||
	    !in_range(c->workers, 1, 256) ||
	    !in_range(c->max_requests, 0, 1000000000) ||
	    !in_range(c->request_timeout, 1, 3600) ||
	    !in_range(c->max_kept_connections, 1, 64) ||
	    !in_range(c->kept_idle_timeout, 1, 3600))
		abort();
	if (l->max_body_bytes > 64 << 20 || l->max_multipart_bytes > 1 << 30 ||
	    l->max_file_bytes > 1 << 30 || l->max_files > 1000 ||
	    !in_range(l->max_params, 1, 10000) ||
	    !in_range(l->max_name_bytes, 1, 4096) ||
	    !in_range(l->max_value_bytes, 1, 64 << 20) ||
	    !in_range(l->max_path_bytes, 1, 64 << 10) ||
	    l->max_query_bytes > 1 << 20 || !in_range(l->max_headers, 1, 1000) ||
	    !in_range(l->max_header_bytes, 1, 1 << 20) ||
	    l->max_cookie_bytes > 1 << 20)
		abort();
}

/* "fuzz.conf:<digits>: <reason>" */
static void
check_error(const char *err)
{
	const char *p = err + sizeof(NAME);

	if (strncmp(err, NAME ":", sizeof(NAME)) != 0)
		abort();
	if (*p < '0' || *p > '9')
		abort();
	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] != ':' || p[1] != ' ' || p[2] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_config cfg;
	char err[CONFIG_ERR_MAX], *small;
	size_t smallsize;
	int rc;

	config_defaults(&cfg);
	memset(err, 0, sizeof(err));
	rc = config_parse(&cfg, NAME, (const char *)data, size, err,
	    sizeof(err));
	if (rc == 0)
		check_config(&cfg);
	else if (rc == -1)
		check_error(err);
	else
		abort();
	config_free(&cfg);

	/* The same parse with an error buffer of exactly 1..16 bytes. */
	smallsize = 1 + (size > 0 ? data[0] % 16 : 0);
	if ((small = malloc(smallsize)) == NULL)
		return 0;
	config_defaults(&cfg);
	if (config_parse(&cfg, NAME, (const char *)data, size, small,
	    smallsize) != rc)
		abort();
	if (rc != 0 && (strlen(small) != smallsize - 1 ||
	    strncmp(small, err, smallsize - 1) != 0))
		abort();
	config_free(&cfg);
	free(small);
	return 0;
}
