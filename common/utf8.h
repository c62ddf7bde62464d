/* common/utf8.h — strict UTF-8 validation (RFC 3629), because json-c's own check lets overlongs through. */
#ifndef TT_UTF8_H
#define TT_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is invalid: overlong forms,
 * surrogates, code points above U+10FFFF and truncated sequences are all invalid. */
size_t utf8_seq_len(const unsigned char *s, size_t avail);
/* 1 when all len bytes are valid UTF-8 and contain no NUL, else 0. */
int utf8_valid(const char *s, size_t len);

struct buf;
/* Appends s to out with every invalid byte (and NUL) replaced by U+FFFD: text from outside that
 * goes into a JSON document json-c will write as it is. */
void utf8_sanitize(struct buf *out, const char *s, size_t len);

#endif
