/* common/buf.h — a growable byte buffer, the one place that builds text for responses and logs. */
#ifndef TT_BUF_H
#define TT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char  *p;   /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	int    oom; /* sticky: set once an allocation failed; later appends are no-ops */
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
int  buf_reserve(struct buf *b, size_t extra) __attribute__((warn_unused_result));
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends s (len bytes) as a quoted JSON string. Control characters, quotes and backslashes are
 * escaped; bytes that are not valid UTF-8 become U+FFFD so the output is always valid JSON. */
void buf_json_str(struct buf *b, const char *s, size_t len);
/* Takes the buffer's memory; the buffer is left empty. */
char *buf_steal(struct buf *b, size_t *len);

#endif
