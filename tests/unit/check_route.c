/* tests/unit/check_route.c — route matching with {params}, 404/405 and Allow. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/route.h"

static const struct {
	const char *pattern, *path;
	int         match;
	const char *p1, *v1, *p2, *v2;
} cases[] = {
	{"/v1", "/v1", 1, NULL, NULL, NULL, NULL},
	{"/v1", "/v1/", 0, NULL, NULL, NULL, NULL},
	{"/v1", "/v2", 0, NULL, NULL, NULL, NULL},
	{"/v1/admin/keys", "/v1/admin/keys", 1, NULL, NULL, NULL, NULL},
	{"/v1/admin/keys", "/v1/admin/key", 0, NULL, NULL, NULL, NULL},
	{"/v1/admin/keys", "/v1/admin/keysx", 0, NULL, NULL, NULL, NULL},
	{"/v1/admin/keys/{id}", "/v1/admin/keys/abc", 1, "id", "abc", NULL, NULL},
	{"/v1/admin/keys/{id}", "/v1/admin/keys/", 0, NULL, NULL, NULL, NULL},
	{"/v1/admin/keys/{id}", "/v1/admin/keys/a/b", 0, NULL, NULL, NULL, NULL},
	{"/v1/services/{name}/health", "/v1/services/api%20gw/health", 1, "name", "api gw", NULL, NULL},
	{"/v1/services/{name}/health", "/v1/services/a%2Fb/health", 1, "name", "a/b", NULL, NULL},
	{"/v1/x/{a}/y/{b}", "/v1/x/1/y/2", 1, "a", "1", "b", "2"},
	{"/v1/x/{a}/y/{b}", "/v1/x/1/z/2", 0, NULL, NULL, NULL, NULL},
	{"/v1/metrics/latest/{name}", "/v1/metrics/latest/a+b", 1, "name", "a+b", NULL, NULL},
	{"/", "/", 1, NULL, NULL, NULL, NULL},
};

START_TEST(test_match_table)
{
	struct kv params[REQ_MAX_PARAMS];
	int n = -1;
	int m = route_match(cases[_i].pattern, cases[_i].path, params, &n);

	ck_assert_msg(m == cases[_i].match, "%s vs %s: got %d", cases[_i].pattern, cases[_i].path, m);
	if (m != 1)
		return;
	ck_assert_int_eq(n, (cases[_i].p1 != NULL) + (cases[_i].p2 != NULL));
	if (cases[_i].p1) {
		ck_assert_str_eq(params[0].name, cases[_i].p1);
		ck_assert_str_eq(params[0].value, cases[_i].v1);
	}
	if (cases[_i].p2) {
		ck_assert_str_eq(params[1].name, cases[_i].p2);
		ck_assert_str_eq(params[1].value, cases[_i].v2);
	}
	for (int i = 0; i < n; i++) {
		free(params[i].name);
		free(params[i].value);
	}
}
END_TEST

START_TEST(test_bad_escape_in_segment)
{
	struct kv params[REQ_MAX_PARAMS];
	int n;

	ck_assert_int_eq(route_match("/v1/k/{id}", "/v1/k/%zz", params, &n), -1);
	ck_assert_int_eq(route_match("/v1/k/{id}", "/v1/k/%00", params, &n), -1);
	ck_assert_int_eq(route_match("/v1/k/{id}", "/v1/k/%4", params, &n), -1);
}
END_TEST

static int dummy(struct req *rq, struct resp *rs) { (void)rq; (void)rs; return 200; }

static const struct route table[] = {
	{M_GET, "/v1/alerts/rules", SCOPE_READ, dummy},
	{M_POST, "/v1/alerts/rules", SCOPE_ADMIN, dummy},
	{M_GET | M_PUT | M_DELETE, "/v1/alerts/rules/{id}", SCOPE_ADMIN, dummy},
};

static enum route_result
find(const char *path, enum method m, const struct route **r, unsigned *allowed, struct req *rq)
{
	req_init(rq);
	rq->path = strdup(path);
	rq->method = m;
	return route_find(table, 3, rq, r, allowed);
}

START_TEST(test_find_methods)
{
	const struct route *r;
	unsigned allowed;
	struct req rq;
	struct buf b;

	ck_assert_int_eq(find("/v1/alerts/rules", M_POST, &r, &allowed, &rq), ROUTE_FOUND);
	ck_assert_ptr_eq(r, &table[1]);
	req_free(&rq);

	ck_assert_int_eq(find("/v1/alerts/rules/42", M_PUT, &r, &allowed, &rq), ROUTE_FOUND);
	ck_assert_str_eq(req_param(&rq, "id"), "42");
	req_free(&rq);

	ck_assert_int_eq(find("/v1/alerts/rules", M_HEAD, &r, &allowed, &rq), ROUTE_FOUND);
	ck_assert_ptr_eq(r, &table[0]);
	req_free(&rq);

	ck_assert_int_eq(find("/v1/alerts/rules", M_DELETE, &r, &allowed, &rq), ROUTE_BAD_METHOD);
	buf_init(&b);
	route_allow_header(allowed, &b);
	ck_assert_str_eq(b.p, "GET, HEAD, POST");
	buf_free(&b);
	req_free(&rq);

	ck_assert_int_eq(find("/v1/alerts/nope", M_GET, &r, &allowed, &rq), ROUTE_NOT_FOUND);
	req_free(&rq);
	ck_assert_int_eq(find("/v1/alerts/rules/%G1", M_GET, &r, &allowed, &rq), ROUTE_BAD_PATH);
	req_free(&rq);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_match_table, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, test_bad_escape_in_segment);
	tcase_add_test(tc, test_find_methods);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
