/* tests/unit/check_query.c — query-string decoding: percent, plus, repeated keys, bad escapes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/http.h"

START_TEST(test_decode_basic)
{
	struct req rq;
	int pos = 0;

	req_init(&rq);
	ck_assert_int_eq(req_parse_query(&rq, "a=1&b=hello+world&c=%41%42%2b&empty=&flag"), 0);
	ck_assert_str_eq(req_query(&rq, "a"), "1");
	ck_assert_str_eq(req_query(&rq, "b"), "hello world");
	ck_assert_str_eq(req_query(&rq, "c"), "AB+");
	ck_assert_str_eq(req_query(&rq, "empty"), "");
	ck_assert_str_eq(req_query(&rq, "flag"), "");
	ck_assert_ptr_null(req_query(&rq, "missing"));
	(void)pos;
	req_free(&rq);
}
END_TEST

START_TEST(test_repeated_keys)
{
	struct req rq;
	int pos = 0;

	req_init(&rq);
	ck_assert_int_eq(req_parse_query(&rq, "label=host:a&x=1&label=region:eu&&label=%3D"), 0);
	ck_assert_str_eq(req_query_next(&rq, "label", &pos), "host:a");
	ck_assert_str_eq(req_query_next(&rq, "label", &pos), "region:eu");
	ck_assert_str_eq(req_query_next(&rq, "label", &pos), "=");
	ck_assert_ptr_null(req_query_next(&rq, "label", &pos));
	req_free(&rq);
}
END_TEST

START_TEST(test_name_decoding)
{
	struct req rq;

	req_init(&rq);
	ck_assert_int_eq(req_parse_query(&rq, "match%5B%5D=up&a+b=c"), 0);
	ck_assert_str_eq(req_query(&rq, "match[]"), "up");
	ck_assert_str_eq(req_query(&rq, "a b"), "c");
	req_free(&rq);
}
END_TEST

static const char *const bad[] = {"a=%", "a=%4", "a=%zz", "a=%00", "%G0=1", "a=1&b=%x"};

START_TEST(test_bad_escapes)
{
	struct req rq;

	req_init(&rq);
	ck_assert_int_eq(req_parse_query(&rq, bad[_i]), -1);
	req_free(&rq);
}
END_TEST

START_TEST(test_too_many_params)
{
	struct req rq;
	char qs[REQ_MAX_QUERY * 6 + 16] = "";

	for (int i = 0; i <= REQ_MAX_QUERY; i++)
		strcat(qs, "a=1&");
	req_init(&rq);
	ck_assert_int_eq(req_parse_query(&rq, qs), -1);
	req_free(&rq);
}
END_TEST

START_TEST(test_header_lookup)
{
	char *env[] = {"HTTP_AUTHORIZATION=Bearer x", "CONTENT_TYPE=application/json",
	               "HTTP_IDEMPOTENCY_KEY=k1", NULL};
	struct req rq;

	req_init(&rq);
	rq.env = env;
	ck_assert_str_eq(req_header(&rq, "Authorization"), "Bearer x");
	ck_assert_str_eq(req_header(&rq, "content-type"), "application/json");
	ck_assert_str_eq(req_header(&rq, "Idempotency-Key"), "k1");
	ck_assert_ptr_null(req_header(&rq, "X-Missing"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_decode_basic);
	tcase_add_test(tc, test_repeated_keys);
	tcase_add_test(tc, test_name_decoding);
	tcase_add_loop_test(tc, test_bad_escapes, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_too_many_params);
	tcase_add_test(tc, test_header_lookup);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
