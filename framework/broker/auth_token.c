/*
 * auth_token.c - session tokens, CSRF tokens and binding values.
 *
 * Pure functions of their inputs and the derived keys, so the unit tests
 * can pin them down without a database.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "broker/auth.h"

/* One key per purpose, so that no value can stand in for another. */
static void
derive(unsigned char out[32], const unsigned char master[32],
    const char *purpose)
{
	crypto_auth_hmacsha256(out, (const unsigned char *)purpose,
	    strlen(purpose), master);
}

int
auth_env_init(struct auth_env *env, const struct moat_config *cfg,
    const unsigned char session_key[32])
{
	if (sodium_init() < 0)
		return -1;
	env->cfg = cfg;
	derive(env->token_key, session_key, "moat session token v1");
	derive(env->csrf_key, session_key, "moat csrf token v1");
	derive(env->agent_key, session_key, "moat user agent v1");
	return 0;
}

void
auth_env_wipe(struct auth_env *env)
{
	sodium_memzero(env->token_key, sizeof(env->token_key));
	sodium_memzero(env->csrf_key, sizeof(env->csrf_key));
	sodium_memzero(env->agent_key, sizeof(env->agent_key));
}

static bool
is_base64url(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool
auth_token_valid(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len != AUTH_TOKEN_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!is_base64url((unsigned char)s[i]))
			return false;
	/*
	 * 43 characters carry 258 bits for 256: the last one's two low bits
	 * are zero, so only one spelling of each token is accepted.
	 */
	return strchr("AEIMQUYcgkosw048", s[len - 1]) != NULL;
}

static void
encode(const unsigned char bin[32], char out[AUTH_TOKEN_LEN + 1])
{
	sodium_bin2base64(out, AUTH_TOKEN_LEN + 1, bin, 32,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
auth_token_new(const struct auth_env *env, char token[AUTH_TOKEN_LEN + 1],
    unsigned char hash[AUTH_HASH_BYTES])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	encode(raw, token);
	sodium_memzero(raw, sizeof(raw));
	return auth_token_hash(env, token, strlen(token), hash);
}

int
auth_token_hash(const struct auth_env *env, const char *token, size_t len,
    unsigned char hash[AUTH_HASH_BYTES])
{
	if (!auth_token_valid(token, len))
		return -1;
	crypto_auth_hmacsha256(hash, (const unsigned char *)token, len,
	    env->token_key);
	return 0;
}

void
auth_csrf_token(const struct auth_env *env,
    const unsigned char hash[AUTH_HASH_BYTES], char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char mac[32];

	crypto_auth_hmacsha256(mac, hash, AUTH_HASH_BYTES, env->csrf_key);
	encode(mac, out);
}

void
auth_agent_hash(const struct auth_env *env, const char *agent, size_t len,
    unsigned char out[AUTH_HASH_BYTES])
{
	crypto_auth_hmacsha256(out, (const unsigned char *)agent, len,
	    env->agent_key);
}

void
auth_network(const char *addr, size_t len, char *out, size_t outlen)
{
	unsigned char ip[16];
	char text[INET6_ADDRSTRLEN + 1], buf[64];

	snprintf(out, outlen, "unknown");
	if (len == 0 || len >= sizeof(buf))
		return;
	memcpy(buf, addr, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, ip) == 1) {
		ip[3] = 0;
		if (inet_ntop(AF_INET, ip, text, sizeof(text)) != NULL)
			snprintf(out, outlen, "%s/24", text);
	} else if (inet_pton(AF_INET6, buf, ip) == 1) {
		memset(ip + 8, 0, 8);
		if (inet_ntop(AF_INET6, ip, text, sizeof(text)) != NULL)
			snprintf(out, outlen, "%s/64", text);
	}
}
