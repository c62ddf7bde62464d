/* common/samplejson.h — a strict streaming parser for the JSON sample API, no json-c tree. */
#ifndef TT_SAMPLEJSON_H
#define TT_SAMPLEJSON_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Why one item is invalid (422). */
struct sample_error {
	long index;
	char field[72]; /* "" = the item itself */
	char reason[192];
};

enum {
	SJ_OK = 0,
	SJ_MALFORMED = -1, /* 400: not JSON as DESIGN.md section 4 defines it; why in err */
	SJ_NOT_BATCH = -2, /* 422: valid JSON, but not {"metrics": [...]} */
	SJ_TOO_MANY = -3,  /* 413: more than max_items items */
	SJ_NOMEM = -4,
};

/* Parses text[0..len) (NUL-terminated at len) as one sample object (batch == 0) or as
 * {"metrics": [sample, ...]} and adds every sample to b, unless an item is invalid: then nothing
 * more is added and the first maxerrs item errors are written to errs, *nerr counting them all.
 * Enforces what json_parse_strict does (RFC 8259 syntax only, strict UTF-8, no NUL, no duplicate
 * keys, depth at most JSON_MAX_DEPTH, no trailing bytes) without building a tree: ~5x faster. */
int samples_json(const char *text, size_t len, int batch, size_t max_items, int64_t now_us,
                 int64_t retention_us, struct batch *b, struct sample_error *errs, int maxerrs,
                 long *nerr, size_t *nitems, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
