/*
 * test_session.c - session tokens, CSRF tokens, binding values and the
 * Origin check: the parts of sessions that need no broker or database.
 */
#include <string.h>

#include <sodium.h>

#include "broker/auth.h"
#include "core/arena.h"
#include "http/params.h"
#include "http/request_internal.h"
#include "worker/session.h"
#include "unit.h"

static const unsigned char key_a[32] = { 1, 2, 3 };
static const unsigned char key_b[32] = { 9, 8, 7 };

static void
env_for(struct auth_env *env, const unsigned char key[32])
{
	static struct moat_config cfg;

	CU_ASSERT_FATAL(auth_env_init(env, &cfg, key) == 0);
}

static void
test_new_tokens_are_valid_and_distinct(void)
{
	struct auth_env env;
	char t1[AUTH_TOKEN_LEN + 1], t2[AUTH_TOKEN_LEN + 1];
	unsigned char h1[32], h2[32], again[32];
	int i;

	env_for(&env, key_a);
	for (i = 0; i < 200; i++) {
		CU_ASSERT_FATAL(auth_token_new(&env, t1, h1) == 0);
		CU_ASSERT(strlen(t1) == AUTH_TOKEN_LEN);
		CU_ASSERT(auth_token_valid(t1, strlen(t1)));
		CU_ASSERT(auth_token_hash(&env, t1, strlen(t1), again) == 0);
		CU_ASSERT(memcmp(h1, again, 32) == 0);
	}
	CU_ASSERT_FATAL(auth_token_new(&env, t2, h2) == 0);
	CU_ASSERT(strcmp(t1, t2) != 0);
	CU_ASSERT(memcmp(h1, h2, 32) != 0);
	/* The stored hash is not the token's bytes. */
	CU_ASSERT(memcmp(h1, t1, 32) != 0);
}

static void
test_hostile_tokens_are_refused(void)
{
	static const char *const bad[] = {
		"",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* 42 */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* 44 */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",	/* padding */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",	/* not url-safe */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",	/* non-canonical */
		"AAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAA",
		"AAAAAAAAAAAAAAAAAAAA\"AAAAAAAAAAAAAAAAAAAAAA",
		"../../../../etc/passwd/AAAAAAAAAAAAAAAAAAAA",
	};
	struct auth_env env;
	unsigned char h[32];
	size_t i;

	env_for(&env, key_a);
	for (i = 0; i < MOAT_NELEM(bad); i++) {
		CU_ASSERT(!auth_token_valid(bad[i], strlen(bad[i])));
		CU_ASSERT(auth_token_hash(&env, bad[i], strlen(bad[i]), h)
		    == -1);
	}
	CU_ASSERT(!auth_token_valid(NULL, 0));
	/* A NUL inside the length is not base64url either. */
	CU_ASSERT(!auth_token_valid("AAAAAAAAAAAAAAAAAAAA\0AAAAAAAAAAAAAAAAAAAAAA",
	    AUTH_TOKEN_LEN));
	CU_ASSERT(auth_token_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    AUTH_TOKEN_LEN));
}

static void
test_hashes_depend_on_the_key(void)
{
	struct auth_env a, b;
	const char *t = "abcdefghijklmnopqrstuvwxyz0123456789-_ABCDE";
	unsigned char ha[32], hb[32];
	char ca[AUTH_TOKEN_LEN + 1], cb[AUTH_TOKEN_LEN + 1];

	env_for(&a, key_a);
	env_for(&b, key_b);
	CU_ASSERT_FATAL(auth_token_hash(&a, t, strlen(t), ha) == 0);
	CU_ASSERT_FATAL(auth_token_hash(&b, t, strlen(t), hb) == 0);
	CU_ASSERT(memcmp(ha, hb, 32) != 0);
	/* The CSRF token is neither the session token nor its hash. */
	auth_csrf_token(&a, ha, ca);
	auth_csrf_token(&b, ha, cb);
	CU_ASSERT(strlen(ca) == AUTH_TOKEN_LEN);
	CU_ASSERT(strcmp(ca, cb) != 0);
	CU_ASSERT(strcmp(ca, t) != 0);
	auth_csrf_token(&a, hb, cb);
	CU_ASSERT(strcmp(ca, cb) != 0);
	auth_csrf_token(&a, ha, cb);
	CU_ASSERT(strcmp(ca, cb) == 0);
	auth_env_wipe(&a);
	CU_ASSERT(sodium_is_zero(a.token_key, 32) && sodium_is_zero(a.csrf_key,
	    32) && sodium_is_zero(a.agent_key, 32));
}

static void
test_networks(void)
{
	static const struct {
		const char	*addr;
		const char	*net;
	} cases[] = {
		{ "192.0.2.77", "192.0.2.0/24" },
		{ "10.1.2.3", "10.1.2.0/24" },
		{ "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64" },
		{ "::1", "::/64" },
		{ "::ffff:192.0.2.1", "::/64" },
		{ "", "unknown" },
		{ "192.0.2", "unknown" },
		{ "192.0.2.1/24", "unknown" },
		{ "192.0.2.256", "unknown" },
		{ "fe80::1%eth0", "unknown" },
		{ "not an address", "unknown" },
		{ "1111111111111111111111111111111111111111111111111111111111111111111111", "unknown" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < MOAT_NELEM(cases); i++) {
		auth_network(cases[i].addr, strlen(cases[i].addr), out,
		    sizeof(out));
		CU_ASSERT_STRING_EQUAL(out, cases[i].net);
	}
}

static void
test_agent_hash(void)
{
	struct auth_env env;
	unsigned char h1[32], h2[32], h3[32];

	env_for(&env, key_a);
	auth_agent_hash(&env, "Mozilla/5.0", 11, h1);
	auth_agent_hash(&env, "Mozilla/5.0", 11, h2);
	auth_agent_hash(&env, "Mozilla/5.1", 11, h3);
	CU_ASSERT(memcmp(h1, h2, 32) == 0);
	CU_ASSERT(memcmp(h1, h3, 32) != 0);
}

/* A request with just the headers the Origin check reads. */
static void
origin_request(struct moat_request *req, struct arena *a, const char *host,
    const char *https, const char *port)
{
	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->https = https;
	req->server_port = port;
	CU_ASSERT_FATAL(param_list_add(a, &req->headers, "host", host,
	    strlen(host)) == 0);
}

static void
test_origin_matching(void)
{
	static const struct {
		const char	*host, *https, *port, *origin;
		bool		 ok;
	} cases[] = {
		{ "example.com", NULL, "80", "http://example.com", true },
		{ "example.com", NULL, "80", "http://example.com:80", true },
		{ "example.com", "on", "443", "https://example.com", true },
		{ "example.com", "on", "443", "https://EXAMPLE.com", true },
		{ "example.com", "on", "443", "http://example.com", false },
		{ "example.com", NULL, "80", "https://example.com", false },
		{ "example.com", "on", "8443", "https://example.com:8443", true },
		{ "example.com", "on", "8443", "https://example.com", false },
		{ "example.com:8443", "on", "443", "https://example.com:8443",
		    true },
		{ "127.0.0.1", NULL, "18080", "http://127.0.0.1:18080", true },
		{ "127.0.0.1", NULL, "18080", "http://127.0.0.1:18081", false },
		{ "[::1]:8080", NULL, "8080", "http://[::1]:8080", true },
		{ "[::1]", NULL, "80", "http://[::1]", true },
		{ "example.com", NULL, "80", "http://evil.example", false },
		{ "example.com", NULL, "80", "http://example.com.evil", false },
		{ "example.com", NULL, "80", "http://evil.com#example.com",
		    false },
		{ "example.com", NULL, "80", "http://example.com/", false },
		{ "example.com", NULL, "80", "http://user@example.com", false },
		{ "example.com", NULL, "80", "null", false },
		{ "example.com", NULL, "80", "", false },
		{ "example.com", NULL, "80", "http://", false },
		{ "example.com", NULL, "80", "http://:80", false },
		{ "example.com", NULL, "80", "http://example.com:", false },
		{ "example.com", NULL, "80", "http://[example.com", false },
		{ "example.com", NULL, "80", "javascript:alert(1)", false },
	};
	struct moat_request req;
	struct arena a;
	size_t i;

	arena_init(&a, 1 << 16);
	for (i = 0; i < MOAT_NELEM(cases); i++) {
		origin_request(&req, &a, cases[i].host, cases[i].https,
		    cases[i].port);
		if (csrf_origin_matches(&req, cases[i].origin) != cases[i].ok)
			CU_FAIL(cases[i].origin);
		arena_reset(&a);
	}
}

static void
test_safe_methods(void)
{
	CU_ASSERT(csrf_method_is_safe("GET"));
	CU_ASSERT(csrf_method_is_safe("HEAD"));
	CU_ASSERT(csrf_method_is_safe("OPTIONS"));
	CU_ASSERT(!csrf_method_is_safe("POST"));
	CU_ASSERT(!csrf_method_is_safe("PUT"));
	CU_ASSERT(!csrf_method_is_safe("DELETE"));
	CU_ASSERT(!csrf_method_is_safe("PATCH"));
	CU_ASSERT(!csrf_method_is_safe("get"));
}

int
register_session_tests(void)
{
	static const struct unit_test tests[] = {
		{ "new tokens are valid and distinct",
		    test_new_tokens_are_valid_and_distinct },
		{ "hostile tokens are refused", test_hostile_tokens_are_refused },
		{ "hashes depend on the key", test_hashes_depend_on_the_key },
		{ "client networks", test_networks },
		{ "agent hash", test_agent_hash },
		{ "Origin matching", test_origin_matching },
		{ "safe methods", test_safe_methods },
	};

	return unit_add_suite("session", tests, MOAT_NELEM(tests));
}
