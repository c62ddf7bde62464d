/* tests/fuzz/fuzz_lineproto.c — libFuzzer harness for the line-protocol parser: each input line is
 * parsed with a scratch buffer of exactly its length and no terminating NUL (see README.md). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/lineproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct lp_line *ln = malloc(sizeof *ln);
	int64_t mul, div, us;

	if (ln == NULL)
		return 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = malloc(len ? len : 1), *scratch = malloc(len ? len : 1), err[256];
		int rc;

		memcpy(line, p, len);
		rc = lp_parse_line(line, len, scratch, ln, err, sizeof err);
		if (rc != 1 && rc != 0 && rc != -1)
			abort();
		if (rc == 1 && ln->has_ts && lp_precision("s", &mul, &div) == 0)
			(void)lp_ts_to_us(ln->ts, mul, div, &us);
		free(line);
		free(scratch);
		p += len + (nl != NULL);
	}
	free(ln);
	return 0;
}
