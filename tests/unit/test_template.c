/*
 * test_template.c - the template engine: escaping by context, the
 * compile-time refusals, includes, blocks, raw output, csrf_field, limits,
 * the view API, directory loading and moat_render().
 *
 * The escaping tests feed classic filter-evasion vectors through every
 * context that accepts a value and compare the exact bytes that come out;
 * the refusal tests check the exact "file:line: reason" a template author
 * would see.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <moat/session.h>
#include <moat/template.h>

#include "core/arena.h"
#include "core/log_internal.h"
#include "http/request_internal.h"
#include "http/response_internal.h"
#include "template/template.h"
#include "template/view.h"
#include "unit.h"

#define BLOCKED	"about:invalid#moat"

/* A tpl_file from a literal, NUL bytes included. */
#define F(n, t)	{ n, t, sizeof(t) - 1 }

static struct arena	arena;
static char		err[1024];

/* --- helpers --------------------------------------------------------- */

static struct moat_view *
fresh_view(void)
{
	arena_reset(&arena);
	arena_init(&arena, 1 << 20);
	return view_new(&arena);
}

static struct tpl_set *
compile_n(const struct tpl_file *files, size_t n)
{
	err[0] = '\0';
	return tpl_compile_mem(files, n, err, sizeof(err));
}

static struct tpl_set *
compile1(const char *src)
{
	struct tpl_file f = { "t.html", src, strlen(src) };

	return compile_n(&f, 1);
}

/* Render name from set into a fresh string (free it); NULL on error. */
static char *
render_set(const struct tpl_set *set, const char *name,
    const struct moat_view *v, const char *token)
{
	const struct tpl *t = tpl_find(set, name);
	struct moat_buf b;
	char *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	moat_buf_init(&b, 1 << 20);
	err[0] = '\0';
	if (tpl_render(t, v, token, &b, err, sizeof(err)) != 0) {
		moat_buf_free(&b);
		return NULL;
	}
	s = strdup(moat_buf_cstr(&b));
	moat_buf_free(&b);
	return s;
}

/* src compiles, and renders over v as exactly want. */
static void
expect_out(const char *src, const struct moat_view *v, const char *want)
{
	struct tpl_set *set = compile1(src);
	char *got;

	if (set == NULL) {
		fprintf(stderr, "\n  compile failed: %s\n  for: %s\n", err,
		    src);
		CU_FAIL("template did not compile");
		return;
	}
	got = render_set(set, "t.html", v, "TOKEN");
	CU_ASSERT_PTR_NOT_NULL(got);
	if (got != NULL && strcmp(got, want) != 0) {
		fprintf(stderr, "\n  template: %s\n  want: %s\n  got:  %s\n",
		    src, want, got);
		CU_FAIL("wrong output");
	}
	free(got);
	tpl_set_free(set);
}

/* One text value x, shown through src. */
static void
expect_x(const char *src, const char *x, const char *want)
{
	struct moat_view *v = fresh_view();

	CU_ASSERT_EQUAL_FATAL(moat_view_text(v, "x", x), 0);
	expect_out(src, v, want);
}

/* The compile fails with exactly want as the error. */
static void
expect_err_n(const struct tpl_file *files, size_t n, const char *want)
{
	struct tpl_set *set = compile_n(files, n);

	CU_ASSERT_PTR_NULL(set);
	tpl_set_free(set);
	if (strcmp(err, want) != 0) {
		fprintf(stderr, "\n  want error: %s\n  got:        %s\n", want,
		    err);
		CU_FAIL("wrong compile error");
	}
}

static void
expect_err(const char *src, const char *want)
{
	struct tpl_file f = { "t.html", src, strlen(src) };

	expect_err_n(&f, 1, want);
}

/* The compile fails at t.html:line, whatever the reason says. */
static void
expect_refused(const char *src, unsigned line, const char *why_part)
{
	char prefix[32];

	CU_ASSERT_PTR_NULL(compile1(src));
	snprintf(prefix, sizeof(prefix), "t.html:%u: ", line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, why_part) == NULL) {
		fprintf(stderr, "\n  template: %s\n  want: %s...%s\n  got:  "
		    "%s\n", src, prefix, why_part, err);
		CU_FAIL("wrong refusal");
	}
}

/* --- text and attributes --------------------------------------------- */

static void
test_text_escaping(void)
{
	static const struct {
		const char *x, *want;
	} v[] = {
		{ "plain", "plain" },
		{ "<script>alert(1)</script>",
		    "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "\"><svg onload=alert(1)>",
		    "&quot;&gt;&lt;svg onload=alert(1)&gt;" },
		{ "' onmouseover='alert(1)",
		    "&#39; onmouseover=&#39;alert(1)" },
		{ "<img src=x onerror=alert(1)>",
		    "&lt;img src=x onerror=alert(1)&gt;" },
		{ "&lt;already&gt;", "&amp;lt;already&amp;gt;" },
		{ "<<SCRIPT>alert(\"XSS\");//<</SCRIPT>",
		    "&lt;&lt;SCRIPT&gt;alert(&quot;XSS&quot;);//&lt;&lt;/SCRIPT"
		    "&gt;" },
		{ "{{ x }} {% raw x %}", "{{ x }} {% raw x %}" },
		{ "caf\xc3\xa9 \xe2\x80\xae", "caf\xc3\xa9 \xe2\x80\xae" },
		{ "</p><!--", "&lt;/p&gt;&lt;!--" },
		{ "", "" },
	};
	char src[64], want[256];
	size_t i;

	for (i = 0; i < MOAT_NELEM(v); i++) {
		expect_x("<p>{{ x }}</p>", v[i].x,
		    (snprintf(want, sizeof(want), "<p>%s</p>", v[i].want),
		    want));
		/* The same bytes in a double- and a single-quoted value. */
		snprintf(src, sizeof(src), "<a title=\"{{x}}\">");
		snprintf(want, sizeof(want), "<a title=\"%s\">", v[i].want);
		expect_x(src, v[i].x, want);
		snprintf(want, sizeof(want), "<a title='%s'>", v[i].want);
		expect_x("<a title='{{x}}'>", v[i].x, want);
		/* <textarea> and <title> hold text: escaped the same way. */
		snprintf(want, sizeof(want), "<textarea>%s</textarea>",
		    v[i].want);
		expect_x("<textarea>{{x}}</textarea>", v[i].x, want);
		snprintf(want, sizeof(want), "<title>%s</title>", v[i].want);
		expect_x("<title>{{x}}</title>", v[i].x, want);
	}
}

static void
test_text_breakouts(void)
{
	/* Values that try to close the element they sit in. */
	expect_x("<textarea>{{x}}</textarea>", "</textarea><script>x</script>",
	    "<textarea>&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;"
	    "</textarea>");
	expect_x("<title>{{x}}</title>", "</title><img src=x onerror=a()>",
	    "<title>&lt;/title&gt;&lt;img src=x onerror=a()&gt;</title>");
	/* A NUL never reaches the page as a NUL. */
	{
		struct moat_view *v = fresh_view();
		struct tpl_set *set = compile1("[{{x}}]");
		struct view_entry *e;
		char *got;

		CU_ASSERT_EQUAL_FATAL(moat_view_text(v, "x", "ab"), 0);
		e = (struct view_entry *)view_get(v, "x", 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		e->text = "a\0<";	/* only a bug could put it there */
		e->textlen = 3;
		CU_ASSERT_PTR_NOT_NULL_FATAL(set);
		got = render_set(set, "t.html", v, NULL);
		CU_ASSERT_STRING_EQUAL(got, "[a\xef\xbf\xbd&lt;]");
		free(got);
		tpl_set_free(set);
	}
}

static void
test_attr_contexts(void)
{
	/* Whatever comes before, a quoted value is a quoted value. */
	expect_x("<a class=\"x\" title=\"{{x}}\" id=\"y\">", "\" onclick=\"a()",
	    "<a class=\"x\" title=\"&quot; onclick=&quot;a()\" id=\"y\">");
	expect_x("<div title=\"a>b\" class=\"{{x}}\">", "<b>",
	    "<div title=\"a>b\" class=\"&lt;b&gt;\">");
	expect_x("<input value = \"{{x}}\" >", "'\"", "<input value = \""
	    "&#39;&quot;\" >");
	expect_x("<a title='x\"{{x}}'>", "'", "<a title='x\"&#39;'>");
	expect_x("<INPUT VALUE=\"{{x}}\">", "<", "<INPUT VALUE=\"&lt;\">");
	expect_x("<p>a < b {{x}}</p>", "&", "<p>a < b &amp;</p>");
	expect_x("<br/><p>{{x}}", "<", "<br/><p>&lt;");
	expect_x("<img alt=\"{{x}}\"/>", "\"", "<img alt=\"&quot;\"/>");
	expect_x("<a data-on=\"{{x}}\">", "1", "<a data-on=\"1\">");
	/* Values after elements whose content is not HTML. */
	expect_x("<script>var a = \"</script>\";</script>{{x}}", "<",
	    "<script>var a = \"</script>\";</script>&lt;");
	expect_x("<script>a</SCRIPT >{{x}}", "<", "<script>a</SCRIPT >&lt;");
	expect_x("<style>p{}</style>{{x}}", "<", "<style>p{}</style>&lt;");
	expect_x("<script>if (a</scripty) b()</script>{{x}}", "<",
	    "<script>if (a</scripty) b()</script>&lt;");
	/* After comments, including the abrupt ones. */
	expect_x("<!-- a -->{{x}}", "<", "<!-- a -->&lt;");
	expect_x("<!-->{{x}}", "<", "<!-->&lt;");
	expect_x("<!--->{{x}}", "<", "<!--->&lt;");
	expect_x("<!-- a --!>{{x}}", "<", "<!-- a --!>&lt;");
	expect_x("<!-- a ---->{{x}}", "<", "<!-- a ---->&lt;");
	expect_x("<!DOCTYPE html>{{x}}", "<", "<!DOCTYPE html>&lt;");
	expect_x("<?xml x?>{{x}}", "<", "<?xml x?>&lt;");
	expect_x("</>{{x}}", "<", "</>&lt;");
	expect_x("</ a>{{x}}", "<", "</ a>&lt;");
	expect_x("</p title=\">\">{{x}}", "<", "</p title=\">\">&lt;");
}

/* --- URLs ------------------------------------------------------------ */

static void
test_url_scheme_filter(void)
{
	static const struct {
		const char *x, *want;
		size_t len;		/* 0: strlen(x) */
	} v[] = {
		{ "javascript:alert(1)", BLOCKED, 0 },
		{ "JaVaScRiPt:alert(1)", BLOCKED, 0 },
		{ "JAVASCRIPT:alert(1)", BLOCKED, 0 },
		{ " javascript:alert(1)", BLOCKED, 0 },
		{ "\x01\x02" "javascript:alert(1)", BLOCKED, 0 },
		{ "\x7f" "javascript:alert(1)", BLOCKED, 0 },
		{ "java\tscript:alert(1)", BLOCKED, 0 },
		{ "java\nscript:alert(1)", BLOCKED, 0 },
		{ "java\rscript:alert(1)", BLOCKED, 0 },
		{ "\t\n javascript:alert(1)", BLOCKED, 0 },
		{ "javascript\t:alert(1)", BLOCKED, 0 },
		{ "vbscript:msgbox(1)", BLOCKED, 0 },
		{ "VBScript:msgbox(1)", BLOCKED, 0 },
		{ "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
		    BLOCKED, 0 },
		{ "DATA:text/html,<script>alert(1)</script>", BLOCKED, 0 },
		{ "data:image/svg+xml,<svg onload=alert(1)>", BLOCKED, 0 },
		{ "livescript:alert(1)", BLOCKED, 0 },
		{ "file:///etc/passwd", BLOCKED, 0 },
		{ "ftp://example.com/", BLOCKED, 0 },
		{ "about:blank", BLOCKED, 0 },
		{ "blob:https://example.com/1", BLOCKED, 0 },
		{ "\xe2\x80\x8b" "javascript:alert(1)", BLOCKED, 0 },
		{ "\xef\xbd\x8a" "avascript:alert(1)", BLOCKED, 0 },
		{ "\\javascript:alert(1)", BLOCKED, 0 },
		{ "http\x00:x", BLOCKED, 7 },	/* not "http" */
		{ "java\x00script:alert(1)", BLOCKED, 22 },
		{ "foo bar:baz", BLOCKED, 0 },
		{ "https:x", "https:x", 0 },
		/* Character references cannot spell a scheme: & is escaped. */
		{ "&#106;avascript:alert(1)",
		    "&amp;#106;avascript:alert(1)", 0 },
		{ "javascript&#58;alert(1)", "javascript&amp;#58;alert(1)", 0 },
		{ "javascript&colon;alert(1)",
		    "javascript&amp;colon;alert(1)", 0 },
		{ "jav&#x09;ascript:alert(1)",
		    "jav&amp;#x09;ascript:alert(1)", 0 },
		/* What is allowed, and how it is encoded. */
		{ "http://example.com/?q=<x>&y=1",
		    "http://example.com/?q=%3Cx%3E&amp;y=1", 0 },
		{ "HTTPS://example.com/a b", "HTTPS://example.com/a%20b", 0 },
		{ "mailto:a@example.com", "mailto:a@example.com", 0 },
		{ "/notes/1?a=b#c:d", "/notes/1?a=b#c:d", 0 },
		{ "notes?x=javascript:1", "notes?x=javascript:1", 0 },
		{ "//example.com/", "//example.com/", 0 },
		{ "' onerror='alert(1)", "&#39;%20onerror=&#39;alert(1)", 0 },
		{ "\" onmouseover=\"alert(1)",
		    "%22%20onmouseover=%22alert(1)", 0 },
		{ "x\"><script>alert(1)</script>",
		    "x%22%3E%3Cscript%3Ealert(1)%3C/script%3E", 0 },
		{ "caf\xc3\xa9", "caf%C3%A9", 0 },
		{ "100%", "100%", 0 },
		{ "", "", 0 },
	};
	char want[256];
	size_t i;

	for (i = 0; i < MOAT_NELEM(v); i++) {
		struct moat_view *vw = fresh_view();
		struct view_entry *e;

		CU_ASSERT_EQUAL_FATAL(moat_view_text(vw, "x", "?"), 0);
		/* Set the bytes directly: some vectors hold a NUL. */
		e = (struct view_entry *)view_get(vw, "x", 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		e->text = v[i].x;
		e->textlen = v[i].len != 0 ? v[i].len : strlen(v[i].x);
		snprintf(want, sizeof(want), "<a href=\"%s\">", v[i].want);
		expect_out("<a href=\"{{x}}\">", vw, want);
		snprintf(want, sizeof(want), "<img src='%s'>", v[i].want);
		expect_out("<img src='{{x}}'>", vw, want);
		/* Leading blanks written in the template change nothing. */
		snprintf(want, sizeof(want), "<a href=\" %s\">", v[i].want);
		expect_out("<a href=\" {{x}}\">", vw, want);
	}
}

static void
test_url_attrs(void)
{
	static const char *const attrs[] = {
		"href", "src", "action", "formaction", "poster", "cite",
		"background", "data", "codebase", "longdesc", "usemap",
		"xlink:href", "HREF", "Src", "data-src", "data-url", "lowsrc",
		"manifest", "xmlns", "profile", "icon",
	};
	char src[128], want[128];
	size_t i;

	for (i = 0; i < MOAT_NELEM(attrs); i++) {
		snprintf(src, sizeof(src), "<x %s=\"{{x}}\">", attrs[i]);
		snprintf(want, sizeof(want), "<x %s=\"" BLOCKED "\">",
		    attrs[i]);
		expect_x(src, "javascript:alert(1)", want);
	}
	/* Not URL attributes: the text is just text. */
	expect_x("<a title=\"{{x}}\">", "javascript:a()",
	    "<a title=\"javascript:a()\">");
	expect_x("<p>{{x}}</p>", "javascript:a()", "<p>javascript:a()</p>");
}

static void
test_url_later_parts(void)
{
	/* After the scheme: percent-encoded, never filtered. */
	expect_x("<a href=\"/notes/{{x}}\">", "javascript:alert(1)",
	    "<a href=\"/notes/javascript:alert(1)\">");
	expect_x("<a href=\"/notes/{{x}}\">", "\"><script>",
	    "<a href=\"/notes/%22%3E%3Cscript%3E\">");
	expect_x("<a href=\"/n?q={{x}}\">", "a b&c='d'",
	    "<a href=\"/n?q=a%20b&amp;c=&#39;d&#39;\">");
	expect_x("<a href=\"https://example.com/{{x}}\">", "\xc3\xa9<",
	    "<a href=\"https://example.com/%C3%A9%3C\">");
	expect_x("<a href=\"mailto:{{x}}\">", "a@b.c?subject=<x>",
	    "<a href=\"mailto:a@b.c?subject=%3Cx%3E\">");
	/* Before the scheme ended: ":" is encoded, no scheme can form. */
	expect_x("<a href=\"page{{x}}\">", "javascript:alert(1)",
	    "<a href=\"pagejavascript%3Aalert(1)\">");
	/* Character references before a value: still the URL's start. */
	expect_x("<a href=\"&#32;{{x}}\">", "javascript:alert(1)",
	    "<a href=\"&#32;" BLOCKED "\">");
	expect_x("<a href=\"&Tab;&#x20{{x}}\">", "javascript:alert(1)",
	    "<a href=\"&Tab;&#x20" BLOCKED "\">");
	expect_x("<a href=\"&#106;{{x}}\">", "avascript:alert(1)",
	    "<a href=\"&#106;" BLOCKED "\">");
	expect_x("<a href=\"&#32;{{x}}\">", "/ok", "<a href=\"&#32;/ok\">");
	expect_x("<a href=\"a&amp;b{{x}}\">", "javascript:alert(1)",
	    "<a href=\"a&amp;bjavascript%3Aalert(1)\">");
	expect_x("<a href=\"a&sol;{{x}}\">", "javascript:alert(1)",
	    "<a href=\"a&sol;javascript%3Aalert(1)\">");
	expect_x("<a href=\"/a?&amp;{{x}}\">", "javascript:alert(1)",
	    "<a href=\"/a?&amp;javascript:alert(1)\">");
	{
		struct moat_view *v = fresh_view();

		CU_ASSERT_EQUAL(moat_view_text(v, "a", "java"), 0);
		CU_ASSERT_EQUAL(moat_view_text(v, "b", "script:alert(1)"), 0);
		expect_out("<a href=\"{{a}}{{b}}\">", v,
		    "<a href=\"javascript%3Aalert(1)\">");
		expect_out("<a href=\"{{a}}/{{b}}\">", v,
		    "<a href=\"java/script:alert(1)\">");
		CU_ASSERT_EQUAL(moat_view_text(v, "a", "javascript:x"), 0);
		expect_out("<a href=\"{{a}}{{b}}\">", v,
		    "<a href=\"" BLOCKED "script%3Aalert(1)\">");
	}
	/* Ints and bools are plain text anywhere. */
	{
		struct moat_view *v = fresh_view();

		CU_ASSERT_EQUAL(moat_view_int(v, "id", -42), 0);
		CU_ASSERT_EQUAL(moat_view_bool(v, "b", true), 0);
		expect_out("<a href=\"/n/{{id}}?b={{b}}\">{{id}}</a>", v,
		    "<a href=\"/n/-42?b=true\">-42</a>");
	}
	/* A literal ":" or "&" may not finish a scheme started by a value. */
	expect_refused("<a href=\"{{x}}:alert(1)\">", 1,
	    "URL scheme may not be built from a value");
	expect_refused("<a href=\"{{x}}&#58;alert(1)\">", 1,
	    "URL scheme may not be built from a value");
	expect_refused("<a href=\"java{{x}}:alert(1)\">", 1,
	    "URL scheme may not be built from a value");
}

static void
test_url_allowed_fn(void)
{
	CU_ASSERT_TRUE(tpl_url_allowed("", 0));
	CU_ASSERT_TRUE(tpl_url_allowed("a", 1));
	CU_ASSERT_TRUE(tpl_url_allowed("http://x", 8));
	CU_ASSERT_TRUE(tpl_url_allowed("  MAILTO:x", 10));
	CU_ASSERT_TRUE(tpl_url_allowed("/javascript:", 12));
	CU_ASSERT_TRUE(tpl_url_allowed("?javascript:", 12));
	CU_ASSERT_TRUE(tpl_url_allowed("#javascript:", 12));
	CU_ASSERT_FALSE(tpl_url_allowed("javascript:", 11));
	CU_ASSERT_FALSE(tpl_url_allowed(":", 1));
	CU_ASSERT_FALSE(tpl_url_allowed("h\ttt\np\r:x", 9) == false);
	CU_ASSERT_FALSE(tpl_url_allowed("httpss:x", 8));
	CU_ASSERT_FALSE(tpl_url_allowed("mailtox:x", 9));
	CU_ASSERT_FALSE(tpl_url_allowed("\x00javascript:x", 13));
	CU_ASSERT_FALSE(tpl_url_allowed("java\x00script:x", 14));
	CU_ASSERT_FALSE(tpl_url_allowed("aaaaaaaaaaaaaaaaaaaa:", 21));
}

/* --- refusals -------------------------------------------------------- */

static void
test_refused_contexts(void)
{
	static const struct {
		const char *src;
		const char *why;
	} v[] = {
		{ "<script>{{x}}</script>", "inside <script>" },
		{ "<script type=\"text/javascript\">var a = \"{{x}}\";"
		    "</script>",
		    "inside <script>" },
		{ "<SCRIPT>var a = '{{x}}';</SCRIPT>", "inside <script>" },
		{ "<script>a</scr{{x}}ipt>", "inside <script>" },
		{ "<script>a</script{{x}}>", "inside <script>" },
		{ "<style>{{x}}</style>", "inside <style>" },
		{ "<style>p { color: {{x}} }</style>", "inside <style>" },
		{ "<iframe>{{x}}</iframe>", "inside <iframe>" },
		{ "<noscript>{{x}}</noscript>", "inside <noscript>" },
		{ "<xmp>{{x}}</xmp>", "inside <xmp>" },
		{ "<noembed>{{x}}</noembed>", "inside <noembed>" },
		{ "<noframes>{{x}}</noframes>", "inside <noframes>" },
		{ "<div style=\"color: {{x}}\">", "style attribute" },
		{ "<div STYLE='{{x}}'>", "style attribute" },
		{ "<img src=x onerror=\"{{x}}\">", "event-handler" },
		{ "<body onload='{{x}}'>", "event-handler" },
		{ "<a OnClick=\"a({{x}})\">", "event-handler" },
		{ "<a href={{x}}>", "unquoted attribute" },
		{ "<a title={{x}}>", "unquoted attribute" },
		{ "<a title=a{{x}}>", "unquoted attribute" },
		{ "<a title= {{x}}>", "unquoted attribute" },
		{ "<{{x}}>", "tag name" },
		{ "<a{{x}}>", "tag name" },
		{ "</{{x}}>", "tag name" },
		{ "<div {{x}}>", "inside a tag" },
		{ "<div {{x}}=\"1\">", "inside a tag" },
		{ "<div data-{{x}}=\"1\">", "attribute name" },
		{ "<div title {{x}}>", "attribute name" },
		{ "<input value=\"a\" {{x}}>", "inside a tag" },
		{ "<input value=\"a\"{{x}}>", "inside a tag" },
		{ "<br/{{x}}>", "inside a tag" },
		{ "<!-- {{x}} -->", "HTML comment" },
		{ "<!--{{x}}-->", "HTML comment" },
		{ "<!-- a -- >{{x}}", "HTML comment" },
		{ "<!-- a --!-{{x}}", "HTML comment" },
		{ "<!DOCTYPE {{x}}>", "HTML comment" },
		{ "<!{{x}}>", "HTML comment" },
		{ "<?{{x}}>", "HTML comment" },
		{ "</1{{x}}>", "HTML comment" },
		{ "<img srcset=\"{{x}}\">", "srcset" },
		{ "<link imagesrcset=\"{{x}}\">", "srcset" },
		{ "<iframe srcdoc=\"{{x}}\"></iframe>", "srcdoc" },
		{ "<meta http-equiv=\"refresh\" content=\"0;url={{x}}\">",
		    "this attribute" },
		{ "<a ping=\"{{x}}\">", "this attribute" },
		{ "<svg><animate attributeName=\"href\" values=\"{{x}}\"/>",
		    "this attribute" },
		{ "<svg><set attributeName=\"href\" to=\"{{x}}\"/>",
		    "this attribute" },
		{ "<a attributename=\"{{x}}\">", "this attribute" },
		{ "<a aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaa=\"{{x}}\">", "this attribute" },
		{ "<a onaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaa=\"{{x}}\">", "this attribute" },
		{ "<textarea></text{{x}}", "end tag" },
		{ "<p title=\"{% raw x %}\">", "{% raw %} may only go in HTML "
		    "text" },
		{ "<textarea>{% raw x %}</textarea>", "{% raw %} may only go "
		    "in HTML text" },
		{ "<script>{% raw x %}</script>", "inside <script>" },
		{ "<a href=\"{% csrf_field %}\">", "{% csrf_field %} may only "
		    "go in HTML text" },
		{ "<title>{% csrf_field %}</title>", "{% csrf_field %} may "
		    "only go in HTML text" },
		{ "<style>{% csrf_field %}</style>", "inside <style>" },
		{ "<![CDATA[ a ]]>", "CDATA" },
		{ "<plaintext>", "<plaintext>" },
		{ "<script><!--</script>", "\"<!--\" inside <script>" },
	};
	size_t i;

	for (i = 0; i < MOAT_NELEM(v); i++)
		expect_refused(v[i].src, 1, v[i].why);
}

static void
test_refused_lines(void)
{
	/* The line is the one the construct is on, literal or directive. */
	expect_err("<p>\n\n<script>\n  var a = {{ x }};\n</script>\n",
	    "t.html:4: no value may go inside <script>");
	expect_err("a\nb\n<a onclick=\"{{x}}\">",
	    "t.html:3: no value may go in an event-handler (on*) attribute");
	expect_err("{# a\ncomment #}\n<a href={{x}}>",
	    "t.html:3: no value may go in an unquoted attribute value: "
	    "quote it");
	expect_err("<p>\n\n<![CDATA[",
	    "t.html:3: CDATA sections (\"<![\") are not supported");
	expect_err("<p>\n<a href=\"x\"",
	    "t.html:2: template ends inside a tag");
	expect_err("<p title=\"\n\n",
	    "t.html:3: template ends inside an attribute value");
	expect_err("<!--\n", "t.html:2: template ends inside an HTML comment");
	expect_err("<script>\n", "t.html:2: template ends before the "
	    "element's end tag");
	expect_err("<p>\n{% if a %}<a href=\"{% else %}<b>{% end %}",
	    "t.html:2: the if opened at line 2 has branches that end in "
	    "different HTML contexts");
	expect_err("{% if a %}\n<a title=\"\n{% end %}\">",
	    "t.html:3: the if opened at line 1 has branches that end in "
	    "different HTML contexts");
	expect_err("{% for r in rows %}<a href=\"{{r.u}}{% end %}\">",
	    "t.html:1: the loop opened at line 1 ends its body in another HTML "
	    "context than it began in");
	/* Inside a tag, branches may end in or after different names... */
	expect_x("<input {% if x %}checked{% end %}>", "1", "<input checked>");
	expect_x("<input {% if x %}checked{% end %}>", "", "<input >");
	expect_x("<option {% if x %}selected{% else %}x=\"1\"{% end %} "
	    "value=\"{{x}}\">", "\"", "<option selected value=\"&quot;\">");
	expect_x("<p {% if x %}a=\"1\"{% end %}/>", "", "<p />");
	expect_x("<p {% for r in rows %}a=\"1\" {% end %}/>", "", "<p />");
	expect_x("<p {% for r in rows %}a=\"1\"{% end %} b=\"{{x}}\">", "",
	    "<p  b=\"\">");
	/* ...but what follows must not depend on where. */
	expect_err("<a {% if a %}href{% else %}title{% end %}=\"{{x}}\">",
	    "t.html:1: after a block that may end inside an attribute name, "
	    "write a blank, \"/\" or \">\"");
	expect_err("<a {% if a %}on{% end %}click=\"{{x}}\">",
	    "t.html:1: after a block that may end inside an attribute name, "
	    "write a blank, \"/\" or \">\"");
	expect_err("<a {% if a %}onclick{% end %} =\"{{x}}\">",
	    "t.html:1: \"=\" after a block that may end after an attribute "
	    "name: the value's attribute is unclear");
	expect_err("<a {% if a %}onclick {% end %}=\"{{x}}\">",
	    "t.html:1: \"=\" after a block that may end after an attribute "
	    "name: the value's attribute is unclear");
	expect_err("<a {% for r in a %}checked{% end %}>",
	    "t.html:1: the loop opened at line 1 ends its body in another HTML "
	    "context than it began in");
	expect_err("<a {% if a %}x{% end %}{{x}}>",
	    "t.html:1: no value may go inside a tag outside a quoted attribute "
	    "value");
	/* In a URL, branches join on the stricter escaping. */
	expect_x("<a href=\"{% if x %}{{x}}{% else %}/a{% end %}/{{x}}\">",
	    "a:b", "<a href=\"" BLOCKED "/a:b\">");
	expect_err("<a href=\"{% if x %}{{x}}{% else %}/a{% end %}:\">",
	    "t.html:1: a URL scheme may not be built from a value: \":\" or "
	    "\"&\" after a value at the start of a URL");
	expect_err("<a href=\"{% if x %}{{x}}{% end %}\">",
	    "t.html:1: the if opened at line 1 has branches that end in "
	    "different HTML contexts");
}

static void
test_syntax_errors(void)
{
	char big[700], name[80];

	expect_err("{{ }}", "t.html:1: expected {{ name }} or {{ row.field }}");
	expect_err("{{x y}}", "t.html:1: expected {{ name }} or "
	    "{{ row.field }}");
	expect_err("{{ 1a }}", "t.html:1: \"1a\" is not a name "
	    "([A-Za-z_][A-Za-z0-9_]*, at most 64 bytes)");
	expect_err("{{ a-b }}", "t.html:1: unexpected character 0x2d");
	expect_err("{{ a.b }}", "t.html:1: \"a\" is not a loop row here");
	expect_err("{{ \"x\" }}", "t.html:1: expected a name, not a string");
	expect_err("{{ if }}", "t.html:1: \"if\" is a reserved word");
	expect_err("x\n{{ x", "t.html:2: unclosed {{");
	expect_err("{{ x }", "t.html:1: unclosed {{");
	expect_err("{% if x }}", "t.html:1: unclosed {%");
	expect_err("a\n{# x", "t.html:2: unclosed {#");
	expect_err("{{\nx }}", "t.html:1: {{ ... }} must be on one line");
	expect_err("{% foo %}", "t.html:1: unknown statement \"foo\"");
	expect_err("{% %}", "t.html:1: empty or malformed {% %}");
	expect_err("{% \"if\" %}", "t.html:1: empty or malformed {% %}");
	expect_err("{% if %}", "t.html:1: expected {% if name %} or "
	    "{% if not name %}");
	expect_err("{% if a b %}{% end %}", "t.html:1: expected {% if name %} "
	    "or {% if not name %}");
	expect_err("{% if not %}", "t.html:1: \"not\" is a reserved word");
	expect_err("{% raw %}", "t.html:1: expected {% raw name %}");
	expect_err("{% raw a b %}", "t.html:1: expected {% raw name %}");
	expect_err("{% csrf_field x %}", "t.html:1: expected {% csrf_field %}");
	expect_err("{% end %}", "t.html:1: {% end %} without an open block");
	expect_err("{% else %}", "t.html:1: {% else %} without an open block");
	expect_err("{% end x %}", "t.html:1: expected {% end %}");
	expect_err("{% if a %}{% else %}{% else %}{% end %}",
	    "t.html:1: {% else %} outside an {% if %} (opened at line 1)");
	expect_err("{% for r in a %}{% else %}{% end %}",
	    "t.html:1: {% else %} outside an {% if %} (opened at line 1)");
	expect_err("\n{% if a %}\n", "t.html:2: {% if %} not closed with "
	    "{% end %}");
	expect_err("{% for r in a %}\n{% if r.x %}{% end %}",
	    "t.html:1: {% for %} not closed with {% end %}");
	expect_err("{% for x in %}", "t.html:1: expected {% for row in list "
	    "%}");
	expect_err("{% for x of y %}", "t.html:1: expected {% for row in list "
	    "%}");
	expect_err("{% for in in y %}", "t.html:1: \"in\" is a reserved word");
	expect_err("{% for r in a %}{% for r in b %}{% end %}{% end %}",
	    "t.html:1: \"r\" is already a loop row");
	expect_err("{% for r in a %}{{ r }}{% end %}",
	    "t.html:1: \"r\" is a loop row: name one of its fields (r.field)");
	expect_err("{% for r in r.x %}{% end %}",
	    "t.html:1: \"r\" is not a loop row here");
	expect_err("{% for r in a %}{{ r.x.y }}{% end %}",
	    "t.html:1: \"x.y\" is not a name ([A-Za-z_][A-Za-z0-9_]*, at most "
	    "64 bytes)");
	expect_err("{% for r in a %}{% end %}{{ r.x }}",
	    "t.html:1: \"r\" is not a loop row here");
	expect_err("{% if a %}{% if b %}{% if c %}{% if d %}{% if e %}x",
	    "t.html:1: {% if %} not closed with {% end %}");
	expect_err("{% include %}", "t.html:1: expected {% include "
	    "\"file.html\" %}");
	expect_err("{% include x %}", "t.html:1: expected {% include "
	    "\"file.html\" %}");
	expect_err("{% include \"x %}", "t.html:1: unclosed string");
	{
		const struct tpl_file f[] = { F("t.html", "a\0b") };
		const struct tpl_file g[] = { F("t.html", "a\n\nb\0") };

		expect_err_n(f, 1, "t.html:1: NUL byte");
		expect_err_n(g, 1, "t.html:3: NUL byte");
	}
	/* Too many words, too long, too long a name. */
	expect_err("{% if a b c d e %}", "t.html:1: too many words");
	memset(big, 'a', sizeof(big));
	memcpy(big, "{{ ", 3);
	memcpy(big + sizeof(big) - 4, " }}", 4);
	expect_err(big, "t.html:1: {{ }} longer than 512 bytes");
	memset(name, 'n', sizeof(name));
	memcpy(name, "{{ ", 3);
	memcpy(name + 3 + 65, " }}", 4);
	expect_err(name, "t.html:1: \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
	    "nnnnnnnnnnnnnnnnnnnnnnnnn\" is not a name "
	    "([A-Za-z_][A-Za-z0-9_]*, at most 64 bytes)");
	/* 64 bytes is fine. */
	memcpy(name + 3 + 64, " }}", 4);
	expect_x(name, "", "");
	/* A lone "{" or "}" is text. */
	expect_x("{ x } {x} }} %} #}", "", "{ x } {x} }} %} #}");
}

/* --- blocks ---------------------------------------------------------- */

static void
test_if_truthiness(void)
{
	struct moat_view *v = fresh_view();
	struct moat_view *row;
	const char *src = "{% if a %}T{% else %}F{% end %}"
	    "{% if not a %}n{% end %}";

	expect_out(src, v, "Fn");		/* missing */
	CU_ASSERT_EQUAL(moat_view_bool(v, "a", true), 0);
	expect_out(src, v, "T");
	CU_ASSERT_EQUAL(moat_view_bool(v, "a", false), 0);
	expect_out(src, v, "Fn");
	v = fresh_view();
	CU_ASSERT_EQUAL(moat_view_text(v, "a", ""), 0);
	expect_out(src, v, "Fn");
	CU_ASSERT_EQUAL(moat_view_text(v, "a", "0"), 0);
	expect_out(src, v, "T");
	v = fresh_view();
	CU_ASSERT_EQUAL(moat_view_int(v, "a", 0), 0);
	expect_out(src, v, "Fn");
	CU_ASSERT_EQUAL(moat_view_int(v, "a", -1), 0);
	expect_out(src, v, "T");
	v = fresh_view();
	CU_ASSERT_PTR_NOT_NULL(row = moat_view_row(v, "a"));
	expect_out(src, v, "T");
	/* An empty list: created by a failed row? No: by a nested list. */
	CU_ASSERT_EQUAL(moat_view_text(row, "x", "1"), 0);
	expect_out("{% for r in a %}{% if r.x %}y{% end %}"
	    "{% if r.nope %}z{% end %}{% end %}", v, "y");
}

static void
test_loops(void)
{
	struct moat_view *v = fresh_view();
	struct moat_view *r, *c;

	CU_ASSERT_EQUAL(moat_view_text(v, "title", "Top"), 0);
	CU_ASSERT_EQUAL(moat_view_text(v, "who", "<me>"), 0);
	r = moat_view_row(v, "notes");
	CU_ASSERT_EQUAL(moat_view_text(r, "title", "A&B"), 0);
	CU_ASSERT_EQUAL(moat_view_int(r, "id", 1), 0);
	c = moat_view_row(r, "tags");
	CU_ASSERT_EQUAL(moat_view_text(c, "name", "x"), 0);
	c = moat_view_row(r, "tags");
	CU_ASSERT_EQUAL(moat_view_text(c, "name", "<y>"), 0);
	CU_ASSERT_EQUAL(moat_view_text(c, "title", "inner"), 0);
	r = moat_view_row(v, "notes");
	CU_ASSERT_EQUAL(moat_view_int(r, "id", 2), 0);

	expect_out("<ul>{% for n in notes %}<li><a href=\"/n/{{n.id}}\">"
	    "{{n.title}}</a></li>{% end %}</ul>", v,
	    "<ul><li><a href=\"/n/1\">A&amp;B</a></li>"
	    "<li><a href=\"/n/2\"></a></li></ul>");
	/* Plain names: innermost row first, then outward, then the view. */
	expect_out("{% for n in notes %}[{{title}}:{% for t in tags %}"
	    "{{t.name}}={{title}},{{who}};{% end %}]{% end %}", v,
	    "[A&amp;B:x=A&amp;B,&lt;me&gt;;&lt;y&gt;=inner,&lt;me&gt;;]"
	    "[Top:]");
	/* Outer rows by name from an inner loop; a list named by row.field. */
	expect_out("{% for n in notes %}{% for t in n.tags %}{{n.id}}{{t.name}}"
	    "{% end %}{% end %}", v, "1x1&lt;y&gt;");
	/* Loops over nothing and ifs in loops. */
	expect_out("{% for x in missing %}never{% end %}ok", v, "ok");
	expect_out("{% for n in notes %}{% if n.title %}{{n.id}}"
	    "{% else %}-{% end %}{% end %}", v, "1-");
	expect_out("{% for n in notes %}{% if not loopy %}{{n.id}}{% end %}"
	    "{% end %}", v, "12");
	/* The same name in sibling loops is fine. */
	expect_out("{% for n in notes %}{{n.id}}{% end %}"
	    "{% for n in notes %}{{n.id}}{% end %}", v, "1212");
	/* A loop inside an attribute value keeps the context. */
	expect_out("<p class=\"{% for n in notes %}c{{n.id}} {% end %}\">", v,
	    "<p class=\"c1 c2 \">");
	expect_out("<a href=\"/x?{% for n in notes %}id={{n.id}}&amp;"
	    "{% end %}\">", v, "<a href=\"/x?id=1&amp;id=2&amp;\">");
}

static void
test_render_errors(void)
{
	struct moat_view *v = fresh_view();
	struct tpl_set *set;

	CU_ASSERT_PTR_NOT_NULL(moat_view_row(v, "list"));
	CU_ASSERT_EQUAL(moat_view_text(v, "text", "t"), 0);
	set = compile1("a\n{{ list }}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_PTR_NULL(render_set(set, "t.html", v, NULL));
	CU_ASSERT_STRING_EQUAL(err, "t.html:2: \"list\" is a list, not a "
	    "value");
	tpl_set_free(set);
	set = compile1("{% for r in text %}{% end %}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_PTR_NULL(render_set(set, "t.html", v, NULL));
	CU_ASSERT_STRING_EQUAL(err, "t.html:1: \"text\" is not a list");
	tpl_set_free(set);
	set = compile1("{% raw list %}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_PTR_NULL(render_set(set, "t.html", v, NULL));
	tpl_set_free(set);
	/* NULL view: everything missing. */
	set = compile1("[{{a}}{% for r in b %}x{% end %}{% if c %}y{% end %}]");
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	{
		char *got = render_set(set, "t.html", NULL, NULL);

		CU_ASSERT_STRING_EQUAL(got, "[]");
		free(got);
	}
	tpl_set_free(set);
	/* Output past the buffer's cap. */
	set = compile1("0123456789{{text}}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	{
		struct moat_buf b;

		moat_buf_init(&b, 10);
		CU_ASSERT_EQUAL(tpl_render(tpl_find(set, "t.html"), v, NULL,
		    &b, err, sizeof(err)), -1);
		CU_ASSERT_STRING_EQUAL(err, "output larger than the response "
		    "body allows");
		moat_buf_free(&b);
	}
	tpl_set_free(set);
}

static void
test_nesting_limit(void)
{
	char src[32 * 16 + 64 + 33 * 16];
	size_t i, len = 0;

	for (i = 0; i < TPL_NEST_MAX; i++)
		len += (size_t)snprintf(src + len, sizeof(src) - len,
		    "{%% if a%zu %%}", i);
	for (i = 0; i < TPL_NEST_MAX; i++)
		len += (size_t)snprintf(src + len, sizeof(src) - len,
		    "{%% end %%}");
	expect_x(src, "", "");
	len = 0;
	for (i = 0; i <= TPL_NEST_MAX; i++)
		len += (size_t)snprintf(src + len, sizeof(src) - len,
		    "{%% for r%zu in a %%}", i);
	expect_err(src, "t.html:1: blocks nested deeper than 32");
}

/* --- raw and csrf ---------------------------------------------------- */

static void
test_raw(void)
{
	struct moat_view *v = fresh_view();

	CU_ASSERT_EQUAL(moat_view_text(v, "html", "<b>bold</b>"), 0);
	CU_ASSERT_EQUAL(moat_view_int(v, "n", 7), 0);
	expect_out("<div>{% raw html %}{% raw n %}{% raw none %}</div>"
	    "{{ html }}", v,
	    "<div><b>bold</b>7</div>&lt;b&gt;bold&lt;/b&gt;");
	expect_out("{%raw html%}", v, "<b>bold</b>");
}

static void
test_csrf(void)
{
	struct moat_view *v = fresh_view();
	struct tpl_set *set;
	char *got;

	set = compile1("<form>{% csrf_field %}</form>");
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_TRUE(tpl_needs_csrf(tpl_find(set, "t.html")));
	got = render_set(set, "t.html", v, "abc\"><x");
	CU_ASSERT_STRING_EQUAL(got, "<form><input type=\"hidden\" "
	    "name=\"csrf_token\" value=\"abc&quot;&gt;&lt;x\"></form>");
	free(got);
	/* Without a token the render fails: never an empty token. */
	CU_ASSERT_PTR_NULL(render_set(set, "t.html", v, NULL));
	CU_ASSERT_STRING_EQUAL(err, "no CSRF token for {% csrf_field %}");
	tpl_set_free(set);
	/* A template without the field needs no token. */
	set = compile1("<p>{{x}}</p>");
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_FALSE(tpl_needs_csrf(tpl_find(set, "t.html")));
	tpl_set_free(set);
	/* Context after the field is still text. */
	expect_x("<form>{% csrf_field %}{{x}}</form>", "<", "<form><input "
	    "type=\"hidden\" name=\"csrf_token\" value=\"TOKEN\">&lt;</form>");
}

/* --- includes -------------------------------------------------------- */

static void
test_includes(void)
{
	const struct tpl_file files[] = {
		{ "page.html", "<ul>{% for n in notes %}"
		    "{% include \"notes/_row.html\" %}{% end %}</ul>"
		    "{% include \"_foot.html\" %}", 0 },
		{ "notes/_row.html", "<li title=\"{{n.title}}\">"
		    "{{n.title}}</li>", 0 },
		{ "_foot.html", "<footer>{{ who }}</footer>", 0 },
		{ "link.html", "{% include \"_open.html\" %}{{u}}\">x</a>", 0 },
		{ "_open.html", "<a href=\"", 0 },
		{ "attr.html", "<p title=\"{% include \"_val.html\" %}\">", 0 },
		{ "_val.html", "{{u}}", 0 },
		{ "form.html", "<form>{% include \"_csrf.html\" %}</form>", 0 },
		{ "_csrf.html", "{% csrf_field %}", 0 },
	};
	struct tpl_file f[MOAT_NELEM(files)];
	struct moat_view *v = fresh_view(), *r;
	struct tpl_set *set;
	char *got;
	size_t i;

	for (i = 0; i < MOAT_NELEM(files); i++) {
		f[i] = files[i];
		f[i].len = strlen(f[i].text);
	}
	set = compile_n(f, MOAT_NELEM(f));
	if (set == NULL)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	/* Partials are not templates of their own. */
	CU_ASSERT_PTR_NULL(tpl_find(set, "notes/_row.html"));
	CU_ASSERT_PTR_NULL(tpl_find(set, "_foot.html"));
	CU_ASSERT_PTR_NULL(tpl_find(set, "nope.html"));
	CU_ASSERT_PTR_NOT_NULL(tpl_find(set, "page.html"));
	r = moat_view_row(v, "notes");
	CU_ASSERT_EQUAL(moat_view_text(r, "title", "\"a\""), 0);
	r = moat_view_row(v, "notes");
	CU_ASSERT_EQUAL(moat_view_text(r, "title", "<b>"), 0);
	CU_ASSERT_EQUAL(moat_view_text(v, "who", "me"), 0);
	CU_ASSERT_EQUAL(moat_view_text(v, "u", "javascript:alert(1)"), 0);
	got = render_set(set, "page.html", v, NULL);
	CU_ASSERT_STRING_EQUAL(got, "<ul><li title=\"&quot;a&quot;\">&quot;a&quot;"
	    "</li><li title=\"&lt;b&gt;\">&lt;b&gt;</li></ul>"
	    "<footer>me</footer>");
	free(got);
	/* The HTML context flows into and out of an included file. */
	got = render_set(set, "link.html", v, NULL);
	CU_ASSERT_STRING_EQUAL(got, "<a href=\"" BLOCKED "\">x</a>");
	free(got);
	got = render_set(set, "attr.html", v, NULL);
	CU_ASSERT_STRING_EQUAL(got, "<p title=\"javascript:alert(1)\">");
	free(got);
	/* A csrf_field in an include makes the template need a token. */
	CU_ASSERT_TRUE(tpl_needs_csrf(tpl_find(set, "form.html")));
	CU_ASSERT_FALSE(tpl_needs_csrf(tpl_find(set, "page.html")));
	tpl_set_free(set);
}

static void
test_include_errors(void)
{
	{
		const struct tpl_file f[] = { F("a.html", "x\n{% include "
		    "\"nope.html\" %}") };

		expect_err_n(f, 1, "a.html:2: no template \"nope.html\" to "
		    "include");
	}
	{
		static const char *const bad[] = {
			"../x.html", "/etc/passwd", "a/../b.html", ".x.html",
			"a//b.html", "", "a/", "./a.html", "a b.html",
			"a\\b.html",
		};
		char src[64];
		size_t i;

		for (i = 0; i < MOAT_NELEM(bad); i++) {
			snprintf(src, sizeof(src), "{%% include \"%s\" %%}",
			    bad[i]);
			expect_err(src, "t.html:1: bad include name: use a "
			    "path below the template directory, without "
			    "\"..\" or a leading \"/\"");
		}
	}
	{
		const struct tpl_file f[] = {
			F("a.html", "{% include \"b.html\" %}"),
			F("b.html", "\n{% include \"a.html\" %}"),
		};

		/* a.html is compiled first: b.html:2 closes the circle. */
		expect_err_n(f, 2, "b.html:2: include cycle: a.html -> b.html "
		    "-> a.html (included from a.html:1)");
	}
	{
		const struct tpl_file f[] = {
			F("a.html", "{% include \"a.html\" %}"),
		};

		expect_err_n(f, 1, "a.html:1: include cycle: a.html -> a.html");
	}
	{
		/* A chain nine deep. */
		const struct tpl_file f[] = {
			F("a.html", "{% include \"_1.html\" %}"),
			F("_1.html", "{% include \"_2.html\" %}"),
			F("_2.html", "{% include \"_3.html\" %}"),
			F("_3.html", "{% include \"_4.html\" %}"),
			F("_4.html", "{% include \"_5.html\" %}"),
			F("_5.html", "{% include \"_6.html\" %}"),
			F("_6.html", "{% include \"_7.html\" %}"),
			F("_7.html", "{% include \"_8.html\" %}"),
			F("_8.html", "{% include \"_9.html\" %}"),
			F("_9.html", "x"),
		};

		expect_err_n(f, MOAT_NELEM(f), "_8.html:1: includes nested "
		    "deeper than 8 (included from _7.html:1)");
		/* Eight deep is fine. */
		struct tpl_set *set = compile_n(f + 1, MOAT_NELEM(f) - 1);
		struct tpl_file g[MOAT_NELEM(f)];

		CU_ASSERT_PTR_NOT_NULL(set);	/* only partials: empty set */
		tpl_set_free(set);
		memcpy(g, f, sizeof(f));
		g[0] = (struct tpl_file)F("a.html",
		    "{% include \"_2.html\" %}");
		set = compile_n(g, MOAT_NELEM(g));
		CU_ASSERT_PTR_NOT_NULL(set);
		tpl_set_free(set);
	}
	{
		/* Errors inside a partial name the partial and the caller. */
		const struct tpl_file f[] = {
			F("page.html", "<p>\n{% include \"_p.html\" %}"),
			F("_p.html", "ok\n<script>{{x}}</script>"),
		};

		expect_err_n(f, 2, "_p.html:2: no value may go inside <script> "
		    "(included from page.html:2)");
	}
	{
		const struct tpl_file f[] = {
			F("page.html", "{% if a %}{% include \"_p.html\" %}"),
			F("_p.html", "{% end %}"),
		};

		expect_err_n(f, 2, "_p.html:1: {% end %} without an open block "
		    "in this file (included from page.html:1)");
	}
	{
		const struct tpl_file f[] = {
			F("page.html", "{% include \"_p.html\" %}{% end %}"),
			F("_p.html", "\n{% if a %}"),
		};

		expect_err_n(f, 2, "_p.html:2: {% if %} not closed with "
		    "{% end %} (included from page.html:1)");
	}
	{
		/* A row field in a partial needs the loop at the include. */
		const struct tpl_file f[] = {
			F("page.html", "{% include \"_r.html\" %}"),
			F("_r.html", "{{ n.title }}"),
		};

		expect_err_n(f, 2, "_r.html:1: \"n\" is not a loop row here "
		    "(included from page.html:1)");
	}
	{
		/* A partial may end inside a tag; a template may not. */
		const struct tpl_file f[] = {
			F("page.html", "{% include \"_p.html\" %}"),
			F("_p.html", "<a href=\"x\""),
		};

		expect_err_n(f, 2, "page.html:1: template ends inside a tag");
	}
	{
		const struct tpl_file f[] = {
			F("a.html", "x"), F("a.html", "y"),
		};

		expect_err_n(f, 2, "a.html: two templates of this name");
	}
	{
		const struct tpl_file f[] = { F("../a.html", "x") };

		expect_err_n(f, 1, "../a.html: bad template name: use "
		    "[A-Za-z0-9_.-] segments, none starting with \".\"");
	}
}

/* --- limits ---------------------------------------------------------- */

static void
test_limits(void)
{
	struct tpl_file f[3];
	char *big;
	size_t i, n;

	/* A file over 1 MiB. */
	big = malloc(TPL_FILE_MAX + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'a', TPL_FILE_MAX + 1);
	f[0] = (struct tpl_file){ "big.html", big, TPL_FILE_MAX + 1 };
	expect_err_n(f, 1, "big.html: larger than 1048576 bytes");
	f[0].len = TPL_FILE_MAX;
	{
		struct tpl_set *set = compile_n(f, 1);

		CU_ASSERT_PTR_NOT_NULL(set);
		tpl_set_free(set);
	}
	/* Too many steps: 70000 values. */
	for (i = n = 0; i < 70000; i++) {
		memcpy(big + n, "{{x}}", 5);
		n += 5;
	}
	f[0].len = n;
	expect_err_n(f, 1, "big.html:1: template too large after includes "
	    "(more than 65536 steps)");
	/* Too much text after includes: five 1 MiB partials. */
	memset(big, 'a', TPL_FILE_MAX);
	f[0] = (struct tpl_file){ "_big.html", big, TPL_FILE_MAX };
	f[1] = (struct tpl_file)F("p.html", "{% include \"_big.html\" %}"
	    "{% include \"_big.html\" %}{% include \"_big.html\" %}"
	    "{% include \"_big.html\" %}{% include \"_big.html\" %}");
	expect_err_n(f, 2, "_big.html:1: template too large after includes "
	    "(more than 4194304 bytes of text) (included from p.html:1)");
	/* Too much read: a 1 MiB comment included 65 times. */
	memcpy(big, "{#", 2);
	memcpy(big + TPL_FILE_MAX - 2, "#}", 2);
	{
		char src[65 * 32];

		for (i = n = 0; i < 65; i++)
			n += (size_t)snprintf(src + n, sizeof(src) - n,
			    "{%% include \"_big.html\" %%}");
		f[1] = (struct tpl_file){ "p.html", src, n };
		expect_err_n(f, 2, "_big.html:1: template too large after "
		    "includes (more than 67108864 bytes read) (included from "
		    "p.html:1)");
	}
	free(big);
	/* Too many files. */
	{
		struct tpl_file *many = calloc(TPL_FILES_MAX + 1,
		    sizeof(*many));
		char (*names)[16] = calloc(TPL_FILES_MAX + 1, 16);

		CU_ASSERT_PTR_NOT_NULL_FATAL(many);
		CU_ASSERT_PTR_NOT_NULL_FATAL(names);
		for (i = 0; i <= TPL_FILES_MAX; i++) {
			snprintf(names[i], 16, "t%zu.html", i);
			many[i] = (struct tpl_file){ names[i], "x", 1 };
		}
		expect_err_n(many, TPL_FILES_MAX + 1, "t1024.html: more than "
		    "1024 templates");
		struct tpl_set *set = compile_n(many, TPL_FILES_MAX);

		CU_ASSERT_PTR_NOT_NULL(set);
		CU_ASSERT_PTR_NOT_NULL(tpl_find(set, "t1023.html"));
		CU_ASSERT_PTR_NOT_NULL(tpl_find(set, "t0.html"));
		tpl_set_free(set);
		free(names);
		free(many);
	}
}

/* --- the view API ---------------------------------------------------- */

static void
test_view_api(void)
{
	struct moat_view *v = fresh_view(), *r;
	struct arena small;
	char name[80];

	CU_ASSERT_EQUAL(moat_view_text(v, NULL, "x"), -1);
	CU_ASSERT_EQUAL(moat_view_text(v, "", "x"), -1);
	CU_ASSERT_EQUAL(moat_view_text(v, "1a", "x"), -1);
	CU_ASSERT_EQUAL(moat_view_text(v, "a-b", "x"), -1);
	CU_ASSERT_EQUAL(moat_view_text(v, "a.b", "x"), -1);
	CU_ASSERT_EQUAL(moat_view_text(v, "a", NULL), -1);
	CU_ASSERT_EQUAL(moat_view_text(NULL, "a", "x"), -1);
	CU_ASSERT_EQUAL(moat_view_int(NULL, "a", 1), -1);
	CU_ASSERT_PTR_NULL(moat_view_row(NULL, "a"));
	memset(name, 'a', sizeof(name));
	name[64] = '\0';
	CU_ASSERT_EQUAL(moat_view_int(v, name, 1), 0);
	name[64] = 'a';
	name[65] = '\0';
	CU_ASSERT_EQUAL(moat_view_int(v, name, 1), -1);
	/* Values replace values; lists and values do not mix. */
	CU_ASSERT_EQUAL(moat_view_text(v, "a", "1"), 0);
	CU_ASSERT_EQUAL(moat_view_int(v, "a", 2), 0);
	expect_out("{{a}}", v, "2");
	CU_ASSERT_EQUAL(moat_view_bool(v, "a", false), 0);
	expect_out("{{a}}", v, "false");
	CU_ASSERT_PTR_NULL(moat_view_row(v, "a"));
	CU_ASSERT_PTR_NOT_NULL(r = moat_view_row(v, "l"));
	CU_ASSERT_EQUAL(moat_view_text(v, "l", "x"), -1);
	CU_ASSERT_EQUAL(moat_view_bool(v, "l", true), -1);
	CU_ASSERT_PTR_NOT_NULL(moat_view_row(r, "l"));	/* rows nest */
	/* The value is copied. */
	{
		char buf[] = "abc";

		CU_ASSERT_EQUAL(moat_view_text(v, "c", buf), 0);
		buf[0] = 'X';
		expect_out("{{c}}", v, "abc");
	}
	CU_ASSERT_PTR_NULL(moat_view_new(NULL));
	/* An exhausted arena gives NULL and -1, never a crash. */
	arena_init(&small, 64);
	v = view_new(&small);
	CU_ASSERT_PTR_NOT_NULL(v);
	CU_ASSERT_EQUAL(moat_view_text(v, "a", "a long value that does not "
	    "fit in what is left of this small arena"), -1);
	CU_ASSERT_PTR_NULL(moat_view_row(v, "rows"));
	arena_reset(&small);
}

/* --- loading a directory and moat_render() --------------------------- */

static char	last_log[1024];

static void
capture_sink(enum moat_log_level level, const char *line)
{
	snprintf(last_log, sizeof(last_log), "%s: %s", log_level_name(level),
	    line);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
remove_tree(const char *dir)
{
	static const char *const names[] = {
		"home.html", "form.html", "notes/show.html", "notes/_row.html",
		"README", ".hidden.html", "notes/broken.html",
	};
	char path[512];
	size_t i;

	for (i = 0; i < MOAT_NELEM(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/notes", dir);
	rmdir(path);
	rmdir(dir);
}

static void
test_load_and_render(void)
{
	char dir[] = "/tmp/moat-tpl-XXXXXX", path[512], want[600];
	struct moat_request req;
	struct moat_response res;
	struct moat_view *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notes", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
	write_file(dir, "home.html", "<h1>{{ title }}</h1>\n");
	write_file(dir, "form.html", "<form>{% csrf_field %}</form>");
	write_file(dir, "notes/show.html",
	    "{% for n in notes %}{% include \"notes/_row.html\" %}{% end %}");
	write_file(dir, "notes/_row.html", "<a href=\"{{ n.url }}\">x</a>");
	write_file(dir, "README", "{{ not a template");
	write_file(dir, ".hidden.html", "{{ not a template");

	arena_reset(&arena);
	arena_init(&arena, 1 << 20);
	memset(&req, 0, sizeof(req));
	req.arena = &arena;
	response_init(&res, 1 << 16);
	log_set_sink(capture_sink);

	/* Nothing loaded yet. */
	templates_free();
	CU_ASSERT_EQUAL(moat_render(&req, &res, "home.html", NULL), -1);
	CU_ASSERT_STRING_EQUAL(last_log, "error: template home.html: no such "
	    "template (no templates loaded)");

	CU_ASSERT_EQUAL(templates_load(dir, err, sizeof(err)), 0);
	v = moat_view_new(&req);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(moat_view_text(v, "title", "<Hi>"), 0);
	CU_ASSERT_EQUAL(moat_view_text(moat_view_row(v, "notes"), "url",
	    "javascript:alert(1)"), 0);
	CU_ASSERT_EQUAL(moat_view_text(moat_view_row(v, "notes"), "url",
	    "/n/2"), 0);
	CU_ASSERT_EQUAL(moat_buf_puts(&res.body, "before|"), true);
	CU_ASSERT_EQUAL(moat_render(&req, &res, "home.html", v), 0);
	CU_ASSERT_EQUAL(moat_render(&req, &res, "notes/show.html", v), 0);
	CU_ASSERT_STRING_EQUAL(moat_buf_cstr(&res.body), "before|"
	    "<h1>&lt;Hi&gt;</h1>\n<a href=\"" BLOCKED "\">x</a>"
	    "<a href=\"/n/2\">x</a>");
	CU_ASSERT_STRING_EQUAL(res.content_type, "text/html; charset=utf-8");
	/* Unknown, partial and hidden names. */
	CU_ASSERT_EQUAL(moat_render(&req, &res, "nope.html", v), -1);
	CU_ASSERT_STRING_EQUAL(last_log, "error: template nope.html: no such "
	    "template");
	CU_ASSERT_EQUAL(moat_render(&req, &res, "notes/_row.html", v), -1);
	CU_ASSERT_EQUAL(moat_render(&req, &res, ".hidden.html", v), -1);
	CU_ASSERT_EQUAL(moat_render(&req, &res, "README", v), -1);
	CU_ASSERT_EQUAL(moat_render(&req, &res, NULL, v), -1);
	/* A failed render leaves nothing of the template in the body. */
	res.body.len = 0;
	CU_ASSERT_EQUAL(moat_view_text(v, "title", "x"), 0);
	{
		struct moat_view *w = moat_view_new(&req);

		CU_ASSERT_PTR_NOT_NULL(moat_view_row(w, "title"));
		CU_ASSERT_EQUAL(moat_render(&req, &res, "home.html", w), -1);
		CU_ASSERT_EQUAL(res.body.len, 0);
		CU_ASSERT_STRING_EQUAL(last_log, "error: template home.html: "
		    "home.html:1: \"title\" is a list, not a value");
	}
	/*
	 * csrf_field needs a token; without a session to give one, the
	 * render fails rather than send a form that cannot be posted.
	 */
	if (moat_csrf_token(&req) == NULL) {
		CU_ASSERT_EQUAL(moat_render(&req, &res, "form.html", v), -1);
		CU_ASSERT_STRING_EQUAL(last_log, "error: template form.html: "
		    "no CSRF token for {% csrf_field %}");
	}

	/* A broken template fails the load, names it, keeps the old set. */
	write_file(dir, "notes/broken.html", "<p>\n<a href={{ x }}>");
	CU_ASSERT_EQUAL(templates_load(dir, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/notes/broken.html:2: no value may go "
	    "in an unquoted attribute value: quote it", dir);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(moat_render(&req, &res, "home.html", v), 0);
	/* A missing directory. */
	snprintf(path, sizeof(path), "%s/none", dir);
	CU_ASSERT_EQUAL(templates_load(path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	CU_ASSERT_STRING_EQUAL(err, want);

	templates_free();
	CU_ASSERT_EQUAL(moat_render(&req, &res, "home.html", v), -1);
	log_set_sink(NULL);
	response_free(&res);
	arena_reset(&arena);
	remove_tree(dir);
}

int
register_template_tests(void)
{
	static const struct unit_test tests[] = {
		{ "text escaping", test_text_escaping },
		{ "text breakouts", test_text_breakouts },
		{ "attribute contexts", test_attr_contexts },
		{ "URL scheme filter", test_url_scheme_filter },
		{ "URL attributes", test_url_attrs },
		{ "URL later parts", test_url_later_parts },
		{ "URL allowed", test_url_allowed_fn },
		{ "refused contexts", test_refused_contexts },
		{ "refusal lines", test_refused_lines },
		{ "syntax errors", test_syntax_errors },
		{ "if truthiness", test_if_truthiness },
		{ "loops", test_loops },
		{ "render errors", test_render_errors },
		{ "nesting limit", test_nesting_limit },
		{ "raw", test_raw },
		{ "csrf_field", test_csrf },
		{ "includes", test_includes },
		{ "include errors", test_include_errors },
		{ "limits", test_limits },
		{ "view API", test_view_api },
		{ "load and render", test_load_and_render },
	};

	arena_init(&arena, 1 << 20);
	return unit_add_suite("template", tests, MOAT_NELEM(tests));
}
