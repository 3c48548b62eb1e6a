/*
 * test_fields.c - a route's declared fields applied to a request: checked
 * from the right source, undeclared ones dropped, duplicates refused, the
 * CSRF field left for the framework, and 400 reasons that name the field
 * but never carry the value.  Also the 400 page's escaped detail line.
 *
 * Requests are built the way the worker builds them: FastCGI params
 * through request_from_params(), a body through request_parse_body().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <moat/session.h>

#include "http/errorpage.h"
#include "http/fields.h"
#include "http/request_internal.h"
#include "unit.h"

/* CU_ASSERT_STRING_EQUAL that fails, rather than crashes, on NULL. */
#define STR_EQ(got, want) do {						\
	const char *got_ = (got), *want_ = (want);			\
									\
	CU_assertImplementation(got_ != NULL &&				\
	    strcmp(got_, want_) == 0, __LINE__,				\
	    "STR_EQ(" #got ", " #want ")", __FILE__, "", CU_FALSE);	\
} while (0)

#define INCIDENT	"ABCDEFGHJKMN"

struct fx {
	struct arena		 a;
	struct moat_limits	 lim;
	struct moat_request	 req;
	char			*env[8];
	unsigned char		*body;
	char			 why[FIELDS_WHY_MAX];
};

static void
fx_close(struct fx *f)
{
	size_t i;

	for (i = 0; f->env[i] != NULL; i++)
		free(f->env[i]);
	free(f->body);
	arena_reset(&f->a);
	memset(f, 0, sizeof(*f));
}

static char *
dup_str(const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = malloc(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, s, len);
	return p;
}

/*
 * A request: method, target ("/p?query"), and an optional body of type
 * ctype.  Every string is a malloc'd copy of its exact size so that the
 * sanitizer build catches a read past its end.
 */
static void
fx_open(struct fx *f, const char *method, const char *target,
    const char *ctype, const char *body, size_t body_len)
{
	char line[4096];
	const char *why = NULL;
	size_t n = 0;

	memset(f, 0, sizeof(*f));
	arena_init(&f->a, 1 << 20);
	f->lim.max_body_bytes = 4096;
	f->lim.max_multipart_bytes = 8192;
	f->lim.max_file_bytes = 1024;
	f->lim.max_files = 2;
	f->lim.max_params = 16;
	f->lim.max_name_bytes = 32;
	f->lim.max_value_bytes = 1024;
	f->lim.max_path_bytes = 256;
	f->lim.max_query_bytes = 2048;
	f->lim.max_headers = 8;
	f->lim.max_header_bytes = 256;
	f->lim.max_cookie_bytes = 256;
	snprintf(line, sizeof(line), "REQUEST_METHOD=%s", method);
	f->env[n++] = dup_str(line);
	snprintf(line, sizeof(line), "REQUEST_URI=%s", target);
	f->env[n++] = dup_str(line);
	if (body != NULL) {
		snprintf(line, sizeof(line), "CONTENT_TYPE=%s", ctype);
		f->env[n++] = dup_str(line);
		snprintf(line, sizeof(line), "CONTENT_LENGTH=%zu", body_len);
		f->env[n++] = dup_str(line);
	}
	f->env[n] = NULL;
	CU_ASSERT_EQUAL_FATAL(request_from_params(&f->req, &f->a, &f->lim,
	    f->env, INCIDENT, &why), 0);
	if (body != NULL) {
		f->body = malloc(body_len > 0 ? body_len : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f->body);
		memcpy(f->body, body, body_len);
		CU_ASSERT_EQUAL_FATAL(request_parse_body(&f->req, f->body,
		    body_len, &why), 0);
	}
}

#define FORM	"application/x-www-form-urlencoded"

static void
fx_get(struct fx *f, const char *target)
{
	fx_open(f, "GET", target, NULL, NULL, 0);
}

static void
fx_post(struct fx *f, const char *target, const char *form)
{
	fx_open(f, "POST", target, FORM, form, strlen(form));
}

static int
apply(struct fx *f, const struct moat_route *route)
{
	memset(f->why, 'X', sizeof(f->why));
	return fields_apply(&f->req, route, f->why, sizeof(f->why));
}

static int
ok_handler(const struct moat_request *req, struct moat_response *res)
{
	return 0;
}

#define ROUTE(m, flds) { .method = (m), .pattern = "/p",		\
	.handler = ok_handler, .fields = (flds),			\
	.nfields = MOAT_NELEM(flds) }

/* The fields most tests use. */
static const char *const colours[] = { "red", "green", "blue", NULL };
static const struct moat_field person[] = {
	{ .name = "name", .type = MOAT_FIELD_STRING, .required = true,
	    .min_len = 1, .max_len = 10 },
	{ .name = "age", .type = MOAT_FIELD_INT, .min = 0, .max = 150 },
	{ .name = "colour", .type = MOAT_FIELD_ENUM, .choices = colours },
	{ .name = "admin", .type = MOAT_FIELD_BOOL },
};
static const struct moat_route get_person = ROUTE("GET", person);
static const struct moat_route post_person = ROUTE("POST", person);

static void
test_get_checked_and_typed(void)
{
	struct fx f;
	const struct moat_value_out *v;
	int64_t i = -1;
	bool b = true;

	fx_get(&f, "/p?extra=1&name=bob&age=42&colour=blue&admin=false&x=%3C");
	CU_ASSERT_EQUAL_FATAL(apply(&f, &get_person), 0);
	STR_EQ(f.why, "");
	STR_EQ(moat_request_field_text(&f.req, "name"), "bob");
	CU_ASSERT_TRUE(moat_request_field_int(&f.req, "age", &i));
	CU_ASSERT_EQUAL(i, 42);
	v = moat_request_field(&f.req, "colour");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_TRUE(v->present);
	CU_ASSERT_EQUAL(v->i, 2);
	STR_EQ(v->text, "blue");
	CU_ASSERT_TRUE(moat_request_field_bool(&f.req, "admin", &b));
	CU_ASSERT_FALSE(b);
	/* Wrong-type getters answer false and leave *out alone. */
	i = 7;
	CU_ASSERT_FALSE(moat_request_field_int(&f.req, "name", &i));
	CU_ASSERT_FALSE(moat_request_field_int(&f.req, "colour", &i));
	CU_ASSERT_EQUAL(i, 7);
	CU_ASSERT_FALSE(moat_request_field_bool(&f.req, "age", &b));
	/* Undeclared: gone from the query, unknown to the getters. */
	CU_ASSERT_PTR_NULL(moat_request_query(&f.req, "extra"));
	CU_ASSERT_PTR_NULL(moat_request_query(&f.req, "x"));
	CU_ASSERT_PTR_NULL(moat_request_field(&f.req, "extra"));
	CU_ASSERT_PTR_NULL(moat_request_field_text(&f.req, "extra"));
	CU_ASSERT_PTR_NULL(moat_request_field(&f.req, NULL));
	CU_ASSERT_FALSE(moat_request_field_int(&f.req, "extra", &i));
	/* Declared: the raw text is still there too. */
	STR_EQ(moat_request_query(&f.req, "age"), "42");
	CU_ASSERT_EQUAL(f.req.query.count, 4);
	fx_close(&f);
}

static void
test_optional_and_required(void)
{
	struct fx f;
	const struct moat_value_out *v;
	int64_t i = 5;

	/* Optional fields absent or empty: declared, present false. */
	fx_get(&f, "/p?name=al&age=");
	CU_ASSERT_EQUAL_FATAL(apply(&f, &get_person), 0);
	v = moat_request_field(&f.req, "age");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_FALSE(v->present);
	CU_ASSERT_FALSE(moat_request_field_int(&f.req, "age", &i));
	CU_ASSERT_EQUAL(i, 5);
	v = moat_request_field(&f.req, "admin");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_FALSE(v->present);
	CU_ASSERT_PTR_NULL(moat_request_field_text(&f.req, "colour"));
	fx_close(&f);

	/* Required: missing, empty, and present only under another case. */
	fx_get(&f, "/p?age=3");
	CU_ASSERT_EQUAL(apply(&f, &get_person), 400);
	STR_EQ(f.why, "field name: is required");
	fx_close(&f);
	fx_get(&f, "/p?name=");
	CU_ASSERT_EQUAL(apply(&f, &get_person), 400);
	STR_EQ(f.why, "field name: is required");
	fx_close(&f);
	fx_get(&f, "/p?NAME=bob");
	CU_ASSERT_EQUAL(apply(&f, &get_person), 400);
	STR_EQ(f.why, "field name: is required");
	fx_close(&f);
}

/* One GET to get_person that must fail with want; value must not leak. */
static void
expect_400(const char *target, const char *want, const char *secret)
{
	struct fx f;

	fx_get(&f, target);
	CU_ASSERT_EQUAL(apply(&f, &get_person), 400);
	STR_EQ(f.why, want);
	if (secret != NULL)
		CU_ASSERT_PTR_NULL(strstr(f.why, secret));
	/* A failed request hands nothing typed to anyone. */
	CU_ASSERT_PTR_NULL(moat_request_field(&f.req, "name"));
	fx_close(&f);
}

static void
test_failures_name_the_field(void)
{
	expect_400("/p?name=%3Cscript%3Ealert(1)%3C/script%3E",
	    "field name: is too long", "script");
	expect_400("/p?name=bob&age=151", "field age: is out of range", "151");
	expect_400("/p?name=bob&age=-1", "field age: is out of range", "-1");
	expect_400("/p?name=bob&age=%3Cimg%3E",
	    "field age: is not a whole number", "img");
	expect_400("/p?name=bob&age=99999999999999999999999",
	    "field age: is out of range", "9999");
	expect_400("/p?name=bob&colour=Red",
	    "field colour: is not one of the allowed values", "Red");
	expect_400("/p?name=bob&admin=yes",
	    "field admin: is not true or false", "yes");
	expect_400("/p?name=a%0Ab", "field name: contains a character that "
	    "is not allowed", NULL);
	expect_400("/p?name=%C2%85evil",
	    "field name: contains a character that is not allowed", "evil");
	/* The first failing field in declaration order is the one named. */
	expect_400("/p?admin=maybe&age=x", "field name: is required", NULL);
}

static void
test_embedded_nul(void)
{
	static const char raw[] = "ok\0<script>";
	struct fx f;

	/* The parsers refuse NUL; should one ever slip through, a check that
	 * saw only "ok" must not pass the rest on. */
	fx_get(&f, "/p");
	CU_ASSERT_EQUAL_FATAL(param_list_add(&f.a, &f.req.query, "name", raw,
	    sizeof(raw) - 1), 0);
	CU_ASSERT_EQUAL(apply(&f, &get_person), 400);
	STR_EQ(f.why, "field name: contains a character that is not allowed");
	fx_close(&f);
}

static void
test_duplicates(void)
{
	struct fx f;

	expect_400("/p?name=a&name=b", "field name: was sent more than once",
	    NULL);
	/* Even when both copies are valid, or one is empty. */
	expect_400("/p?name=bob&age=1&age=1",
	    "field age: was sent more than once", NULL);
	expect_400("/p?name=bob&admin=&admin=1",
	    "field admin: was sent more than once", NULL);
	/* Undeclared duplicates are simply dropped. */
	fx_get(&f, "/p?z=1&name=bob&z=2");
	CU_ASSERT_EQUAL(apply(&f, &get_person), 0);
	CU_ASSERT_PTR_NULL(moat_request_query(&f.req, "z"));
	CU_ASSERT_EQUAL(f.req.query.count, 1);
	fx_close(&f);
}

static void
test_post_reads_the_form(void)
{
	struct fx f;

	fx_post(&f, "/p?name=fromquery&q=1",
	    "junk=1&name=fromform&csrf_token=T0K&age=7");
	CU_ASSERT_EQUAL_FATAL(apply(&f, &post_person), 0);
	STR_EQ(moat_request_field_text(&f.req, "name"), "fromform");
	/* The whole query string is dropped for unsafe methods. */
	CU_ASSERT_PTR_NULL(moat_request_query(&f.req, "name"));
	CU_ASSERT_PTR_NULL(moat_request_query(&f.req, "q"));
	CU_ASSERT_EQUAL(f.req.query.count, 0);
	CU_ASSERT_PTR_NULL(moat_request_form(&f.req, "junk"));
	/* The CSRF token stays for the framework, but is no declared field. */
	STR_EQ(moat_request_form(&f.req, MOAT_CSRF_FIELD), "T0K");
	CU_ASSERT_PTR_NULL(moat_request_field(&f.req, MOAT_CSRF_FIELD));
	/* Order is kept: name, csrf_token, age. */
	CU_ASSERT_EQUAL_FATAL(f.req.form.count, 3);
	STR_EQ(f.req.form.items[0].name, "name");
	STR_EQ(f.req.form.items[1].name, MOAT_CSRF_FIELD);
	STR_EQ(f.req.form.items[2].name, "age");
	fx_close(&f);

	/* A field in the query string does not count for a POST. */
	fx_post(&f, "/p?name=bob", "age=1");
	CU_ASSERT_EQUAL(apply(&f, &post_person), 400);
	STR_EQ(f.why, "field name: is required");
	fx_close(&f);
	fx_post(&f, "/p", "name=a&name=b");
	CU_ASSERT_EQUAL(apply(&f, &post_person), 400);
	STR_EQ(f.why, "field name: was sent more than once");
	fx_close(&f);
	/* PUT and DELETE are unsafe methods too. */
	fx_open(&f, "PUT", "/p?name=q", FORM, "name=put", 8);
	CU_ASSERT_EQUAL(apply(&f, &post_person), 0);
	STR_EQ(moat_request_field_text(&f.req, "name"), "put");
	CU_ASSERT_EQUAL(f.req.query.count, 0);
	fx_close(&f);
}

static void
test_get_drops_form_and_csrf(void)
{
	struct fx f;

	/* A GET with a body: the form is dropped whole, token included. */
	fx_open(&f, "GET", "/p?name=bob&csrf_token=Q", FORM,
	    "name=body&csrf_token=T", 22);
	CU_ASSERT_EQUAL_FATAL(apply(&f, &get_person), 0);
	STR_EQ(moat_request_field_text(&f.req, "name"), "bob");
	CU_ASSERT_EQUAL(f.req.form.count, 0);
	CU_ASSERT_PTR_NULL(moat_request_form(&f.req, "name"));
	CU_ASSERT_PTR_NULL(moat_request_form(&f.req, MOAT_CSRF_FIELD));
	/* A token in a URL is never one the framework accepts. */
	CU_ASSERT_PTR_NULL(moat_request_query(&f.req, MOAT_CSRF_FIELD));
	fx_close(&f);
	/* HEAD is read like GET. */
	fx_open(&f, "HEAD", "/p?name=hd&z=1", NULL, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(apply(&f, &get_person), 0);
	STR_EQ(moat_request_field_text(&f.req, "name"), "hd");
	CU_ASSERT_PTR_NULL(moat_request_query(&f.req, "z"));
	fx_close(&f);
}

static void
test_undeclared_route_untouched(void)
{
	static const struct moat_route plain = { .method = "POST",
	    .pattern = "/p", .handler = ok_handler };
	static const struct moat_field none[1];
	static const struct moat_route nothing = { .method = "POST",
	    .pattern = "/p", .handler = ok_handler, .fields = none,
	    .nfields = 0 };
	struct fx f;

	fx_post(&f, "/p?q=1&q=2", "a=%3Cb%3E&a=2&csrf_token=T");
	CU_ASSERT_EQUAL(apply(&f, &plain), 0);
	STR_EQ(f.why, "");
	STR_EQ(moat_request_query_nth(&f.req, "q", 1), "2");
	STR_EQ(moat_request_form(&f.req, "a"), "<b>");
	STR_EQ(moat_request_form_nth(&f.req, "a", 1), "2");
	CU_ASSERT_PTR_NULL(moat_request_field(&f.req, "a"));
	CU_ASSERT_PTR_NULL(moat_request_field_text(&f.req, "q"));
	fx_close(&f);
	/* Declaring an empty list drops everything but the CSRF token. */
	fx_post(&f, "/p?q=1", "a=1&csrf_token=T");
	CU_ASSERT_EQUAL(apply(&f, &nothing), 0);
	CU_ASSERT_EQUAL(f.req.query.count, 0);
	CU_ASSERT_EQUAL_FATAL(f.req.form.count, 1);
	STR_EQ(moat_request_form(&f.req, MOAT_CSRF_FIELD), "T");
	fx_close(&f);
}

static void
test_multipart(void)
{
	static const char body[] =
	    "--XX\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n"
	    "mp\r\n"
	    "--XX\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n"
	    "o\r\n"
	    "--XX\r\nContent-Disposition: form-data; name=\"age\"; "
	    "filename=\"a.txt\"\r\n\r\n12\r\n"
	    "--XX--\r\n";
	const struct moat_value_out *v;
	struct fx f;

	fx_open(&f, "POST", "/p", "multipart/form-data; boundary=XX", body,
	    sizeof(body) - 1);
	CU_ASSERT_EQUAL_FATAL(apply(&f, &post_person), 0);
	STR_EQ(moat_request_field_text(&f.req, "name"), "mp");
	CU_ASSERT_PTR_NULL(moat_request_form(&f.req, "other"));
	/* A file part is not a text field: age counts as not sent... */
	v = moat_request_field(&f.req, "age");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_FALSE(v->present);
	/* ...and the upload itself is left alone. */
	CU_ASSERT_PTR_NOT_NULL(moat_request_file(&f.req, "age"));
	fx_close(&f);
}

static void
test_types_end_to_end(void)
{
	static const struct moat_field all[] = {
		{ .name = "email", .type = MOAT_FIELD_EMAIL },
		{ .name = "host", .type = MOAT_FIELD_HOSTNAME },
		{ .name = "port", .type = MOAT_FIELD_PORT },
		{ .name = "ip", .type = MOAT_FIELD_IP },
		{ .name = "url", .type = MOAT_FIELD_URL },
		{ .name = "id", .type = MOAT_FIELD_UUID },
		{ .name = "day", .type = MOAT_FIELD_DATE },
		{ .name = "n", .type = MOAT_FIELD_UINT, .max = 10 },
		{ .name = "slug", .type = MOAT_FIELD_STRING,
		    .charset = "abcdefghijklmnopqrstuvwxyz-" },
	};
	static const struct moat_route r = ROUTE("GET", all);
	static const struct {
		const char	*query;
		const char	*why;
	} bad[] = {
		{ "email=a%40b", "field email: is not an email address" },
		{ "host=127.1", "field host: is not a host name" },
		{ "port=0", "field port: is not a port number" },
		{ "ip=fe80::1%25eth0", "field ip: is not an IP address" },
		{ "url=javascript:alert(1)",
		    "field url: is not an http or https URL" },
		{ "url=http://x.example/%22%3E%3Cscript%3E",
		    "field url: is not an http or https URL" },
		{ "id=not-a-uuid", "field id: is not a UUID" },
		{ "day=2023-02-29", "field day: is not a date (YYYY-MM-DD)" },
		{ "n=11", "field n: is out of range" },
		{ "slug=Abc", "field slug: contains a character that is not "
		    "allowed" },
	};
	struct fx f;
	const struct moat_value_out *v;
	int64_t i;
	size_t k;

	fx_get(&f, "/p?email=a%40b.example&host=db.example&port=5432&"
	    "ip=2001:db8::1&url=https://x.example/a?b=1&"
	    "id=123e4567-e89b-12d3-a456-426614174000&day=2024-02-29&n=10&"
	    "slug=ok-slug");
	CU_ASSERT_EQUAL_FATAL(apply(&f, &r), 0);
	STR_EQ(moat_request_field_text(&f.req, "email"), "a@b.example");
	CU_ASSERT_TRUE(moat_request_field_int(&f.req, "port", &i));
	CU_ASSERT_EQUAL(i, 5432);
	v = moat_request_field(&f.req, "ip");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v->i, 6);
	v = moat_request_field(&f.req, "day");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v->year * 10000 + v->month * 100 + v->day, 20240229);
	CU_ASSERT_TRUE(moat_request_field_int(&f.req, "n", &i));
	CU_ASSERT_EQUAL(i, 10);
	fx_close(&f);
	for (k = 0; k < MOAT_NELEM(bad); k++) {
		char target[256];

		snprintf(target, sizeof(target), "/p?%s", bad[k].query);
		fx_get(&f, target);
		CU_ASSERT_EQUAL(apply(&f, &r), 400);
		STR_EQ(f.why, bad[k].why);
		fx_close(&f);
	}
}

static void
test_why_buffer(void)
{
	struct fx f;
	char small[12];

	/* A short buffer is cut and still terminated; zero is left alone. */
	fx_get(&f, "/p?age=1");
	memset(small, 'X', sizeof(small));
	CU_ASSERT_EQUAL(fields_apply(&f.req, &get_person, small,
	    sizeof(small)), 400);
	STR_EQ(small, "field name:");
	CU_ASSERT_EQUAL(fields_apply(&f.req, &get_person, small, 0), 400);
	STR_EQ(small, "field name:");
	fx_close(&f);
}

static void
test_broken_declarations(void)
{
	static const struct moat_field csrf[] = {
		{ .name = MOAT_CSRF_FIELD, .type = MOAT_FIELD_STRING },
	};
	static const struct moat_field twice[] = {
		{ .name = "a", .type = MOAT_FIELD_STRING },
		{ .name = "a", .type = MOAT_FIELD_INT },
	};
	static const struct moat_field noname[] = {
		{ .name = "", .type = MOAT_FIELD_STRING },
	};
	static const struct moat_field ctl[] = {
		{ .name = "a\nb", .type = MOAT_FIELD_STRING },
	};
	static const struct moat_field enum_empty[] = {
		{ .name = "e", .type = MOAT_FIELD_ENUM },
	};
	static const struct moat_field range[] = {
		{ .name = "n", .type = MOAT_FIELD_INT, .min = 5, .max = 1 },
	};
	static const struct moat_field lens[] = {
		{ .name = "s", .type = MOAT_FIELD_STRING, .min_len = 5,
		    .max_len = 4 },
	};
	static const struct moat_field badtype[] = {
		{ .name = "t", .type = (enum moat_field_type)99 },
	};
	static const struct {
		struct moat_route	 route;
		const char		*err;
	} cases[] = {
		{ ROUTE("POST", csrf), "field 1: the framework owns the "
		    "csrf_token field" },
		{ ROUTE("GET", twice), "field a: declared twice" },
		{ ROUTE("GET", noname), "field 1: a field has no name" },
		{ ROUTE("GET", ctl), "field 1: a field name holds a control "
		    "byte" },
		{ ROUTE("GET", enum_empty), "field e: an enum needs choices" },
		{ ROUTE("GET", range), "field n: min is above max" },
		{ ROUTE("GET", lens), "field s: min_len is above max_len" },
		{ ROUTE("GET", badtype), "field t: unknown field type" },
		{ { .method = "GET", .pattern = "/p", .handler = ok_handler,
		    .nfields = 2 }, "nfields is 2 but fields is NULL" },
	};
	char err[FIELDS_WHY_MAX];
	struct fx f;
	size_t k;

	CU_ASSERT_EQUAL(fields_check_route(&get_person, err, sizeof(err)), 0);
	for (k = 0; k < MOAT_NELEM(cases); k++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(fields_check_route(&cases[k].route, err,
		    sizeof(err)), -1);
		STR_EQ(err, cases[k].err);
		/* At request time the route fails closed, as a 500. */
		fx_post(&f, "/p?a=1", "a=1&csrf_token=T");
		CU_ASSERT_EQUAL(apply(&f, &cases[k].route), 500);
		STR_EQ(f.why, cases[k].err);
		CU_ASSERT_PTR_NULL(moat_request_field(&f.req, "a"));
		fx_close(&f);
	}
}

/* --- the 400 page's detail line ------------------------------------------ */

static const char *
render(struct moat_response *res, const char *detail)
{
	response_init(res, 1 << 16);
	CU_ASSERT_TRUE(moat_buf_puts(&res->body, "left over"));
	errorpage_render_detail(res, 400, INCIDENT, detail);
	CU_ASSERT_EQUAL(res->status, 400);
	return moat_buf_cstr(&res->body);
}

static void
test_errorpage_detail(void)
{
	struct moat_response res, plain;
	char longer[ERRORPAGE_DETAIL_MAX + 50];
	const char *page, *start, *end;
	size_t i;

	page = render(&res, "field name: is too long");
	CU_ASSERT_PTR_NOT_NULL(strstr(page, "<p>field name: is too long</p>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(page, "Incident: <code>" INCIDENT));
	CU_ASSERT_PTR_NOT_NULL(strstr(page, "could not be processed"));
	CU_ASSERT_PTR_NULL(strstr(page, "left over"));
	response_free(&res);

	/* Escaped, even though callers never pass input. */
	page = render(&res, "field <a href='x'>&\"\x01\x7f");
	CU_ASSERT_PTR_NOT_NULL(strstr(page, "<p>field &lt;a href=&#39;x&#39;"
	    "&gt;&amp;&quot;?" "?</p>"));
	CU_ASSERT_PTR_NULL(strstr(page, "<a"));
	response_free(&res);

	/* Long text is cut, and never inside a UTF-8 sequence. */
	longer[0] = 'a';
	for (i = 1; i + 1 < sizeof(longer); i += 2)
		memcpy(longer + i, "\xc3\xa9", 2);
	longer[i] = '\0';
	page = render(&res, longer);
	CU_ASSERT_PTR_NOT_NULL(strstr(page, "\xc3\xa9</p>"));
	CU_ASSERT_PTR_NULL(strstr(page, "\xc3</p>"));
	/* 'a' and 99 two-byte characters: 199 of the 200 bytes allowed. */
	start = strstr(page, "<p>a\xc3\xa9");
	CU_ASSERT_PTR_NOT_NULL_FATAL(start);
	end = strstr(start, "</p>");
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	CU_ASSERT_EQUAL((size_t)(end - start), 3 + 199);
	response_free(&res);

	/* NULL and "" give exactly the plain page. */
	page = render(&res, NULL);
	response_init(&plain, 1 << 16);
	errorpage_render(&plain, 400, INCIDENT);
	STR_EQ(page, moat_buf_cstr(&plain.body));
	response_free(&res);
	page = render(&res, "");
	STR_EQ(page, moat_buf_cstr(&plain.body));
	response_free(&res);
	response_free(&plain);
}

int
register_fields_tests(void)
{
	static const struct unit_test tests[] = {
		{ "GET fields checked and typed", test_get_checked_and_typed },
		{ "optional and required", test_optional_and_required },
		{ "failures name the field, not the value",
		    test_failures_name_the_field },
		{ "embedded NUL refused", test_embedded_nul },
		{ "duplicates refused", test_duplicates },
		{ "POST reads the form, drops the query",
		    test_post_reads_the_form },
		{ "GET drops the form and URL tokens",
		    test_get_drops_form_and_csrf },
		{ "routes without fields untouched",
		    test_undeclared_route_untouched },
		{ "multipart text fields and files", test_multipart },
		{ "every type through a route", test_types_end_to_end },
		{ "why buffer bounds", test_why_buffer },
		{ "broken declarations fail closed", test_broken_declarations },
		{ "400 page detail line", test_errorpage_detail },
	};

	return unit_add_suite("fields", tests, MOAT_NELEM(tests));
}
