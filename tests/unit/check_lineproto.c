/* tests/unit/check_lineproto.c — the Influx line protocol parser: escapes, types, errors, precision. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/lineproto.h"

static const struct {
	const char *in;
	int         rc;          /* 1 point, 0 skipped, -1 error */
	const char *measurement; /* expected, when rc == 1 */
	int         ntags;
	const char *tag0k, *tag0v;
	int         nfields;
	const char *f0k;
	int         f0type;
	double      f0v;
	int         has_ts;
	long long   ts;
} cases[] = {
	{"cpu value=1", 1, "cpu", 0, NULL, NULL, 1, "value", LP_FLOAT, 1, 0, 0},
	{"cpu,host=a,region=eu usage=0.5,idle=99.5 1700000000000000000", 1, "cpu", 2, "host", "a", 2,
	 "usage", LP_FLOAT, 0.5, 1, 1700000000000000000LL},
	{"cpu value=-1.5e3", 1, "cpu", 0, NULL, NULL, 1, "value", LP_FLOAT, -1500, 0, 0},
	{"cpu value=1E+2", 1, "cpu", 0, NULL, NULL, 1, "value", LP_FLOAT, 100, 0, 0},
	{"cpu value=.5", 1, "cpu", 0, NULL, NULL, 1, "value", LP_FLOAT, 0.5, 0, 0},
	{"cpu value=12i", 1, "cpu", 0, NULL, NULL, 1, "value", LP_INT, 12, 0, 0},
	{"cpu value=-12i", 1, "cpu", 0, NULL, NULL, 1, "value", LP_INT, -12, 0, 0},
	{"cpu value=12u", 1, "cpu", 0, NULL, NULL, 1, "value", LP_UINT, 12, 0, 0},
	{"cpu up=t", 1, "cpu", 0, NULL, NULL, 1, "up", LP_BOOL, 1, 0, 0},
	{"cpu up=TRUE", 1, "cpu", 0, NULL, NULL, 1, "up", LP_BOOL, 1, 0, 0},
	{"cpu up=False", 1, "cpu", 0, NULL, NULL, 1, "up", LP_BOOL, 0, 0, 0},
	{"cpu msg=\"hello, world\",v=2", 1, "cpu", 0, NULL, NULL, 2, "msg", LP_STRING, 0, 0, 0},
	{"cpu msg=\"say \\\"hi\\\" \\\\ there\" 5", 1, "cpu", 0, NULL, NULL, 1, "msg", LP_STRING, 0,
	 1, 5},
	{"my\\ cpu\\,x,ta\\ g\\=k=v\\,1\\ 2 f\\=x=1", 1, "my cpu,x", 1, "ta g=k", "v,1 2", 1, "f=x",
	 LP_FLOAT, 1, 0, 0},
	{"cpu\\x value=1", 1, "cpu\\x", 0, NULL, NULL, 1, "value", LP_FLOAT, 1, 0, 0},
	{"cpu value=1 -5", 1, "cpu", 0, NULL, NULL, 1, "value", LP_FLOAT, 1, 1, -5},
	{"cpu value=1 5\r", 1, "cpu", 0, NULL, NULL, 1, "value", LP_FLOAT, 1, 1, 5},
	{"  cpu value=1", 1, "cpu", 0, NULL, NULL, 1, "value", LP_FLOAT, 1, 0, 0},
	{"", 0, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"   ", 0, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"# a comment value=1", 0, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu ", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu,host=a", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu,host= value=1", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu,=a value=1", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu,host value=1", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{",host=a value=1", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=abc", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=NaN", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=Inf", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=-Inf", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=1e400", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=0x10", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=1.5i", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=-1u", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=99999999999999999999i", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=yes", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=1,", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=\"unterminated", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=1 12abc", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=1 1.5", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=1 1 2", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=1 99999999999999999999", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu\\", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu value=1\\", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
	{"cpu,host=a\\ value=1", -1, NULL, 0, NULL, NULL, 0, NULL, 0, 0, 0, 0},
};

START_TEST(test_line)
{
	const char *in = cases[_i].in;
	size_t len = strlen(in);
	char *scratch = malloc(len + 1), err[256] = "";
	struct lp_line *ln = malloc(sizeof *ln);
	int rc = lp_parse_line(in, len, scratch, ln, err, sizeof err);

	ck_assert_msg(rc == cases[_i].rc, "'%s': rc %d (%s)", in, rc, err);
	if (rc == 1) {
		ck_assert_int_eq((int)ln->mlen, (int)strlen(cases[_i].measurement));
		ck_assert(memcmp(ln->measurement, cases[_i].measurement, ln->mlen) == 0);
		ck_assert_int_eq(ln->ntags, cases[_i].ntags);
		if (ln->ntags > 0) {
			ck_assert(ln->tags[0].klen == strlen(cases[_i].tag0k) &&
			          memcmp(ln->tags[0].k, cases[_i].tag0k, ln->tags[0].klen) == 0);
			ck_assert(ln->tags[0].vlen == strlen(cases[_i].tag0v) &&
			          memcmp(ln->tags[0].v, cases[_i].tag0v, ln->tags[0].vlen) == 0);
		}
		ck_assert_int_eq(ln->nfields, cases[_i].nfields);
		ck_assert(ln->fields[0].klen == strlen(cases[_i].f0k) &&
		          memcmp(ln->fields[0].k, cases[_i].f0k, ln->fields[0].klen) == 0);
		ck_assert_int_eq(ln->fields[0].type, cases[_i].f0type);
		ck_assert_msg(ln->fields[0].v == cases[_i].f0v, "'%s': value %g", in, ln->fields[0].v);
		ck_assert_int_eq(ln->has_ts, cases[_i].has_ts);
		if (ln->has_ts)
			ck_assert(ln->ts == cases[_i].ts);
	} else if (rc < 0) {
		ck_assert(err[0] != '\0');
	}
	free(scratch);
	free(ln);
}
END_TEST

static const struct {
	const char *precision;
	int         ok;
	long long   ts, us;
} precisions[] = {
	{NULL, 1, 1700000000123456789LL, 1700000000123456LL},
	{"ns", 1, 1700000000123456789LL, 1700000000123456LL},
	{"n", 1, -1500, -2},
	{"us", 1, 1700000000123456LL, 1700000000123456LL},
	{"u", 1, 5, 5},
	{"ms", 1, 1700000000123LL, 1700000000123000LL},
	{"s", 1, 1700000000LL, 1700000000000000LL},
	{"m", 1, 2, 120000000LL},
	{"h", 1, 1, 3600000000LL},
	{"s", 0, 9223372036854775LL, 0}, /* overflows */
	{"sec", -1, 0, 0},
	{"", -1, 0, 0},
	{"NS", -1, 0, 0},
};

START_TEST(test_precision)
{
	int64_t mul, div, us;
	int rc = lp_precision(precisions[_i].precision, &mul, &div);

	if (precisions[_i].ok < 0) {
		ck_assert_int_eq(rc, -1);
		return;
	}
	ck_assert_int_eq(rc, 0);
	rc = lp_ts_to_us(precisions[_i].ts, mul, div, &us);
	ck_assert_int_eq(rc, precisions[_i].ok ? 0 : -1);
	if (precisions[_i].ok)
		ck_assert_msg(us == precisions[_i].us, "%s: %lld", precisions[_i].precision,
		              (long long)us);
}
END_TEST

/* Random edits of valid lines: the parser must never read or write out of bounds (run under
 * ASan with a scratch buffer of exactly the line's length) and must answer 1, 0 or -1. */
START_TEST(test_mutations_stay_in_bounds)
{
	static const char *const seeds[] = {
		"cpu,host=web\\ 1,region=eu usage=0.25,count=7i,up=true,msg=\"a \\\"b\\\" c\" 1700000000000",
		"m\\,x,t\\=k=v\\ 1 f\\=1=1u,g=-1.5e-3 -5",
		"# comment",
	};
	static const char dict[] = ",= \\\"#0123456789.eEiutf-+\r\t\x00\xff";
	unsigned long long st = 88172645463325252ULL;
	char line[256];

	for (int it = 0; it < 30000; it++) {
		const char *seed;
		size_t n;
		char *copy, *scratch, err[256];
		struct lp_line *ln = malloc(sizeof *ln);
		int rc;

		st ^= st << 13, st ^= st >> 7, st ^= st << 17;
		seed = seeds[st % 3];
		n = strlen(seed);
		memcpy(line, seed, n);
		for (int m = 0; m < 3; m++) {
			size_t pos;
			st ^= st << 13, st ^= st >> 7, st ^= st << 17;
			pos = (size_t)(st % n);
			if (st & 64)
				line[pos] = dict[(st >> 8) % (sizeof dict - 1)];
			else if (n > 1)
				n = pos + 1; /* truncate */
		}
		copy = malloc(n); /* no NUL: the parser must not look past len */
		scratch = malloc(n);
		memcpy(copy, line, n);
		rc = lp_parse_line(copy, n, scratch, ln, err, sizeof err);
		ck_assert(rc == 1 || rc == 0 || rc == -1);
		free(copy);
		free(scratch);
		free(ln);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lineproto");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_line, 0, sizeof cases / sizeof cases[0]);
	tcase_add_loop_test(tc, test_precision, 0, sizeof precisions / sizeof precisions[0]);
	tcase_add_test(tc, test_mutations_stay_in_bounds);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
