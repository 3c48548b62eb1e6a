/*
 * files.c - attachments: upload to a note, download by the owner.
 *
 * The broker keeps the bytes in its file store under a name it makes up;
 * this code never learns where a file lives and could not open it if it
 * did (workers have no file-system access).  The database decides who may
 * read a file: attachment_open returns a row only for the owner, and
 * only then does the broker pass back a read-only descriptor.
 *
 * The name a browser sends with an upload is untrusted text.  It is
 * cleaned before it is stored (sealed, like note bodies), escaped by the
 * templates when shown, and encoded for the Content-Disposition header
 * when downloaded; the file itself is always served as an attachment of
 * type application/octet-stream, so a browser never renders it as a page
 * of this site.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "notes.h"

/*
 * The stored name: the part after the last '/' or '\' (browsers on some
 * systems send a whole path), control bytes made '_', at most
 * FILE_NAME_MAX bytes without splitting a UTF-8 sequence, never empty.
 */
static void
clean_name(const char *sent, char *out, size_t size)
{
	const char *p, *base = sent != NULL ? sent : "";
	size_t n, i;

	for (p = base; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	n = moat_utf8_cut(base, strlen(base), size - 1 < FILE_NAME_MAX ?
	    size - 1 : FILE_NAME_MAX);
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)base[i] < 0x20 || base[i] == 0x7f ?
		    '_' : base[i];
	out[n] = '\0';
	if (n == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		snprintf(out, size, "file");
}

/* POST /notes/{id}/files (multipart, field "file"): 303 back to the note. */
int
file_upload(const struct moat_request *req, struct moat_response *res)
{
	const struct moat_upload *up = moat_request_file(req, "file");
	char name[FILE_NAME_MAX + 1], where[64];
	struct moat_value v[3];
	struct moat_rows *rows;
	enum moat_db_status st;
	int64_t id;

	if (!need_user(req, res))
		return 0;
	if (!moat_request_route_int(req, "id", &id))
		return -1;
	if (up == NULL)		/* no file chosen: nothing a form would send */
		return error_page(req, res, 400);
	clean_name(up->filename, name, sizeof(name));
	v[0] = MOAT_INT(id);
	v[1] = MOAT_TEXT(name);		/* sealed by the broker */
	v[2] = MOAT_INT((int64_t)up->size);
	st = moat_file_store(req, "attachment_add", v, MOAT_NELEM(v),
	    up->data, up->size, &rows);
	/*
	 * The table's foreign key (note, owner) refuses a note that is not
	 * the session user's own; the statement fails, the broker drops the
	 * bytes it stored, and the answer is the usual 404.
	 */
	if (st == MOAT_DB_FAILED && strcmp(moat_db_sqlstate(req), "23503") == 0)
		return not_found(req, res);
	if (st != MOAT_DB_OK)
		return db_failed(req, res, st);
	snprintf(where, sizeof(where), "/notes/%lld", (long long)id);
	return moat_response_redirect(res, 303, where);
}

static bool
alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Safe inside filename="...": no quote, backslash, space or control. */
static bool
plain_char(unsigned char c)
{
	return alnum(c) || c == '.' || c == '_' || c == '-';
}

/* RFC 5987 attr-char: what may stand unencoded in filename*=UTF-8''... */
static bool
attr_char(unsigned char c)
{
	return alnum(c) || (c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL);
}

/*
 * Content-Disposition for a stored name: an ASCII-only fallback in
 * filename="..." (anything but letters, digits, '.', '_' and '-' made
 * '_', so no quote or backslash can end the string early) and the real
 * name percent-encoded in filename* (RFC 6266, RFC 5987).
 */
static int
disposition(struct moat_buf *b, const char *name)
{
	const unsigned char *p;

	moat_buf_puts(b, "attachment; filename=\"");
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		moat_buf_append(b, plain_char(*p) ? (const char *)p : "_", 1);
	moat_buf_puts(b, "\"; filename*=UTF-8''");
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (attr_char(*p))
			moat_buf_append(b, p, 1);
		else
			moat_buf_printf(b, "%%%02X", *p);
	}
	return moat_buf_failed(b) ? -1 : 0;
}

/* Copy everything from fd to the response body. */
static int
send_file(struct moat_response *res, int fd)
{
	struct moat_buf *body = moat_response_body(res);
	char chunk[16384];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			moat_log_error("reading an attachment: %s",
			    strerror(errno));
			return -1;
		}
		if (!moat_buf_append(body, chunk, (size_t)n))
			return -1;
	}
	return 0;
}

/* GET /files/{id}: the owner downloads an attachment. */
int
file_download(const struct moat_request *req, struct moat_response *res)
{
	struct moat_value v[1];
	struct moat_rows *rows;
	struct moat_buf header;
	enum moat_db_status st;
	int64_t id;
	int fd, rc;

	if (!need_user(req, res))
		return 0;
	if (!moat_request_route_int(req, "id", &id))
		return -1;
	v[0] = MOAT_INT(id);
	if ((st = moat_db_run(req, "attachment_name", v, 1, &rows)) !=
	    MOAT_DB_OK)
		return db_failed(req, res, st);
	if (moat_rows_count(rows) == 0)
		return not_found(req, res);
	/* No row here either (deleted meanwhile): SQLSTATE 02000. */
	st = moat_file_open(req, "attachment_open", v, 1, &fd);
	if (st == MOAT_DB_FAILED && strcmp(moat_db_sqlstate(req), "02000") == 0)
		return not_found(req, res);
	if (st != MOAT_DB_OK)
		return db_failed(req, res, st);
	moat_buf_init(&header, 2048);
	rc = disposition(&header, moat_rows_text(rows, 0, 0));
	if (rc == 0)
		rc = moat_response_header(res, "Content-Disposition",
		    moat_buf_cstr(&header));
	if (rc == 0)
		rc = moat_response_content_type(res,
		    "application/octet-stream");
	if (rc == 0)
		rc = send_file(res, fd);
	moat_buf_free(&header);
	close(fd);
	return rc;
}
