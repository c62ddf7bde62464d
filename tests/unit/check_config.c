/* tests/unit/check_config.c — config parsing: values, errors with line numbers, env overrides. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/config.h"

START_TEST(test_defaults)
{
	struct config c;

	config_defaults(&c);
	ck_assert_int_eq(c.body_max, 8L << 20);
	ck_assert_int_eq(c.listen_mode, 0660);
	ck_assert_int_eq(c.retry_after_s, 5);
	ck_assert_int_eq(c.redis_timeout_ms, 500);
	ck_assert_str_eq(c.log_level, "info");
	config_free(&c);
}
END_TEST

START_TEST(test_parse_values)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";
	const char *text = "# comment\n"
	                   "\n"
	                   "workers = 3\n"
	                   "  pg_dsn = \"host=/tmp dbname=x\"  \n"
	                   "body_max=64k\n"
	                   "redis_timeout = 2s\n"
	                   "retry_after = 30s\n"
	                   "listen_mode = 0600\n"
	                   "log_level = warn\n";

	config_defaults(&c);
	ck_assert_msg(config_parse_text(&c, "t.conf", text, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(c.workers, 3);
	ck_assert_str_eq(c.pg_dsn, "host=/tmp dbname=x");
	ck_assert_int_eq(c.body_max, 65536);
	ck_assert_int_eq(c.redis_timeout_ms, 2000);
	ck_assert_int_eq(c.retry_after_s, 30);
	ck_assert_int_eq(c.listen_mode, 0600);
	ck_assert_str_eq(c.log_level, "warn");
	config_free(&c);
}
END_TEST

static const struct {
	const char *text, *expect;
} errors[] = {
	{"workers = 2\nbogus = 1\n", "t.conf:2: unknown key 'bogus'"},
	{"\n\nworkers = many\n", "t.conf:3: bad value for workers"},
	{"workers = -1\n", "t.conf:1: bad value for workers"},
	{"workers = 9999\n", "t.conf:1: bad value for workers"},
	{"body_max = 12q\n", "t.conf:1: bad value for body_max"},
	{"redis_timeout = 5 s\n", "t.conf:1: bad value for redis_timeout"},
	{"log_level = loud\n", "t.conf:1: bad value for log_level"},
	{"listen_mode = 0999\n", "t.conf:1: bad value for listen_mode"},
	{"# ok\njust words\n", "t.conf:2: expected 'key = value'"},
	{"workers = 2x\n", "t.conf:1: bad value for workers"},
};

START_TEST(test_errors)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";

	config_defaults(&c);
	ck_assert_int_eq(config_parse_text(&c, "t.conf", errors[_i].text, err, sizeof err), -1);
	ck_assert_msg(strncmp(err, errors[_i].expect, strlen(errors[_i].expect)) == 0,
	              "got '%s', want prefix '%s'", err, errors[_i].expect);
	config_free(&c);
}
END_TEST

START_TEST(test_env_override)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";

	setenv("TELLTALE_WORKERS", "5", 1);
	setenv("TELLTALE_URL", "https://ignored.example", 1); /* client setting, not a key */
	ck_assert_msg(config_load(&c, NULL, err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(c.workers, 5);
	config_free(&c);
	setenv("TELLTALE_WORKERS", "lots", 1);
	ck_assert_int_eq(config_load(&c, NULL, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "TELLTALE_WORKERS"));
	unsetenv("TELLTALE_WORKERS");
}
END_TEST

START_TEST(test_value_parsers)
{
	long v;

	ck_assert_int_eq(parse_duration_ms("250ms", &v), 0);
	ck_assert_int_eq(v, 250);
	ck_assert_int_eq(parse_duration_ms("7d", &v), 0);
	ck_assert_int_eq(v, 7L * 86400000);
	ck_assert_int_eq(parse_duration_ms("10", &v), 0);
	ck_assert_int_eq(v, 10000);
	ck_assert_int_eq(parse_duration_ms("-5s", &v), -1);
	ck_assert_int_eq(parse_duration_ms("5w", &v), -1);
	ck_assert_int_eq(parse_duration_ms("", &v), -1);
	ck_assert_int_eq(parse_size("1g", &v), 0);
	ck_assert_int_eq(v, 1L << 30);
	ck_assert_int_eq(parse_long("12", 0, 10, &v), -1);
	ck_assert_int_eq(parse_long(" 1", 0, 10, &v), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_parse_values);
	tcase_add_loop_test(tc, test_errors, 0, sizeof errors / sizeof errors[0]);
	tcase_add_test(tc, test_env_override);
	tcase_add_test(tc, test_value_parsers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
