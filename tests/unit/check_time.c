/* tests/unit/check_time.c — timestamp parsing (RFC 3339, Unix s/ms) and formatting. */
#include <check.h>
#include <stdlib.h>

#include "../../common/timeutil.h"

static const struct {
	const char *in;
	int         ok;
	long long   us;
} cases[] = {
	{"1970-01-01T00:00:00Z", 1, 0},
	{"2026-11-22T03:40:51Z", 1, 1795318851000000LL},
	{"2026-11-22T03:40:51.5Z", 1, 1795318851500000LL},
	{"2026-11-22T03:40:51.123456789Z", 1, 1795318851123456LL},
	{"2026-11-22T05:40:51+02:00", 1, 1795318851000000LL},
	{"2026-11-22T01:40:51-02:00", 1, 1795318851000000LL},
	{"2024-02-29T00:00:00Z", 1, 1709164800000000LL},
	{"2023-02-29T00:00:00Z", 0, 0},
	{"2026-13-01T00:00:00Z", 0, 0},
	{"2026-11-22T24:00:00Z", 0, 0},
	{"2026-11-22T03:40:51", 0, 0},    /* no offset */
	{"2026-11-22T03:40:51.Z", 0, 0},  /* empty fraction */
	{"2026-11-22T03:40:51Zjunk", 0, 0},
	{"1795318851", 1, 1795318851000000LL},
	{"1795318851.25", 1, 1795318851250000LL},
	{"1795318851000", 1, 1795318851000000LL}, /* milliseconds */
	{"", 0, 0},
	{"now", 0, 0},
	{"12abc", 0, 0},
	{"1e400", 0, 0},
};

START_TEST(test_parse)
{
	int64_t us = -1;
	int rc = time_parse(cases[_i].in, &us);

	ck_assert_msg((rc == 0) == cases[_i].ok, "'%s': rc %d", cases[_i].in, rc);
	if (cases[_i].ok)
		ck_assert_msg(us == cases[_i].us, "'%s': got %lld want %lld", cases[_i].in,
		              (long long)us, cases[_i].us);
}
END_TEST

START_TEST(test_format_round_trip)
{
	char out[32];
	int64_t back;

	time_format(1795318851123456LL, out);
	ck_assert_str_eq(out, "2026-11-22T03:40:51.123456Z");
	ck_assert_int_eq(time_parse(out, &back), 0);
	ck_assert(back == 1795318851123456LL);
	time_format(0, out);
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
	time_format(-1, out);
	ck_assert_str_eq(out, "1969-12-31T23:59:59.999999Z");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_parse, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, test_format_round_trip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
