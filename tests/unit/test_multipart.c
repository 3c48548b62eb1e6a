/*
 * test_multipart.c - multipart/form-data bodies, friendly and hostile.
 *
 * Most bodies use the boundary XYZ and small limits (8 fields, names of 8
 * bytes, values of 16, 2 files of 16 bytes) so each cap can be hit
 * exactly and then passed by one.  A successful parse is compared field
 * by field and file by file, including where file data points.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <moat/buf.h>
#include "http/params.h"
#include "fixtures.h"
#include "unit.h"

#define CT	"multipart/form-data; boundary=XYZ"
#define END	"--XYZ--\r\n"
#define CD	"Content-Disposition: form-data; "
#define FIELD(n, v) \
	"--XYZ\r\n" CD "name=\"" n "\"\r\n\r\n" v "\r\n"
#define UPLOAD(n, fn, ct, d) \
	"--XYZ\r\n" CD "name=\"" n "\"; filename=\"" fn "\"\r\n" \
	"Content-Type: " ct "\r\n\r\n" d "\r\n"
#define UPLOAD_NOCT(n, fn, d) \
	"--XYZ\r\n" CD "name=\"" n "\"; filename=\"" fn "\"\r\n\r\n" d "\r\n"

struct kv {
	const char	*name;
	const char	*value;
};

struct fw {
	const char	*field;
	const char	*filename;
	const char	*ctype;
	const char	*data;
	size_t		 size;
};

static int
run(struct arena *a, const char *ct, const void *body, size_t len,
    const struct moat_limits *lim, struct param_list *f,
    struct upload_list *u)
{
	const char *why = NULL;
	int rc;

	memset(f, 0, sizeof(*f));
	memset(u, 0, sizeof(*u));
	rc = multipart_parse(a, ct, body, len, lim, f, u, &why);
	CU_ASSERT(rc == 0 || why != NULL);
	return rc;
}

static void
rc_lim(const char *ct, const void *body, size_t len,
    const struct moat_limits *lim, int want)
{
	struct param_list f;
	struct upload_list u;
	struct arena a;

	arena_init(&a, 1 << 20);
	CU_ASSERT_EQUAL(run(&a, ct, body, len, lim, &f, &u), want);
	arena_reset(&a);
}

static void
rc_ct(const char *ct, const void *body, size_t len, int want)
{
	struct moat_limits lim = unit_small_limits();

	rc_lim(ct, body, len, &lim, want);
}

#define RC(body, want)		rc_ct(CT, (body), sizeof(body) - 1, (want))
#define RC_CT(ct, body, want)	rc_ct((ct), (body), sizeof(body) - 1, (want))

static bool
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static void
check_files(const struct upload_list *u, const struct fw *w, size_t nw,
    const unsigned char *body, size_t len)
{
	const struct moat_upload *p;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(u->count, nw);
	for (i = 0; i < nw; i++) {
		p = &u->items[i];
		CU_ASSERT(streq(p->field, w[i].field));
		CU_ASSERT(streq(p->filename, w[i].filename));
		CU_ASSERT(streq(p->content_type, w[i].ctype));
		CU_ASSERT_EQUAL_FATAL(p->size, w[i].size);
		CU_ASSERT(memcmp(p->data, w[i].data, p->size) == 0);
		CU_ASSERT(p->data >= body && p->data + p->size <= body + len);
	}
}

static void
expect_parse_lim(const char *ct, const char *body, size_t len,
    const struct kv *kv, size_t nkv, const struct fw *w, size_t nw,
    const struct moat_limits *lim)
{
	struct param_list f;
	struct upload_list u;
	struct arena a;
	size_t i;

	arena_init(&a, 1 << 20);
	CU_ASSERT_EQUAL_FATAL(run(&a, ct, body, len, lim, &f, &u), 0);
	CU_ASSERT_EQUAL_FATAL(f.count, nkv);
	for (i = 0; i < nkv; i++) {
		CU_ASSERT(streq(f.items[i].name, kv[i].name));
		CU_ASSERT(streq(f.items[i].value, kv[i].value));
		CU_ASSERT_EQUAL(f.items[i].value_len, strlen(kv[i].value));
	}
	check_files(&u, w, nw, (const unsigned char *)body, len);
	arena_reset(&a);
}

static void
expect_parse(const char *ct, const char *body, size_t len,
    const struct kv *kv, size_t nkv, const struct fw *w, size_t nw)
{
	struct moat_limits lim = unit_small_limits();

	expect_parse_lim(ct, body, len, kv, nkv, w, nw, &lim);
}

/* As expect_parse with files of up to 1 KiB. */
static void
expect_big_files(const char *body, size_t len, const struct fw *w,
    size_t nw)
{
	struct moat_limits lim = unit_small_limits();

	lim.max_file_bytes = 1024;
	expect_parse_lim(CT, body, len, NULL, 0, w, nw, &lim);
}

#define OK(ct, body, f, w) expect_parse((ct), (body), sizeof(body) - 1, \
	(f), MOAT_NELEM(f), (w), MOAT_NELEM(w))
#define OK_FIELDS(ct, body, f) expect_parse((ct), (body), \
	sizeof(body) - 1, (f), MOAT_NELEM(f), NULL, 0)
#define OK_FILES(ct, body, w) expect_parse((ct), (body), \
	sizeof(body) - 1, NULL, 0, (w), MOAT_NELEM(w))
#define OK_NOTHING(ct, body) expect_parse((ct), (body), \
	sizeof(body) - 1, NULL, 0, NULL, 0)

static void
test_basic(void)
{
	static const char body[] =
	    FIELD("a", "1")
	    FIELD("b", "hello world")
	    UPLOAD("f", "x.txt", "text/plain", "file\r\ndata")
	    END;
	static const struct kv f[] = { { "a", "1" }, { "b", "hello world" } };
	static const struct fw w[] = {
		{ "f", "x.txt", "text/plain", "file\r\ndata", 10 },
	};

	OK(CT, body, f, w);
}

static void
test_preamble_epilogue(void)
{
	static const char body[] =
	    "preamble --XYZ\r\n--XY\r\n--XYZZ\r\n--XYZ-\r\n"
	    FIELD("a", "1")
	    END
	    FIELD("late", "x")
	    END "junk";
	static const struct kv f[] = { { "a", "1" } };

	OK_FIELDS(CT, body, f);
}

static void
test_empty_form(void)
{
	OK_NOTHING(CT, "--XYZ--");
	OK_NOTHING(CT, "--XYZ--\r\n");
	OK_NOTHING(CT, "preamble\r\n--XYZ--\r\nepilogue");
	RC("", 400);
	RC("hello", 400);
	RC("\r\n", 400);
}

static void
test_content_type_ok(void)
{
	static const struct kv f[] = { { "a", "1" } };
	static const char body[] = FIELD("a", "1") END;
	static const char odd[] =
	    "--a b'()+_,-./:=?c\r\n" CD "name=\"a\"\r\n\r\n1\r\n"
	    "--a b'()+_,-./:=?c--";
	static const char b70[] =
	    "--0123456789012345678901234567890123456789012345678901234567890123456789\r\n"
	    CD "name=\"a\"\r\n\r\n1\r\n"
	    "--0123456789012345678901234567890123456789012345678901234567890123456789--";

	OK_FIELDS("Multipart/Form-Data; BOUNDARY=XYZ", body, f);
	OK_FIELDS("multipart/form-data; charset=utf-8; boundary=XYZ", body, f);
	OK_FIELDS("multipart/form-data;boundary=XYZ", body, f);
	OK_FIELDS(" multipart/form-data ; boundary=XYZ ; ", body, f);
	OK_FIELDS("multipart/form-data; ; boundary=XYZ;;", body, f);
	OK_FIELDS("multipart/form-data; boundary=\"XYZ\"", body, f);
	OK_FIELDS("multipart/form-data; boundary=\"X\\YZ\"", body, f);
	OK_FIELDS("multipart/form-data; boundary=\"a b'()+_,-./:=?c\"", odd, f);
	OK_FIELDS("multipart/form-data; boundary="
	    "0123456789012345678901234567890123456789012345678901234567890123456789",
	    b70, f);
}

static void
test_content_type_bad(void)
{
	static const char body[] = FIELD("a", "1") END;

	rc_ct(NULL, body, sizeof(body) - 1, 400);
	RC_CT("", body, 400);
	RC_CT("text/plain; boundary=XYZ", body, 400);
	RC_CT("multipart/mixed; boundary=XYZ", body, 400);
	RC_CT("multipart/form-data-x; boundary=XYZ", body, 400);
	RC_CT("multipart/form-data", body, 400);
	RC_CT("multipart/form-data; charset=utf-8", body, 400);
	RC_CT("multipart/form-data; boundary=", body, 400);
	RC_CT("multipart/form-data; boundary=\"\"", body, 400);
	RC_CT("multipart/form-data; boundary=a@b", body, 400);
	RC_CT("multipart/form-data; boundary=\"a@b\"", body, 400);
	RC_CT("multipart/form-data; boundary=\"abc \"", body, 400);
	RC_CT("multipart/form-data; boundary=\"XYZ", body, 400);
	RC_CT("multipart/form-data; boundary=\"ab\x01\"", body, 400);
	RC_CT("multipart/form-data; boundary=XYZ; boundary=XYZ", body, 400);
	RC_CT("multipart/form-data; boundary=XYZ garbage", body, 400);
	RC_CT("multipart/form-data; boundary = XYZ", body, 400);
	RC_CT("multipart/form-data boundary=XYZ", body, 400);
	RC_CT("multipart/form-data; boundary="
	    "01234567890123456789012345678901234567890123456789012345678901234567890",
	    body, 400);
}

static void
test_truncated(void)
{
	RC(FIELD("a", "1"), 400);
	RC(FIELD("a", "1") "--XYZ", 400);
	RC(FIELD("a", "1") "--XYZ-", 400);
	RC(FIELD("a", "1") "--XYZ  ", 400);
	RC(FIELD("a", "1") "--XYZ\r", 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\n", 400);
	RC("--XYZ\r\n" CD "name=\"a\"", 400);
	RC("--XYZ\r\n", 400);
	RC("--XYZ", 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\n\r\nvalue", 400);
}

/* "--XYZ" not at the start of a line is data. */
static void
test_boundary_in_data(void)
{
	static const char body[] =
	    UPLOAD("f", "x", "a/b", "abc--XYZ--def")
	    FIELD("t", "x--XYZ")
	    UPLOAD("g", "y", "a/b", "a--XYZ\r\nb")
	    END;
	static const struct kv f[] = { { "t", "x--XYZ" } };
	static const struct fw w[] = {
		{ "f", "x", "a/b", "abc--XYZ--def", 13 },
		{ "g", "y", "a/b", "a--XYZ\r\nb", 9 },
	};

	OK(CT, body, f, w);
}

/* A line that starts with --XYZ but goes on is data too. */
static void
test_boundary_prefix(void)
{
	static const char body[] =
	    "--XYZ\r\n" CD "name=\"f\"; filename=\"x\"\r\n\r\n"
	    "--XYZa\r\n--XYZ-x\r\n--XYZ x"
	    "\r\n--XYZ\t-\r\n--XYZZ"
	    "\r\n" END;
	static const struct fw w[] = { { "f", "x", "application/octet-stream",
	    "--XYZa\r\n--XYZ-x\r\n--XYZ x\r\n--XYZ\t-\r\n--XYZZ", 41 } };

	expect_big_files(body, sizeof(body) - 1, w, MOAT_NELEM(w));
}

/* Blanks between the boundary and CRLF are transport padding. */
static void
test_padding(void)
{
	static const char body[] =
	    "--XYZ \t\r\n" CD "name=\"a\"\r\n\r\n1\r\n"
	    "--XYZ  \r\n" CD "name=\"b\"\r\n\r\n2\r\n"
	    "--XYZ-- trailing junk";
	static const struct kv f[] = { { "a", "1" }, { "b", "2" } };

	OK_FIELDS(CT, body, f);
}

static void
test_line_endings(void)
{
	/* LF only, all the way. */
	RC("--XYZ\n" CD "name=\"a\"\n\n1\n--XYZ--\n", 400);
	/* LF-only headers after a good delimiter. */
	RC("--XYZ\r\n" CD "name=\"a\"\n\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\n\n1\r\n" END, 400);
	/* A delimiter after a bare LF or CR. */
	RC("--XYZ\r\n" CD "name=\"a\"\r\n\r\nabc\n--XYZ--\r\n", 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\n\r\nabc\r--XYZ--\r\n", 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\n\r\n\n--XYZ--\r\n", 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\n\r\nabc\n\n--XYZ\r\n", 400);
	/* A delimiter line ending in a bare LF or CR. */
	RC("--XYZ\r\n" CD "name=\"a\"\r\n\r\nabc\r\n--XYZ\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\n\r\nabc\r\n--XYZ \r" END, 400);
	RC("pre\n--XYZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n" END, 400);
	/* A CR inside a header line. */
	RC("--XYZ\r\n" CD "name=\"a\r\"\r\n\r\n1\r\n" END, 400);
}

/* Lone CRs and LFs that are not next to a boundary are data. */
static void
test_binary_data(void)
{
	static const char body[] =
	    UPLOAD("f", "b.bin", "application/x", "\0\r\n\r\x01\n\xff\r\r\n-")
	    END;
	static const struct fw w[] = { { "f", "b.bin", "application/x",
	    "\0\r\n\r\x01\n\xff\r\r\n-", 11 } };

	OK_FILES(CT, body, w);
}

static void
test_missing_name(void)
{
	RC("--XYZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "filename=\"x\"\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\nContent-Type: text/plain\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"\"\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n"
	    END, 400);
	RC("--XYZ\r\nContent-Disposition: ; name=\"a\"\r\n\r\n1\r\n" END, 400);
}

static void
test_duplicate_headers(void)
{
	RC("--XYZ\r\n" CD "name=\"a\"; name=\"b\"\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\"; NAME=\"a\"\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\"; filename=\"x\"; filename=\"y\"\r\n"
	    "\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\n" CD "name=\"a\"\r\n\r\n1\r\n" END,
	    400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\nContent-Type: a/b\r\n"
	    "content-type: a/b\r\n\r\n1\r\n" END, 400);
}

static void
test_name_forms(void)
{
	static const char body[] =
	    "--XYZ\r\n" CD "name=tok\r\n\r\n1\r\n"
	    "--XYZ\r\n" CD "name=\"a\\\"b\"\r\n\r\n2\r\n"
	    "--XYZ\r\n" CD "name=\"a\\\\b\"\r\n\r\n3\r\n"
	    "--XYZ\r\n" CD "name=\"caf\xc3\xa9\"\r\n\r\n4\r\n"
	    "--XYZ\r\n" CD "name=\"a;b\"\r\n\r\n5\r\n"
	    "--XYZ\r\ncontent-disposition:FORM-DATA;NAME=\"up\"  \r\n"
	    "X-Other: ignored\r\nX-Empty:\r\nContent-Typo: x\r\n\r\n6\r\n"
	    END;
	static const struct kv f[] = { { "tok", "1" }, { "a\"b", "2" },
	    { "a\\b", "3" }, { "caf\xc3\xa9", "4" }, { "a;b", "5" },
	    { "up", "6" } };

	OK_FIELDS(CT, body, f);
}

static void
test_bad_names(void)
{
	RC("--XYZ\r\n" CD "name=\"a\0b\"\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\nb\"\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\\\x01\"\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"\xc0\xaf\"\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"\xed\xa0\x80\"\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"abc\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"abc\\\"\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"abc\\\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=a b\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\"x\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name\r\n\r\n1\r\n" END, 400);
}

/* filename* (RFC 5987) is ignored: only filename says "this is a file". */
static void
test_filename_star(void)
{
	static const char both[] =
	    "--XYZ\r\n" CD "name=\"f\"; filename*=UTF-8''y.txt; "
	    "filename=\"x.txt\"\r\n\r\ndata\r\n" END;
	static const char star[] =
	    "--XYZ\r\n" CD "name=\"f\"; filename*=UTF-8''y.txt\r\n\r\n"
	    "data\r\n" END;
	static const struct fw w[] = { { "f", "x.txt",
	    "application/octet-stream", "data", 4 } };
	static const struct kv f[] = { { "f", "data" } };

	OK_FILES(CT, both, w);
	OK_FIELDS(CT, star, f);
}

static void
test_duplicates(void)
{
	static const char body[] =
	    FIELD("a", "1") FIELD("b", "2") FIELD("a", "3")
	    UPLOAD("f", "1.txt", "text/plain", "one")
	    UPLOAD("f", "2.txt", "text/plain", "two")
	    END;
	static const struct kv f[] = { { "a", "1" }, { "b", "2" },
	    { "a", "3" } };
	static const struct fw w[] = {
		{ "f", "1.txt", "text/plain", "one", 3 },
		{ "f", "2.txt", "text/plain", "two", 3 },
	};
	struct moat_limits lim = unit_small_limits();
	const struct param *p;
	struct param_list fl;
	struct upload_list u;
	struct arena a;

	OK(CT, body, f, w);
	arena_init(&a, 1 << 20);
	CU_ASSERT_EQUAL_FATAL(run(&a, CT, body, sizeof(body) - 1, &lim, &fl,
	    &u), 0);
	p = param_list_find(&fl, "a", 1);
	CU_ASSERT(p != NULL && streq(p->value, "3"));
	CU_ASSERT_PTR_NULL(param_list_find(&fl, "a", 2));
	arena_reset(&a);
}

static void
test_file_size(void)
{
	static const struct fw w[] = { { "f", "x", "a/b",
	    "0123456789abcdef", 16 } };

	OK_FILES(CT, UPLOAD("f", "x", "a/b", "0123456789abcdef") END, w);
	RC(UPLOAD("f", "x", "a/b", "0123456789abcdefg") END, 413);
}

static void
test_file_count(void)
{
	static const struct fw w[] = {
		{ "f", "1", "a/b", "1", 1 },
		{ "g", "2", "a/b", "2", 1 },
	};

	OK_FILES(CT, UPLOAD("f", "1", "a/b", "1") UPLOAD("g", "2", "a/b", "2")
	    END, w);
	RC(UPLOAD("f", "1", "a/b", "1") UPLOAD("g", "2", "a/b", "2")
	    UPLOAD("h", "3", "a/b", "3") END, 413);
	/* Skipped empty inputs do not count. */
	OK_FILES(CT, UPLOAD_NOCT("e", "", "") UPLOAD("f", "1", "a/b", "1")
	    UPLOAD_NOCT("e", "", "") UPLOAD("g", "2", "a/b", "2")
	    UPLOAD_NOCT("e", "", "") END, w);
}

static void
test_field_limits(void)
{
	static const struct kv f8[] = { { "a", "" }, { "b", "" }, { "c", "" },
	    { "d", "" }, { "e", "" }, { "f", "" }, { "g", "" }, { "h", "" } };
	static const struct kv fv[] = { { "v", "0123456789abcdef" } };
	static const struct kv fn[] = { { "abcdefgh", "1" } };
	static const struct fw wn[] = { { "abcdefgh", "x", "a/b", "1", 1 } };

	OK_FIELDS(CT, FIELD("a", "") FIELD("b", "") FIELD("c", "")
	    FIELD("d", "") FIELD("e", "") FIELD("f", "") FIELD("g", "")
	    FIELD("h", "") END, f8);
	RC(FIELD("a", "") FIELD("b", "") FIELD("c", "") FIELD("d", "")
	    FIELD("e", "") FIELD("f", "") FIELD("g", "") FIELD("h", "")
	    FIELD("i", "") END, 413);
	OK_FIELDS(CT, FIELD("v", "0123456789abcdef") END, fv);
	RC(FIELD("v", "0123456789abcdefg") END, 413);
	OK_FIELDS(CT, FIELD("abcdefgh", "1") END, fn);
	RC(FIELD("abcdefghi", "1") END, 413);
	OK_FILES(CT, UPLOAD("abcdefgh", "x", "a/b", "1") END, wn);
	RC(UPLOAD("abcdefghi", "x", "a/b", "1") END, 413);
}

static void
test_body_size(void)
{
	static const char body[] = FIELD("a", "1") END;
	struct moat_limits lim = unit_small_limits();

	lim.max_multipart_bytes = sizeof(body) - 1;
	rc_lim(CT, body, sizeof(body) - 1, &lim, 0);
	lim.max_multipart_bytes = sizeof(body) - 2;
	rc_lim(CT, body, sizeof(body) - 1, &lim, 413);
	lim.max_multipart_bytes = 0;
	rc_lim(CT, "", 0, &lim, 400);
	rc_lim(CT, NULL, 0, &lim, 400);
}

static void
test_bad_header_lines(void)
{
	RC("--XYZ\r\n" CD "name=\"a\"\r\nNoColonHere\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\nContent-Disposition : form-data; name=\"a\"\r\n\r\n1\r\n"
	    END, 400);
	RC("--XYZ\r\n: x\r\n" CD "name=\"a\"\r\n\r\n1\r\n" END, 400);
	/* Obsolete line folding. */
	RC("--XYZ\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\n1\r\n"
	    END, 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\nX-A: b\x01\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\nX-A: b\x7f\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\nX-A: \0\r\n\r\n1\r\n" END, 400);
	RC("--XYZ\r\n" CD "name=\"a\"\r\n--XYZ--\r\n", 400);
}

/* A part whose header section is section bytes long (the blank line not
 * counted), padded with an X-Pad header. */
static void
header_section(size_t section, int want)
{
	static const char pre[] = "--XYZ\r\n" CD "name=\"a\"\r\n";
	static const char post[] = "\r\nv\r\n" END;
	struct moat_buf b;
	size_t pad;

	moat_buf_init(&b, 1 << 20);
	pad = section - (sizeof(pre) - 1 - 7) - 9;	/* "X-Pad: " CRLF */
	moat_buf_puts(&b, pre);
	moat_buf_puts(&b, "X-Pad: ");
	while (pad-- > 0)
		moat_buf_puts(&b, "p");
	moat_buf_puts(&b, "\r\n");
	moat_buf_puts(&b, post);
	CU_ASSERT_FATAL(!moat_buf_failed(&b));
	rc_ct(CT, b.data, b.len, want);
	moat_buf_free(&b);
}

static void
test_header_size(void)
{
	struct moat_buf b;
	int i;

	header_section(8191, 0);
	header_section(8192, 0);
	header_section(8193, 413);
	header_section(100000, 413);
	/* No line end at all. */
	moat_buf_init(&b, 1 << 20);
	moat_buf_puts(&b, "--XYZ\r\n");
	for (i = 0; i < 20000; i++)
		moat_buf_puts(&b, "a");
	rc_ct(CT, b.data, b.len, 413);
	moat_buf_free(&b);
}

/* A part with n header lines, one of them Content-Disposition. */
static void
header_lines(int n, int want)
{
	struct moat_buf b;
	int i;

	moat_buf_init(&b, 1 << 20);
	moat_buf_puts(&b, "--XYZ\r\n" CD "name=\"a\"\r\n");
	for (i = 1; i < n; i++)
		moat_buf_puts(&b, "X-A: b\r\n");
	moat_buf_puts(&b, "\r\nv\r\n" END);
	rc_ct(CT, b.data, b.len, want);
	moat_buf_free(&b);
}

static void
test_header_count(void)
{
	header_lines(1, 0);
	header_lines(16, 0);
	header_lines(17, 413);
	header_lines(1000, 413);
}

static void
test_empty_file_input(void)
{
	static const struct kv f[] = { { "a", "1" } };
	static const struct fw w[] = {
		{ "f", "", "application/octet-stream", "data", 4 },
		{ "g", "e.txt", "application/octet-stream", "", 0 },
	};

	/* The browser's empty file input is dropped. */
	OK_FIELDS(CT, UPLOAD_NOCT("e", "", "") FIELD("a", "1")
	    UPLOAD("e", "", "application/octet-stream", "") END, f);
	/* An empty filename with data, or an empty named file, is kept. */
	OK_FILES(CT, UPLOAD_NOCT("f", "", "data") UPLOAD_NOCT("g", "e.txt", "")
	    END, w);
}

static void
test_content_types(void)
{
	static const struct fw w[] = {
		{ "f", "x", "application/octet-stream", "1", 1 },
		{ "g", "y", "image/png; x=\"y\"", "2", 1 },
	};

	OK_FILES(CT, UPLOAD_NOCT("f", "x", "1")
	    UPLOAD("g", "y", "  image/png; x=\"y\"  ", "2") END, w);
	RC(UPLOAD("f", "x", "a/\xc0\xaf", "1") END, 400);
}

/* A nested multipart/mixed body is opaque data, never parsed. */
static void
test_nested(void)
{
	static const char body[] =
	    "--XYZ\r\n" CD "name=\"f\"; filename=\"n\"\r\n"
	    "Content-Type: multipart/mixed; boundary=in\r\n\r\n"
	    "--in\r\n" CD "name=\"evil\"\r\n\r\nx\r\n--in--"
	    "\r\n" END;
	static const struct fw w[] = { { "f", "n",
	    "multipart/mixed; boundary=in",
	    "--in\r\n" CD "name=\"evil\"\r\n\r\nx\r\n--in--", 62 } };

	expect_big_files(body, sizeof(body) - 1, w, MOAT_NELEM(w));
}

static void
test_bad_text(void)
{
	RC(FIELD("a", "\xc0\xaf") END, 400);
	RC(FIELD("a", "\xed\xa0\x80") END, 400);
	RC(FIELD("a", "\xf8\x88\x80\x80\x80") END, 400);
	RC(FIELD("a", "x\0y") END, 400);
	RC(FIELD("a", "\xe2\x82") END, 400);
	RC(UPLOAD("f", "\xc0\xaf", "a/b", "1") END, 400);
	RC(UPLOAD("f", "\xed\xa0\x80.txt", "a/b", "1") END, 400);
	RC("--XYZ\r\n" CD "name=\"f\"; filename=\"a\0b\"\r\n\r\n1\r\n" END,
	    400);
}

static void
test_empty_values(void)
{
	static const struct kv f[] = { { "a", "" }, { "b", "" }, { "c", "x" } };

	/* "--XYZ" right after the blank line: an empty body, as RFC 2046
	 * allows and other parsers read it. */
	OK_FIELDS(CT, FIELD("a", "")
	    "--XYZ\r\n" CD "name=\"b\"\r\n\r\n"
	    FIELD("c", "x") END, f);
}

/* Build a body of n copies of part, closed. */
static void
repeat_body(struct moat_buf *b, const char *part, size_t n)
{
	moat_buf_init(b, 64 << 20);
	while (n-- > 0)
		moat_buf_puts(b, part);
	moat_buf_puts(b, END);
}

static void
test_huge_counts(void)
{
	struct moat_limits lim = unit_small_limits();
	struct param_list f;
	struct upload_list u;
	struct moat_buf b;
	struct arena a;

	lim.max_multipart_bytes = 64 << 20;
	lim.max_params = 100;
	arena_init(&a, 16 << 20);
	repeat_body(&b, FIELD("a", "1"), 10000);
	CU_ASSERT_EQUAL(run(&a, CT, b.data, b.len, &lim, &f, &u), 413);
	moat_buf_free(&b);
	arena_reset(&a);
	lim.max_params = 10000;
	repeat_body(&b, FIELD("a", "1"), 10000);
	CU_ASSERT_EQUAL(run(&a, CT, b.data, b.len, &lim, &f, &u), 0);
	CU_ASSERT_EQUAL(f.count, 10000);
	moat_buf_free(&b);
	arena_reset(&a);
	repeat_body(&b, UPLOAD_NOCT("e", "", ""), 10000);
	CU_ASSERT_EQUAL(run(&a, CT, b.data, b.len, &lim, &f, &u), 0);
	CU_ASSERT_EQUAL(f.count + u.count, 0);
	moat_buf_free(&b);
	arena_reset(&a);
	/* Many look-alike lines inside one file. */
	lim.max_file_bytes = 64 << 20;
	moat_buf_init(&b, 64 << 20);
	moat_buf_puts(&b, "--XYZ\r\n" CD "name=\"f\"; filename=\"x\"\r\n\r\n");
	for (int i = 0; i < 200000; i++)
		moat_buf_puts(&b, "\r\n--XYZx");
	moat_buf_puts(&b, "\r\n" END);
	CU_ASSERT_EQUAL(run(&a, CT, b.data, b.len, &lim, &f, &u), 0);
	CU_ASSERT_EQUAL_FATAL(u.count, 1);
	CU_ASSERT_EQUAL(u.items[0].size, 200000 * 8);
	moat_buf_free(&b);
	arena_reset(&a);
}

/* Parses two fields and two uploads: 0 when all four came through. */
static int
parse_four(struct arena *a, const void *arg)
{
	struct moat_limits lim = unit_small_limits();
	const char *body = arg;
	struct param_list f;
	struct upload_list u;
	int rc = run(a, CT, body, strlen(body), &lim, &f, &u);

	return rc == 0 && (f.count != 2 || u.count != 2) ? -1 : rc;
}

static void
test_arena_full(void)
{
	static const char body[] =
	    FIELD("a", "1") FIELD("b", "2")
	    UPLOAD("f", "x.txt", "text/plain", "data")
	    UPLOAD("g", "y.txt", "text/plain", "data")
	    END;

	unit_arena_sweep(4096, parse_four, body);
}

int
register_multipart_tests(void)
{
	static const struct unit_test tests[] = {
		{ "basic", test_basic },
		{ "preamble and epilogue", test_preamble_epilogue },
		{ "empty form", test_empty_form },
		{ "content type accepted", test_content_type_ok },
		{ "content type refused", test_content_type_bad },
		{ "truncated", test_truncated },
		{ "boundary inside data", test_boundary_in_data },
		{ "boundary prefix in data", test_boundary_prefix },
		{ "transport padding", test_padding },
		{ "bare CR and LF", test_line_endings },
		{ "binary data", test_binary_data },
		{ "missing name", test_missing_name },
		{ "duplicate headers", test_duplicate_headers },
		{ "name forms", test_name_forms },
		{ "bad names", test_bad_names },
		{ "filename*", test_filename_star },
		{ "duplicates in order", test_duplicates },
		{ "max_file_bytes", test_file_size },
		{ "max_files", test_file_count },
		{ "field limits", test_field_limits },
		{ "max_multipart_bytes", test_body_size },
		{ "bad header lines", test_bad_header_lines },
		{ "header section size", test_header_size },
		{ "header line count", test_header_count },
		{ "empty file input", test_empty_file_input },
		{ "file content types", test_content_types },
		{ "nested multipart", test_nested },
		{ "bad text", test_bad_text },
		{ "empty values", test_empty_values },
		{ "huge counts", test_huge_counts },
		{ "arena full", test_arena_full },
	};

	return unit_add_suite("multipart", tests, MOAT_NELEM(tests));
}
