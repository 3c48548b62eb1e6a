/*
 * test_validate.c - moat_field_check(), type by type.
 *
 * Each type has a table of values that must pass (with the typed result
 * they must give) and hostile values that must fail with an exact reason.
 * Every failure is also checked to leave *out zeroed and to give a reason
 * that does not quote the input.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <moat/validate.h>

#include "unit.h"

struct vcase {
	const char	*raw;
	const char	*why;	/* NULL: must pass */
	int64_t		 i;	/* expected i on success */
};

static void
expect_zero(const struct moat_value_out *out)
{
	CU_ASSERT_FALSE(out->present);
	CU_ASSERT_PTR_NULL(out->text);
	CU_ASSERT_EQUAL(out->i, 0);
	CU_ASSERT_FALSE(out->b);
	CU_ASSERT_EQUAL(out->year + out->month + out->day, 0);
}

/* Run one case; returns the result so callers can check more. */
static int
run_case(const struct moat_field *f, const struct vcase *c,
    struct moat_value_out *out)
{
	const char *why = "unset";
	int rc;

	rc = moat_field_check(f, c->raw, out, &why);
	if (c->why == NULL) {
		CU_ASSERT_EQUAL(rc, 0);
		if (rc != 0)
			fprintf(stderr, "\n  should pass: type %d \"%s\" (%s)",
			    (int)f->type, c->raw, why);
		CU_ASSERT_PTR_NULL(why);
		CU_ASSERT_TRUE(out->present);
		if (f->type != MOAT_FIELD_ENUM)
			CU_ASSERT_PTR_EQUAL(out->text, c->raw);
		CU_ASSERT_EQUAL(out->i, c->i);
	} else {
		CU_ASSERT_EQUAL(rc, -1);
		if (rc != -1)
			fprintf(stderr, "\n  should fail: type %d \"%s\"",
			    (int)f->type, c->raw);
		CU_ASSERT_PTR_NOT_NULL_FATAL(why);
		CU_ASSERT_STRING_EQUAL(why, c->why);
		if (why != NULL && c->why != NULL && strcmp(why, c->why) != 0)
			fprintf(stderr, "\n  type %d \"%s\": got \"%s\"",
			    (int)f->type, c->raw, why);
		/* The reason never quotes the input. */
		if (strlen(c->raw) >= 4)
			CU_ASSERT_PTR_NULL(strstr(why, c->raw));
		expect_zero(out);
	}
	return rc;
}

static void
run_table(const struct moat_field *f, const struct vcase *t, size_t n)
{
	struct moat_value_out out;
	size_t i;

	for (i = 0; i < n; i++)
		run_case(f, &t[i], &out);
}

/* --- presence ------------------------------------------------------- */

static void
test_presence(void)
{
	struct moat_field f = { .name = "q", .type = MOAT_FIELD_INT };
	struct moat_value_out out;
	const char *why = "unset";

	memset(&out, 0xff, sizeof(out));
	CU_ASSERT_EQUAL(moat_field_check(&f, NULL, &out, &why), 0);
	CU_ASSERT_PTR_NULL(why);
	expect_zero(&out);
	CU_ASSERT_EQUAL(moat_field_check(&f, "", &out, &why), 0);
	expect_zero(&out);

	f.required = true;
	CU_ASSERT_EQUAL(moat_field_check(&f, NULL, &out, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "is required");
	expect_zero(&out);
	CU_ASSERT_EQUAL(moat_field_check(&f, "", &out, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "is required");
	CU_ASSERT_EQUAL(moat_field_check(&f, "12", &out, NULL), 0);
	CU_ASSERT_EQUAL(out.i, 12);
	CU_ASSERT_EQUAL(moat_field_check(NULL, "12", &out, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "has an invalid field rule");
	f.type = (enum moat_field_type)99;
	CU_ASSERT_EQUAL(moat_field_check(&f, "12", &out, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "has an invalid field rule");
	expect_zero(&out);
}

/* --- strings -------------------------------------------------------- */

static void
test_string_text(void)
{
	static const struct vcase t[] = {
		{ "a", "is too short", 0 },
		{ "ab", NULL, 0 },
		{ "hello world", NULL, 0 },
		{ "tab\there", NULL, 0 },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", NULL, 0 },
		{ "0123456789abcdef", NULL, 0 },
		{ "0123456789abcdefg", "is too long", 0 },
		{ "line\nbreak", "contains a character that is not allowed", 0 },
		{ "cr\rhere", "contains a character that is not allowed", 0 },
		{ "bell\a", "contains a character that is not allowed", 0 },
		{ "esc\x1b[0m", "contains a character that is not allowed", 0 },
		{ "del\x7f", "contains a character that is not allowed", 0 },
		{ "c1\xc2\x85", "contains a character that is not allowed", 0 },
		{ "over\xc0\xaf", "contains a character that is not allowed", 0 },
		{ "surr\xed\xa0\x80", "contains a character that is not allowed",
		    0 },
		{ "cut\xe2\x82", "contains a character that is not allowed", 0 },
		{ "big\xf4\x90\x80\x80",
		    "contains a character that is not allowed", 0 },
		{ "lone\x80", "contains a character that is not allowed", 0 },
	};
	struct moat_field f = { .name = "s", .type = MOAT_FIELD_STRING,
	    .min_len = 2, .max_len = 16 };

	run_table(&f, t, MOAT_NELEM(t));
}

static void
test_string_multiline(void)
{
	static const struct vcase t[] = {
		{ "line\r\nbreak\n", NULL, 0 },
		{ "nul\x01", "contains a character that is not allowed", 0 },
		{ "vt\v", "contains a character that is not allowed", 0 },
	};
	struct moat_field f = { .name = "s", .type = MOAT_FIELD_STRING,
	    .multiline = true };

	run_table(&f, t, MOAT_NELEM(t));
}

static void
test_string_charset(void)
{
	static const struct vcase t[] = {
		{ "user_name-1", NULL, 0 },
		{ "User", "contains a character that is not allowed", 0 },
		{ "a b", "contains a character that is not allowed", 0 },
		{ "caf\xc3\xa9", "contains a character that is not allowed", 0 },
		{ "x/../y", "contains a character that is not allowed", 0 },
		{ "<script>", "contains a character that is not allowed", 0 },
	};
	struct moat_field f = { .name = "s", .type = MOAT_FIELD_STRING,
	    .charset = "abcdefghijklmnopqrstuvwxyz0123456789_-",
	    .max_len = 32 };

	run_table(&f, t, MOAT_NELEM(t));
}

/* --- numbers -------------------------------------------------------- */

static void
test_int_full(void)
{
	static const struct vcase t[] = {
		{ "0", NULL, 0 },
		{ "42", NULL, 42 },
		{ "-42", NULL, -42 },
		{ "9223372036854775807", NULL, INT64_MAX },
		{ "-9223372036854775808", NULL, INT64_MIN },
		{ "9223372036854775808", "is out of range", 0 },
		{ "-9223372036854775809", "is out of range", 0 },
		{ "99999999999999999999999", "is out of range", 0 },
		{ "-0", "is not a whole number", 0 },
		{ "007", "is not a whole number", 0 },
		{ "-01", "is not a whole number", 0 },
		{ "1e3", "is not a whole number", 0 },
		{ " 1", "is not a whole number", 0 },
		{ "1 ", "is not a whole number", 0 },
		{ "+1", "is not a whole number", 0 },
		{ "-", "is not a whole number", 0 },
		{ "--1", "is not a whole number", 0 },
		{ "0x10", "is not a whole number", 0 },
		{ "1.5", "is not a whole number", 0 },
		{ "\xd9\xa3", "is not a whole number", 0 },
	};
	struct moat_field f = { .name = "n", .type = MOAT_FIELD_INT };

	run_table(&f, t, MOAT_NELEM(t));
}

static void
test_int_range(void)
{
	static const struct vcase t[] = {
		{ "-10", NULL, -10 },
		{ "10", NULL, 10 },
		{ "-11", "is out of range", 0 },
		{ "11", "is out of range", 0 },
		{ "18446744073709551616", "is out of range", 0 },
	};
	struct moat_field f = { .name = "n", .type = MOAT_FIELD_INT,
	    .min = -10, .max = 10 };
	struct moat_value_out out;
	const char *why;

	run_table(&f, t, MOAT_NELEM(t));
	f.min = 5;
	f.max = 4;
	CU_ASSERT_EQUAL(moat_field_check(&f, "4", &out, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "has an invalid field rule");
}

static void
test_uint(void)
{
	static const struct vcase t[] = {
		{ "0", NULL, 0 },
		{ "100", NULL, 100 },
		{ "101", "is out of range", 0 },
		{ "-1", "is not a whole number", 0 },
		{ "-0", "is not a whole number", 0 },
		{ "+5", "is not a whole number", 0 },
		{ "007", "is not a whole number", 0 },
		{ "9223372036854775808", "is out of range", 0 },
	};
	struct moat_field f = { .name = "n", .type = MOAT_FIELD_UINT,
	    .min = -5, .max = 100 };
	struct moat_field full = { .name = "n", .type = MOAT_FIELD_UINT };
	static const struct vcase tf[] = {
		{ "9223372036854775807", NULL, INT64_MAX },
		{ "9223372036854775808", "is out of range", 0 },
	};

	run_table(&f, t, MOAT_NELEM(t));
	run_table(&full, tf, MOAT_NELEM(tf));
}

static void
test_port(void)
{
	static const struct vcase t[] = {
		{ "1", NULL, 1 },
		{ "80", NULL, 80 },
		{ "65535", NULL, 65535 },
		{ "0", "is not a port number", 0 },
		{ "65536", "is not a port number", 0 },
		{ "080", "is not a port number", 0 },
		{ "-80", "is not a port number", 0 },
		{ "8o", "is not a port number", 0 },
		{ "99999999999999999999999", "is not a port number", 0 },
	};
	struct moat_field f = { .name = "p", .type = MOAT_FIELD_PORT };

	run_table(&f, t, MOAT_NELEM(t));
}

/* --- bool and enum -------------------------------------------------- */

static void
test_bool(void)
{
	static const struct { const char *raw; int want; } t[] = {
		{ "1", 1 }, { "true", 1 }, { "on", 1 },
		{ "0", 0 }, { "false", 0 }, { "off", 0 },
		{ "TRUE", -1 }, { "True", -1 }, { "yes", -1 }, { "2", -1 },
		{ "on ", -1 }, { "01", -1 }, { "truex", -1 }, { "t", -1 },
	};
	struct moat_field f = { .name = "b", .type = MOAT_FIELD_BOOL };
	struct moat_value_out out;
	const char *why;
	size_t i;

	for (i = 0; i < MOAT_NELEM(t); i++) {
		int rc = moat_field_check(&f, t[i].raw, &out, &why);

		if (t[i].want < 0) {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_STRING_EQUAL(why, "is not true or false");
			expect_zero(&out);
		} else {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_TRUE(out.present);
			CU_ASSERT_EQUAL(out.b, t[i].want == 1);
		}
	}
}

static void
test_enum(void)
{
	static const char *const colours[] = { "red", "green", "blue", NULL };
	static const struct vcase t[] = {
		{ "red", NULL, 0 },
		{ "blue", NULL, 2 },
		{ "Red", "is not one of the allowed values", 0 },
		{ "redd", "is not one of the allowed values", 0 },
		{ "re", "is not one of the allowed values", 0 },
		{ "green ", "is not one of the allowed values", 0 },
	};
	struct moat_field f = { .name = "c", .type = MOAT_FIELD_ENUM,
	    .choices = colours };
	struct moat_value_out out;
	const char *why;

	run_table(&f, t, MOAT_NELEM(t));
	CU_ASSERT_EQUAL(moat_field_check(&f, "green", &out, &why), 0);
	CU_ASSERT_PTR_EQUAL(out.text, colours[1]);
	CU_ASSERT_EQUAL(out.i, 1);
	f.choices = NULL;
	CU_ASSERT_EQUAL(moat_field_check(&f, "red", &out, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "has an invalid field rule");
}

/* --- names and addresses -------------------------------------------- */

#define L63 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"
#define L64 L63 "l"

static void
test_email(void)
{
	static const struct vcase t[] = {
		{ "a@x.com", NULL, 0 },
		{ "first.last+tag@mail.example.org", NULL, 0 },
		{ "o'neil!#$%&*/=?^_`{|}~-@x.co", NULL, 0 },
		{ L64 "@x.com", NULL, 0 },
		{ L64 "x@x.com", "is not an email address", 0 },
		{ "a@b@x.com", "is not an email address", 0 },
		{ "a..b@x.com", "is not an email address", 0 },
		{ ".a@x.com", "is not an email address", 0 },
		{ "a.@x.com", "is not an email address", 0 },
		{ "@x.com", "is not an email address", 0 },
		{ "a@", "is not an email address", 0 },
		{ "a@localhost", "is not an email address", 0 },
		{ "a@x.com.", "is not an email address", 0 },
		{ "a@-x.com", "is not an email address", 0 },
		{ "a@x_y.com", "is not an email address", 0 },
		{ "a@1.2.3.4", "is not an email address", 0 },
		{ "a@[1.2.3.4]", "is not an email address", 0 },
		{ "\"a b\"@x.com", "is not an email address", 0 },
		{ "a b@x.com", "is not an email address", 0 },
		{ "a(c)@x.com", "is not an email address", 0 },
		{ "a@x.com\r\nBcc: v@y.com", "is not an email address", 0 },
		{ "caf\xc3\xa9@x.com", "is not an email address", 0 },
		{ "a@b\xc3\xbc" "cher.de", "is not an email address", 0 },
		{ "a", "is not an email address", 0 },
	};
	struct moat_field f = { .name = "e", .type = MOAT_FIELD_EMAIL };
	struct moat_value_out out;
	const char *why;
	char big[300];

	run_table(&f, t, MOAT_NELEM(t));
	/* 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 bytes: the limit. */
	memcpy(big, L64 "@" L63 "." L63 ".", 64 + 1 + 63 + 1 + 63 + 1);
	memset(big + 193, 'c', 61);
	big[254] = '\0';
	CU_ASSERT_EQUAL(moat_field_check(&f, big, &out, &why), 0);
	big[254] = 'c';
	big[255] = '\0';
	CU_ASSERT_EQUAL(moat_field_check(&f, big, &out, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "is not an email address");
}

static void
test_hostname(void)
{
	static const struct vcase t[] = {
		{ "localhost", NULL, 0 },
		{ "Example.COM", NULL, 0 },
		{ "a-b.c-d.example", NULL, 0 },
		{ "xn--bcher-kva.de", NULL, 0 },
		{ "1a.example", NULL, 0 },
		{ L63 ".com", NULL, 0 },
		{ L64 ".com", "is not a host name", 0 },
		{ "under_score.com", "is not a host name", 0 },
		{ "-lead.com", "is not a host name", 0 },
		{ "trail-.com", "is not a host name", 0 },
		{ "example.com.", "is not a host name", 0 },
		{ ".example.com", "is not a host name", 0 },
		{ "a..b", "is not a host name", 0 },
		{ "b\xc3\xbc" "cher.de", "is not a host name", 0 },
		{ "exa mple.com", "is not a host name", 0 },
		{ "host:80", "is not a host name", 0 },
		{ "127.0.0.1", "is not a host name", 0 },
		{ "127.1", "is not a host name", 0 },
		{ "2130706433", "is not a host name", 0 },
		{ "0x7f000001", "is not a host name", 0 },
		{ "a.0X7F", "is not a host name", 0 },
		{ "a.0x", NULL, 0 },
	};
	struct moat_field f = { .name = "h", .type = MOAT_FIELD_HOSTNAME };
	struct moat_value_out out;
	const char *why;
	char big[300];
	size_t i;

	run_table(&f, t, MOAT_NELEM(t));
	/* Four 62-byte labels and dots: 4 * 63 = 252 bytes, then "a". */
	for (i = 0; i < 4; i++) {
		memset(big + i * 63, 'a', 62);
		big[i * 63 + 62] = '.';
	}
	big[252] = 'a';
	big[253] = '\0';
	CU_ASSERT_EQUAL(moat_field_check(&f, big, &out, &why), 0);
	big[253] = 'a';
	big[254] = '\0';
	CU_ASSERT_EQUAL(moat_field_check(&f, big, &out, &why), -1);
}

static void
test_ip(void)
{
	static const struct vcase t[] = {
		{ "0.0.0.0", NULL, 4 },
		{ "192.168.1.255", NULL, 4 },
		{ "255.255.255.255", NULL, 4 },
		{ "::", NULL, 6 },
		{ "::1", NULL, 6 },
		{ "2001:db8::8a2e:370:7334", NULL, 6 },
		{ "::ffff:192.0.2.1", NULL, 6 },
		{ "FE80::1", NULL, 6 },
		{ "256.1.1.1", "is not an IP address", 0 },
		{ "01.2.3.4", "is not an IP address", 0 },
		{ "1.2.3", "is not an IP address", 0 },
		{ "1.2.3.4.5", "is not an IP address", 0 },
		{ "1.2.3.4.", "is not an IP address", 0 },
		{ "1..3.4", "is not an IP address", 0 },
		{ "0x7f.0.0.1", "is not an IP address", 0 },
		{ "2130706433", "is not an IP address", 0 },
		{ " 1.2.3.4", "is not an IP address", 0 },
		{ "fe80::1%eth0", "is not an IP address", 0 },
		{ "fe80::1%25eth0", "is not an IP address", 0 },
		{ "[::1]", "is not an IP address", 0 },
		{ "1:2:3:4:5:6:7:8:9", "is not an IP address", 0 },
		{ ":::", "is not an IP address", 0 },
		{ "12345::", "is not an IP address", 0 },
		{ "1111:2222:3333:4444:5555:6666:777.888.999.000",
		    "is not an IP address", 0 },
	};
	struct moat_field f = { .name = "ip", .type = MOAT_FIELD_IP };

	run_table(&f, t, MOAT_NELEM(t));
}

/* --- URLs ----------------------------------------------------------- */

static void
test_url(void)
{
	static const char bad[] = "is not an http or https URL";
	static const struct vcase t[] = {
		{ "http://example.com", NULL, 0 },
		{ "https://example.com/", NULL, 0 },
		{ "HTTPS://Example.com/a/b?c=d&e=f#frag", NULL, 0 },
		{ "http://[::1]:80/x", NULL, 0 },
		{ "http://[2001:db8::1]", NULL, 0 },
		{ "http://127.0.0.1:8080", NULL, 0 },
		{ "http://localhost:65535/", NULL, 0 },
		{ "http://host/a@b", NULL, 0 },
		{ "http://host/p%20q?x=%2F", NULL, 0 },
		{ "http://host?q", NULL, 0 },
		{ "http://host#top", NULL, 0 },
		{ "javascript:alert(1)", bad, 0 },
		{ "JaVaScRiPt:alert(1)", bad, 0 },
		{ "data:text/html,<script>alert(1)</script>", bad, 0 },
		{ "//evil.com", bad, 0 },
		{ "http:evil", bad, 0 },
		{ "http:/evil.com", bad, 0 },
		{ "http:///evil.com", bad, 0 },
		{ "http://", bad, 0 },
		{ "ftp://example.com/", bad, 0 },
		{ " http://example.com", bad, 0 },
		{ "http://user:pw@host/", bad, 0 },
		{ "http://user@host/", bad, 0 },
		{ "http://@host/", bad, 0 },
		{ "http://host:0/", bad, 0 },
		{ "http://host:65536", bad, 0 },
		{ "http://host:080/", bad, 0 },
		{ "http://host:/", bad, 0 },
		{ "http://host:8o/", bad, 0 },
		{ "http://[::1]x/", bad, 0 },
		{ "http://[::1/", bad, 0 },
		{ "http://[fe80::1%25eth0]/", bad, 0 },
		{ "http://[1.2.3.4]/", bad, 0 },
		{ "http://127.1/", bad, 0 },
		{ "http://0x7f000001/", bad, 0 },
		{ "http://256.0.0.1/", bad, 0 },
		{ "https://exa mple.com", bad, 0 },
		{ "http://a.com\\@b.com", bad, 0 },
		{ "http://a.com\\b", bad, 0 },
		{ "http://host/a b", bad, 0 },
		{ "http://host/\"onmouseover=\"x", bad, 0 },
		{ "http://host/<script>", bad, 0 },
		{ "http://host/%zz", bad, 0 },
		{ "http://host/%2", bad, 0 },
		{ "http://host/\t", bad, 0 },
		{ "http://host/\xc3\xa9", bad, 0 },
		{ "http://ho_st/", bad, 0 },
		{ "http://host./", bad, 0 },
		{ "http://b\xc3\xbc" "cher.de/", bad, 0 },
	};
	struct moat_field f = { .name = "u", .type = MOAT_FIELD_URL };
	struct moat_value_out out;
	const char *why;
	char big[MOAT_URL_MAX + 2];

	run_table(&f, t, MOAT_NELEM(t));
	memcpy(big, "http://h/", 9);
	memset(big + 9, 'a', MOAT_URL_MAX - 9);
	big[MOAT_URL_MAX] = '\0';
	CU_ASSERT_EQUAL(moat_field_check(&f, big, &out, &why), 0);
	big[MOAT_URL_MAX] = 'a';
	big[MOAT_URL_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(moat_field_check(&f, big, &out, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, bad);
}

/* --- UUIDs and dates ------------------------------------------------ */

static void
test_uuid(void)
{
	static const char bad[] = "is not a UUID";
	static const struct vcase t[] = {
		{ "123e4567-e89b-12d3-a456-426614174000", NULL, 0 },
		{ "123E4567-E89B-12D3-A456-426614174000", NULL, 0 },
		{ "00000000-0000-0000-0000-000000000000", NULL, 0 },
		{ "123e4567e89b12d3a456426614174000", bad, 0 },
		{ "123e4567-e89b-12d3-a456-42661417400", bad, 0 },
		{ "123e4567-e89b-12d3-a456-4266141740000", bad, 0 },
		{ "123e4567-e89b-12d3-a456_426614174000", bad, 0 },
		{ "g23e4567-e89b-12d3-a456-426614174000", bad, 0 },
		{ "{123e4567-e89b-12d3-a456-426614174000}", bad, 0 },
		{ "123e4567-e89b-12d3-a456-42661417400 ", bad, 0 },
	};
	struct moat_field f = { .name = "id", .type = MOAT_FIELD_UUID };

	run_table(&f, t, MOAT_NELEM(t));
}

static void
test_date(void)
{
	static const struct {
		const char	*raw;
		int		 y, m, d;	/* y 0: must fail */
	} t[] = {
		{ "2024-02-29", 2024, 2, 29 },
		{ "2000-02-29", 2000, 2, 29 },
		{ "0001-01-01", 1, 1, 1 },
		{ "9999-12-31", 9999, 12, 31 },
		{ "2023-04-30", 2023, 4, 30 },
		{ "2023-02-29", 0, 0, 0 },
		{ "1900-02-29", 0, 0, 0 },
		{ "2023-04-31", 0, 0, 0 },
		{ "2024-13-01", 0, 0, 0 },
		{ "2024-00-10", 0, 0, 0 },
		{ "2024-01-00", 0, 0, 0 },
		{ "2024-01-32", 0, 0, 0 },
		{ "0000-01-01", 0, 0, 0 },
		{ "2024-1-01", 0, 0, 0 },
		{ "2024-01-1", 0, 0, 0 },
		{ "24-01-01", 0, 0, 0 },
		{ "12024-01-01", 0, 0, 0 },
		{ "2024/01/01", 0, 0, 0 },
		{ "2024-01-01T00:00", 0, 0, 0 },
		{ "+024-01-01", 0, 0, 0 },
		{ "2024-0a-01", 0, 0, 0 },
	};
	struct moat_field f = { .name = "d", .type = MOAT_FIELD_DATE };
	struct moat_value_out out;
	const char *why;
	size_t i;
	int rc;

	for (i = 0; i < MOAT_NELEM(t); i++) {
		why = "unset";
		rc = moat_field_check(&f, t[i].raw, &out, &why);
		if (t[i].y == 0) {
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_STRING_EQUAL(why,
			    "is not a date (YYYY-MM-DD)");
			CU_ASSERT_PTR_NULL(strstr(why, t[i].raw));
			expect_zero(&out);
		} else {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_PTR_NULL(why);
			CU_ASSERT_TRUE(out.present);
			CU_ASSERT_EQUAL(out.year, t[i].y);
			CU_ASSERT_EQUAL(out.month, t[i].m);
			CU_ASSERT_EQUAL(out.day, t[i].d);
		}
	}
}

int
register_validate_tests(void)
{
	static const struct unit_test tests[] = {
		{ "presence and required", test_presence },
		{ "string: UTF-8 text and length", test_string_text },
		{ "string: multiline", test_string_multiline },
		{ "string: charset", test_string_charset },
		{ "int: full range and syntax", test_int_full },
		{ "int: min and max", test_int_range },
		{ "uint", test_uint },
		{ "port", test_port },
		{ "bool", test_bool },
		{ "enum", test_enum },
		{ "email", test_email },
		{ "hostname", test_hostname },
		{ "ip", test_ip },
		{ "url", test_url },
		{ "uuid", test_uuid },
		{ "date", test_date },
	};

	return unit_add_suite("validate", tests, MOAT_NELEM(tests));
}
