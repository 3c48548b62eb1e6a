/*
 * template.h - HTML templates that escape by context.
 *
 * Templates are the *.html files of the directory named by the config key
 * "templates".  They are read and compiled once, in the supervisor, before
 * any worker starts: a template error stops the start with
 * "file:line: reason", and a running worker never touches the disk.  A
 * template's name is its path below that directory ("notes/show.html").
 * Files whose name starts with "_" ("_row.html", "notes/_form.html") are
 * partials: they are compiled only where they are included.
 *
 * Syntax (nothing else is accepted inside {{ }} and {% %}):
 *
 *   {{ name }}           the value of name, escaped for where it stands
 *   {{ row.field }}      a field of the current row of the loop over "row"
 *   {% raw name %}       name's text NOT escaped: the one way to output
 *                        HTML; grep for "{% raw" to audit every use
 *   {% if name %} ... {% else %} ... {% end %}
 *   {% if not name %} ... {% end %}
 *   {% for row in list %} ... {% end %}
 *   {% include "part.html" %}
 *   {% csrf_field %}     <input type="hidden" name="csrf_token" value="...">
 *   {# comment #}        left out of the output
 *
 * Names are [A-Za-z_][A-Za-z0-9_]*, at most 64 bytes; "name" and "list"
 * may also be "row.field".  A plain name is looked up in the innermost
 * loop's row first, then outward through the enclosing loops' rows, then
 * in the view itself.  A missing name renders as nothing and is false.
 * True is: bool true, non-empty text, a non-zero int, a non-empty list.
 * Ints render in decimal, bools as "true" or "false".  A list in {{ }}, or
 * a value that is not a list in {% for %}, fails the render.
 *
 * Includes are resolved when templates are compiled, relative to the
 * template directory (no "..", no leading "/", no name starting with
 * "."), at most 8 deep and without cycles; an included file continues in
 * the HTML context of the place that includes it.  if, else and for
 * blocks close in the file that opens them, nest at most 32 deep, and each
 * branch (each loop body) must end in the HTML context it began in.
 *
 * Escaping, decided at compile time from the HTML around each {{ }}:
 *   - text and quoted attribute values: & < > " ' become entities;
 *   - URL attributes (href, src, action, formaction, poster, cite, data,
 *     xlink:href, any *src*, *url*, *uri* ...): a value that starts the
 *     URL must be relative or http:, https: or mailto: (checked as a
 *     browser reads it: leading blanks and controls skipped, tab, CR and
 *     LF removed), else it becomes "about:invalid#moat"; bytes that are
 *     not URL characters are percent-encoded.  A value after the scheme
 *     ("/notes/{{ id }}") is percent-encoded and escaped.  A ":" or "&"
 *     written after a value that starts a URL is refused, since it could
 *     finish a scheme the check never saw.
 * Refused at compile time: a value, raw output or csrf_field inside a tag
 * or attribute name, in an unquoted attribute value, in an on* or style
 * attribute, in srcset, srcdoc, ping or <meta content>, inside an HTML
 * comment, or inside <script>, <style>, <iframe>, <noscript>, <xmp>,
 * <noembed> or <noframes>; <textarea> and <title> hold escaped text.  Raw
 * output and csrf_field go in HTML text only.  "<![CDATA[", <plaintext>
 * and "<!--" inside <script> are refused outright.  A template must end in
 * HTML text.  A literal "{{", "{%" or "{#" cannot be written: use
 * "&#123;" for the brace.
 *
 * Limits: 1 MiB per file, 1024 files, 4 MiB of compiled text and 65536
 * steps per template after includes.
 */
#ifndef MOAT_TEMPLATE_H
#define MOAT_TEMPLATE_H

#include <stdbool.h>
#include <stdint.h>

#include <moat/request.h>
#include <moat/response.h>

/** The values a template shows: text, ints, bools and lists of rows. */
struct moat_view;

/**
 * A new, empty view.  Its memory comes from the request's arena and is
 * released with the request; NULL when the arena is exhausted.
 */
struct moat_view	*moat_view_new(const struct moat_request *req);

/**
 * Set name to a copy of value (text, escaped when shown).  0, or -1 for a
 * malformed name, a name that holds a list, or no memory.
 */
int			 moat_view_text(struct moat_view *v, const char *name,
			    const char *value);

/** Set name to an integer; 0 or -1 as moat_view_text(). */
int			 moat_view_int(struct moat_view *v, const char *name,
			    int64_t value);

/** Set name to a boolean; 0 or -1 as moat_view_text(). */
int			 moat_view_bool(struct moat_view *v, const char *name,
			    bool value);

/**
 * Append a new, empty row to the list called list (created on first use)
 * and return it, to be filled like a view.  NULL for a malformed name, a
 * name that holds a value that is not a list, or no memory.
 */
struct moat_view	*moat_view_row(struct moat_view *v, const char *list);

/**
 * Render the template called template_name with the values of v (NULL: an
 * empty view): sets Content-Type text/html and appends to the response
 * body.  A template holding {% csrf_field %} asks moat_csrf_token() for
 * the token.  0, or -1 with an error logged naming the template: unknown
 * template, no CSRF token, a list shown as a value, a full body.  On -1
 * nothing of the template is left in the body.
 */
int			 moat_render(const struct moat_request *req,
			    struct moat_response *res,
			    const char *template_name,
			    const struct moat_view *v);

#endif
