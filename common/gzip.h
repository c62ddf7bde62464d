/* common/gzip.h — inflating gzip request bodies with a hard cap on the decompressed size. */
#ifndef TT_GZIP_H
#define TT_GZIP_H

#include <stddef.h>

enum { GUNZIP_OK = 0, GUNZIP_BAD = -1, GUNZIP_TOO_LARGE = -2, GUNZIP_NOMEM = -3 };

/* Inflates one gzip member of in[0..len) into a new NUL-terminated buffer of at most max bytes.
 * Trailing bytes after the member are GUNZIP_BAD. The caller frees *out. */
int gunzip(const char *in, size_t len, size_t max, char **out, size_t *outlen)
	__attribute__((warn_unused_result));

#endif
