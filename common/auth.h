/* common/auth.h — API key format, generation, hashing, constant-time comparison and scopes. */
#ifndef TT_AUTH_H
#define TT_AUTH_H

#include <stddef.h>

#define APIKEY_PREFIX   "tt_"
#define APIKEY_RANDOM   32
#define APIKEY_LEN      (3 + APIKEY_RANDOM) /* 35 */
#define APIKEY_HASH_LEN 32                  /* SHA-256 */

/* Writes a new key ("tt_" + 32 base62 characters from the OpenSSL CSPRNG) and its NUL into out. */
int  apikey_generate(char out[APIKEY_LEN + 1]) __attribute__((warn_unused_result));
/* 1 when key has the shape of a telltale key. */
int  apikey_well_formed(const char *key, size_t len);
int  apikey_hash(const char *key, size_t len, unsigned char out[APIKEY_HASH_LEN])
	__attribute__((warn_unused_result));
/* Constant-time equality of two hashes. */
int  apikey_hash_equal(const unsigned char *a, const unsigned char *b);
/* Lower-case hex of a hash, as "\\x..." for a bytea parameter: out needs 2 + 64 + 1 bytes. */
void apikey_hash_bytea(const unsigned char h[APIKEY_HASH_LEN], char out[67]);
/* The token of an "Authorization: Bearer <token>" header, or NULL. */
const char *auth_bearer(const char *header);

/* "read,write" -> SCOPE_READ|SCOPE_WRITE; -1 on an unknown or empty scope. */
int  scopes_parse(const char *s, unsigned *out);
/* "{read,write}" as a PostgreSQL text[] literal; out needs 32 bytes. */
void scopes_pg_array(unsigned scopes, char *out, size_t outlen);
/* Parses PostgreSQL's text[] output ("{read,admin}"). */
int  scopes_from_pg(const char *arr, unsigned *out);
/* 1 when a key with `have` may use a route that needs `need` (admin implies read and write). */
int  scopes_allow(unsigned have, unsigned need);

#endif
