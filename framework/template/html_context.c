/*
 * html_context.c - the compile-time HTML context tracker (html_context.h).
 *
 * A byte-at-a-time subset of the HTML tokenizer: text, tags and their
 * attributes, comments and bogus comments, and the raw-text elements whose
 * content the browser does not parse as HTML.  It never needs to look
 * ahead, so a literal split by template directives is tracked exactly as
 * if it were one piece.  Where the subset is unsure (CDATA, <plaintext>,
 * "<!--" inside <script>, whose escaping rules move the end tag) the
 * template is refused rather than guessed at.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <moat/nelem.h>

#include "template/html_context.h"

/* Elements whose content is not HTML, and where each one's content ends. */
static const struct {
	const char	*name;
	enum html_state	 state;
	const char	*why;		/* for an interpolation inside it */
} raw_elems[] = {
	{ "script",	HS_RAWTEXT,	"no value may go inside <script>" },
	{ "style",	HS_RAWTEXT,	"no value may go inside <style>" },
	{ "iframe",	HS_RAWTEXT,	"no value may go inside <iframe>" },
	{ "noembed",	HS_RAWTEXT,	"no value may go inside <noembed>" },
	{ "noframes",	HS_RAWTEXT,	"no value may go inside <noframes>" },
	{ "noscript",	HS_RAWTEXT,	"no value may go inside <noscript>" },
	{ "xmp",	HS_RAWTEXT,	"no value may go inside <xmp>" },
	{ "textarea",	HS_RCDATA,	NULL },
	{ "title",	HS_RCDATA,	NULL },
};
#define RAW_SCRIPT	0

/* Attributes whose value is a URL (beyond the *src*, *url*, *uri* rule). */
static const char *const url_attrs[] = {
	"action", "archive", "background", "cite", "classid", "codebase",
	"data", "dynsrc", "formaction", "href", "icon", "longdesc", "lowsrc",
	"manifest", "poster", "profile", "usemap", "xlink:href",
};

#define WHY_CDATA	"CDATA sections (\"<![\") are not supported"
#define WHY_PLAINTEXT	"<plaintext> is not supported"
#define WHY_SCRIPT_CMT	"\"<!--\" inside <script> is not supported"
#define WHY_AMB_NAME	"after a block that may end inside an attribute " \
			"name, write a blank, \"/\" or \">\""
#define WHY_AMB_EQ	"\"=\" after a block that may end after an " \
			"attribute name: the value's attribute is unclear"
#define WHY_URL_SCHEME	"a URL scheme may not be built from a value: " \
			"\":\" or \"&\" after a value at the start of a URL"

static bool
is_space(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\f' ||
	    ch == '\r';
}

static bool
is_alpha(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static unsigned char
lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

void
html_ctx_init(struct html_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->state = HS_TEXT;
	c->raw_elem = -1;
}

bool
html_ctx_equal(const struct html_ctx *a, const struct html_ctx *b)
{
	return a->state == b->state && a->end_tag == b->end_tag &&
	    a->tag_long == b->tag_long && a->tag_len == b->tag_len &&
	    strcmp(a->tag, b->tag) == 0 && a->attr_len == b->attr_len &&
	    strcmp(a->attr, b->attr) == 0 && a->attr_kind == b->attr_kind &&
	    a->url == b->url && a->url_ref == b->url_ref &&
	    a->raw_elem == b->raw_elem &&
	    a->match == b->match && a->bang == b->bang &&
	    a->dashes == b->dashes && a->comment_bang == b->comment_bang &&
	    a->amb_eq == b->amb_eq && a->amb_sep == b->amb_sep;
}

/* Between two attributes, or in or after a name: joinable states. */
static bool
between_attrs(enum html_state s)
{
	return s == HS_BEFORE_ATTR_NAME || s == HS_AFTER_ATTR_VALUE ||
	    s == HS_ATTR_NAME || s == HS_AFTER_ATTR_NAME;
}

static int
url_rank(enum html_url_part u)
{
	/* Later ranks escape more: NOCOLON and ":" refused after a value. */
	return u == HU_SETTLED ? 0 : u == HU_OPEN ? 1 : 2;
}

bool
html_ctx_join(const struct html_ctx *a, const struct html_ctx *b,
    struct html_ctx *out)
{
	*out = *a;
	if (html_ctx_equal(a, b))
		return true;
	if (between_attrs(a->state) && between_attrs(b->state) &&
	    a->end_tag == b->end_tag && a->tag_long == b->tag_long &&
	    strcmp(a->tag, b->tag) == 0) {
		/* AFTER_ATTR_VALUE reads all input as BEFORE_ATTR_NAME. */
		out->state = HS_BEFORE_ATTR_NAME;
		out->attr_len = 0;
		memset(out->attr, 0, sizeof(out->attr));
		out->attr_kind = HA_NORMAL;
		out->url = HU_START;
		out->url_ref = false;
		out->amb_eq = a->amb_eq || b->amb_eq ||
		    a->state == HS_ATTR_NAME || b->state == HS_ATTR_NAME ||
		    a->state == HS_AFTER_ATTR_NAME ||
		    b->state == HS_AFTER_ATTR_NAME;
		out->amb_sep = a->amb_sep || b->amb_sep ||
		    a->state == HS_ATTR_NAME || b->state == HS_ATTR_NAME;
		return true;
	}
	if (a->attr_kind == HA_URL && a->url != HU_START &&
	    b->url != HU_START) {
		struct html_ctx t = *a;

		t.url = b->url;
		if (html_ctx_equal(&t, b)) {
			out->url = url_rank(a->url) >= url_rank(b->url) ?
			    a->url : b->url;
			return true;
		}
	}
	return false;
}

/* --- names ----------------------------------------------------------- */

static void
tag_start(struct html_ctx *c, bool end_tag, unsigned char ch)
{
	c->end_tag = end_tag;
	c->tag_long = false;
	c->tag_len = 1;
	memset(c->tag, 0, sizeof(c->tag));
	c->tag[0] = (char)lower(ch);
	c->state = HS_TAG_NAME;
}

static void
tag_add(struct html_ctx *c, unsigned char ch)
{
	if (c->tag_len < HTML_TAG_MAX)
		c->tag[c->tag_len++] = (char)lower(ch);
	else
		c->tag_long = true;
}

static void
attr_clear(struct html_ctx *c)
{
	c->attr_len = 0;
	memset(c->attr, 0, sizeof(c->attr));
	c->attr_kind = HA_NORMAL;
	c->url = HU_START;
	c->url_ref = false;
}

static void
attr_add(struct html_ctx *c, unsigned char ch)
{
	if (c->attr_len < HTML_ATTR_MAX)
		c->attr[c->attr_len] = (char)lower(ch);
	if (c->attr_len <= HTML_ATTR_MAX)
		c->attr_len++;	/* HTML_ATTR_MAX + 1 means "too long" */
}

static bool
attr_is(const struct html_ctx *c, const char *name)
{
	return strcmp(c->attr, name) == 0;
}

static bool
tag_is(const struct html_ctx *c, const char *name)
{
	return !c->tag_long && strcmp(c->tag, name) == 0;
}

/* Which kind of value the attribute just named takes. */
static enum html_attr_kind
attr_classify(const struct html_ctx *c)
{
	size_t i;

	if (c->attr_len > HTML_ATTR_MAX)
		return HA_REFUSED;
	if (strncmp(c->attr, "on", 2) == 0)
		return HA_JS;
	if (attr_is(c, "style"))
		return HA_CSS;
	if (attr_is(c, "srcset") || attr_is(c, "imagesrcset"))
		return HA_SRCSET;
	if (attr_is(c, "srcdoc"))
		return HA_HTML;
	/* <meta http-equiv=refresh content="0;url=..."> redirects. */
	if (tag_is(c, "meta") && (attr_is(c, "content") ||
	    attr_is(c, "http-equiv")))
		return HA_REFUSED;
	/* SVG animation can rewrite another attribute, href included. */
	if (attr_is(c, "attributename") || attr_is(c, "ping") ||
	    ((tag_is(c, "set") || strncmp(c->tag, "animate", 7) == 0) &&
	    (attr_is(c, "values") || attr_is(c, "from") ||
	    attr_is(c, "to") || attr_is(c, "by"))))
		return HA_REFUSED;
	for (i = 0; i < MOAT_NELEM(url_attrs); i++)
		if (attr_is(c, url_attrs[i]))
			return HA_URL;
	if (strncmp(c->attr, "xmlns", 5) == 0 || strstr(c->attr, "src") ||
	    strstr(c->attr, "url") || strstr(c->attr, "uri") ||
	    strstr(c->attr, "href"))
		return HA_URL;
	return HA_NORMAL;
}

static void
value_open(struct html_ctx *c, enum html_state state)
{
	c->attr_kind = attr_classify(c);
	c->url = HU_START;
	c->state = state;
}

/* A start or end tag is complete: what follows it? */
static const char *
tag_end(struct html_ctx *c)
{
	size_t i;

	c->state = HS_TEXT;
	c->raw_elem = -1;
	if (!c->end_tag && tag_is(c, "plaintext"))
		return WHY_PLAINTEXT;
	for (i = 0; !c->end_tag && i < MOAT_NELEM(raw_elems);
	    i++) {
		if (tag_is(c, raw_elems[i].name)) {
			c->state = raw_elems[i].state;
			c->raw_elem = (int)i;
			break;
		}
	}
	c->end_tag = false;
	c->tag_long = false;
	c->amb_eq = c->amb_sep = false;
	c->tag_len = 0;
	memset(c->tag, 0, sizeof(c->tag));
	attr_clear(c);
	c->match = c->bang = 0;
	return NULL;
}

/* --- URL attribute values --------------------------------------------- */

static bool
is_ref_char(unsigned char ch)
{
	return is_alpha(ch) || (ch >= '0' && ch <= '9') || ch == '#';
}

/*
 * A literal byte of a URL attribute value.  Once a value has been placed
 * before the scheme ended, a literal ":" could complete a scheme the check
 * never saw ("{{v}}:alert(1)" with v = "javascript"), and "&" could spell
 * one as a character reference: both are refused.  Before that, a
 * character reference ("&#32;", "&colon;") may stand for any byte, so it
 * neither ends the scheme nor the leading blanks: the next value is still
 * checked as the start of the URL.
 */
static const char *
url_byte(struct html_ctx *c, unsigned char ch)
{
	bool delim = ch == '/' || ch == '?' || ch == '#';

	if (c->url_ref) {
		if (is_ref_char(ch))
			return NULL;
		c->url_ref = false;
		if (ch == ';')
			return NULL;
	}
	if (ch == '&' && (c->url == HU_START || c->url == HU_OPEN)) {
		c->url_ref = true;
		return NULL;
	}
	switch (c->url) {
	case HU_START:
		if (ch <= ' ')
			break;
		c->url = delim || ch == ':' ? HU_SETTLED : HU_OPEN;
		break;
	case HU_OPEN:
		if (delim || ch == ':')
			c->url = HU_SETTLED;
		break;
	case HU_OPEN_DYN:
		if (ch == ':' || ch == '&')
			return WHY_URL_SCHEME;
		if (delim)
			c->url = HU_SETTLED;
		break;
	case HU_SETTLED:
		break;
	}
	return NULL;
}

static const char *
value_byte(struct html_ctx *c, unsigned char ch)
{
	if (c->attr_kind == HA_URL)
		return url_byte(c, ch);
	return NULL;
}

/* --- raw text -------------------------------------------------------- */

/* Content of <script>, <textarea> ...: look for its end tag only. */
static const char *
raw_byte(struct html_ctx *c, unsigned char ch)
{
	const char *name = raw_elems[c->raw_elem].name;
	size_t n = strlen(name);

	if (c->raw_elem == RAW_SCRIPT) {
		if (ch == "<!--"[c->bang]) {
			if (++c->bang == 4)
				return WHY_SCRIPT_CMT;
		} else
			c->bang = ch == '<' ? 1 : 0;
	}
	if (c->match == n + 2) {
		if (is_space(ch) || ch == '/' || ch == '>') {
			c->end_tag = true;
			c->raw_elem = -1;
			c->match = c->bang = 0;
			if (ch == '>')
				return tag_end(c);
			c->state = ch == '/' ? HS_SELF_CLOSING :
			    HS_BEFORE_ATTR_NAME;
			return NULL;
		}
	} else if ((c->match == 0 && ch == '<') ||
	    (c->match == 1 && ch == '/') ||
	    (c->match >= 2 && lower(ch) == (unsigned char)name[c->match - 2])) {
		c->match++;
		return NULL;
	}
	c->match = ch == '<' ? 1 : 0;
	return NULL;
}

/* --- comments -------------------------------------------------------- */

static void
comment_byte(struct html_ctx *c, unsigned char ch)
{
	if (ch == '-') {
		c->dashes++;
		c->comment_bang = false;
	} else if (ch == '>' && (c->dashes >= 2 || c->comment_bang)) {
		c->state = HS_TEXT;
		c->dashes = 0;
		c->comment_bang = false;
	} else if (ch == '!' && c->dashes >= 2 && !c->comment_bang) {
		c->comment_bang = true;
	} else {
		c->dashes = 0;
		c->comment_bang = false;
	}
}

static void
markup_byte(struct html_ctx *c, unsigned char ch)
{
	switch (c->state) {
	case HS_MARKUP_OPEN:
		c->state = ch == '-' ? HS_MARKUP_DASH :
		    ch == '>' ? HS_TEXT : HS_BOGUS_COMMENT;
		break;
	case HS_MARKUP_DASH:
		c->state = ch == '-' ? HS_COMMENT_START :
		    ch == '>' ? HS_TEXT : HS_BOGUS_COMMENT;
		break;
	case HS_BOGUS_COMMENT:
		if (ch == '>')
			c->state = HS_TEXT;
		break;
	case HS_COMMENT_START:
		c->state = ch == '>' ? HS_TEXT :
		    ch == '-' ? HS_COMMENT_START_DASH : HS_COMMENT;
		break;
	case HS_COMMENT_START_DASH:
		if (ch == '>')
			c->state = HS_TEXT;
		else {
			c->state = HS_COMMENT;
			c->dashes = ch == '-' ? 2 : 0;
		}
		break;
	default:
		comment_byte(c, ch);
		break;
	}
}

/* --- tags ------------------------------------------------------------ */

/* Between attributes: true if ch was consumed, false to reconsume. */
static bool
before_attr(struct html_ctx *c, unsigned char ch)
{
	if (is_space(ch)) {
		c->amb_sep = false;
		return true;
	}
	if (ch == '/' || ch == '>') {
		c->amb_eq = c->amb_sep = false;
		c->state = HS_AFTER_ATTR_NAME;
		return false;
	}
	c->amb_eq = false;
	attr_clear(c);
	attr_add(c, ch);	/* even "=": the spec puts it in the name */
	c->state = HS_ATTR_NAME;
	return true;
}

/* One byte inside a tag.  Sets *again when the byte must be reconsumed. */
static const char *
tag_byte(struct html_ctx *c, unsigned char ch, bool *again)
{
	switch (c->state) {
	case HS_TAG_NAME:
		if (is_space(ch))
			c->state = HS_BEFORE_ATTR_NAME;
		else if (ch == '/')
			c->state = HS_SELF_CLOSING;
		else if (ch == '>')
			return tag_end(c);
		else
			tag_add(c, ch);
		break;
	case HS_BEFORE_ATTR_NAME:
		if (c->amb_sep && !is_space(ch) && ch != '/' && ch != '>')
			return WHY_AMB_NAME;
		if (c->amb_eq && ch == '=')
			return WHY_AMB_EQ;
		*again = !before_attr(c, ch);
		break;
	case HS_ATTR_NAME:
		if (is_space(ch))
			c->state = HS_AFTER_ATTR_NAME;
		else if (ch == '/' || ch == '>') {
			c->state = HS_AFTER_ATTR_NAME;
			*again = true;
		} else if (ch == '=')
			c->state = HS_BEFORE_ATTR_VALUE;
		else
			attr_add(c, ch);
		break;
	case HS_AFTER_ATTR_NAME:
		if (ch == '/')
			c->state = HS_SELF_CLOSING;
		else if (ch == '=')
			c->state = HS_BEFORE_ATTR_VALUE;
		else if (ch == '>')
			return tag_end(c);
		else if (!is_space(ch)) {
			c->state = HS_BEFORE_ATTR_NAME;
			*again = true;
		}
		break;
	case HS_BEFORE_ATTR_VALUE:
		if (ch == '"')
			value_open(c, HS_ATTR_DQ);
		else if (ch == '\'')
			value_open(c, HS_ATTR_SQ);
		else if (ch == '>')
			return tag_end(c);
		else if (!is_space(ch)) {
			value_open(c, HS_ATTR_UNQUOTED);
			*again = true;
		}
		break;
	case HS_ATTR_DQ:
	case HS_ATTR_SQ:
		if (ch == (c->state == HS_ATTR_DQ ? '"' : '\'')) {
			attr_clear(c);
			c->state = HS_AFTER_ATTR_VALUE;
			break;
		}
		return value_byte(c, ch);
	case HS_ATTR_UNQUOTED:
		if (is_space(ch) || ch == '>') {
			attr_clear(c);
			c->state = HS_BEFORE_ATTR_NAME;
			*again = ch == '>';
			break;
		}
		return value_byte(c, ch);
	case HS_AFTER_ATTR_VALUE:
	case HS_SELF_CLOSING:
		if (ch == '>')
			return tag_end(c);
		if (c->state == HS_AFTER_ATTR_VALUE && is_space(ch))
			c->state = HS_BEFORE_ATTR_NAME;
		else if (c->state == HS_AFTER_ATTR_VALUE && ch == '/')
			c->state = HS_SELF_CLOSING;
		else {
			c->state = HS_BEFORE_ATTR_NAME;
			*again = true;
		}
		break;
	default:
		break;
	}
	return NULL;
}

/* --- the tokenizer loop ---------------------------------------------- */

static const char *
step(struct html_ctx *c, unsigned char ch, bool *again)
{
	*again = false;
	switch (c->state) {
	case HS_TEXT:
		if (ch == '<')
			c->state = HS_TAG_OPEN;
		return NULL;
	case HS_TAG_OPEN:
		if (is_alpha(ch))
			tag_start(c, false, ch);
		else if (ch == '!')
			c->state = HS_MARKUP_OPEN;
		else if (ch == '/')
			c->state = HS_END_TAG_OPEN;
		else if (ch == '?')
			c->state = HS_BOGUS_COMMENT;
		else {
			c->state = HS_TEXT;
			*again = true;
		}
		return NULL;
	case HS_END_TAG_OPEN:
		if (is_alpha(ch))
			tag_start(c, true, ch);
		else
			c->state = ch == '>' ? HS_TEXT : HS_BOGUS_COMMENT;
		return NULL;
	case HS_MARKUP_OPEN:
		if (ch == '[')
			return WHY_CDATA;
		/* FALLTHROUGH */
	case HS_MARKUP_DASH:
	case HS_BOGUS_COMMENT:
	case HS_COMMENT_START:
	case HS_COMMENT_START_DASH:
	case HS_COMMENT:
		markup_byte(c, ch);
		return NULL;
	case HS_RAWTEXT:
	case HS_RCDATA:
		return raw_byte(c, ch);
	default:
		return tag_byte(c, ch, again);
	}
}

const char *
html_ctx_feed(struct html_ctx *c, const char *p, size_t len, size_t *errpos)
{
	const char *why;
	bool again;
	size_t i;
	int n;

	for (i = 0; i < len; i++) {
		/* Each reconsume moves to a state that consumes: few rounds. */
		for (n = 0; n < 4; n++) {
			why = step(c, (unsigned char)p[i], &again);
			if (why != NULL) {
				*errpos = i;
				return why;
			}
			if (!again)
				break;
		}
	}
	return NULL;
}

/* --- interpolation --------------------------------------------------- */

static const char *
attr_value_esc(struct html_ctx *c, enum html_esc *esc)
{
	switch (c->attr_kind) {
	case HA_NORMAL:
		*esc = HE_TEXT;
		return NULL;
	case HA_URL:
		break;
	case HA_JS:
		return "no value may go in an event-handler (on*) attribute";
	case HA_CSS:
		return "no value may go in a style attribute";
	case HA_SRCSET:
		return "no value may go in a srcset attribute";
	case HA_HTML:
		return "no value may go in a srcdoc attribute";
	default:
		return "no value may go in this attribute";
	}
	switch (c->url) {
	case HU_START:
		*esc = HE_URL_START;
		break;
	case HU_OPEN:
	case HU_OPEN_DYN:
		*esc = HE_URL_NOCOLON;
		break;
	case HU_SETTLED:
		*esc = HE_URL_PART;
		return NULL;
	}
	c->url = HU_OPEN_DYN;
	return NULL;
}

const char *
html_ctx_interp(struct html_ctx *c, enum html_interp kind,
    enum html_esc *esc)
{
	const char *only_text = kind == HI_RAW ?
	    "{% raw %} may only go in HTML text" :
	    "{% csrf_field %} may only go in HTML text";

	switch (c->state) {
	case HS_TEXT:
		*esc = HE_TEXT;
		return NULL;
	case HS_RCDATA:
		if (kind != HI_VALUE)
			return only_text;
		if (c->match != 0)
			return "no value may go inside an end tag";
		*esc = HE_TEXT;
		return NULL;
	case HS_RAWTEXT:
		return raw_elems[c->raw_elem].why;
	case HS_ATTR_DQ:
	case HS_ATTR_SQ:
		if (kind != HI_VALUE)
			return only_text;
		return attr_value_esc(c, esc);
	case HS_BEFORE_ATTR_VALUE:
	case HS_ATTR_UNQUOTED:
		return "no value may go in an unquoted attribute value: "
		    "quote it";
	case HS_TAG_OPEN:
	case HS_END_TAG_OPEN:
	case HS_TAG_NAME:
		return "no value may go in a tag name";
	case HS_ATTR_NAME:
	case HS_AFTER_ATTR_NAME:
		return "no value may go in an attribute name";
	case HS_BEFORE_ATTR_NAME:
	case HS_AFTER_ATTR_VALUE:
	case HS_SELF_CLOSING:
		return "no value may go inside a tag outside a quoted "
		    "attribute value";
	default:
		return "no value may go inside an HTML comment";
	}
}

const char *
html_ctx_end(const struct html_ctx *c)
{
	switch (c->state) {
	case HS_TEXT:
		return NULL;
	case HS_RAWTEXT:
	case HS_RCDATA:
		return "template ends before the element's end tag";
	case HS_ATTR_DQ:
	case HS_ATTR_SQ:
		return "template ends inside an attribute value";
	case HS_MARKUP_OPEN:
	case HS_MARKUP_DASH:
	case HS_BOGUS_COMMENT:
	case HS_COMMENT_START:
	case HS_COMMENT_START_DASH:
	case HS_COMMENT:
		return "template ends inside an HTML comment";
	default:
		return "template ends inside a tag";
	}
}
