/*
 * multipart.c - multipart/form-data bodies (RFC 7578 over RFC 2046).
 *
 * The body is already in memory, so this is a single forward pass with
 * no state machine: find a delimiter line, read the part's headers, find
 * the next delimiter, store the part.  File data is not copied: uploads
 * point into the body buffer, which lives as long as the request.
 *
 * The parser is strict wherever two readers could disagree about where a
 * part ends, since a proxy or WAF that splits the body differently from
 * us would check other data than the application gets.  Line endings
 * must be CRLF, a boundary line after a bare CR or LF is refused rather
 * than skipped, and duplicate Content-Disposition, Content-Type, name,
 * filename or boundary parameters are refused.  A "--boundary" that is
 * not followed by "--", or by optional blanks and CRLF, is plain data:
 * RFC 2046 allows a boundary to be a prefix of a line in the data.
 */
#include <string.h>

#include "http/params.h"
#include "http/token.h"

#define MP_BOUNDARY_MAX	70		/* RFC 2046 */
#define MP_HDR_MAX	8192		/* one part's header section */
#define MP_HDR_LINES	16		/* header lines in one part */
#define MP_DEFAULT_TYPE	"application/octet-stream"

enum delim {
	D_NONE,		/* no delimiter line in the rest of the body */
	D_OPEN,		/* --boundary CRLF: a part follows */
	D_CLOSE,	/* --boundary-- */
	D_BADEOL	/* a boundary line with a bare CR or LF */
};

struct mp {
	struct arena			*a;
	const struct moat_limits	*lim;
	const unsigned char		*body;
	size_t				 len;
	char				 dash[2 + MP_BOUNDARY_MAX];
	size_t				 dlen;	/* "--" and the boundary */
	struct param_list		*fields;
	struct upload_list		*files;
	size_t				 nfields;
	size_t				 nfiles;
	const char			**why;
};

struct part {
	char			*name;
	size_t			 name_len;
	char			*filename;	/* NULL: no filename parameter */
	size_t			 filename_len;
	const char		*ctype;		/* into the body, unterminated */
	size_t			 ctype_len;
	bool			 has_disp;
	bool			 has_ctype;
	const unsigned char	*data;
	size_t			 size;
};

/* A header parameter; val is raw, quotes and escapes included. */
struct hparam {
	const char	*name;
	size_t		 nlen;
	const char	*val;
	size_t		 vlen;
};

static int
fail(struct mp *m, int status, const char *why)
{
	*m->why = why;
	return status;
}

/* RFC 2046 bchars, without space (checked by the caller). */
static bool
is_bchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("'()+_,-./:=?", c) != NULL;
}

/* Case-insensitive ASCII compare of s[0..n) with a lower-case literal. */
static bool
ieq(const char *s, size_t n, const char *lit)
{
	size_t i;
	unsigned char c;

	if (n != strlen(lit))
		return false;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != (unsigned char)lit[i])
			return false;
	}
	return true;
}

static size_t
skip_ows(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

static size_t
token_end(const char *s, size_t n, size_t i)
{
	while (i < n && http_is_tchar((unsigned char)s[i]))
		i++;
	return i;
}

/*
 * Read the RFC 7230 quoted-string at s[*i] (which is '"'), writing the
 * unescaped bytes to dst while they fit in cap.  *outlen gets the full
 * unescaped length, so a NULL dst measures.  -1 on bad syntax.
 */
static int
qstring(const char *s, size_t n, size_t *i, char *dst, size_t cap,
    size_t *outlen)
{
	size_t j = *i + 1, o = 0;
	unsigned char c;

	for (;;) {
		if (j >= n)
			return -1;
		c = (unsigned char)s[j++];
		if (c == '"')
			break;
		if (c == '\\') {
			if (j >= n)
				return -1;
			c = (unsigned char)s[j++];
		}
		/* qdtext and quoted-pair: HTAB, SP, VCHAR, obs-text. */
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
		if (o < cap)
			dst[o] = (char)c;
		o++;
	}
	*i = j;
	*outlen = o;
	return 0;
}

/*
 * The next ";name=value" of a header value (RFC 9110 parameters, which
 * may be empty).  1 with *p filled, 0 at the end, -1 on bad syntax.
 */
static int
next_param(const char *s, size_t n, size_t *i, struct hparam *p)
{
	size_t j = *i, k, len;

	for (;;) {
		j = skip_ows(s, n, j);
		if (j == n) {
			*i = j;
			return 0;
		}
		if (s[j] != ';')
			return -1;
		j = skip_ows(s, n, j + 1);
		if (j < n && s[j] != ';')
			break;
	}
	k = token_end(s, n, j);
	if (k == j || k == n || s[k] != '=')
		return -1;
	p->name = s + j;
	p->nlen = k - j;
	j = ++k;
	if (j < n && s[j] == '"') {
		if (qstring(s, n, &k, NULL, 0, &len) == -1)
			return -1;
	} else if ((k = token_end(s, n, j)) == j)
		return -1;
	p->val = s + j;
	p->vlen = k - j;
	*i = k;
	return 1;
}

/* Unquote p's value into dst (cap bytes); the full length to *outlen. */
static void
param_value(const struct hparam *p, char *dst, size_t cap, size_t *outlen)
{
	size_t i = 0;

	if (p->vlen > 0 && p->val[0] == '"') {
		/* Cannot fail: next_param has checked the syntax. */
		(void)qstring(p->val, p->vlen, &i, dst, cap, outlen);
		return;
	}
	memcpy(dst, p->val, p->vlen < cap ? p->vlen : cap);
	*outlen = p->vlen;
}

/* p's value as a fresh arena string; -1 when the arena is full. */
static int
param_dup(struct mp *m, const struct hparam *p, char **out, size_t *outlen)
{
	char *s;

	/* The unquoted value is never longer than the raw one. */
	if ((s = arena_alloc(m->a, p->vlen + 1)) == NULL)
		return -1;
	param_value(p, s, p->vlen, outlen);
	*out = s;
	return 0;
}

static bool
boundary_ok(const char *b, size_t len)
{
	size_t i;

	if (len < 1 || len > MP_BOUNDARY_MAX || b[len - 1] == ' ')
		return false;
	for (i = 0; i < len; i++)
		if (b[i] != ' ' && !is_bchar((unsigned char)b[i]))
			return false;
	return true;
}

/* Check the media type and pick the boundary out of the Content-Type. */
static int
get_boundary(struct mp *m, const char *ct)
{
	struct hparam p;
	size_t n, i, k, blen = 0;
	bool seen = false;
	int r;

	if (ct == NULL)
		return fail(m, 400, "multipart body without content type");
	n = strlen(ct);
	i = skip_ows(ct, n, 0);
	k = i;
	while (k < n && (http_is_tchar((unsigned char)ct[k]) || ct[k] == '/'))
		k++;
	if (!ieq(ct + i, k - i, "multipart/form-data"))
		return fail(m, 400, "not multipart/form-data");
	while ((r = next_param(ct, n, &k, &p)) == 1) {
		if (!ieq(p.name, p.nlen, "boundary"))
			continue;
		if (seen)
			return fail(m, 400, "duplicate multipart boundary");
		seen = true;
		param_value(&p, m->dash + 2, MP_BOUNDARY_MAX, &blen);
		if (!boundary_ok(m->dash + 2, blen))
			return fail(m, 400, "bad multipart boundary");
	}
	if (r == -1)
		return fail(m, 400, "bad multipart content type");
	if (!seen)
		return fail(m, 400, "multipart boundary missing");
	m->dash[0] = m->dash[1] = '-';
	m->dlen = 2 + blen;
	return 0;
}

/*
 * Is there a "--boundary" at q, and what follows it?  For D_OPEN *next
 * is the first byte of the part; a close delimiter ends the body (the
 * epilogue is ignored).
 */
static enum delim
delim_at(const struct mp *m, size_t q, size_t *next)
{
	const unsigned char *b = m->body;
	size_t n = m->len, t;

	if (q > n || n - q < m->dlen || memcmp(b + q, m->dash, m->dlen) != 0)
		return D_NONE;
	t = q + m->dlen;
	if (n - t >= 2 && b[t] == '-' && b[t + 1] == '-') {
		*next = n;
		return D_CLOSE;
	}
	while (t < n && (b[t] == ' ' || b[t] == '\t'))
		t++;
	if (n - t >= 2 && b[t] == '\r' && b[t + 1] == '\n') {
		*next = t + 2;
		return D_OPEN;
	}
	if (t < n && (b[t] == '\r' || b[t] == '\n'))
		return D_BADEOL;
	return D_NONE;
}

/*
 * Find the first delimiter line at or after lo: at lo itself, or after a
 * CRLF, which then belongs to the delimiter and not to the data.  *dend
 * is where the data before it ends.  Only bytes after a CR or LF are
 * compared with the boundary, and the boundary holds neither, so every
 * body byte is looked at a bounded number of times.
 */
static enum delim
find_delim(const struct mp *m, size_t lo, size_t *dend, size_t *next)
{
	const unsigned char *b = m->body;
	enum delim kind;
	size_t k;

	if ((kind = delim_at(m, lo, next)) != D_NONE) {
		*dend = lo;
		return kind;
	}
	for (k = lo; k < m->len; k++) {
		if (b[k] != '\r' && b[k] != '\n')
			continue;
		if ((kind = delim_at(m, k + 1, next)) == D_NONE)
			continue;
		if (kind == D_BADEOL || b[k] != '\n' || k == lo ||
		    b[k - 1] != '\r')
			return D_BADEOL;
		*dend = k - 1;
		return kind;
	}
	return D_NONE;
}

static int
disposition(struct mp *m, const char *v, size_t n, struct part *pt)
{
	struct hparam p;
	size_t i;
	int r;

	i = token_end(v, n, 0);
	if (!ieq(v, i, "form-data"))
		return fail(m, 400, "multipart part is not form-data");
	while ((r = next_param(v, n, &i, &p)) == 1) {
		if (ieq(p.name, p.nlen, "name")) {
			if (pt->name != NULL)
				return fail(m, 400, "duplicate multipart name");
			if (param_dup(m, &p, &pt->name, &pt->name_len) == -1)
				return fail(m, 413, "request too large");
		} else if (ieq(p.name, p.nlen, "filename")) {
			if (pt->filename != NULL)
				return fail(m, 400,
				    "duplicate multipart filename");
			if (param_dup(m, &p, &pt->filename,
			    &pt->filename_len) == -1)
				return fail(m, 413, "request too large");
		}
	}
	if (r == -1)
		return fail(m, 400, "bad multipart Content-Disposition");
	return 0;
}

/* One header line s[0..n), CRLF already removed. */
static int
header_line(struct mp *m, const char *s, size_t n, struct part *pt)
{
	const char *colon, *v;
	size_t nlen, vlen, i;

	if ((colon = memchr(s, ':', n)) == NULL)
		return fail(m, 400, "multipart header without colon");
	nlen = (size_t)(colon - s);
	if (nlen == 0 || token_end(s, nlen, 0) != nlen)
		return fail(m, 400, "bad multipart header name");
	v = colon + 1;
	vlen = n - nlen - 1;
	for (i = 0; i < vlen; i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') ||
		    v[i] == 0x7f)
			return fail(m, 400, "control character in multipart "
			    "header");
	i = skip_ows(v, vlen, 0);
	v += i;
	vlen -= i;
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (ieq(s, nlen, "content-disposition")) {
		if (pt->has_disp)
			return fail(m, 400, "duplicate Content-Disposition");
		pt->has_disp = true;
		return disposition(m, v, vlen, pt);
	}
	if (ieq(s, nlen, "content-type")) {
		if (pt->has_ctype)
			return fail(m, 400, "duplicate multipart Content-Type");
		pt->has_ctype = true;
		pt->ctype = v;
		pt->ctype_len = vlen;
	}
	return 0;
}

/* The header section at *pos, up to and including the blank line. */
static int
part_headers(struct mp *m, size_t *pos, struct part *pt)
{
	const unsigned char *b = m->body, *nl;
	const char *line;
	size_t start = *pos, avail, room, eol, n, lines = 0;
	int rc;

	for (;;) {
		avail = m->len - *pos;
		room = start + MP_HDR_MAX + 2 - *pos;
		if ((nl = memchr(b + *pos, '\n',
		    avail < room ? avail : room)) == NULL) {
			if (avail > room)
				return fail(m, 413, "multipart headers too large");
			return fail(m, 400, "truncated multipart body");
		}
		eol = (size_t)(nl - b);
		if (eol == *pos || b[eol - 1] != '\r')
			return fail(m, 400, "multipart line endings must be CRLF");
		line = (const char *)b + *pos;
		n = eol - 1 - *pos;
		*pos = eol + 1;
		if (n == 0)
			break;
		if (*pos - start > MP_HDR_MAX)
			return fail(m, 413, "multipart headers too large");
		if (++lines > MP_HDR_LINES)
			return fail(m, 413, "too many multipart headers");
		if ((rc = header_line(m, line, n, pt)) != 0)
			return rc;
	}
	if (!pt->has_disp)
		return fail(m, 400, "multipart part without Content-Disposition");
	if (pt->name == NULL)
		return fail(m, 400, "multipart part without name");
	return 0;
}

static int
store_field(struct mp *m, const struct part *pt)
{
	char *value;

	if (m->nfields >= m->lim->max_params)
		return fail(m, 413, "too many parameters");
	if (pt->size > m->lim->max_value_bytes)
		return fail(m, 413, "parameter value too long");
	if (!text_valid((const char *)pt->data, pt->size))
		return fail(m, 400, "parameter value is not UTF-8 text");
	if ((value = arena_strndup(m->a, (const char *)pt->data,
	    pt->size)) == NULL ||
	    param_list_add(m->a, m->fields, pt->name, value, pt->size) == -1)
		return fail(m, 413, "request too large");
	m->nfields++;
	return 0;
}

static int
store_file(struct mp *m, const struct part *pt)
{
	struct moat_upload u;
	const char *ct = MP_DEFAULT_TYPE;
	size_t ctlen = sizeof(MP_DEFAULT_TYPE) - 1;

	if (m->nfiles >= m->lim->max_files)
		return fail(m, 413, "too many files");
	if (pt->size > m->lim->max_file_bytes)
		return fail(m, 413, "file too large");
	if (!text_valid(pt->filename, pt->filename_len))
		return fail(m, 400, "filename is not UTF-8 text");
	if (pt->ctype_len > 0) {
		ct = pt->ctype;
		ctlen = pt->ctype_len;
	}
	if (!text_valid(ct, ctlen))
		return fail(m, 400, "file content type is not UTF-8 text");
	memset(&u, 0, sizeof(u));
	u.field = pt->name;
	u.filename = pt->filename;
	u.data = pt->data;
	u.size = pt->size;
	if ((u.content_type = arena_strndup(m->a, ct, ctlen)) == NULL ||
	    upload_list_add(m->a, m->files, &u) == -1)
		return fail(m, 413, "request too large");
	m->nfiles++;
	return 0;
}

static int
store_part(struct mp *m, const struct part *pt)
{
	if (pt->name_len == 0)
		return fail(m, 400, "empty multipart field name");
	if (pt->name_len > m->lim->max_name_bytes)
		return fail(m, 413, "parameter name too long");
	if (!text_valid(pt->name, pt->name_len))
		return fail(m, 400, "parameter name is not UTF-8 text");
	if (pt->filename == NULL)
		return store_field(m, pt);
	/* An empty file input: browsers send it, nobody wants it. */
	if (pt->filename_len == 0 && pt->size == 0)
		return 0;
	return store_file(m, pt);
}

int
multipart_parse(struct arena *a, const char *content_type,
    const unsigned char *body, size_t len, const struct moat_limits *lim,
    struct param_list *fields, struct upload_list *files, const char **why)
{
	struct mp m;
	struct part pt;
	enum delim kind;
	size_t pos = 0, dend = 0, next = 0;
	int rc;

	memset(&m, 0, sizeof(m));
	m.a = a;
	m.lim = lim;
	m.body = body;
	m.len = len;
	m.fields = fields;
	m.files = files;
	m.why = why;
	if (len > lim->max_multipart_bytes)
		return fail(&m, 413, "multipart body too large");
	if ((rc = get_boundary(&m, content_type)) != 0)
		return rc;
	kind = find_delim(&m, 0, &dend, &pos);
	while (kind == D_OPEN) {
		memset(&pt, 0, sizeof(pt));
		if ((rc = part_headers(&m, &pos, &pt)) != 0)
			return rc;
		kind = find_delim(&m, pos, &dend, &next);
		if (kind != D_OPEN && kind != D_CLOSE)
			break;
		pt.data = body + pos;
		pt.size = dend - pos;
		if ((rc = store_part(&m, &pt)) != 0)
			return rc;
		pos = next;
	}
	if (kind == D_CLOSE)
		return 0;
	if (kind == D_BADEOL)
		return fail(&m, 400, "multipart line endings must be CRLF");
	return fail(&m, 400, "truncated multipart body");
}
