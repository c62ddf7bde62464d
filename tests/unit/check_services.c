/* tests/unit/check_services.c — report validation, health classification, the demo generator. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/buf.h"
#include "../../common/json.h"
#include "../../common/pgjson.h"
#include "../../common/services.h"
#include "../../common/services_store.h"
#include "../../common/timeutil.h"

#define NOW 1795318851000000LL /* 2026-11-22T03:40:51Z */

#define GOOD                                                                                       \
	"\"endpoint\":\"/predict\",\"qps\":2.5,\"avg_latency_ms\":120.5,"                          \
	"\"p95_latency_ms\":180.2,\"p99_latency_ms\":250.8,\"error_rate\":0.02,"                   \
	"\"total_requests\":1500"

/* {body, expected return (0 ok, n invalid items, -1 shape, -2 too many), first error field} */
static const struct {
	const char *body;
	int rc;
	const char *field;
} reports[] = {
    {"[{" GOOD "}]", 0, NULL},
    {"{\"reports\":[{" GOOD "},{" GOOD ",\"timestamp\":\"2026-11-22T03:40:00Z\"}]}", 0, NULL},
    {"[{" GOOD ",\"timestamp\":1795318800}]", 0, NULL},
    {"[{" GOOD ",\"timestamp\":1795318800000}]", 0, NULL},
    {"[]", -1, "reports"},
    {"{}", -1, "reports"},
    {"{\"reports\":{}}", -1, "reports"},
    {"\"x\"", -1, "reports"},
    {"[1]", 1, ""},
    {"[{" GOOD "},{" GOOD ",\"error_rate\":1.5}]", 1, "error_rate"},
    {"[{" GOOD ",\"error_rate\":-0.1}]", 1, "error_rate"},
    {"[{" GOOD ",\"error_rate\":1}]", 0, NULL},
    {"[{" GOOD ",\"error_rate\":0}]", 0, NULL},
    {"[{" GOOD ",\"error_rate\":\"0.1\"}]", 1, "error_rate"},
    {"[{" GOOD ",\"qps\":-1}]", 1, "qps"},
    {"[{" GOOD ",\"qps\":1e400}]", 1, "qps"},
    {"[{" GOOD ",\"total_requests\":1.5}]", 1, "total_requests"},
    {"[{" GOOD ",\"total_requests\":-1}]", 1, "total_requests"},
    {"[{" GOOD ",\"total_requests\":99999999999999999999}]", 1, "total_requests"},
    {"[{" GOOD ",\"total_requests\":1500.0}]", 0, NULL},
    {"[{" GOOD ",\"endpoint\":\"\"}]", 1, "endpoint"},
    {"[{" GOOD ",\"endpoint\":\"a\\u0001b\"}]", 1, "endpoint"},
    {"[{" GOOD ",\"endpoint\":7}]", 1, "endpoint"},
    {"[{\"qps\":1,\"avg_latency_ms\":1,\"p95_latency_ms\":1,\"p99_latency_ms\":1,"
     "\"error_rate\":0,\"total_requests\":1}]",
     1, "endpoint"},
    {"[{\"endpoint\":\"/x\"}]", 1, "qps"},
    {"[{" GOOD ",\"p99_latency_ms\":100}]", 1, "p99_latency_ms"},
    {"[{" GOOD ",\"timestamp\":\"yesterday\"}]", 1, "timestamp"},
    /* ten minutes ahead is the limit; one second more is not */
    {"[{" GOOD ",\"timestamp\":\"2026-11-22T03:50:51Z\"}]", 0, NULL},
    {"[{" GOOD ",\"timestamp\":\"2026-11-22T03:50:52Z\"}]", 1, "timestamp"},
    {"[{" GOOD ",\"timestamp\":\"2026-10-23T03:40:51Z\"}]", 0, NULL},
    {"[{" GOOD ",\"timestamp\":\"2026-10-23T03:40:50Z\"}]", 1, "timestamp"},
    {"[{" GOOD "},{\"endpoint\":1},{" GOOD ",\"qps\":null}]", 2, "endpoint"},
};

START_TEST(test_reports)
{
	const char *body = reports[_i].body;
	/* json-c's own parser keeps the last of duplicate keys: "GOOD, field: other" overrides. */
	struct json_object *o = json_tokener_parse(body), *errors;
	struct svc_report *r = NULL;
	size_t n = 99;
	int rc;

	ck_assert_msg(o != NULL, "%s: does not parse", body);
	rc = svc_reports_parse(o, NOW, &r, &n, &errors);
	ck_assert_msg(rc == reports[_i].rc, "%s: rc %d want %d", body, rc, reports[_i].rc);
	if (rc == 0) {
		ck_assert(r != NULL && n > 0 && errors == NULL);
		ck_assert_str_eq(r[0].endpoint, "/predict");
		ck_assert(r[0].total_requests == 1500);
	} else {
		struct json_object *first = json_object_array_get_idx(errors, 0), *f;
		ck_assert(r == NULL && n == 0);
		ck_assert(json_object_object_get_ex(first, "field", &f));
		ck_assert_msg(strcmp(json_object_get_string(f), reports[_i].field) == 0,
		              "%s: field %s", body, json_object_get_string(f));
		ck_assert(json_object_object_get_ex(first, "index", &f));
		ck_assert(json_object_object_get_ex(first, "reason", &f));
		json_object_put(errors);
	}
	free(r);
	json_object_put(o);
}
END_TEST

START_TEST(test_reports_index_and_limits)
{
	struct json_object *arr = json_object_new_array(), *errors, *e, *v;
	struct svc_report *r;
	size_t n;
	char err[64];

	/* 150 bad items: 150 invalid, the first 100 listed, with their indexes */
	for (int i = 0; i < 150; i++)
		json_object_array_add(arr, json_object_new_int(i));
	ck_assert_int_eq(svc_reports_parse(arr, NOW, &r, &n, &errors), 150);
	ck_assert_int_eq((int)json_object_array_length(errors), SVC_ERRORS_SHOWN);
	e = json_object_array_get_idx(errors, 99);
	ck_assert(json_object_object_get_ex(e, "index", &v) && json_object_get_int(v) == 99);
	json_object_put(errors);
	json_object_put(arr);
	/* 10,000 is allowed, 10,001 is not */
	arr = json_object_new_array();
	for (int i = 0; i < SVC_REPORTS_MAX; i++)
		json_object_array_add(
		    arr, json_parse_strict("{" GOOD "}", strlen("{" GOOD "}"), err, sizeof err));
	ck_assert_int_eq(svc_reports_parse(arr, NOW, &r, &n, &errors), 0);
	ck_assert(n == SVC_REPORTS_MAX);
	free(r);
	json_object_array_add(arr, json_object_new_object());
	ck_assert_int_eq(svc_reports_parse(arr, NOW, &r, &n, &errors), -2);
	json_object_put(arr);
}
END_TEST

START_TEST(test_names)
{
	ck_assert(svc_name_valid("model-api-v1"));
	ck_assert(svc_name_valid("a.b_c:d"));
	ck_assert(!svc_name_valid(""));
	ck_assert(!svc_name_valid("-x"));
	ck_assert(!svc_name_valid("a b"));
	ck_assert(!svc_name_valid("a/b"));
	ck_assert(svc_endpoint_valid("/v1/predict?x=1", 15));
	ck_assert(!svc_endpoint_valid("\xc0\xaf", 2));
}
END_TEST

/* Health: {reports, last_seen (s before NOW; -1 never), requests, error rate, latency, want} */
static const struct {
	long reports;
	long ago_s;
	double requests, error_rate, latency;
	const char *want;
	int nreasons;
} health[] = {
    {0, -1, 0, 0, 0, "unknown", 1},         /* never reported */
    {0, 400, 0, 0, 0, "unknown", 1},        /* stale: nothing in the window */
    {3, 300, 100, 0.01, 100, "healthy", 0}, /* exactly at the freshness limit */
    {3, 301, 100, 0.01, 100, "unknown", 1}, /* one second past it */
    {3, 10, 100, 0.05, 2000, "healthy", 0}, /* exactly at both thresholds */
    {3, 10, 100, 0.0501, 2000, "degraded", 1},
    {3, 10, 100, 0.05, 2000.5, "degraded", 1},
    {3, 10, 100, 0.10, 100, "degraded", 1}, /* exactly 2x: still degraded */
    {3, 10, 100, 0.1001, 100, "unhealthy", 1},
    {3, 10, 100, 0.01, 4000, "degraded", 1},
    {3, 10, 100, 0.01, 4001, "unhealthy", 1},
    {3, 10, 100, 0.06, 2100, "unhealthy", 2}, /* both exceeded */
    {3, 10, 0, 0, 0, "healthy", 0},           /* fresh reports without traffic */
    {3, 0, 100, 1, 0, "unhealthy", 1},
};

START_TEST(test_health)
{
	struct svc_thresholds t = SVC_THRESHOLDS_DEFAULT;
	struct svc_window w = {health[_i].reports,
	                       health[_i].ago_s < 0 ? 0 : NOW - health[_i].ago_s * US_PER_SEC,
	                       health[_i].requests, health[_i].error_rate, health[_i].latency};
	struct svc_verdict v;

	svc_classify(&w, &t, NOW, &v);
	ck_assert_msg(strcmp(svc_health_name(v.health), health[_i].want) == 0,
	              "case %d: %s want %s", _i, svc_health_name(v.health), health[_i].want);
	ck_assert_int_eq(v.nreasons, health[_i].nreasons);
	for (int i = 0; i < v.nreasons; i++)
		ck_assert(strlen(v.reasons[i]) > 10);
}
END_TEST

START_TEST(test_health_custom_thresholds)
{
	struct svc_thresholds t = {60, 0.2, 50};
	struct svc_window w = {1, NOW - 61 * US_PER_SEC, 10, 0.1, 10};
	struct svc_verdict v;

	svc_classify(&w, &t, NOW, &v);
	ck_assert_str_eq(svc_health_name(v.health), "unknown");
	w.last_seen_us = NOW - 60 * US_PER_SEC;
	svc_classify(&w, &t, NOW, &v);
	ck_assert_str_eq(svc_health_name(v.health), "healthy");
	w.avg_latency_ms = 60;
	svc_classify(&w, &t, NOW, &v);
	ck_assert_str_eq(svc_health_name(v.health), "degraded");
	ck_assert(strstr(v.reasons[0], "latency") != NULL);
}
END_TEST

START_TEST(test_demo_deterministic)
{
	struct svc_report a, b;
	int64_t m = 1795318800000000LL;

	for (int s = 0; s < svc_demo_nservices; s++)
		for (int e = 0; e < svc_demo_services[s].nendpoints; e++) {
			svc_demo_report(s, e, m, &a);
			svc_demo_report(s, e, m, &b);
			ck_assert(memcmp(&a, &b, sizeof a) == 0);
			ck_assert(a.ts_us == m && a.total_requests >= 0);
			ck_assert(a.error_rate >= 0 && a.error_rate <= 1);
			ck_assert(a.p99_latency_ms >= a.p95_latency_ms && a.qps >= 0);
			ck_assert(svc_endpoint_valid(a.endpoint, strlen(a.endpoint)));
		}
	svc_demo_report(0, 0, m + 60000000, &b);
	ck_assert(a.qps != b.qps || a.avg_latency_ms != b.avg_latency_ms);
}
END_TEST

START_TEST(test_pg_text_array)
{
	const char *items[] = {"/a", "say \"hi\"", "back\\slash", "{x,y}", "NULL", ""};
	struct buf b;

	buf_init(&b);
	svc_pg_text_array(&b, items, 6);
	ck_assert_str_eq(b.p, "{\"/a\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"{x,y}\",\"NULL\",\"\"}");
	buf_reset(&b);
	svc_pg_text_array(&b, items, 0);
	ck_assert_str_eq(b.p, "{}");
	buf_free(&b);
}
END_TEST

/* PostgreSQL's timestamptz text in any TimeZone setting (ISO DateStyle) */
static const struct {
	const char *in;
	int         ok;
	long long   us;
} pgts[] = {
	{"2026-11-22 03:40:51+00", 1, 1795318851000000LL},
	{"2026-11-22 03:40:51.5+00", 1, 1795318851500000LL},
	{"2026-11-22 09:10:51.123456+05:30", 1, 1795318851123456LL},
	{"2026-11-21 19:40:51-08", 1, 1795318851000000LL},
	{"2026-11-22T03:40:51+00:00", 1, 1795318851000000LL},
	{"2026-11-22 03:40:51", 0, 0},
	{"1850-01-01 00:00:00+00:53:28", 0, 0},
	{"garbage", 0, 0},
};

START_TEST(test_pg_timestamp)
{
	int64_t us = -1;
	int rc = pg_timestamp_us(pgts[_i].in, &us);

	ck_assert_msg((rc == 0) == pgts[_i].ok, "%s: rc %d", pgts[_i].in, rc);
	if (pgts[_i].ok)
		ck_assert_msg(us == pgts[_i].us, "%s: %lld", pgts[_i].in, (long long)us);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("services");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_reports, 0, sizeof reports / sizeof reports[0]);
	tcase_add_test(tc, test_reports_index_and_limits);
	tcase_add_test(tc, test_names);
	tcase_add_loop_test(tc, test_health, 0, sizeof health / sizeof health[0]);
	tcase_add_test(tc, test_health_custom_thresholds);
	tcase_add_test(tc, test_demo_deterministic);
	tcase_add_test(tc, test_pg_text_array);
	tcase_add_loop_test(tc, test_pg_timestamp, 0, sizeof pgts / sizeof pgts[0]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
