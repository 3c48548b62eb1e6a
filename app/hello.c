/*
 * hello.c - the smallest Moat application.
 *
 * A handler reads the parsed request and fills in a buffered response;
 * moat_main() does everything else (config, worker pool, limits, error
 * pages).  Text that came from the request is escaped before it goes into
 * HTML: moat_buf_append_html() is the safe way to write it.
 */
#include <string.h>

#include <moat/moat.h>

static int
home(const struct moat_request *req, struct moat_response *res)
{
	struct moat_buf *body = moat_response_body(res);
	const char *name = moat_request_query(req, "name");

	moat_response_content_type(res, "text/html");
	moat_buf_puts(body, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>Moat</title></head>\n<body>"
	    "<h1>Hello from Moat</h1>\n");
	if (name != NULL) {
		moat_buf_puts(body, "<p>Hello, ");
		moat_buf_append_html(body, name, strlen(name));
		moat_buf_puts(body, "!</p>\n");
	}
	moat_buf_puts(body, "</body></html>\n");
	return 0;
}

static int
healthz(const struct moat_request *req, struct moat_response *res)
{
	(void)req;
	return moat_response_text(res, 200, "ok\n");
}

/* GET /numbers/{id:int}: typed route segments arrive already checked. */
static int
show_number(const struct moat_request *req, struct moat_response *res)
{
	struct moat_buf *body = moat_response_body(res);
	int64_t id;

	if (!moat_request_route_int(req, "id", &id))
		return -1;
	moat_response_content_type(res, "text/plain");
	moat_buf_printf(body, "number %lld\n", (long long)id);
	return 0;
}

/*
 * POST /echo declares its one form field (echo_fields below), so by the
 * time this runs "message" has been checked: present, 1..200 bytes of
 * UTF-8 text without control characters.  Anything else got a 400 naming
 * the field, and any other form field was dropped unseen.
 */
static int
echo_form(const struct moat_request *req, struct moat_response *res)
{
	return moat_response_text(res, 200,
	    moat_request_field_text(req, "message"));
}

static const struct moat_field echo_fields[] = {
	{ .name = "message", .type = MOAT_FIELD_STRING, .required = true,
	    .min_len = 1, .max_len = 200 },
};

static const struct moat_route routes[] = {
	{ .method = "GET", .pattern = "/", .handler = home },
	{ .method = "GET", .pattern = "/healthz", .handler = healthz },
	{ .method = "GET", .pattern = "/numbers/{id:int}", .handler = show_number },
	{ .method = "POST", .pattern = "/echo", .handler = echo_form,
	    .fields = echo_fields, .nfields = MOAT_NELEM(echo_fields) },
};

int
main(int argc, char **argv)
{
	const struct moat_app app = {
		.name = "moat-hello",
		.routes = routes,
		.nroutes = MOAT_NELEM(routes),
	};

	return moat_main(&app, argc, argv);
}
