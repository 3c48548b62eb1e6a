/*
 * utf8.h - UTF-8 as RFC 3629 defines it: no overlong forms, no
 * surrogates, nothing past U+10FFFF.
 */
#ifndef MOAT_CORE_UTF8_H
#define MOAT_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The length (1 to 4) of the valid sequence that starts s[0..len), with
 * its code point in *cp; 0 when s[0] starts no valid sequence there (a
 * stray continuation byte, a bad lead, a sequence cut short).  len > 0.
 */
size_t	utf8_sequence(const unsigned char *s, size_t len, uint32_t *cp);

/* True if s[0..len) is valid UTF-8 throughout. */
bool	utf8_valid(const unsigned char *s, size_t len);

/* True if s[0..len) is valid UTF-8 and holds no NUL byte: text. */
bool	text_valid(const char *s, size_t len);

/*
 * The length of the longest prefix of s[0..len) that is at most max bytes
 * and does not end inside a UTF-8 sequence: where to cut text to fit.
 */
size_t	utf8_cut(const char *s, size_t len, size_t max);

#endif
