/*
 * html_context.h - where in an HTML document a template is, at compile time.
 *
 * The compiler feeds every literal byte of a template through this tracker,
 * which follows the HTML tokenizer's states closely enough to know, at each
 * interpolation, whether the value lands in text, in a quoted attribute
 * value (and which kind of attribute), or somewhere no value may go
 * (inside a tag, a comment, <script>, <style>, an on* handler ...).  The
 * answer decides the escaper compiled into the template, so nothing about
 * contexts is left for render time.
 */
#ifndef MOAT_TEMPLATE_HTML_CONTEXT_H
#define MOAT_TEMPLATE_HTML_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#define HTML_TAG_MAX	15	/* no special tag name is longer */
#define HTML_ATTR_MAX	63	/* longer names take no value */

enum html_state {
	HS_TEXT,
	HS_TAG_OPEN,		/* "<" */
	HS_END_TAG_OPEN,	/* "</" */
	HS_TAG_NAME,
	HS_BEFORE_ATTR_NAME,
	HS_ATTR_NAME,
	HS_AFTER_ATTR_NAME,
	HS_BEFORE_ATTR_VALUE,
	HS_ATTR_DQ,
	HS_ATTR_SQ,
	HS_ATTR_UNQUOTED,
	HS_AFTER_ATTR_VALUE,
	HS_SELF_CLOSING,
	HS_MARKUP_OPEN,		/* "<!" */
	HS_MARKUP_DASH,		/* "<!-" */
	HS_BOGUS_COMMENT,	/* "<?", "<!DOCTYPE", "</1": up to ">" */
	HS_COMMENT_START,	/* "<!--" */
	HS_COMMENT_START_DASH,	/* "<!---" */
	HS_COMMENT,
	HS_RAWTEXT,		/* <script>, <style>, <iframe> ... content */
	HS_RCDATA,		/* <textarea>, <title> content */
};

/* What an attribute value means, decided when the value opens. */
enum html_attr_kind {
	HA_NORMAL,
	HA_URL,
	HA_JS,			/* on* event handlers */
	HA_CSS,			/* style="" */
	HA_SRCSET,
	HA_HTML,		/* srcdoc: a whole document */
	HA_REFUSED,		/* meta content, SVG animation, long names */
};

/* How far a URL attribute value has got, for the scheme check. */
enum html_url_part {
	HU_START,		/* nothing but blanks yet */
	HU_OPEN,		/* literal bytes, no ":/?#" yet */
	HU_OPEN_DYN,		/* a value came before any ":/?#" */
	HU_SETTLED,		/* past the scheme: a path, query or fragment */
};

/* The escaper an interpolation gets. */
enum html_esc {
	HE_TEXT,		/* text, RCDATA and quoted attribute values */
	HE_URL_START,		/* a URL's start: scheme check, then encode */
	HE_URL_NOCOLON,		/* a URL before its scheme ended: ':' encoded */
	HE_URL_PART,		/* after the scheme: encode and escape */
};

/* What is interpolated: an escaped value, raw HTML or the CSRF field. */
enum html_interp {
	HI_VALUE,
	HI_RAW,
	HI_CSRF,
};

/*
 * The whole state; two contexts are the same iff html_ctx_equal().
 * Start from html_ctx_init().
 */
struct html_ctx {
	enum html_state		state;
	bool			end_tag;	/* the tag being read is </x> */
	bool			tag_long;	/* name past HTML_TAG_MAX */
	size_t			tag_len;
	char			tag[HTML_TAG_MAX + 1];
	size_t			attr_len;	/* may pass HTML_ATTR_MAX */
	char			attr[HTML_ATTR_MAX + 1];
	enum html_attr_kind	attr_kind;
	enum html_url_part	url;
	bool			url_ref;	/* in "&...;", not settled */
	int			raw_elem;	/* RAWTEXT/RCDATA element */
	size_t			match;		/* progress in "</name" */
	size_t			bang;		/* script: progress in "<!--" */
	size_t			dashes;		/* comment: "-" run, "!" seen */
	bool			comment_bang;
	/* After branches that left a tag in different places: */
	bool			amb_eq;		/* no "=" before a new name */
	bool			amb_sep;	/* a blank, "/" or ">" next */
};

void		 html_ctx_init(struct html_ctx *c);
bool		 html_ctx_equal(const struct html_ctx *a,
		    const struct html_ctx *b);

/*
 * The context after one of two branches that ended in a and b, into
 * *out; false if no single context describes both.  Inside a tag,
 * "<input {% if c %}checked{% end %}>" joins: the result only lets a
 * blank, "/" or ">" follow.  In a URL value, the join is the state whose
 * escaping is the stricter.
 */
bool		 html_ctx_join(const struct html_ctx *a,
		    const struct html_ctx *b, struct html_ctx *out);

/*
 * Advance over len bytes of literal template text.  NULL, or the reason
 * the text cannot be handled (with *errpos the offending byte).
 */
const char	*html_ctx_feed(struct html_ctx *c, const char *p, size_t len,
		    size_t *errpos);

/*
 * May an interpolation of this kind go here?  NULL and *esc set (and the
 * context advanced past it), or the reason it may not.
 */
const char	*html_ctx_interp(struct html_ctx *c, enum html_interp kind,
		    enum html_esc *esc);

/* NULL if a whole template may end here, else the reason it may not. */
const char	*html_ctx_end(const struct html_ctx *c);

#endif
