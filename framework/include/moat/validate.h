/*
 * validate.h - declarative checks for form, query and path fields.
 *
 * A route describes each field it reads with a struct moat_field; the
 * raw text is checked against it with moat_field_check(), and the handler
 * reads only the typed result in struct moat_value_out.  The checks are
 * deliberately strict: each type accepts one canonical spelling, so that
 * what the handler sees is what every other parser (browser, mail server,
 * resolver) will also see.
 *
 * On failure the reason given is a short static phrase such as "is too
 * long", to be shown after the field name ("email is not an email
 * address").  It never contains any part of the input, so it is safe to
 * put in a 400 page or a log line without escaping the value.
 *
 * The rules, type by type:
 *
 * MOAT_FIELD_STRING  min_len..max_len bytes (not characters); max_len 0
 *	means no maximum beyond the request limits.  With charset non-NULL,
 *	every byte must appear in charset (an ASCII set such as
 *	"abcdefghijklmnopqrstuvwxyz0123456789_-"; a byte >= 0x80 never
 *	matches).  With charset NULL the value must be valid UTF-8 (no
 *	overlong forms, surrogates or code points past U+10FFFF) without C0
 *	controls, DEL or C1 controls (U+0080..U+009F); tab is allowed, CR and
 *	LF only when multiline is set.  text is the value.
 * MOAT_FIELD_INT     optional '-', then decimal digits; no '+', no leading
 *	zeros except "0" itself, no "-0", no spaces, no exponent.  Must lie in
 *	min..max; min == max == 0 means INT64_MIN..INT64_MAX.  i is the value.
 * MOAT_FIELD_UINT    as INT without any sign; range min..max with a
 *	negative min taken as 0; min == max == 0 means 0..INT64_MAX.
 * MOAT_FIELD_BOOL    exactly "1", "true", "on" (b true) or "0", "false",
 *	"off" (b false); lower case only.
 * MOAT_FIELD_ENUM    exactly (case-sensitive) one of the NULL-terminated
 *	choices; i is its index and text points at the choice itself.
 * MOAT_FIELD_EMAIL   at most 254 bytes with exactly one '@'.  The local
 *	part is 1..64 bytes of an RFC 5322 dot-atom: letters, digits and
 *	!#$%&'*+/=?^_`{|}~- with dots neither first, last nor doubled (no
 *	quoted strings, comments or IP literals).  The domain is a
 *	MOAT_FIELD_HOSTNAME with at least one dot.
 * MOAT_FIELD_HOSTNAME  1..253 bytes of dot-separated labels, each 1..63 of
 *	[A-Za-z0-9-] not starting or ending with '-'.  No empty label, so no
 *	trailing dot.  The last label must not be all digits nor "0x" followed
 *	by hex digits, since resolvers and browsers read such names as IPv4
 *	addresses ("127.1", "0x7f000001").
 * MOAT_FIELD_PORT    as UINT, in 1..65535; i is the port.
 * MOAT_FIELD_IP      an IPv4 dotted quad (four decimal parts 0..255, no
 *	leading zeros, nothing else) or an IPv6 address as inet_pton(AF_INET6)
 *	reads it; zone ids ("%eth0") are refused.  i is 4 or 6.
 * MOAT_FIELD_URL     at most 2048 bytes: "http://" or "https://" (scheme
 *	in any case), a host (a MOAT_FIELD_HOSTNAME, an IPv4 dotted quad, or
 *	an IPv6 address in brackets), an optional ":port" (1..65535, no
 *	leading zeros), then an optional path, query and fragment starting
 *	with '/', '?' or '#'.  Those may hold only the RFC 3986 characters
 *	(letters, digits, -._~!$&'()*+,;=:@/?# and '%' followed by two hex
 *	digits): no space, backslash, quote, angle bracket or control byte.
 *	User info ("user:pw@host") is refused, as is any scheme but http(s)
 *	("javascript:", "data:") and a missing "//" ("http:evil").
 * MOAT_FIELD_UUID    8-4-4-4-12 hex digits (either case) with hyphens;
 *	the version is not checked.
 * MOAT_FIELD_DATE    exactly YYYY-MM-DD, year 0001..9999, month 01..12 and
 *	a day that exists in that month (Gregorian leap years); year, month
 *	and day are set.
 *
 * min_len and max_len apply to MOAT_FIELD_STRING only; min and max to
 * INT and UINT only.  For every type text is set on success (to the raw
 * value, or for ENUM to the matching choice).
 */
#ifndef MOAT_VALIDATE_H
#define MOAT_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The kinds of field moat_field_check() knows. */
enum moat_field_type {
	MOAT_FIELD_STRING,
	MOAT_FIELD_INT,
	MOAT_FIELD_UINT,
	MOAT_FIELD_BOOL,
	MOAT_FIELD_ENUM,
	MOAT_FIELD_EMAIL,
	MOAT_FIELD_HOSTNAME,
	MOAT_FIELD_PORT,
	MOAT_FIELD_IP,
	MOAT_FIELD_URL,
	MOAT_FIELD_UUID,
	MOAT_FIELD_DATE
};

/** Longest accepted MOAT_FIELD_EMAIL, in bytes. */
#define MOAT_EMAIL_MAX		254
/** Longest accepted MOAT_FIELD_HOSTNAME, in bytes. */
#define MOAT_HOSTNAME_MAX	253
/** Longest accepted MOAT_FIELD_URL, in bytes. */
#define MOAT_URL_MAX		2048

/** One field of a route: its name and what its value must look like. */
struct moat_field {
	const char		*name;
	enum moat_field_type	 type;
	bool			 required;
	size_t			 min_len, max_len;	/* STRING, bytes */
	const char		*charset;		/* STRING; see above */
	bool			 multiline;		/* STRING: allow CR LF */
	int64_t			 min, max;		/* INT, UINT */
	const char *const	*choices;		/* ENUM, NULL-ended */
};

/** The typed result of a successful check. */
struct moat_value_out {
	bool		 present;	/* false: optional and absent */
	const char	*text;		/* the value (ENUM: the choice) */
	int64_t		 i;		/* INT, UINT, PORT; ENUM index; IP 4/6 */
	bool		 b;		/* BOOL */
	int		 year, month, day;	/* DATE */
};

/**
 * Check one raw value against f.  raw is NUL-terminated text as the
 * request core decoded it, or NULL when the field was not sent.
 *
 * A NULL or empty raw value is absent: with f->required false that gives
 * 0 with out->present false, with f->required true it fails with "is
 * required".  Otherwise returns 0 with *out filled in (present true), or
 * -1 with *out zeroed and *why set to a static reason that never quotes
 * the input.  why may be NULL.
 */
int	moat_field_check(const struct moat_field *f, const char *raw,
	    struct moat_value_out *out, const char **why);

/**
 * Where to cut text to fit: the length of the longest prefix of s[0..len)
 * that is at most max bytes and does not end inside a UTF-8 sequence.
 */
size_t	moat_utf8_cut(const char *s, size_t len, size_t max);

#endif
