/* tests/unit/check_gzip.c — gzip request bodies: round trip, size cap, corrupt and trailing data. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../common/gzip.h"

/* gzip-compresses in into a new buffer. */
static char *
gz(const char *in, size_t len, size_t *outlen)
{
	z_stream zs = {0};
	size_t cap = compressBound((uLong)len) + 64;
	char *out = malloc(cap);

	ck_assert_int_eq(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)(uintptr_t)in;
	zs.avail_in = (unsigned)len;
	zs.next_out = (unsigned char *)out;
	zs.avail_out = (unsigned)cap;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

static const size_t sizes[] = {0, 1, 1000, 100000, 1000000};

START_TEST(test_round_trip)
{
	size_t n = sizes[_i], zlen, outlen;
	char *in = malloc(n + 1), *z, *out;

	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + (i * 7 % 26));
	z = gz(in, n, &zlen);
	ck_assert_int_eq(gunzip(z, zlen, n, &out, &outlen), GUNZIP_OK);
	ck_assert(outlen == n && memcmp(in, out, n) == 0 && out[n] == '\0');
	free(out);
	if (n > 0)
		ck_assert_int_eq(gunzip(z, zlen, n - 1, &out, &outlen), GUNZIP_TOO_LARGE);
	free(z);
	free(in);
}
END_TEST

START_TEST(test_bomb)
{
	size_t n = 64 << 20, zlen, outlen;
	char *in = calloc(1, n), *z, *out = NULL;

	z = gz(in, n, &zlen);
	ck_assert(zlen < n / 500);
	ck_assert_int_eq(gunzip(z, zlen, 8 << 20, &out, &outlen), GUNZIP_TOO_LARGE);
	ck_assert_ptr_null(out);
	free(z);
	free(in);
}
END_TEST

START_TEST(test_bad)
{
	size_t zlen, outlen;
	char *z = gz("hello hello hello", 17, &zlen), *out = NULL, *trail;

	ck_assert_int_eq(gunzip("not gzip at all", 15, 1000, &out, &outlen), GUNZIP_BAD);
	ck_assert_int_eq(gunzip(z, zlen - 4, 1000, &out, &outlen), GUNZIP_BAD); /* truncated */
	ck_assert_int_eq(gunzip(z, 0, 1000, &out, &outlen), GUNZIP_BAD);
	trail = malloc(zlen + 3);
	memcpy(trail, z, zlen);
	memcpy(trail + zlen, "xyz", 3);
	ck_assert_int_eq(gunzip(trail, zlen + 3, 1000, &out, &outlen), GUNZIP_BAD);
	z[zlen - 6] ^= 0x55; /* CRC */
	ck_assert_int_eq(gunzip(z, zlen, 1000, &out, &outlen), GUNZIP_BAD);
	ck_assert_ptr_null(out);
	free(trail);
	free(z);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("gzip");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_round_trip, 0, sizeof sizes / sizeof sizes[0]);
	tcase_add_test(tc, test_bomb);
	tcase_add_test(tc, test_bad);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
