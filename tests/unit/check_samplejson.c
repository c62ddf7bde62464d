/* tests/unit/check_samplejson.c — the streaming sample parser: strict syntax, item errors, and
 * agreement with the json-c based validator (sample_from_json) on the same inputs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/json.h"
#include "../../common/metric.h"
#include "../../common/samplejson.h"

#define NOW 1795318851000000LL /* 2026-11-22T03:40:51Z */
#define RET (30LL * 86400 * 1000000)

static int
run(const char *text, int batch, struct batch *b, struct sample_error *errs, long *nerr,
    size_t *nitems, char *err)
{
	return samples_json(text, strlen(text), batch, BATCH_MAX_SAMPLES, NOW, RET, b, errs, 100, nerr,
	                    nitems, err, 256);
}

/* One item: ok, or the offending field. both = 1 when sample_from_json must agree. */
static const struct {
	const char *json;
	int         ok;
	const char *field;
	int         both;
} items[] = {
	{"{\"name\":\"cpu_usage\",\"value\":75.5}", 1, NULL, 1},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":{\"host\":\"a\",\"region\":\"eu\"}}", 1, NULL, 1},
	{"{\"name\":\"cpu\",\"value\":-0.5e-3,\"source\":\"agent\","
	 "\"timestamp\":\"2026-11-22T03:00:00Z\"}",
	 1, NULL, 1},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":1795316400000,\"labels\":null}", 1, NULL, 1},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":{\"h\":\"\\u00e9\\ud83d\\ude00\"}}", 1, NULL, 1},
	{"{\"name\":\"cpu\",\"value\":99999999999999999999999}", 1, NULL, 0}, /* json-c clamps */
	{"[1]", 0, "", 1},
	{"7", 0, "", 0},
	{"{\"value\":1}", 0, "name", 1},
	{"{\"name\":null,\"value\":1}", 0, "name", 1},
	{"{\"name\":5,\"value\":1}", 0, "name", 1},
	{"{\"name\":\"9cpu\",\"value\":1}", 0, "name", 1},
	{"{\"name\":\"cpu\"}", 0, "value", 1},
	{"{\"name\":\"cpu\",\"value\":\"1\"}", 0, "value", 1},
	{"{\"name\":\"cpu\",\"value\":true}", 0, "value", 1},
	{"{\"name\":\"cpu\",\"value\":1e400}", 0, "value", 1},
	{"{\"name\":\"cpu\",\"value\":NaN}", 0, "value", 1},
	{"{\"name\":\"cpu\",\"value\":-Infinity}", 0, "value", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":[]}", 0, "labels", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":{\"host\":1}}", 0, "labels", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":{\"1host\":\"a\"}}", 0, "labels", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":{\"host\":\"\"}}", 0, "labels", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"source\":\"a\",\"labels\":{\"source\":\"b\"}}", 0, "source", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"source\":[]}", 0, "source", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":\"yesterday\"}", 0, "timestamp", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":\"2026-11-22T03:51:00Z\"}", 0, "timestamp", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":1}", 0, "timestamp", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":{}}", 0, "timestamp", 1},
	{"{\"name\":\"cpu\",\"value\":1,\"extra\":{\"a\":[1,2]}}", 0, "extra", 1},
};

START_TEST(test_item)
{
	struct sample_error errs[100];
	struct batch b;
	char err[256];
	long nerr;
	size_t n;
	int rc;

	batch_init(&b);
	rc = run(items[_i].json, 0, &b, errs, &nerr, &n, err);
	ck_assert_msg(rc == SJ_OK, "%s: rc %d %s", items[_i].json, rc, err);
	ck_assert_int_eq((int)n, 1);
	ck_assert_msg((nerr == 0) == items[_i].ok, "%s: %ld errors (%s)", items[_i].json, nerr,
	              nerr ? errs[0].reason : "");
	if (items[_i].ok) {
		ck_assert_int_eq((int)b.n, 1);
	} else {
		ck_assert_int_eq((int)b.n, 0);
		ck_assert_str_eq(errs[0].field, items[_i].field);
		ck_assert_int_eq(errs[0].index, 0);
	}
	if (items[_i].both) {
		char perr[128], reason[256];
		struct json_object *o = json_parse_strict(items[_i].json, strlen(items[_i].json), perr,
		                                          sizeof perr);
		struct sample s;
		const char *field = NULL;
		ck_assert_ptr_nonnull(o);
		rc = sample_from_json(o, NOW, RET, &s, &field, reason, sizeof reason);
		ck_assert_msg((rc == 0) == items[_i].ok, "json-c path disagrees on %s", items[_i].json);
		if (rc == 0) {
			struct point *p = &b.pts[0];
			ck_assert(p->value == s.value && p->ts_us == s.ts_us);
		} else {
			ck_assert_str_eq(field ? field : "", items[_i].field);
		}
		json_object_put(o);
	}
	batch_free(&b);
}
END_TEST

/* Bodies json_parse_strict calls malformed are malformed here too (400). */
static const char *const malformed[] = {
	"",
	"   ",
	"{\"metrics\":[",
	"{\"metrics\":[]} x",
	"{\"metrics\":[]}}",
	"{'metrics':[]}",
	"{\"metrics\":[],\"metrics\":[]}",
	"{\"metrics\":[{\"name\":\"a\",\"name\":\"b\",\"value\":1}]}",
	"{\"metrics\":[{\"name\":\"a\",\"value\":1,\"labels\":{\"h\":\"x\",\"h\":\"y\"}}]}",
	"{\"metrics\":[{\"name\":\"a\",\"value\":01}]}",
	"{\"metrics\":[{\"name\":\"a\",\"value\":1.}]}",
	"{\"metrics\":[{\"name\":\"a\",\"value\":+1}]}",
	"{\"metrics\":[{\"name\":\"a\",\"value\":.5}]}",
	"{\"metrics\":[{\"name\":\"a\",\"value\":1,}]}",
	"{\"metrics\":[{\"name\":\"a\",\"value\":1}],}",
	"{\"metrics\":[{\"name\":\"a\" \"value\":1}]}",
	"{\"metrics\":[{\"name\":\"a\x01\",\"value\":1}]}",
	"{\"metrics\":[{\"name\":\"a\\u0000\",\"value\":1}]}",
	"{\"metrics\":[{\"name\":\"\xc0\xaf\",\"value\":1}]}",
	"{\"metrics\":[{\"name\":\"\xed\xa0\x80\",\"value\":1}]}",
	"{\"metrics\":[{\"name\":\"a\\ud800\",\"value\":1}]}",
	"{\"metrics\":[{\"name\":\"a\\x\",\"value\":1}]}",
	"{\"metrics\":[{\"name\":\"a\",\"value\":tru}]}",
	"{\"metrics\":[{\"name\":\"a\",\"value\":1,\"x\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}]}",
	"{\"metrics\":[{\"name\":\"a\",\"value\":1,\"x\":{\"k\":1,\"k\":2}}]}",
	"{\"metrics\" [] }",
	"{\"metrics\":[{\"name\":\"a\",\"value\":1}]",
};

START_TEST(test_malformed)
{
	struct sample_error errs[100];
	struct batch b;
	char err[256] = "";
	long nerr;
	size_t n;
	int rc;

	batch_init(&b);
	rc = run(malformed[_i], 1, &b, errs, &nerr, &n, err);
	ck_assert_msg(rc == SJ_MALFORMED, "'%s': rc %d", malformed[_i], rc);
	ck_assert(err[0] != '\0');
	batch_free(&b);
}
END_TEST

START_TEST(test_batch_shapes)
{
	struct sample_error errs[100];
	struct batch b;
	char err[256];
	long nerr;
	size_t n;

	batch_init(&b);
	ck_assert_int_eq(run("{\"metrics\":{}}", 1, &b, errs, &nerr, &n, err), SJ_NOT_BATCH);
	ck_assert_int_eq(run("[]", 1, &b, errs, &nerr, &n, err), SJ_NOT_BATCH);
	ck_assert_int_eq(run("\"metrics\"", 1, &b, errs, &nerr, &n, err), SJ_NOT_BATCH);
	ck_assert_int_eq(run("{\"other\":1}", 1, &b, errs, &nerr, &n, err), SJ_NOT_BATCH);
	ck_assert_int_eq(run(" {\"metrics\":[]} \n", 1, &b, errs, &nerr, &n, err), SJ_OK);
	ck_assert_int_eq((int)n, 0);
	ck_assert_int_eq(run("{\"x\":[1,{\"y\":null}],\"metrics\":[{\"name\":\"a\",\"value\":1},"
	                     "{\"name\":\"b\",\"value\":2,\"labels\":{\"z\":\"1\",\"a\":\"2\"}}]}",
	                     1, &b, errs, &nerr, &n, err), SJ_OK);
	ck_assert_int_eq((int)n, 2);
	ck_assert_int_eq((int)nerr, 0);
	ck_assert_int_eq((int)b.n, 2);
	/* the canonical key: name, then labels sorted by key */
	ck_assert(b.pts[1].key_len == 10 &&
	          memcmp(b.keys.p + b.pts[1].key_off, "b\0a\0" "2\0z\0" "1\0", 10) == 0);
	batch_free(&b);
}
END_TEST

START_TEST(test_errors_indexed_nothing_added)
{
	struct sample_error errs[100];
	struct batch b;
	char err[256];
	long nerr;
	size_t n;
	const char *text = "{\"metrics\":[{\"name\":\"a\",\"value\":1},{\"name\":\"b\"},"
	                   "{\"name\":\"c\",\"value\":3},{\"value\":4}]}";

	batch_init(&b);
	ck_assert_int_eq(run(text, 1, &b, errs, &nerr, &n, err), SJ_OK);
	ck_assert_int_eq((int)n, 4);
	ck_assert_int_eq((int)nerr, 2);
	ck_assert_int_eq((int)errs[0].index, 1);
	ck_assert_str_eq(errs[0].field, "value");
	ck_assert_int_eq((int)errs[1].index, 3);
	ck_assert_str_eq(errs[1].field, "name");
	batch_free(&b);
}
END_TEST

START_TEST(test_too_many)
{
	struct sample_error errs[100];
	struct batch b;
	char err[256];
	long nerr;
	size_t n;
	const char *text = "{\"metrics\":[{\"name\":\"a\",\"value\":1},{\"name\":\"a\",\"value\":2},"
	                   "{\"name\":\"a\",\"value\":3}]}";

	batch_init(&b);
	ck_assert_int_eq(samples_json(text, strlen(text), 1, 2, NOW, RET, &b, errs, 100, &nerr, &n, err,
	                              sizeof err), SJ_TOO_MANY);
	batch_free(&b);
	batch_init(&b);
	ck_assert_int_eq(samples_json(text, strlen(text), 1, 3, NOW, RET, &b, errs, 100, &nerr, &n, err,
	                              sizeof err), SJ_OK);
	ck_assert_int_eq((int)b.n, 3);
	batch_free(&b);
}
END_TEST

/* Differential mutation test: random edits of valid samples must get the same verdict from the
 * streaming parser and from json_parse_strict + sample_from_json. Two deliberate differences:
 * lone UTF-16 surrogates (json-c turns them into U+FFFD) and numbers like "1." (json-c accepts
 * them; RFC 8259 does not) are malformed for the streaming parser only. */
static unsigned long long rng_state = 88172645463325252ULL;

static unsigned
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)rng_state;
}

START_TEST(test_differential_mutations)
{
	static const char *const seeds[] = {
		"{\"name\":\"cpu_usage\",\"value\":75.5,\"labels\":{\"host\":\"a\",\"region\":\"eu\"},"
		"\"source\":\"x\",\"timestamp\":\"2026-11-22T03:00:00Z\"}",
		"{\"name\":\"cpu\",\"value\":-1e-3,\"timestamp\":1795316400000,"
		"\"labels\":{\"h\":\"\\u00e9\\ud83d\\ude00\"}}",
		"{\"name\":\"m\",\"value\":0,\"labels\":null,\"timestamp\":null}",
	};
	static const char dict[] = "{}[]\",:\\ 0123456789eE.-+tfnuNI\x01\x7f\xc3\xa9\xed\xc0";
	char buf[600], err[256], perr[256], reason[256];

	for (int it = 0; it < 30000; it++) {
		const char *seed = seeds[rng() % 3];
		size_t n = strlen(seed);
		struct sample_error e[4];
		struct batch b;
		struct json_object *o;
		long ne;
		size_t ni;
		int rc, muts = 1 + (int)(rng() % 3);

		memcpy(buf, seed, n);
		for (int m = 0; m < muts; m++) {
			size_t pos = rng() % n, l;
			switch (rng() % 4) {
			case 0: buf[pos] = dict[rng() % (sizeof dict - 1)]; break;
			case 1:
				memmove(buf + pos + 1, buf + pos, n - pos);
				buf[pos] = dict[rng() % (sizeof dict - 1)];
				n++;
				break;
			case 2:
				if (n > 1) {
					memmove(buf + pos, buf + pos + 1, n - pos - 1);
					n--;
				}
				break;
			default:
				l = rng() % 8;
				if (pos + l > n)
					l = n - pos;
				memmove(buf + pos + l, buf + pos, n - pos);
				n += l;
			}
		}
		buf[n] = '\0';
		batch_init(&b);
		rc = samples_json(buf, n, 0, 10, NOW, RET, &b, e, 4, &ne, &ni, err, sizeof err);
		o = json_parse_strict(buf, n, perr, sizeof perr);
		if (o != NULL && rc == SJ_MALFORMED)
			ck_assert_msg(strstr(err, "surrogate") || strstr(err, "invalid number"),
			              "only json-c accepts [%s]: %s", buf, err);
		if (o == NULL)
			ck_assert_msg(rc != SJ_OK, "only the streaming parser accepts [%s]: %s", buf, perr);
		if (o != NULL && rc == SJ_OK) {
			struct sample s;
			const char *field = NULL;
			int ok = sample_from_json(o, NOW, RET, &s, &field, reason, sizeof reason) == 0;
			ck_assert_msg(ok == (ne == 0), "verdicts differ on [%s]: %s / %s", buf,
			              ok ? "" : reason, ne ? e[0].reason : "");
		}
		json_object_put(o);
		batch_free(&b);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("samplejson");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60); /* a hang guard: the mutation test runs longer under sanitizers */
	tcase_add_loop_test(tc, test_item, 0, sizeof items / sizeof items[0]);
	tcase_add_loop_test(tc, test_malformed, 0, sizeof malformed / sizeof malformed[0]);
	tcase_add_test(tc, test_batch_shapes);
	tcase_add_test(tc, test_errors_indexed_nothing_added);
	tcase_add_test(tc, test_too_many);
	tcase_add_test(tc, test_differential_mutations);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
