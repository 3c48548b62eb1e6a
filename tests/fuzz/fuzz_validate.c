// fuzz-sources: framework/http/validate.c
/*
 * fuzz_validate.c - libFuzzer target for moat_field_check().
 *
 * The first byte picks the field type (and, for STRING, INT and UINT, one
 * of a few rules); the rest, cut at the first NUL, is the raw value.  An
 * accepted value must keep the promises of moat/validate.h: lengths and
 * ranges within the rule, a URL that starts with http:// or https:// and
 * holds no byte outside printable ASCII, a real date.  A refused value
 * must leave *out zeroed and give a reason that does not quote it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <moat/validate.h>

#include "fuzz.h"

static const char *const choices[] = { "red", "green", "blue", NULL };

static void
check_ok(const struct moat_field *f, const char *raw,
    const struct moat_value_out *o)
{
	size_t len = strlen(raw), i;

	if (!o->present || o->text == NULL)
		abort();
	if (f->type != MOAT_FIELD_ENUM && o->text != raw)
		abort();
	switch (f->type) {
	case MOAT_FIELD_STRING:
		if (len < f->min_len || (f->max_len != 0 && len > f->max_len))
			abort();
		for (i = 0; i < len; i++) {
			unsigned char c = (unsigned char)raw[i];

			if (f->charset != NULL && strchr(f->charset, c) == NULL)
				abort();
			if (c == 0x7f || (c < 0x20 && c != '\t' &&
			    !(f->multiline && (c == '\r' || c == '\n'))))
				abort();
		}
		break;
	case MOAT_FIELD_INT:
	case MOAT_FIELD_UINT:
		if (f->min != 0 || f->max != 0) {
			if (o->i > f->max || (o->i < f->min &&
			    !(f->type == MOAT_FIELD_UINT && o->i >= 0)))
				abort();
		}
		if (f->type == MOAT_FIELD_UINT && o->i < 0)
			abort();
		if (raw[0] == '+' || (raw[0] == '0' && len > 1) ||
		    strcmp(raw, "-0") == 0)
			abort();
		break;
	case MOAT_FIELD_BOOL:
		if (strcmp(raw, o->b ? "true" : "false") != 0 &&
		    strcmp(raw, o->b ? "1" : "0") != 0 &&
		    strcmp(raw, o->b ? "on" : "off") != 0)
			abort();
		break;
	case MOAT_FIELD_ENUM:
		if (o->i < 0 || o->i > 2 || o->text != choices[o->i] ||
		    strcmp(raw, o->text) != 0)
			abort();
		break;
	case MOAT_FIELD_EMAIL:
		if (len > MOAT_EMAIL_MAX || strchr(raw, '@') == NULL ||
		    strchr(raw, '@') != strrchr(raw, '@'))
			abort();
		break;
	case MOAT_FIELD_HOSTNAME:
		if (len > MOAT_HOSTNAME_MAX || raw[len - 1] == '.' ||
		    strspn(raw, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") != len)
			abort();
		break;
	case MOAT_FIELD_PORT:
		if (o->i < 1 || o->i > 65535)
			abort();
		break;
	case MOAT_FIELD_IP:
		if ((o->i != 4 && o->i != 6) || strchr(raw, '%') != NULL)
			abort();
		break;
	case MOAT_FIELD_URL:
		if (len > MOAT_URL_MAX || (strncasecmp(raw, "http://", 7) != 0 &&
		    strncasecmp(raw, "https://", 8) != 0))
			abort();
		for (i = 0; i < len; i++)
			if ((unsigned char)raw[i] <= 0x20 ||
			    (unsigned char)raw[i] >= 0x7f || raw[i] == '\\' ||
			    raw[i] == '<' || raw[i] == '>' || raw[i] == '"')
				abort();
		break;
	case MOAT_FIELD_UUID:
		if (len != 36)
			abort();
		break;
	case MOAT_FIELD_DATE:
		if (len != 10 || o->year < 1 || o->year > 9999 ||
		    o->month < 1 || o->month > 12 || o->day < 1 || o->day > 31)
			abort();
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_field f;
	struct moat_value_out o;
	const char *why;
	char *raw;
	unsigned int sel;
	int rc;

	if (size < 1)
		return 0;
	sel = data[0];
	memset(&f, 0, sizeof(f));
	f.name = "f";
	f.type = (enum moat_field_type)(sel % 12);
	f.required = (sel & 0x80) != 0;
	f.choices = choices;
	switch ((sel >> 4) & 3) {
	case 1:
		f.min_len = 2;
		f.max_len = 8;
		f.min = -100;
		f.max = 100;
		break;
	case 2:
		f.charset = "abcdefghijklmnopqrstuvwxyz0123456789_-";
		f.max_len = 32;
		f.min = 5;
		f.max = 5;
		break;
	case 3:
		f.multiline = true;
		f.min = -1;
		f.max = INT64_MAX;
		break;
	}
	if ((raw = malloc(size)) == NULL)
		return 0;
	memcpy(raw, data + 1, size - 1);
	raw[size - 1] = '\0';

	rc = moat_field_check(&f, raw, &o, &why);
	if (rc == 0) {
		if (why != NULL)
			abort();
		if (raw[0] == '\0') {
			if (f.required || o.present)
				abort();
		} else
			check_ok(&f, raw, &o);
	} else {
		if (rc != -1 || why == NULL || o.present || o.text != NULL ||
		    o.i != 0 || o.b || o.year != 0)
			abort();
		if (strlen(raw) >= 8 && strstr(why, raw) != NULL)
			abort();
	}
	free(raw);
	return 0;
}
