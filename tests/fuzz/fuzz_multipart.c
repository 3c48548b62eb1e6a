/*
 * fuzz_multipart.c - libFuzzer target for multipart_parse.
 *
 * The input's first line (up to 256 bytes and a '\n') is the Content-Type
 * header and the rest is the body; an input without such a line is all
 * body, under "multipart/form-data; boundary=XYZ".  Limits are small so
 * the fuzzer hits them.  A successful parse must keep every promise of
 * request.h, and file data must lie inside the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http/params.h"

#define CT_MAX	256

static void
check_files(const struct upload_list *l, const struct moat_limits *lim,
    const uint8_t *body, size_t len)
{
	const struct moat_upload *u;
	size_t i, nlen;

	if (l->count > lim->max_files)
		abort();
	for (i = 0; i < l->count; i++) {
		u = &l->items[i];
		nlen = strlen(u->field);
		if (nlen == 0 || nlen > lim->max_name_bytes ||
		    !text_valid(u->field, nlen))
			abort();
		if (!text_valid(u->filename, strlen(u->filename)) ||
		    !text_valid(u->content_type, strlen(u->content_type)) ||
		    u->content_type[0] == '\0')
			abort();
		if (u->size > lim->max_file_bytes || u->data < body ||
		    u->size > len || u->data - body > (ptrdiff_t)(len - u->size))
			abort();
		if (u->filename[0] == '\0' && u->size == 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_limits lim;
	struct param_list f;
	struct upload_list u;
	struct arena a;
	const uint8_t *nl, *body = data;
	const char *why = NULL;
	char ct[CT_MAX + 1] = "multipart/form-data; boundary=XYZ";
	size_t len = size;
	int rc;

	nl = NULL;
	if (size > 0)
		nl = memchr(data, '\n', size < CT_MAX + 1 ? size : CT_MAX + 1);
	if (nl != NULL) {
		memcpy(ct, data, (size_t)(nl - data));
		ct[nl - data] = '\0';
		body = nl + 1;
		len = size - (size_t)(body - data);
	}
	memset(&lim, 0, sizeof(lim));
	lim.max_multipart_bytes = 64 * 1024;
	lim.max_params = 8;
	lim.max_name_bytes = 16;
	lim.max_value_bytes = 64;
	lim.max_files = 3;
	lim.max_file_bytes = 256;
	arena_init(&a, 4096);
	memset(&f, 0, sizeof(f));
	memset(&u, 0, sizeof(u));
	rc = multipart_parse(&a, ct, body, len, &lim, &f, &u, &why);
	if (rc == 0) {
		fuzz_check_text_params(&f, &lim);
		check_files(&u, &lim, body, len);
	} else if ((rc != 400 && rc != 413) || why == NULL)
		abort();
	arena_reset(&a);
	return 0;
}
