/* tests/unit/check_json.c — what the strict parser accepts and rejects (json-c's gaps closed). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/json.h"
#include "../../common/utf8.h"

static const struct {
	const char *text;
	size_t      len; /* 0 = strlen */
	int         ok;
} cases[] = {
	{"{\"a\":1}", 0, 1},
	{"[1,2,{\"b\":[true,null]}]", 0, 1},
	{"{\"a\":\"x:y\",\"b\":{\"c\":\"{\"}}", 0, 1},
	{"{\"a\":1,\"a\":2}", 0, 0},                 /* duplicate key */
	{"{\"o\":{\"k\":1,\"k\":1}}", 0, 0},         /* duplicate key, nested */
	{"{\"a\":1} x", 0, 0},                       /* trailing bytes */
	{"{\"a\":1", 0, 0},                          /* truncated */
	{"{'a':1}", 0, 0},                           /* single quotes: not JSON */
	{"{\"a\":\"\xc0\xaf\"}", 0, 0},              /* overlong UTF-8 */
	{"{\"a\":\"\xed\xa0\x80\"}", 0, 0},          /* encoded surrogate */
	{"{\"a\":\"x\\u0000y\"}", 0, 0},             /* NUL */
	{"{\"a\":\"\xe2\x82\xac\"}", 0, 1},          /* euro sign */
	{"[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]", 0, 0}, /* depth 18 > 16 */
	{"", 0, 0},
	{"null", 0, 0},
};

START_TEST(test_strict_table)
{
	char err[256] = "";
	size_t len = cases[_i].len ? cases[_i].len : strlen(cases[_i].text);
	struct json_object *o = json_parse_strict(cases[_i].text, len, err, sizeof err);

	ck_assert_msg((o != NULL) == cases[_i].ok, "case %d '%s': %s", _i, cases[_i].text,
	              o ? "accepted" : err);
	json_object_put(o);
}
END_TEST

START_TEST(test_numbers)
{
	char err[128];
	struct json_object *o =
		json_parse_strict("{\"big\":1e400,\"huge\":99999999999999999999,\"ok\":1.5,\"i\":3}", 56,
		                  err, sizeof err);
	double d;
	int64_t i;

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_get_double(o, "big", &d), -1);
	ck_assert_int_eq(json_get_double(o, "huge", &d), -1);
	ck_assert_int_eq(json_get_int64(o, "huge", &i), -1);
	ck_assert_int_eq(json_get_double(o, "ok", &d), 1);
	ck_assert(d == 1.5);
	ck_assert_int_eq(json_get_int64(o, "i", &i), 1);
	ck_assert_int_eq(i, 3);
	ck_assert_int_eq(json_get_double(o, "missing", &d), 0);
	json_object_put(o);
}
END_TEST

START_TEST(test_utf8)
{
	ck_assert(utf8_valid("plain", 5));
	ck_assert(utf8_valid("\xf0\x9f\x98\x80", 4));
	ck_assert(!utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	ck_assert(!utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
	ck_assert(!utf8_valid("\x80", 1));
	ck_assert(!utf8_valid("a\0b", 3));
	ck_assert(!utf8_valid("\xe2\x82", 2)); /* truncated */
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_strict_table, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_utf8);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
