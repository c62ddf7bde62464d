/* tests/fuzz/fuzz_foundation.c — libFuzzer harness for the foundation's parsers of untrusted text:
 * the strict JSON wrapper, query strings, route patterns against paths, timestamps, durations and
 * config files. The first byte picks the parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/config.h"
#include "../../common/http.h"
#include "../../common/json.h"
#include "../../common/route.h"
#include "../../common/timeutil.h"
#include "../../common/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CONFIG_ERR_MAX];
	struct kv params[REQ_MAX_PARAMS];
	struct json_object *o;
	struct config c;
	struct req rq;
	int64_t us;
	long ms;
	int n;
	char *s;

	if (size < 1)
		return 0;
	s = cstr(data + 1, size - 1);
	switch (data[0] % 6) {
	case 0:
		o = json_parse_strict((const char *)data + 1, size - 1, err, sizeof err);
		/* what the wrapper accepts must be valid UTF-8 JSON json-c can print and re-read */
		if (o != NULL) {
			const char *out = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
			if (!utf8_valid(out, strlen(out)))
				abort();
		}
		json_object_put(o);
		break;
	case 1:
		req_init(&rq);
		(void)!req_parse_query(&rq, s);
		req_free(&rq);
		break;
	case 2:
		if (route_match("/v1/services/{name}/metrics/{kind}", s, params, &n) == 1)
			for (int i = 0; i < n; i++) {
				free(params[i].name);
				free(params[i].value);
			}
		break;
	case 3:
		(void)time_parse(s, &us);
		(void)parse_duration_ms(s, &ms);
		break;
	case 4:
		config_defaults(&c);
		(void)!config_parse_text(&c, "fuzz.conf", s, err, sizeof err);
		config_free(&c);
		break;
	default:
		(void)utf8_valid((const char *)data + 1, size - 1);
		break;
	}
	free(s);
	return 0;
}
