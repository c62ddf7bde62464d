/* tests/unit/check_stats.c — counters summed over slots and their Prometheus text. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/stats.h"

static const char *names[] = {"/v1", "/v1/metrics/latest/{name}", "/weird\"route\\x"};
static const char *name_of(int i) { return names[i]; }
static const char *method_of(int i) { (void)i; return "GET"; }

static int
count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, prefix)) != NULL; p++)
		if (p == text || p[-1] == '\n')
			n++;
	return n;
}

START_TEST(test_render_sums_slots)
{
	struct stats *st = stats_create();
	struct buf b;

	ck_assert_ptr_nonnull(st);
	stats_request(&st->slot[0], 0, 200, 0.0004);
	stats_request(&st->slot[3], 0, 204, 0.003);
	stats_request(&st->slot[3], 1, 503, 0.7);
	stats_request(&st->slot[9], -1, 404, 5.0);
	stats_request(&st->slot[9], 2, 200, 0.02);
	st->slot[1].cache_hits = 5;
	st->slot[2].cache_hits = 2;
	st->workers_live = 4;
	buf_init(&b);
	stats_render(st, 3, name_of, method_of, &b);
	ck_assert_ptr_nonnull(strstr(b.p, "telltale_http_requests_total{method=\"GET\",route=\"/v1\","
	                                  "code=\"2xx\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "route=\"/v1/metrics/latest/{name}\",code=\"5xx\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "route=\"unmatched\",code=\"4xx\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "route=\"/weird\\\"route\\\\x\""));
	/* cumulative buckets: 0.0004 <= 0.001; 0.003 <= 0.005; 0.02 <= 0.025; 0.7 <= 1; 5 > 2.5 */
	ck_assert_ptr_nonnull(strstr(b.p, "_bucket{le=\"0.001\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "_bucket{le=\"0.005\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "_bucket{le=\"0.025\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "_bucket{le=\"1\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "_bucket{le=\"2.5\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "_bucket{le=\"+Inf\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "telltale_http_request_duration_seconds_count 5\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "telltale_cache_requests_total{result=\"hit\"} 7\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "telltale_workers 4\n"));
	/* every family announced once, before its samples */
	ck_assert_int_eq(count_lines(b.p, "# TYPE telltale_http_requests_total counter"), 1);
	ck_assert_int_eq(count_lines(b.p, "# TYPE telltale_http_request_duration_seconds histogram"), 1);
	ck_assert(b.p[b.len - 1] == '\n');
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_render_sums_slots);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
