/*
 * validate.c - declarative field checks (see moat/validate.h).
 *
 * Every checker reads the whole value and accepts only the canonical form
 * of its type; nothing here allocates or keeps a pointer past the call.
 * Reasons are string literals that never include the input.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <moat/validate.h>

#include "core/utf8.h"
#include "http/token.h"

#define WHY_REQUIRED	"is required"
#define WHY_RULE	"has an invalid field rule"
#define WHY_SHORT	"is too short"
#define WHY_LONG	"is too long"
#define WHY_CHAR	"contains a character that is not allowed"
#define WHY_NUMBER	"is not a whole number"
#define WHY_RANGE	"is out of range"
#define WHY_BOOL	"is not true or false"
#define WHY_ENUM	"is not one of the allowed values"
#define WHY_EMAIL	"is not an email address"
#define WHY_HOST	"is not a host name"
#define WHY_PORT	"is not a port number"
#define WHY_IP		"is not an IP address"
#define WHY_URL		"is not an http or https URL"
#define WHY_UUID	"is not a UUID"
#define WHY_DATE	"is not a date (YYYY-MM-DD)"

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_xdigit(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * Decimal digits s[0..len) without leading zeros, into *v; false if
 * empty, not all digits, or above limit.
 */
static bool
parse_decimal(const char *s, size_t len, uint64_t limit, uint64_t *v)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0 || (len > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return false;
		if (n > (limit - (uint64_t)(s[i] - '0')) / 10)
			return false;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*v = n;
	return true;
}

/*
 * Strict UTF-8 text: no overlongs, surrogates or values past U+10FFFF,
 * and no C0 (except tab, and CR LF when multiline), DEL or C1 controls.
 */
static bool
text_ok(const unsigned char *s, size_t len, bool multiline)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		cp = s[i];
		if (cp < 0x80) {
			if (cp == 0x7f)
				return false;
			if (cp < 0x20 && cp != '\t' &&
			    !(multiline && (cp == '\r' || cp == '\n')))
				return false;
			i++;
			continue;
		}
		if ((n = utf8_sequence(s + i, len - i, &cp)) == 0 ||
		    (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += n;
	}
	return true;
}

static int
check_string(const struct moat_field *f, const char *raw, const char **why)
{
	size_t len = strlen(raw), i;

	if (len < f->min_len) {
		*why = WHY_SHORT;
		return -1;
	}
	if (f->max_len != 0 && len > f->max_len) {
		*why = WHY_LONG;
		return -1;
	}
	if (f->charset != NULL) {
		for (i = 0; i < len; i++) {
			if ((unsigned char)raw[i] >= 0x80 ||
			    strchr(f->charset, raw[i]) == NULL) {
				*why = WHY_CHAR;
				return -1;
			}
		}
	} else if (!text_ok((const unsigned char *)raw, len, f->multiline)) {
		*why = WHY_CHAR;
		return -1;
	}
	return 0;
}

static int
check_int(const struct moat_field *f, const char *raw, bool sign,
    int64_t *v, const char **why)
{
	int64_t lo = f->min, hi = f->max;
	size_t len = strlen(raw);
	bool neg = false;
	uint64_t u;

	if (!sign && lo < 0)
		lo = 0;
	if (f->min == 0 && f->max == 0) {
		lo = sign ? INT64_MIN : 0;
		hi = INT64_MAX;
	}
	if (lo > hi) {
		*why = WHY_RULE;
		return -1;
	}
	if (sign && raw[0] == '-') {
		neg = true;
		raw++;
		len--;
	}
	if (!parse_decimal(raw, len,
	    neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &u) ||
	    (neg && u == 0)) {
		/* Too many digits for the type is a range error. */
		*why = WHY_NUMBER;
		if (len > 0 && raw[0] != '0') {
			size_t i;

			for (i = 0; i < len && is_digit((unsigned char)raw[i]);
			    i++)
				;
			if (i == len)
				*why = WHY_RANGE;
		}
		return -1;
	}
	if (neg)
		*v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*v = (int64_t)u;
	if (*v < lo || *v > hi) {
		*why = WHY_RANGE;
		return -1;
	}
	return 0;
}

/* A label list per moat/validate.h; need_dot asks for two labels or more. */
static bool
hostname_ok(const char *s, size_t len, bool need_dot)
{
	size_t i, start = 0, dots = 0, j;
	bool digits, hex;

	if (len == 0 || len > MOAT_HOSTNAME_MAX)
		return false;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!is_alpha((unsigned char)s[i]) &&
			    !is_digit((unsigned char)s[i]) && s[i] != '-')
				return false;
			continue;
		}
		/* Label s[start..i). */
		if (i == start || i - start > 63 || s[start] == '-' ||
		    s[i - 1] == '-')
			return false;
		if (i < len) {
			dots++;
			start = i + 1;
		}
	}
	if (need_dot && dots == 0)
		return false;
	/* The last label s[start..len) must not read as a number. */
	digits = true;
	for (j = start; j < len; j++)
		if (!is_digit((unsigned char)s[j]))
			digits = false;
	hex = len - start > 2 && s[start] == '0' &&
	    (s[start + 1] == 'x' || s[start + 1] == 'X');
	for (j = start + 2; hex && j < len; j++)
		if (!is_xdigit((unsigned char)s[j]))
			hex = false;
	return !digits && !hex;
}

static bool
ipv4_ok(const char *s, size_t len)
{
	size_t i, start = 0, parts = 0;
	uint64_t v;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i - start > 3 || !parse_decimal(s + start, i - start, 255,
		    &v))
			return false;
		parts++;
		start = i + 1;
	}
	return parts == 4;
}

static bool
ipv6_ok(const char *s, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a;
	size_t i;

	if (len == 0 || len >= sizeof(buf))
		return false;
	for (i = 0; i < len; i++)
		if (!is_xdigit((unsigned char)s[i]) && s[i] != ':' &&
		    s[i] != '.')
			return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

static bool
port_ok(const char *s, size_t len, int64_t *port)
{
	uint64_t v;

	if (!parse_decimal(s, len, 65535, &v) || v == 0)
		return false;
	*port = (int64_t)v;
	return true;
}

static bool
email_ok(const char *s)
{
	static const char atext[] = "!#$%&'*+/=?^_`{|}~-";
	size_t len = strlen(s), at, i;
	const char *p;

	if (len > MOAT_EMAIL_MAX || (p = strchr(s, '@')) == NULL ||
	    strchr(p + 1, '@') != NULL)
		return false;
	at = (size_t)(p - s);
	if (at == 0 || at > 64 || s[0] == '.' || s[at - 1] == '.')
		return false;
	for (i = 0; i < at; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
			continue;
		}
		if (!is_alpha((unsigned char)s[i]) &&
		    !is_digit((unsigned char)s[i]) &&
		    strchr(atext, s[i]) == NULL)
			return false;
	}
	return hostname_ok(p + 1, len - at - 1, true);
}

/* Path, query and fragment characters of RFC 3986, less '[' and ']'. */
static bool
url_rest_ok(const char *s)
{
	static const char extra[] = "-._~!$&'()*+,;=:@/?#";

	for (; *s != '\0'; s++) {
		if (*s == '%') {
			if (!is_xdigit((unsigned char)s[1]) ||
			    !is_xdigit((unsigned char)s[2]))
				return false;
			s += 2;
			continue;
		}
		if (!is_alpha((unsigned char)*s) &&
		    !is_digit((unsigned char)*s) && strchr(extra, *s) == NULL)
			return false;
	}
	return true;
}

static bool
url_ok(const char *s)
{
	size_t len = strlen(s), alen, hlen;
	const char *auth, *end, *colon, *rb;
	int64_t port;

	if (len > MOAT_URL_MAX)
		return false;
	if (strncasecmp(s, "http://", 7) == 0)
		auth = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		auth = s + 8;
	else
		return false;
	alen = strcspn(auth, "/?#");
	end = auth + alen;
	if (alen == 0 || memchr(auth, '@', alen) != NULL)
		return false;
	if (auth[0] == '[') {
		if ((rb = memchr(auth, ']', alen)) == NULL ||
		    !ipv6_ok(auth + 1, (size_t)(rb - auth - 1)))
			return false;
		colon = rb + 1 == end ? NULL : rb + 1;
		if (colon != NULL && *colon != ':')
			return false;
	} else {
		colon = memchr(auth, ':', alen);
		hlen = colon == NULL ? alen : (size_t)(colon - auth);
		if (!ipv4_ok(auth, hlen) && !hostname_ok(auth, hlen, false))
			return false;
	}
	if (colon != NULL &&
	    !port_ok(colon + 1, (size_t)(end - colon - 1), &port))
		return false;
	return url_rest_ok(end);
}

static int
num(const char *s, size_t n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

static bool
date_ok(const char *s, int *y, int *m, int *d)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	size_t i;
	int dim;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit((unsigned char)s[i]))
			return false;
	*y = num(s, 4);
	*m = num(s + 5, 2);
	*d = num(s + 8, 2);
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1)
		return false;
	dim = mdays[*m - 1];
	if (*m == 2 && ((*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0))
		dim = 29;
	return *d <= dim;
}

static int
check_typed(const struct moat_field *f, const char *raw,
    struct moat_value_out *out, const char **why)
{
	size_t i;

	switch (f->type) {
	case MOAT_FIELD_STRING:
		return check_string(f, raw, why);
	case MOAT_FIELD_INT:
		return check_int(f, raw, true, &out->i, why);
	case MOAT_FIELD_UINT:
		return check_int(f, raw, false, &out->i, why);
	case MOAT_FIELD_BOOL:
		if (strcmp(raw, "1") == 0 || strcmp(raw, "true") == 0 ||
		    strcmp(raw, "on") == 0)
			out->b = true;
		else if (strcmp(raw, "0") == 0 || strcmp(raw, "false") == 0 ||
		    strcmp(raw, "off") == 0)
			out->b = false;
		else {
			*why = WHY_BOOL;
			return -1;
		}
		return 0;
	case MOAT_FIELD_ENUM:
		if (f->choices == NULL) {
			*why = WHY_RULE;
			return -1;
		}
		for (i = 0; f->choices[i] != NULL; i++) {
			if (strcmp(raw, f->choices[i]) == 0) {
				out->i = (int64_t)i;
				out->text = f->choices[i];
				return 0;
			}
		}
		*why = WHY_ENUM;
		return -1;
	case MOAT_FIELD_EMAIL:
		if (!email_ok(raw)) {
			*why = WHY_EMAIL;
			return -1;
		}
		return 0;
	case MOAT_FIELD_HOSTNAME:
		if (!hostname_ok(raw, strlen(raw), false)) {
			*why = WHY_HOST;
			return -1;
		}
		return 0;
	case MOAT_FIELD_PORT:
		if (!port_ok(raw, strlen(raw), &out->i)) {
			*why = WHY_PORT;
			return -1;
		}
		return 0;
	case MOAT_FIELD_IP:
		if (ipv4_ok(raw, strlen(raw)))
			out->i = 4;
		else if (ipv6_ok(raw, strlen(raw)))
			out->i = 6;
		else {
			*why = WHY_IP;
			return -1;
		}
		return 0;
	case MOAT_FIELD_URL:
		if (!url_ok(raw)) {
			*why = WHY_URL;
			return -1;
		}
		return 0;
	case MOAT_FIELD_UUID:
		if (!http_is_uuid(raw)) {
			*why = WHY_UUID;
			return -1;
		}
		return 0;
	case MOAT_FIELD_DATE:
		if (!date_ok(raw, &out->year, &out->month, &out->day)) {
			*why = WHY_DATE;
			return -1;
		}
		return 0;
	}
	*why = WHY_RULE;
	return -1;
}

int
moat_field_check(const struct moat_field *f, const char *raw,
    struct moat_value_out *out, const char **why)
{
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	memset(out, 0, sizeof(*out));
	if (f == NULL) {
		*why = WHY_RULE;
		return -1;
	}
	if (raw == NULL || raw[0] == '\0') {
		if (f->required) {
			*why = WHY_REQUIRED;
			return -1;
		}
		return 0;
	}
	out->text = raw;
	if (check_typed(f, raw, out, why) == -1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->present = true;
	return 0;
}

size_t
moat_utf8_cut(const char *s, size_t len, size_t max)
{
	return utf8_cut(s, len, max);
}
