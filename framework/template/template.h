/*
 * template.h - compiling and rendering templates (framework side).
 *
 * A set is compiled from named sources: every source whose file name does
 * not start with "_" becomes a template; any source may be included.
 * Compiling resolves includes, checks every {{ }} against its HTML context
 * (html_context.h) and produces a flat program: literal text, escaped
 * values with their escaper fixed, and jumps for if and for.  Rendering
 * walks that program over a view; it never parses anything.
 */
#ifndef MOAT_TEMPLATE_TEMPLATE_H
#define MOAT_TEMPLATE_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <moat/buf.h>
#include <moat/template.h>

#define TPL_FILE_MAX		(1024 * 1024)	/* bytes per source file */
#define TPL_FILES_MAX		1024		/* sources per set */
#define TPL_TOTAL_MAX		(64 * 1024 * 1024) /* source bytes per set */
#define TPL_NAME_MAX		255		/* "notes/show.html" */
#define TPL_NEST_MAX		32		/* open if/for blocks */
#define TPL_INCLUDE_MAX		8		/* include depth */
#define TPL_OPS_MAX		65536		/* steps per template */
#define TPL_TEXT_MAX		(4 * 1024 * 1024) /* compiled text */
#define TPL_SCAN_MAX		(64 * 1024 * 1024) /* read, with includes */
#define TPL_DIR_DEPTH		4		/* subdirectory levels */
#define TPL_DIRECTIVE_MAX	512		/* inside {{ }} or {% %} */

enum tpl_op_kind {
	OP_TEXT,	/* pool[a .. a+b) */
	OP_VALUE,	/* the value named pool[a .. a+b), escaped by esc */
	OP_RAW,		/* the same, not escaped */
	OP_CSRF,	/* the hidden CSRF input */
	OP_IF,		/* false (or true if negate): go to jump */
	OP_JUMP,	/* go to jump */
	OP_FOR,		/* empty or missing list: go to jump */
	OP_NEXT,	/* next row: back to jump; none left: fall through */
};

struct tpl_op {
	uint8_t		kind;
	uint8_t		esc;		/* enum html_esc */
	bool		negate;
	int16_t		loop;		/* name is a field of this loop's row */
	uint16_t	file;		/* source index, for render errors */
	uint32_t	line;
	uint32_t	a;
	uint32_t	b;
	uint32_t	jump;
};

struct tpl_source {
	char	*name;
	char	*text;		/* freed once the set is compiled */
	size_t	 len;
};

struct tpl {
	const char		*name;
	const struct tpl_source	*srcs;	/* the set's, for file names */
	struct tpl_op		*ops;
	size_t			 nops;
	size_t			 capops;
	struct moat_buf		 pool;	/* text and names */
	bool			 csrf;	/* holds {% csrf_field %} */
};

struct tpl_set {
	struct tpl_source	*srcs;	/* sorted by name */
	size_t			 nsrcs;
	struct tpl		*tpls;	/* sorted by name */
	size_t			 ntpls;
};

/* A source given in memory (tests, fuzzing, embedded templates). */
struct tpl_file {
	const char	*name;
	const char	*text;
	size_t		 len;
};

/* Sources being gathered for a set; start zeroed, with err and errlen. */
struct tpl_loader {
	struct tpl_source	*srcs;
	size_t			 n;
	size_t			 cap;
	size_t			 total;		/* bytes of all sources */
	char			*err;
	size_t			 errlen;
};

/* Add a copy of a source; 0, or -1 with the reason in l->err. */
int		 tpl_loader_add(struct tpl_loader *l, const char *name,
		    const char *text, size_t len);
void		 tpl_loader_free(struct tpl_loader *l);

/* Compile the gathered sources (which the set takes over); NULL on error. */
struct tpl_set	*tpl_loader_build(struct tpl_loader *l, char *err,
		    size_t errlen);

/*
 * Compile a set from memory or from every *.html below dir.  NULL on
 * error, with "file:line: reason" in err.
 */
struct tpl_set	*tpl_compile_mem(const struct tpl_file *files, size_t n,
		    char *err, size_t errlen);
struct tpl_set	*tpl_compile_dir(const char *dir, char *err, size_t errlen);
void		 tpl_set_free(struct tpl_set *set);

/* The template called name, or NULL. */
const struct tpl *tpl_find(const struct tpl_set *set, const char *name);

/* True if rendering t needs a CSRF token. */
bool		 tpl_needs_csrf(const struct tpl *t);

/*
 * Append t rendered over v (NULL: empty) to out.  csrf_token may be NULL
 * unless t needs one.  0, or -1 with the reason in err; out may then hold
 * part of the output, which the caller discards.
 */
int		 tpl_render(const struct tpl *t, const struct moat_view *v,
		    const char *csrf_token, struct moat_buf *out,
		    char *err, size_t errlen);

/* A template path: "a/b.html", segments of [A-Za-z0-9_.-] not led by ".". */
bool		 tpl_name_ok(const char *p, size_t len);

/*
 * True if a URL starting with s[0..len) may be shown: relative, or with
 * an http, https or mailto scheme as a browser would read it.
 */
bool		 tpl_url_allowed(const char *s, size_t len);

/* Compile one template of a set being built (compile.c); 0 or -1. */
int		 tpl_compile_one(struct tpl_set *set, size_t src,
		    struct tpl *t, char *err, size_t errlen);

/*
 * The process-wide set moat_render() uses: compile every *.html below
 * dir and, on success, replace the current set (on failure it is kept).
 * 0, or -1 with "file:line: reason" in err.
 */
int		 templates_load(const char *dir, char *err, size_t errlen);
void		 templates_free(void);

#endif
