/* common/gzip.c — zlib inflate of request bodies; the size cap is checked while inflating. */
#include "gzip.h"

#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

int
gunzip(const char *in, size_t len, size_t max, char **out, size_t *outlen)
{
	z_stream zs = {0};
	size_t cap = len * 4 + 1024, used = 0;
	char *buf = NULL, *nb;
	int zrc, rc = GUNZIP_BAD;

	*out = NULL;
	*outlen = 0;
	if (len > 0xffffffffu)
		return GUNZIP_TOO_LARGE;
	if (cap > max + 1)
		cap = max + 1;
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return GUNZIP_NOMEM;
	if ((buf = malloc(cap + 1)) == NULL) {
		rc = GUNZIP_NOMEM;
		goto out;
	}
	zs.next_in = (unsigned char *)(uintptr_t)in;
	zs.avail_in = (unsigned)len;
	for (;;) {
		if (used == cap) {
			if (cap > max) {
				rc = GUNZIP_TOO_LARGE;
				goto out;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				rc = GUNZIP_NOMEM;
				goto out;
			}
			buf = nb;
		}
		zs.next_out = (unsigned char *)buf + used;
		zs.avail_out = (unsigned)(cap - used);
		zrc = inflate(&zs, Z_NO_FLUSH);
		used = cap - zs.avail_out;
		if (used > max) {
			rc = GUNZIP_TOO_LARGE;
			goto out;
		}
		if (zrc == Z_STREAM_END)
			break;
		if (zrc == Z_BUF_ERROR && zs.avail_in == 0)
			goto out; /* truncated */
		if (zrc != Z_OK && zrc != Z_BUF_ERROR)
			goto out;
	}
	if (zs.avail_in != 0)
		goto out; /* trailing bytes */
	buf[used] = '\0';
	*out = buf;
	*outlen = used;
	buf = NULL;
	rc = GUNZIP_OK;
out:
	inflateEnd(&zs);
	free(buf);
	return rc;
}
