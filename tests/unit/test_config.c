/*
 * test_config.c - the instance configuration file.
 *
 * The parser is the operator's only feedback on a typo, so every error
 * message is checked word for word, with its "name:line:" prefix.  Each
 * parse ends in config_free(), error or not, so the sanitizer build also
 * proves that a failed parse leaks nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "unit.h"

/* CU_ASSERT_STRING_EQUAL that fails, rather than crashes, on NULL. */
#define STR_EQ(got, want) do {						\
	const char *got_ = (got), *want_ = (want);			\
									\
	CU_assertImplementation(got_ != NULL &&				\
	    strcmp(got_, want_) == 0, __LINE__,				\
	    "STR_EQ(" #got ", " #want ")", __FILE__, "", CU_FALSE);	\
} while (0)

#define BASE	"listen = /run/moat.sock\npidfile = /run/moat.pid\n"
#define KiB	((size_t)1024)
#define MiB	(1024 * KiB)
#define GiB	(1024 * MiB)

/* Parse text[0..len) as "t.conf" into cfg (defaults first). */
static int
parse_len(struct moat_config *cfg, const char *text, size_t len, char *err,
    size_t errlen)
{
	config_defaults(cfg);
	memset(err, 0, errlen);
	return config_parse(cfg, "t.conf", text, len, err, errlen);
}

/* text must fail with exactly the message want. */
static void
expect_error_len(const char *text, size_t len, const char *want)
{
	struct moat_config cfg;
	char err[CONFIG_ERR_MAX];

	CU_ASSERT_EQUAL(parse_len(&cfg, text, len, err, sizeof(err)), -1);
	STR_EQ(err, want);
	config_free(&cfg);
}

static void
expect_error(const char *text, const char *want)
{
	expect_error_len(text, strlen(text), want);
}

/* text must parse; cfg is left for the caller to check and free. */
static void
expect_ok(struct moat_config *cfg, const char *text)
{
	char err[CONFIG_ERR_MAX];

	CU_ASSERT_EQUAL(parse_len(cfg, text, strlen(text), err, sizeof(err)),
	    0);
	STR_EQ(err, "");
}

static void
check_default_numbers(const struct moat_config *cfg)
{
	CU_ASSERT_EQUAL(cfg->socket_mode, 0660);
	CU_ASSERT_EQUAL(cfg->log_level, MOAT_LOG_INFO);
	CU_ASSERT_EQUAL(cfg->workers, 4);
	CU_ASSERT_EQUAL(cfg->max_requests, 10000);
	CU_ASSERT_EQUAL(cfg->request_timeout, 10);
	CU_ASSERT_EQUAL(cfg->max_kept_connections, 16);
	CU_ASSERT_EQUAL(cfg->kept_idle_timeout, 300);
	CU_ASSERT_EQUAL(cfg->kept_handoff_ms, 20);
	CU_ASSERT_EQUAL(cfg->limits.max_body_bytes, 1 * MiB);
	CU_ASSERT_EQUAL(cfg->limits.max_multipart_bytes, 10 * MiB);
	CU_ASSERT_EQUAL(cfg->limits.max_file_bytes, 8 * MiB);
	CU_ASSERT_EQUAL(cfg->limits.max_files, 8);
	CU_ASSERT_EQUAL(cfg->limits.max_params, 100);
	CU_ASSERT_EQUAL(cfg->limits.max_name_bytes, 128);
	CU_ASSERT_EQUAL(cfg->limits.max_value_bytes, 64 * KiB);
	CU_ASSERT_EQUAL(cfg->limits.max_path_bytes, 2 * KiB);
	CU_ASSERT_EQUAL(cfg->limits.max_query_bytes, 8 * KiB);
	CU_ASSERT_EQUAL(cfg->limits.max_headers, 64);
	CU_ASSERT_EQUAL(cfg->limits.max_header_bytes, 8 * KiB);
	CU_ASSERT_EQUAL(cfg->limits.max_cookie_bytes, 8 * KiB);
	CU_ASSERT_EQUAL(cfg->worker_max_memory, 1 * GiB);
	CU_ASSERT_FALSE(cfg->sandbox_debug);
	CU_ASSERT_EQUAL(cfg->landlock_max_abi, CONFIG_NO_CAP);
}

static void
test_defaults(void)
{
	struct moat_config cfg;

	memset(&cfg, 0xff, sizeof(cfg));
	config_defaults(&cfg);
	check_default_numbers(&cfg);
	CU_ASSERT_PTR_NULL(cfg.listen);
	CU_ASSERT_PTR_NULL(cfg.socket_group);
	CU_ASSERT_PTR_NULL(cfg.fastcgi_peers);
	CU_ASSERT_PTR_NULL(cfg.pidfile);
	CU_ASSERT_PTR_NULL(cfg.log_file);
	CU_ASSERT_PTR_NULL(cfg.worker_user);
	CU_ASSERT_PTR_NULL(cfg.worker_chroot);
	config_free(&cfg);
}

static void
test_minimal(void)
{
	struct moat_config cfg;

	expect_ok(&cfg, BASE);
	STR_EQ(cfg.listen, "/run/moat.sock");
	STR_EQ(cfg.pidfile, "/run/moat.pid");
	/* log_file defaults to stderr, the worker's user and chroot to
	 * Moat's; the other strings stay unset. */
	STR_EQ(cfg.log_file, "-");
	STR_EQ(cfg.worker_user, "moat-worker");
	STR_EQ(cfg.worker_chroot, "/var/empty/moat");
	CU_ASSERT_PTR_NULL(cfg.socket_group);
	CU_ASSERT_PTR_NULL(cfg.fastcgi_peers);
	check_default_numbers(&cfg);
	config_free(&cfg);
	CU_ASSERT_PTR_NULL(cfg.listen);
	CU_ASSERT_PTR_NULL(cfg.pidfile);
	CU_ASSERT_PTR_NULL(cfg.log_file);
	CU_ASSERT_PTR_NULL(cfg.worker_user);
	CU_ASSERT_PTR_NULL(cfg.worker_chroot);
}

static void
test_every_key(void)
{
	static const char text[] =
	    "listen = fd:0\n"
	    "socket_mode = 0600\n"
	    "socket_group = www-data\n"
	    "fastcgi_peers = 127.0.0.1,::1,fe80::A\n"
	    "pidfile = /run/moat/moat.pid\n"
	    "log_file = /var/log/moat.log\n"
	    "log_level = debug\n"
	    "workers = 256\n"
	    "max_requests = 0\n"
	    "request_timeout = 3600\n"
	    "max_kept_connections = 64\n"
	    "kept_idle_timeout = 1\n"
	    "kept_handoff_ms = 0\n"
	    "max_body_bytes = 2M\n"
	    "max_multipart_bytes = 1G\n"
	    "max_file_bytes = 100k\n"
	    "max_files = 1000\n"
	    "max_params = 10000\n"
	    "max_name_bytes = 4k\n"
	    "max_value_bytes = 64M\n"
	    "max_path_bytes = 64K\n"
	    "max_query_bytes = 1m\n"
	    "max_headers = 1000\n"
	    "max_header_bytes = 1048576\n"
	    "max_cookie_bytes = 0\n"
	    "worker_user = www-moat\n"
	    "worker_chroot = /srv/empty\n"
	    "worker_max_memory = 2G\n"
	    "sandbox_debug = on\n";
	struct moat_config cfg;

	expect_ok(&cfg, text);
	STR_EQ(cfg.listen, "fd:0");
	CU_ASSERT_EQUAL(cfg.socket_mode, 0600);
	STR_EQ(cfg.socket_group, "www-data");
	STR_EQ(cfg.fastcgi_peers, "127.0.0.1,::1,fe80::A");
	STR_EQ(cfg.pidfile, "/run/moat/moat.pid");
	STR_EQ(cfg.log_file, "/var/log/moat.log");
	CU_ASSERT_EQUAL(cfg.log_level, MOAT_LOG_DEBUG);
	CU_ASSERT_EQUAL(cfg.workers, 256);
	CU_ASSERT_EQUAL(cfg.max_requests, 0);
	CU_ASSERT_EQUAL(cfg.request_timeout, 3600);
	CU_ASSERT_EQUAL(cfg.max_kept_connections, 64);
	CU_ASSERT_EQUAL(cfg.kept_idle_timeout, 1);
	CU_ASSERT_EQUAL(cfg.kept_handoff_ms, 0);
	CU_ASSERT_EQUAL(cfg.limits.max_body_bytes, 2 * MiB);
	CU_ASSERT_EQUAL(cfg.limits.max_multipart_bytes, 1 * GiB);
	CU_ASSERT_EQUAL(cfg.limits.max_file_bytes, 100 * KiB);
	CU_ASSERT_EQUAL(cfg.limits.max_files, 1000);
	CU_ASSERT_EQUAL(cfg.limits.max_params, 10000);
	CU_ASSERT_EQUAL(cfg.limits.max_name_bytes, 4 * KiB);
	CU_ASSERT_EQUAL(cfg.limits.max_value_bytes, 64 * MiB);
	CU_ASSERT_EQUAL(cfg.limits.max_path_bytes, 64 * KiB);
	CU_ASSERT_EQUAL(cfg.limits.max_query_bytes, 1 * MiB);
	CU_ASSERT_EQUAL(cfg.limits.max_headers, 1000);
	CU_ASSERT_EQUAL(cfg.limits.max_header_bytes, 1 * MiB);
	CU_ASSERT_EQUAL(cfg.limits.max_cookie_bytes, 0);
	STR_EQ(cfg.worker_user, "www-moat");
	STR_EQ(cfg.worker_chroot, "/srv/empty");
	CU_ASSERT_EQUAL(cfg.worker_max_memory, 2 * GiB);
	CU_ASSERT_TRUE(cfg.sandbox_debug);
	config_free(&cfg);
}

static void
test_sandbox_keys(void)
{
	struct moat_config cfg;

	expect_ok(&cfg, BASE "sandbox_debug = off\nworker_max_memory = 0\n");
	CU_ASSERT_FALSE(cfg.sandbox_debug);
	CU_ASSERT_EQUAL(cfg.worker_max_memory, 0);
	config_free(&cfg);
	expect_ok(&cfg, BASE "worker_max_memory = 64M\n");
	CU_ASSERT_EQUAL(cfg.worker_max_memory, 64 * MiB);
	config_free(&cfg);

	/* Only the two words: a typo must not quietly mean either. */
	expect_error("sandbox_debug = yes\n",
	    "t.conf:1: sandbox_debug: expected on or off");
	expect_error("sandbox_debug = On\n",
	    "t.conf:1: sandbox_debug: expected on or off");
	expect_error("sandbox_debug = 1\n",
	    "t.conf:1: sandbox_debug: expected on or off");
	/* 0 is off; anything else must leave a worker room to run. */
	expect_error("worker_max_memory = 1M\n", "t.conf:1: worker_max_memory: "
	    "1048576 is out of range 67108864..1099511627776 (or 0 for off)");
	expect_error("worker_max_memory = 2048G\n", "t.conf:1: "
	    "worker_max_memory: 2199023255552 is out of range "
	    "67108864..1099511627776 (or 0 for off)");
	expect_error("worker_max_memory = lots\n",
	    "t.conf:1: worker_max_memory: \"lots\" is not a number");
	expect_error("worker_user = moat worker\n",
	    "t.conf:1: worker_user: \"moat worker\" is not a valid name");
	expect_error("worker_chroot = var/empty\n",
	    "t.conf:1: worker_chroot: expected an absolute path");
}

/* A test switch: every ABI Moat knows, and nothing that could be a typo. */
static void
test_landlock_max_abi(void)
{
	struct moat_config cfg;

	expect_ok(&cfg, BASE "landlock_max_abi = 0\n");
	CU_ASSERT_EQUAL(cfg.landlock_max_abi, 0);
	config_free(&cfg);
	expect_ok(&cfg, BASE "landlock_max_abi = 2\n");
	CU_ASSERT_EQUAL(cfg.landlock_max_abi, 2);
	config_free(&cfg);
	expect_ok(&cfg, BASE "landlock_max_abi = 6\n");
	CU_ASSERT_EQUAL(cfg.landlock_max_abi, 6);
	config_free(&cfg);

	expect_error("landlock_max_abi = 7\n",
	    "t.conf:1: landlock_max_abi: 7 is out of range 0..6");
	expect_error("landlock_max_abi = 4294967295\n", "t.conf:1: "
	    "landlock_max_abi: 4294967295 is out of range 0..6");
	expect_error("landlock_max_abi = -1\n",
	    "t.conf:1: landlock_max_abi: \"-1\" is not a number");
	expect_error("landlock_max_abi = 2k\n",
	    "t.conf:1: landlock_max_abi: \"2k\" is not a number");
	expect_error("landlock_max_abi = none\n",
	    "t.conf:1: landlock_max_abi: \"none\" is not a number");
	expect_error("landlock_max_abi =\n",
	    "t.conf:1: landlock_max_abi: empty value");
	expect_error("landlock_max_abi = 2\nlandlock_max_abi = 2\n",
	    "t.conf:2: landlock_max_abi: set twice");
}

static void
test_log_levels(void)
{
	static const struct {
		const char		*text;
		enum moat_log_level	 level;
	} cases[] = {
		{ BASE "log_level = debug\n", MOAT_LOG_DEBUG },
		{ BASE "log_level = info\n", MOAT_LOG_INFO },
		{ BASE "log_level = warn\n", MOAT_LOG_WARN },
		{ BASE "log_level = error\n", MOAT_LOG_ERROR },
	};
	struct moat_config cfg;
	size_t i;

	for (i = 0; i < MOAT_NELEM(cases); i++) {
		expect_ok(&cfg, cases[i].text);
		CU_ASSERT_EQUAL(cfg.log_level, cases[i].level);
		config_free(&cfg);
	}
	expect_error("log_level = verbose\n",
	    "t.conf:1: log_level: expected debug, info, warn or error");
	expect_error("log_level = INFO\n",
	    "t.conf:1: log_level: expected debug, info, warn or error");
	expect_error("log_level = 1\n",
	    "t.conf:1: log_level: expected debug, info, warn or error");
}

static void
test_unknown_key(void)
{
	char text[128], want[128];

	expect_error("bogus = 1\n", "t.conf:1: unknown key \"bogus\"");
	/* Keys are case-sensitive: a capital is a typo, not an alias. */
	expect_error("Workers = 4\n", "t.conf:1: unknown key \"Workers\"");
	expect_error("= 4\n", "t.conf:1: unknown key \"\"");
	expect_error("work ers = 4\n", "t.conf:1: unknown key \"work ers\"");
	/* A long key is cut to 64 bytes in the message. */
	memset(text, 'k', 100);
	memcpy(text + 100, " = 1", 5);
	memcpy(want, "t.conf:1: unknown key \"", 23);
	memset(want + 23, 'k', 64);
	memcpy(want + 87, "\"", 2);
	expect_error(text, want);
}

static void
test_bad_number(void)
{
	expect_error("workers = abc\n", "t.conf:1: workers: \"abc\" is not a "
	    "number");
	expect_error("workers = -1\n", "t.conf:1: workers: \"-1\" is not a "
	    "number");
	expect_error("workers = +1\n", "t.conf:1: workers: \"+1\" is not a "
	    "number");
	expect_error("workers = 0x10\n", "t.conf:1: workers: \"0x10\" is not "
	    "a number");
	expect_error("workers = 4.0\n", "t.conf:1: workers: \"4.0\" is not a "
	    "number");
	/* No inline comments: the whole rest of the line is the value. */
	expect_error("workers = 4 # four\n", "t.conf:1: workers: \"4 # four\" "
	    "is not a number");
	/* Only sizes take a suffix. */
	expect_error("workers = 1k\n", "t.conf:1: workers: \"1k\" is not a "
	    "number");
	expect_error("max_requests = 1M\n", "t.conf:1: max_requests: \"1M\" "
	    "is not a number");
}

static void
test_out_of_range(void)
{
	expect_error("workers = 0\n",
	    "t.conf:1: workers: 0 is out of range 1..256");
	expect_error("workers = 257\n",
	    "t.conf:1: workers: 257 is out of range 1..256");
	expect_error("max_requests = 1000000001\n",
	    "t.conf:1: max_requests: 1000000001 is out of range 0..1000000000");
	expect_error("request_timeout = 3601\n",
	    "t.conf:1: request_timeout: 3601 is out of range 1..3600");
	expect_error("max_kept_connections = 65\n",
	    "t.conf:1: max_kept_connections: 65 is out of range 1..64");
	expect_error("kept_idle_timeout = 0\n",
	    "t.conf:1: kept_idle_timeout: 0 is out of range 1..3600");
	expect_error("max_params = 0\n",
	    "t.conf:1: max_params: 0 is out of range 1..10000");
	expect_error("max_files = 1001\n",
	    "t.conf:1: max_files: 1001 is out of range 0..1000");
	expect_error("max_path_bytes = 65537\n",
	    "t.conf:1: max_path_bytes: 65537 is out of range 1..65536");
	/* 2^32 + 4 must not wrap to 4 on its way into an unsigned int. */
	expect_error("workers = 4294967300\n",
	    "t.conf:1: workers: 4294967300 is out of range 1..256");
}

static void
test_suffixes(void)
{
	static const struct {
		const char	*text;
		size_t		 want;
	} cases[] = {
		{ BASE "max_body_bytes = 0\n", 0 },
		{ BASE "max_body_bytes = 512k\n", 512 * KiB },
		{ BASE "max_body_bytes = 512K\n", 512 * KiB },
		{ BASE "max_body_bytes = 3m\n", 3 * MiB },
		{ BASE "max_body_bytes = 64M\n", 64 * MiB },
		{ BASE "max_body_bytes = 67108864\n", 64 * MiB },
		{ BASE "max_body_bytes = 0g\n", 0 },
	};
	struct moat_config cfg;
	size_t i;

	for (i = 0; i < MOAT_NELEM(cases); i++) {
		expect_ok(&cfg, cases[i].text);
		CU_ASSERT_EQUAL(cfg.limits.max_body_bytes, cases[i].want);
		config_free(&cfg);
	}
	expect_ok(&cfg, BASE "max_multipart_bytes = 1g\n");
	CU_ASSERT_EQUAL(cfg.limits.max_multipart_bytes, 1 * GiB);
	config_free(&cfg);

	expect_error("max_body_bytes = 65M\n", "t.conf:1: max_body_bytes: "
	    "68157440 is out of range 0..67108864");
	expect_error("max_body_bytes = 67108865\n", "t.conf:1: "
	    "max_body_bytes: 67108865 is out of range 0..67108864");
	expect_error("max_multipart_bytes = 2G\n", "t.conf:1: "
	    "max_multipart_bytes: 2147483648 is out of range 0..1073741824");
	expect_error("max_files = 1k\n",
	    "t.conf:1: max_files: 1024 is out of range 0..1000");
	expect_error("max_body_bytes = 1kb\n",
	    "t.conf:1: max_body_bytes: \"1kb\" is not a number");
	expect_error("max_body_bytes = k\n",
	    "t.conf:1: max_body_bytes: \"k\" is not a number");
	expect_error("max_body_bytes = 1 k\n",
	    "t.conf:1: max_body_bytes: \"1 k\" is not a number");
	expect_error("max_body_bytes = 1T\n",
	    "t.conf:1: max_body_bytes: \"1T\" is not a number");
}

static void
test_overflow(void)
{
	expect_error("max_body_bytes = 99999999999999999999999\n",
	    "t.conf:1: max_body_bytes: \"99999999999999999999999\" is not a "
	    "number");
	expect_error("workers = 18446744073709551616\n",
	    "t.conf:1: workers: \"18446744073709551616\" is not a number");
	/* 2^34 GiB is 2^64: the multiplication must not wrap to 0. */
	expect_error("max_body_bytes = 17179869184G\n",
	    "t.conf:1: max_body_bytes: \"17179869184G\" is not a number");
	expect_error("max_body_bytes = 18014398509481984k\n",
	    "t.conf:1: max_body_bytes: \"18014398509481984k\" is not a number");
}

static void
test_mode(void)
{
	struct moat_config cfg;

	expect_ok(&cfg, BASE "socket_mode = 0\n");
	CU_ASSERT_EQUAL(cfg.socket_mode, 0);
	config_free(&cfg);
	expect_ok(&cfg, BASE "socket_mode = 777\n");
	CU_ASSERT_EQUAL(cfg.socket_mode, 0777);
	config_free(&cfg);
	expect_ok(&cfg, BASE "socket_mode = 0666\n");
	CU_ASSERT_EQUAL(cfg.socket_mode, 0666);
	config_free(&cfg);

	expect_error("socket_mode = 0888\n",
	    "t.conf:1: socket_mode: \"0888\" is not an octal number");
	expect_error("socket_mode = 00660\n",
	    "t.conf:1: socket_mode: \"00660\" is not an octal number");
	expect_error("socket_mode = 0o660\n",
	    "t.conf:1: socket_mode: \"0o660\" is not an octal number");
	expect_error("socket_mode = -660\n",
	    "t.conf:1: socket_mode: \"-660\" is not an octal number");
	/* Sticky and set-id bits are out of range (shown in decimal). */
	expect_error("socket_mode = 1777\n",
	    "t.conf:1: socket_mode: 1023 is out of range 0..511");
}

static void
test_paths(void)
{
	char text[256];
	struct moat_config cfg;

	expect_error("pidfile = run/moat.pid\n",
	    "t.conf:1: pidfile: expected an absolute path");
	expect_error("log_file = moat.log\n",
	    "t.conf:1: log_file: expected an absolute path");
	expect_error("log_file = --\n",
	    "t.conf:1: log_file: expected an absolute path");
	expect_error("listen = moat.sock\n",
	    "t.conf:1: listen: expected an absolute socket path or \"fd:0\"");
	expect_error("listen = fd:1\n",
	    "t.conf:1: listen: expected an absolute socket path or \"fd:0\"");
	expect_error("listen = 127.0.0.1:9000\n",
	    "t.conf:1: listen: expected an absolute socket path or \"fd:0\"");

	/* sun_path holds 107 bytes and a NUL. */
	memcpy(text, "listen = /", 10);
	memset(text + 10, 's', 106);
	memcpy(text + 116, "\npidfile = /p\n", 15);
	expect_ok(&cfg, text);
	CU_ASSERT_EQUAL(strlen(cfg.listen), 107);
	config_free(&cfg);
	memset(text + 10, 's', 107);
	memcpy(text + 117, "\npidfile = /p\n", 15);
	expect_error(text, "t.conf:1: listen: socket path longer than 107 "
	    "bytes");

	/* The value is everything after the first '='. */
	expect_ok(&cfg, "listen = /run/a=b.sock\npidfile=/p\n");
	STR_EQ(cfg.listen, "/run/a=b.sock");
	STR_EQ(cfg.pidfile, "/p");
	config_free(&cfg);
	expect_ok(&cfg, BASE "log_file = -\n");
	STR_EQ(cfg.log_file, "-");
	config_free(&cfg);
}

static void
test_names_and_peers(void)
{
	static const char prefix[] = BASE "socket_group = ";
	char text[128], want[128];
	struct moat_config cfg;
	size_t n = sizeof(prefix) - 1;

	expect_error("socket_group = bad name!\n",
	    "t.conf:1: socket_group: \"bad name!\" is not a valid name");
	expect_error("socket_group = a/b\n",
	    "t.conf:1: socket_group: \"a/b\" is not a valid name");
	/* 32 bytes is the longest name ... */
	memcpy(text, prefix, n);
	memset(text + n, 'g', 32);
	text[n + 32] = '\0';
	expect_ok(&cfg, text);
	CU_ASSERT_EQUAL(strlen(cfg.socket_group), 32);
	config_free(&cfg);
	/* ... and 33 is one too many. */
	memcpy(text + n + 32, "g\n", 3);
	snprintf(want, sizeof(want), "t.conf:3: socket_group: \"%s\" is not "
	    "a valid name", "gggggggggggggggggggggggggggggggg" "g");
	expect_error(text, want);
	expect_error("fastcgi_peers = 10.0.0.0/8\n", "t.conf:1: fastcgi_peers: "
	    "expected IP addresses separated by commas");
	expect_error("fastcgi_peers = localhost\n", "t.conf:1: fastcgi_peers: "
	    "expected IP addresses separated by commas");
}

static void
test_syntax(void)
{
	expect_error("workers 4\n", "t.conf:1: expected \"key = value\"");
	expect_error("listen\n", "t.conf:1: expected \"key = value\"");
	expect_error("workers =\n", "t.conf:1: workers: empty value");
	expect_error("workers = \t \n", "t.conf:1: workers: empty value");
	expect_error("listen =\n", "t.conf:1: listen: empty value");
	expect_error("pidfile=", "t.conf:1: pidfile: empty value");
}

static void
test_set_twice(void)
{
	expect_error("workers = 2\nworkers = 3\n",
	    "t.conf:2: workers: set twice");
	/* Even with the same value: the second line is a mistake. */
	expect_error(BASE "workers = 2\n# again\nworkers = 2\n",
	    "t.conf:5: workers: set twice");
	/* The first string is freed by config_free (ASan watches). */
	expect_error("listen = /a\nlisten = /b\n",
	    "t.conf:2: listen: set twice");
	expect_error("listen = /a\nlisten =\n",
	    "t.conf:2: listen: set twice");
}

static void
test_required(void)
{
	expect_error("pidfile = /run/p\n",
	    "t.conf:1: missing required key \"listen\"");
	expect_error("listen = /run/s\n# end\n",
	    "t.conf:2: missing required key \"pidfile\"");
	expect_error("", "t.conf:0: missing required key \"listen\"");
	expect_error("\n\n# nothing\n",
	    "t.conf:3: missing required key \"listen\"");
}

static void
test_nul(void)
{
	static const char first[] = "\0listen = /a\n";
	static const char later[] = BASE "wor\0kers = 4\n";
	static const char last[] = BASE "\n\0";

	expect_error_len(first, sizeof(first) - 1,
	    "t.conf:1: file contains a NUL byte");
	/* The error names the line that holds the NUL. */
	expect_error_len(later, sizeof(later) - 1,
	    "t.conf:3: file contains a NUL byte");
	expect_error_len(last, sizeof(last) - 1,
	    "t.conf:4: file contains a NUL byte");
}

static void
test_long_line(void)
{
	char text[sizeof(BASE) + 1100];
	struct moat_config cfg;
	size_t n = sizeof(BASE) - 1;

	/* A comment of exactly 1024 bytes is fine ... */
	memcpy(text, BASE, n);
	text[n] = '#';
	memset(text + n + 1, 'x', 1023);
	memcpy(text + n + 1024, "\n", 2);
	expect_ok(&cfg, text);
	config_free(&cfg);
	/* ... and one more byte is not, even without a final newline. */
	text[n + 1024] = 'x';
	text[n + 1025] = '\0';
	expect_error(text, "t.conf:3: line longer than 1024 bytes");
}

static void
test_layout(void)
{
	struct moat_config cfg;

	/* CRLF line endings, comments, blank lines and blanks around. */
	expect_ok(&cfg, "# Moat\r\n\r\n  listen=/run/s.sock \t\r\n"
	    "\t# indented comment\r\n   \r\npidfile = /run/p.pid\r\n"
	    "workers = 8\r\nlog_level = warn\r\n");
	STR_EQ(cfg.listen, "/run/s.sock");
	STR_EQ(cfg.pidfile, "/run/p.pid");
	CU_ASSERT_EQUAL(cfg.workers, 8);
	CU_ASSERT_EQUAL(cfg.log_level, MOAT_LOG_WARN);
	config_free(&cfg);

	/* No newline at the end of the last line. */
	expect_ok(&cfg, "listen = /s\npidfile = /p");
	STR_EQ(cfg.pidfile, "/p");
	config_free(&cfg);

	/* Line numbers count blank and comment lines. */
	expect_error("# c\n\nlisten = /s\n  \n\tworkers = x\n",
	    "t.conf:5: workers: \"x\" is not a number");
	expect_error("# c\r\n\r\nworkers = x\r\n",
	    "t.conf:3: workers: \"x\" is not a number");
}

static void
test_small_err_buffer(void)
{
	struct moat_config cfg;
	char err[8];

	/* The message is cut, never overflows, and stays terminated. */
	CU_ASSERT_EQUAL(parse_len(&cfg, "bogus = 1\n", 10, err, sizeof(err)),
	    -1);
	STR_EQ(err, "t.conf:");
	config_free(&cfg);
}

/* A parse that fails after strings were set leaves them to config_free. */
static void
test_free_after_error(void)
{
	static const char text[] = "listen = /s\nsocket_group = g\n"
	    "fastcgi_peers = ::1\nlog_file = /l\npidfile = /p\nworkers = 0\n";
	struct moat_config cfg;
	char err[CONFIG_ERR_MAX];

	CU_ASSERT_EQUAL(parse_len(&cfg, text, sizeof(text) - 1, err,
	    sizeof(err)), -1);
	STR_EQ(err,
	    "t.conf:6: workers: 0 is out of range 1..256");
	STR_EQ(cfg.listen, "/s");
	STR_EQ(cfg.pidfile, "/p");
	config_free(&cfg);
	CU_ASSERT_PTR_NULL(cfg.listen);
	CU_ASSERT_PTR_NULL(cfg.socket_group);
	CU_ASSERT_PTR_NULL(cfg.fastcgi_peers);
	CU_ASSERT_PTR_NULL(cfg.log_file);
	CU_ASSERT_PTR_NULL(cfg.pidfile);
	/* Freeing twice is harmless: the fields are NULL now. */
	config_free(&cfg);
}

static void
test_load(void)
{
	static const char text[] = BASE "workers = 0\n";
	char path[] = "/tmp/moat-test-config.XXXXXX", err[CONFIG_ERR_MAX];
	char want[CONFIG_ERR_MAX + 64];
	struct moat_config cfg;
	int fd;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, text, sizeof(text) - 1),
	    (ssize_t)(sizeof(text) - 1));
	close(fd);
	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load(&cfg, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: workers: 0 is out of range 1..256",
	    path);
	STR_EQ(err, want);
	config_free(&cfg);
	unlink(path);

	config_defaults(&cfg);
	CU_ASSERT_EQUAL(config_load(&cfg, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or "
	    "directory", path);
	STR_EQ(err, want);
	CU_ASSERT_EQUAL(config_load(&cfg, "/", err, sizeof(err)), -1);
	STR_EQ(err, "/: not a regular file of at most 1048576 "
	    "bytes");
	config_free(&cfg);
}

/* An old key name sets the new key, and the config says which it was. */
static void
test_renamed_key(void)
{
	struct moat_config cfg;

	expect_ok(&cfg, BASE "hash_threads = 3\n");
	CU_ASSERT_EQUAL(cfg.hash_threads, 3);
	CU_ASSERT_PTR_NULL(cfg.renamed_key);
	config_free(&cfg);
	expect_ok(&cfg, BASE "hash_workers = 5\n");
	CU_ASSERT_EQUAL(cfg.hash_threads, 5);
	STR_EQ(cfg.renamed_key, "hash_workers");
	STR_EQ(cfg.renamed_to, "hash_threads");
	config_free(&cfg);
	/* Both names are one key: the second is set twice. */
	expect_error(BASE "hash_threads = 1\nhash_workers = 2\n",
	    "t.conf:4: hash_threads: set twice");
	expect_error(BASE "hash_workers = 0\n",
	    "t.conf:3: hash_threads: 0 is out of range 1..64");
}

int
register_config_tests(void)
{
	static const struct unit_test tests[] = {
		{ "defaults", test_defaults },
		{ "minimal file", test_minimal },
		{ "every key", test_every_key },
		{ "sandbox keys", test_sandbox_keys },
		{ "landlock_max_abi", test_landlock_max_abi },
		{ "log levels", test_log_levels },
		{ "unknown key", test_unknown_key },
		{ "bad number", test_bad_number },
		{ "out of range", test_out_of_range },
		{ "size suffixes", test_suffixes },
		{ "overflow", test_overflow },
		{ "octal mode", test_mode },
		{ "paths", test_paths },
		{ "names and peers", test_names_and_peers },
		{ "syntax", test_syntax },
		{ "set twice", test_set_twice },
		{ "required keys", test_required },
		{ "NUL byte", test_nul },
		{ "long line", test_long_line },
		{ "layout", test_layout },
		{ "small error buffer", test_small_err_buffer },
		{ "free after error", test_free_after_error },
		{ "config_load", test_load },
		{ "renamed key", test_renamed_key },
	};

	return unit_add_suite("config", tests, MOAT_NELEM(tests));
}
