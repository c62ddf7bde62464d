/* tests/unit/check_problem.c — RFC 9457 problem+json rendering and response headers. */
#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/http.h"
#include "../../common/json.h"

static struct json_object *
parsed_body(struct resp *rs)
{
	char err[128];
	struct json_object *o = json_parse_strict(rs->body.p, rs->body.len - 1 /* newline */, err,
	                                          sizeof err);
	ck_assert_msg(o != NULL, "body is not strict JSON: %s", err);
	return o;
}

START_TEST(test_problem_fields)
{
	struct resp rs;
	struct json_object *o;
	const char *s;

	resp_init(&rs);
	rs.instance = "/v1/admin/keys";
	rs.request_id = "abc-1";
	ck_assert_int_eq(resp_problem(&rs, 403, "forbidden", "needs the %s scope", "admin"), 403);
	ck_assert_str_eq(rs.content_type, "application/problem+json");
	ck_assert_int_eq(rs.status, 403);
	o = parsed_body(&rs);
	ck_assert_int_eq(json_get_string(o, "type", &s, NULL), 1);
	ck_assert_str_eq(s, "/problems/forbidden");
	ck_assert_int_eq(json_get_string(o, "title", &s, NULL), 1);
	ck_assert_str_eq(s, "Forbidden");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "status")), 403);
	ck_assert_int_eq(json_get_string(o, "detail", &s, NULL), 1);
	ck_assert_str_eq(s, "needs the admin scope");
	ck_assert_int_eq(json_get_string(o, "instance", &s, NULL), 1);
	ck_assert_str_eq(s, "/v1/admin/keys");
	ck_assert_int_eq(json_get_string(o, "request_id", &s, NULL), 1);
	ck_assert_str_eq(s, "abc-1");
	json_object_put(o);
	resp_free(&rs);
}
END_TEST

START_TEST(test_problem_escapes_detail)
{
	struct resp rs;
	struct json_object *o;
	const char *s;

	resp_init(&rs);
	resp_problem(&rs, 400, "bad", "quote \" backslash \\ newline \n bad utf8 \xc0\xaf end");
	o = parsed_body(&rs);
	ck_assert_int_eq(json_get_string(o, "detail", &s, NULL), 1);
	ck_assert_ptr_nonnull(strstr(s, "quote \" backslash \\ newline \n"));
	json_object_put(o);
	resp_free(&rs);
}
END_TEST

START_TEST(test_problem_extension_members)
{
	struct resp rs;
	struct json_object *o, *extra = json_object_new_object(), *errs = json_object_new_array();
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "index", json_object_new_int(7));
	json_object_object_add(e, "reason", json_object_new_string("value is not finite"));
	json_object_array_add(errs, e);
	json_object_object_add(extra, "errors", errs);
	resp_init(&rs);
	resp_problem_ext(&rs, 422, "invalid-samples", extra, "%d samples are invalid", 1);
	o = parsed_body(&rs);
	errs = json_object_object_get(o, "errors");
	ck_assert_int_eq(json_object_array_length(errs), 1);
	ck_assert_int_eq(json_object_get_int(
	                     json_object_object_get(json_object_array_get_idx(errs, 0), "index")),
	                 7);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "title")),
	                 "Unprocessable Content");
	json_object_put(o);
	resp_free(&rs);
}
END_TEST

START_TEST(test_header_crlf_stripped)
{
	struct resp rs;

	resp_init(&rs);
	resp_header(&rs, "Location", "/v1/x\r\nSet-Cookie: evil");
	ck_assert_str_eq(rs.headers.p, "Location: /v1/x  Set-Cookie: evil\r\n");
	resp_free(&rs);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("problem");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_problem_fields);
	tcase_add_test(tc, test_problem_escapes_detail);
	tcase_add_test(tc, test_problem_extension_members);
	tcase_add_test(tc, test_header_crlf_stripped);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
