/*
 * view.h - the values a template shows, as the renderer reads them.
 *
 * A view is a list of named entries in the request arena.  Each entry is
 * text, an integer, a boolean or a list of rows; a row is a view of its
 * own, so lists nest.  Setting a name again replaces its value.
 */
#ifndef MOAT_TEMPLATE_VIEW_H
#define MOAT_TEMPLATE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <moat/template.h>

#include "core/arena.h"

#define VIEW_NAME_MAX	64	/* bytes of [A-Za-z_][A-Za-z0-9_]* */

enum view_kind {
	VIEW_TEXT,
	VIEW_INT,
	VIEW_BOOL,
	VIEW_LIST,
};

struct view_entry {
	struct view_entry	*next;
	const char		*name;
	size_t			 namelen;
	enum view_kind		 kind;
	const char		*text;		/* VIEW_TEXT */
	size_t			 textlen;
	int64_t			 i;		/* VIEW_INT */
	bool			 b;		/* VIEW_BOOL */
	struct moat_view	*rows;		/* VIEW_LIST, in order */
	struct moat_view	*last;
	size_t			 nrows;
};

struct moat_view {
	struct arena		*arena;
	struct view_entry	*entries;
	struct view_entry	*last;
	struct moat_view	*next;		/* the next row of its list */
};

/* A new empty view in arena a; NULL when the arena is full. */
struct moat_view	*view_new(struct arena *a);

/* The entry called name (len bytes), or NULL. */
const struct view_entry	*view_get(const struct moat_view *v,
			    const char *name, size_t len);

/* True for a well-formed name: what a template can refer to. */
bool			 view_name_ok(const char *name, size_t len);

#endif
