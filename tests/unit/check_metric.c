/* tests/unit/check_metric.c — sample validation, names and labels, matchers, bucket math. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/config.h"
#include "../../common/json.h"
#include "../../common/metric.h"

#define NOW   1795318851000000LL /* 2026-11-22T03:40:51Z */
#define RET   (30LL * 86400 * 1000000)

static const struct {
	const char *json;
	int         ok;
	const char *field; /* expected offending field when !ok ("" = the item itself) */
	long long   ts;    /* expected ts when ok (0 = now) */
} samples[] = {
	{"{\"name\":\"cpu_usage\",\"value\":75.5}", 1, NULL, 0},
	{"{\"name\":\"cpu_usage\",\"value\":1,\"labels\":{\"host\":\"a\",\"region\":\"eu\"}}", 1, NULL,
	 0},
	{"{\"name\":\"ns:cpu.total\",\"value\":-3}", 1, NULL, 0},
	{"{\"name\":\"cpu\",\"value\":1,\"source\":\"agent\"}", 1, NULL, 0},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":\"2026-11-22T03:00:00Z\"}", 1, NULL,
	 1795316400000000LL},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":1795316400}", 1, NULL, 1795316400000000LL},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":1795316400000}", 1, NULL, 1795316400000000LL},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":\"1795316400\"}", 1, NULL, 1795316400000000LL},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":null}", 1, NULL, 0},
	{"[1]", 0, "", 0},
	{"{\"value\":1}", 0, "name", 0},
	{"{\"name\":5,\"value\":1}", 0, "name", 0},
	{"{\"name\":\"\",\"value\":1}", 0, "name", 0},
	{"{\"name\":\"9cpu\",\"value\":1}", 0, "name", 0},
	{"{\"name\":\"cpu-usage\",\"value\":1}", 0, "name", 0},
	{"{\"name\":\"cpu\"}", 0, "value", 0},
	{"{\"name\":\"cpu\",\"value\":\"1\"}", 0, "value", 0},
	{"{\"name\":\"cpu\",\"value\":true}", 0, "value", 0},
	{"{\"name\":\"cpu\",\"value\":1e400}", 0, "value", 0},
	{"{\"name\":\"cpu\",\"value\":NaN}", 0, "value", 0},
	{"{\"name\":\"cpu\",\"value\":99999999999999999999999}", 0, "value", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":[]}", 0, "labels", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":{\"host\":1}}", 0, "labels", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":{\"1host\":\"a\"}}", 0, "labels", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":{\"ho-st\":\"a\"}}", 0, "labels", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"labels\":{\"host\":\"\"}}", 0, "labels", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"source\":\"a\",\"labels\":{\"source\":\"b\"}}", 0, "source",
	 0},
	{"{\"name\":\"cpu\",\"value\":1,\"source\":7}", 0, "source", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":\"yesterday\"}", 0, "timestamp", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":\"2026-11-22T03:51:00Z\"}", 0, "timestamp", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":\"2026-10-01T00:00:00Z\"}", 0, "timestamp", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"timestamp\":true}", 0, "timestamp", 0},
	{"{\"name\":\"cpu\",\"value\":1,\"extra\":1}", 0, "extra", 0},
};

START_TEST(test_sample)
{
	char err[128], reason[256];
	struct json_object *o = json_parse_strict(samples[_i].json, strlen(samples[_i].json), err,
	                                          sizeof err);
	struct sample s;
	const char *field = NULL;
	int rc;

	if (o == NULL) { /* NaN is refused by the strict parser already: also a rejection */
		ck_assert_msg(!samples[_i].ok, "%s: %s", samples[_i].json, err);
		return;
	}
	rc = sample_from_json(o, NOW, RET, &s, &field, reason, sizeof reason);
	ck_assert_msg((rc == 0) == samples[_i].ok, "%s: rc %d (%s)", samples[_i].json, rc,
	              rc ? reason : "");
	if (samples[_i].ok) {
		long long want = samples[_i].ts ? samples[_i].ts : NOW;
		ck_assert_msg(s.ts_us == want, "%s: ts %lld", samples[_i].json, (long long)s.ts_us);
	} else {
		ck_assert_str_eq(field ? field : "", samples[_i].field);
		ck_assert(reason[0] != '\0');
	}
	json_object_put(o);
}
END_TEST

START_TEST(test_labels_sorted_and_source)
{
	const char *js =
		"{\"name\":\"m\",\"value\":2,\"source\":\"s\",\"labels\":{\"z\":\"1\",\"a\":\"2\"}}";
	char err[128], reason[256];
	struct json_object *o = json_parse_strict(js, strlen(js), err, sizeof err);
	struct sample s;
	const char *field;

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(sample_from_json(o, NOW, RET, &s, &field, reason, sizeof reason), 0);
	ck_assert_int_eq(s.nlabels, 3);
	ck_assert(strncmp(s.labels[0].k, "a", s.labels[0].klen) == 0);
	ck_assert(strncmp(s.labels[1].k, "source", s.labels[1].klen) == 0);
	ck_assert(strncmp(s.labels[2].k, "z", s.labels[2].klen) == 0);
	ck_assert(s.value == 2.0);
	json_object_put(o);
}
END_TEST

START_TEST(test_too_many_labels)
{
	char js[4096], err[128], reason[256];
	size_t n = 0;
	struct json_object *o;
	struct sample s;
	const char *field;

	n += (size_t)snprintf(js + n, sizeof js - n, "{\"name\":\"m\",\"value\":1,\"labels\":{");
	for (int i = 0; i < 33; i++)
		n += (size_t)snprintf(js + n, sizeof js - n, "%s\"k%d\":\"v\"", i ? "," : "", i);
	snprintf(js + n, sizeof js - n, "}}");
	o = json_parse_strict(js, strlen(js), err, sizeof err);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(sample_from_json(o, NOW, RET, &s, &field, reason, sizeof reason), -1);
	ck_assert_str_eq(field, "labels");
	json_object_put(o);
}
END_TEST

START_TEST(test_name_and_label_limits)
{
	char long_name[202], long_val[258];

	memset(long_name, 'a', sizeof long_name);
	ck_assert(metric_name_valid(long_name, 200));
	ck_assert(!metric_name_valid(long_name, 201));
	ck_assert(label_key_valid(long_name, 64));
	ck_assert(!label_key_valid(long_name, 65));
	memset(long_val, 'v', sizeof long_val);
	ck_assert(label_value_valid(long_val, 256));
	ck_assert(!label_value_valid(long_val, 257));
	ck_assert(!label_value_valid("\xc0\xaf", 2)); /* overlong */
	ck_assert(!label_value_valid("a\0b", 3));
	ck_assert(label_value_valid("h\xc3\xa9llo", 6));
	ck_assert(metric_name_valid(":a.b_c:9", 8));
	ck_assert(!metric_name_valid(".a", 2));
}
END_TEST

static const struct {
	const char *in;
	int         ok;
	int         n;
	const char *key0;
	int         op0;
	const char *val0;
} selectors[] = {
	{"{host=\"a\"}", 1, 1, "host", MATCH_EQ, "a"},
	{"host=\"a\"", 1, 1, "host", MATCH_EQ, "a"},
	{"{ host != \"a\" , region=~\"eu.*\" }", 1, 2, "host", MATCH_NE, "a"},
	{"{region!~\"us-.*\"}", 1, 1, "region", MATCH_NRE, "us-.*"},
	{"{path=\"a\\\"b\\\\c\"}", 1, 1, "path", MATCH_EQ, "a\"b\\c"},
	{"{env=\"\"}", 1, 1, "env", MATCH_EQ, ""},
	{"{}", 1, 0, NULL, 0, NULL},
	{"{host=a}", 0, 0, NULL, 0, NULL},
	{"{host=\"a\"", 0, 0, NULL, 0, NULL},
	{"{host=\"a}", 0, 0, NULL, 0, NULL},
	{"{1host=\"a\"}", 0, 0, NULL, 0, NULL},
	{"{host==\"a\"}", 0, 0, NULL, 0, NULL},
	{"{host=\"a\"} x", 0, 0, NULL, 0, NULL},
	{"{host<\"a\"}", 0, 0, NULL, 0, NULL},
};

START_TEST(test_selector)
{
	struct matcher m[MATCHERS_MAX];
	char err[128];
	int n = 0;
	int rc = matcher_parse_selector(selectors[_i].in, m, &n, MATCHERS_MAX, err, sizeof err);

	ck_assert_msg((rc == 0) == selectors[_i].ok, "'%s': rc %d", selectors[_i].in, rc);
	if (selectors[_i].ok) {
		ck_assert_int_eq(n, selectors[_i].n);
		if (n > 0) {
			ck_assert_str_eq(m[0].key, selectors[_i].key0);
			ck_assert_int_eq(m[0].op, selectors[_i].op0);
			ck_assert_str_eq(m[0].value, selectors[_i].val0);
		}
	}
	matchers_free(m, n);
}
END_TEST

START_TEST(test_label_param)
{
	struct matcher m;

	ck_assert_int_eq(matcher_parse_label("host:web-1", &m), 0);
	ck_assert_str_eq(m.key, "host");
	ck_assert_str_eq(m.value, "web-1");
	ck_assert_int_eq(m.op, MATCH_EQ);
	matchers_free(&m, 1);
	ck_assert_int_eq(matcher_parse_label("url:http://x", &m), 0); /* first colon splits */
	ck_assert_str_eq(m.value, "http://x");
	matchers_free(&m, 1);
	ck_assert_int_eq(matcher_parse_label("host", &m), -1);
	ck_assert_int_eq(matcher_parse_label("host:", &m), -1);
	ck_assert_int_eq(matcher_parse_label(":v", &m), -1);
}
END_TEST

static const struct {
	long long ts, width, floor, ceil;
} buckets[] = {
	{0, 60, 0, 0},
	{59, 60, 0, 60},
	{60, 60, 60, 60},
	{61, 60, 60, 120},
	{-1, 60, -60, 0},
	{-60, 60, -60, -60},
	{-61, 60, -120, -60},
	{1795318851000000LL, 300000000LL, 1795318800000000LL, 1795319100000000LL},
};

START_TEST(test_bucket)
{
	ck_assert(bucket_floor(buckets[_i].ts, buckets[_i].width) == buckets[_i].floor);
	ck_assert(bucket_ceil(buckets[_i].ts, buckets[_i].width) == buckets[_i].ceil);
}
END_TEST

/* bucket= durations as the series route reads them, and where 2026-11-22T03:40:51Z falls. */
static const struct {
	const char *bucket;
	int         ok;
	long long   floor_us;
} bucket_params[] = {
	{"1s", 1, 1795318851000000LL},   {"30s", 1, 1795318830000000LL},
	{"1m", 1, 1795318800000000LL},   {"5m", 1, 1795318800000000LL},
	{"15m", 1, 1795318200000000LL},  {"1h", 1, 1795316400000000LL},
	{"1d", 1, 1795305600000000LL},   {"7d", 1, 1795046400000000LL}, /* epoch-aligned: a Thursday */
	{"90", 1, 1795318830000000LL},   /* bare number = seconds */
	{"5 m", 0, 0},                   {"m", 0, 0}, {"-5m", 0, 0}, {"5w", 0, 0}, {"", 0, 0},
};

START_TEST(test_bucket_param)
{
	long ms = 0;
	int rc = parse_duration_ms(bucket_params[_i].bucket, &ms);

	ck_assert_msg((rc == 0) == bucket_params[_i].ok, "'%s'", bucket_params[_i].bucket);
	if (rc == 0)
		ck_assert_msg(bucket_floor(NOW, (int64_t)ms * 1000) == bucket_params[_i].floor_us,
		              "'%s': %lld", bucket_params[_i].bucket,
		              (long long)bucket_floor(NOW, (int64_t)ms * 1000));
}
END_TEST

START_TEST(test_bucket_count)
{
	ck_assert(bucket_count(0, 3600, 60) == 60);
	ck_assert(bucket_count(30, 3600, 60) == 60);
	ck_assert(bucket_count(30, 3601, 60) == 61);
	ck_assert(bucket_count(0, 1, 60) == 1);
}
END_TEST

START_TEST(test_ts_window)
{
	ck_assert_ptr_null(metric_ts_problem(NOW, NOW, RET));
	ck_assert_ptr_null(metric_ts_problem(NOW + METRIC_FUTURE_US, NOW, RET));
	ck_assert_ptr_nonnull(metric_ts_problem(NOW + METRIC_FUTURE_US + 1, NOW, RET));
	ck_assert_ptr_null(metric_ts_problem(NOW - RET, NOW, RET));
	ck_assert_ptr_nonnull(metric_ts_problem(NOW - RET - 1, NOW, RET));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("metric");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_sample, 0, sizeof samples / sizeof samples[0]);
	tcase_add_test(tc, test_labels_sorted_and_source);
	tcase_add_test(tc, test_too_many_labels);
	tcase_add_test(tc, test_name_and_label_limits);
	tcase_add_loop_test(tc, test_selector, 0, sizeof selectors / sizeof selectors[0]);
	tcase_add_test(tc, test_label_param);
	tcase_add_loop_test(tc, test_bucket, 0, sizeof buckets / sizeof buckets[0]);
	tcase_add_test(tc, test_bucket_count);
	tcase_add_loop_test(tc, test_bucket_param, 0, sizeof bucket_params / sizeof bucket_params[0]);
	tcase_add_test(tc, test_ts_window);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
