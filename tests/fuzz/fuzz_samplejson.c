/* tests/fuzz/fuzz_samplejson.c — libFuzzer harness for the streaming JSON sample parser.
 * Build and run (see tests/fuzz/README.md):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. $(pg_config --includedir |
 *     sed 's/^/-I/') tests/fuzz/fuzz_samplejson.c common/*.c -ljson-c -lcrypto -lz -lpq -lhiredis -lm
 * Besides crashes it checks one property: a body json_parse_strict refuses never gets samples
 * stored (422 for a valid-JSON-but-not-a-sample body is fine). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/json.h"
#include "../../common/samplejson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[256], perr[256];
	struct sample_error errs[8];
	struct json_object *o;
	struct batch b;
	size_t n;
	long nerr;
	int rc;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (int batch = 0; batch < 2; batch++) {
		batch_init(&b);
		rc = samples_json(text, size, batch, 100, 1795318851000000LL, 30LL * 86400 * 1000000, &b,
		                  errs, 8, &nerr, &n, err, sizeof err);
		o = json_parse_strict(text, size, perr, sizeof perr);
		if (o == NULL && rc == SJ_OK && nerr == 0 && b.n > 0)
			abort(); /* stores what the strict json-c path calls malformed */
		json_object_put(o);
		batch_free(&b);
	}
	free(text);
	return 0;
}
