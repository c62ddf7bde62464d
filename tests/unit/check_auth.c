/* tests/unit/check_auth.c — key generation, hashing, constant-time compare, scopes, Bearer. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/auth.h"
#include "../../common/http.h"

START_TEST(test_generate_shape)
{
	char a[APIKEY_LEN + 1], b[APIKEY_LEN + 1];

	ck_assert_int_eq(apikey_generate(a), 0);
	ck_assert_int_eq(apikey_generate(b), 0);
	ck_assert_int_eq(strlen(a), 35);
	ck_assert(strncmp(a, "tt_", 3) == 0);
	ck_assert(apikey_well_formed(a, strlen(a)));
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_generate_alphabet_is_used)
{
	/* 200 keys x 32 chars: every one of the 62 symbols should appear; a biased or
	 * truncated alphabet would not. */
	int seen[256] = {0}, distinct = 0;
	char k[APIKEY_LEN + 1];

	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(apikey_generate(k), 0);
		for (int j = 3; j < APIKEY_LEN; j++)
			seen[(unsigned char)k[j]]++;
	}
	for (int i = 0; i < 256; i++)
		distinct += seen[i] > 0;
	ck_assert_int_eq(distinct, 62);
}
END_TEST

START_TEST(test_well_formed)
{
	ck_assert(!apikey_well_formed("tt_short", 8));
	ck_assert(!apikey_well_formed("xx_0123456789abcdefghijABCDEFGHIJ01", 35));
	ck_assert(!apikey_well_formed("tt_0123456789abcdefghijABCDEFGHIJ0-", 35));
	ck_assert(apikey_well_formed("tt_0123456789abcdefghijABCDEFGHIJ01", 35));
}
END_TEST

START_TEST(test_hash_known_vector)
{
	unsigned char h[APIKEY_HASH_LEN], h2[APIKEY_HASH_LEN];
	char hex[67];

	/* SHA-256("abc") */
	ck_assert_int_eq(apikey_hash("abc", 3, h), 0);
	apikey_hash_bytea(h, hex);
	ck_assert_str_eq(hex, "\\xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(apikey_hash("abc", 3, h2), 0);
	ck_assert(apikey_hash_equal(h, h2));
	h2[31] ^= 1;
	ck_assert(!apikey_hash_equal(h, h2));
	h2[31] ^= 1;
	h2[0] ^= 0x80;
	ck_assert(!apikey_hash_equal(h, h2));
}
END_TEST

START_TEST(test_scopes)
{
	unsigned s;
	char arr[32];

	ck_assert_int_eq(scopes_parse("read,write", &s), 0);
	ck_assert_uint_eq(s, SCOPE_READ | SCOPE_WRITE);
	ck_assert_int_eq(scopes_parse("admin", &s), 0);
	ck_assert_uint_eq(s, SCOPE_ADMIN);
	ck_assert_int_eq(scopes_parse("read,root", &s), -1);
	ck_assert_int_eq(scopes_parse("", &s), -1);
	ck_assert_int_eq(scopes_parse("readwrite", &s), -1);
	scopes_pg_array(SCOPE_READ | SCOPE_ADMIN, arr, sizeof arr);
	ck_assert_str_eq(arr, "{read,admin}");
	ck_assert_int_eq(scopes_from_pg("{write,admin}", &s), 0);
	ck_assert_uint_eq(s, SCOPE_WRITE | SCOPE_ADMIN);
	ck_assert(scopes_allow(SCOPE_READ, SCOPE_READ));
	ck_assert(!scopes_allow(SCOPE_READ, SCOPE_ADMIN));
	ck_assert(!scopes_allow(SCOPE_WRITE, SCOPE_READ));
	ck_assert(scopes_allow(SCOPE_ADMIN, SCOPE_WRITE));
	ck_assert(scopes_allow(0, SCOPE_PUBLIC));
}
END_TEST

START_TEST(test_bearer)
{
	ck_assert_str_eq(auth_bearer("Bearer tt_x"), "tt_x");
	ck_assert_str_eq(auth_bearer("bearer   tt_x"), "tt_x");
	ck_assert_ptr_null(auth_bearer("Basic dXNlcg=="));
	ck_assert_ptr_null(auth_bearer("Bearer "));
	ck_assert_ptr_null(auth_bearer(NULL));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_generate_shape);
	tcase_add_test(tc, test_generate_alphabet_is_used);
	tcase_add_test(tc, test_well_formed);
	tcase_add_test(tc, test_hash_known_vector);
	tcase_add_test(tc, test_scopes);
	tcase_add_test(tc, test_bearer);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
