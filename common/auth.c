/* common/auth.c — API keys: made from the CSPRNG, stored as SHA-256, compared in constant time. */
#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static const char base62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

int
apikey_generate(char out[APIKEY_LEN + 1])
{
	unsigned char rnd[64];
	size_t n = 0;

	memcpy(out, APIKEY_PREFIX, 3);
	while (n < APIKEY_RANDOM) {
		if (RAND_bytes(rnd, sizeof rnd) != 1)
			return -1;
		/* Rejection sampling: 248 = 4 * 62, so the accepted bytes map uniformly. */
		for (size_t i = 0; i < sizeof rnd && n < APIKEY_RANDOM; i++)
			if (rnd[i] < 248)
				out[3 + n++] = base62[rnd[i] % 62];
	}
	out[APIKEY_LEN] = '\0';
	OPENSSL_cleanse(rnd, sizeof rnd);
	return 0;
}

int
apikey_well_formed(const char *key, size_t len)
{
	if (len != APIKEY_LEN || memcmp(key, APIKEY_PREFIX, 3) != 0)
		return 0;
	for (size_t i = 3; i < len; i++)
		if (strchr(base62, key[i]) == NULL || key[i] == '\0')
			return 0;
	return 1;
}

int
apikey_hash(const char *key, size_t len, unsigned char out[APIKEY_HASH_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(key, len, out, &n, EVP_sha256(), NULL) != 1 || n != APIKEY_HASH_LEN)
		return -1;
	return 0;
}

int
apikey_hash_equal(const unsigned char *a, const unsigned char *b)
{
	return CRYPTO_memcmp(a, b, APIKEY_HASH_LEN) == 0;
}

void
apikey_hash_bytea(const unsigned char h[APIKEY_HASH_LEN], char out[67])
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	for (int i = 0; i < APIKEY_HASH_LEN; i++) {
		out[2 + 2 * i] = hex[h[i] >> 4];
		out[3 + 2 * i] = hex[h[i] & 15];
	}
	out[66] = '\0';
}

const char *
auth_bearer(const char *header)
{
	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return NULL;
	header += 7;
	while (*header == ' ')
		header++;
	return *header ? header : NULL;
}

static const struct {
	const char *name;
	unsigned    bit;
} scope_names[] = {{"read", SCOPE_READ}, {"write", SCOPE_WRITE}, {"admin", SCOPE_ADMIN}};

static int
scopes_parse_sep(const char *s, const char *seps, unsigned *out)
{
	unsigned mask = 0;
	const char *p = s;

	while (*p) {
		size_t len = strcspn(p, seps);
		int ok = 0;
		for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0]; i++)
			if (len == strlen(scope_names[i].name) && memcmp(p, scope_names[i].name, len) == 0) {
				mask |= scope_names[i].bit;
				ok = 1;
			}
		if (!ok)
			return -1;
		p += len;
		if (*p)
			p++;
	}
	if (mask == 0)
		return -1;
	*out = mask;
	return 0;
}

int
scopes_parse(const char *s, unsigned *out)
{
	return scopes_parse_sep(s, ",", out);
}

int
scopes_from_pg(const char *arr, unsigned *out)
{
	char tmp[64];
	size_t len = strlen(arr);

	if (len < 2 || arr[0] != '{' || arr[len - 1] != '}' || len - 2 >= sizeof tmp)
		return -1;
	memcpy(tmp, arr + 1, len - 2);
	tmp[len - 2] = '\0';
	return scopes_parse_sep(tmp, ",", out);
}

void
scopes_pg_array(unsigned scopes, char *out, size_t outlen)
{
	size_t n = 0;

	n += (size_t)snprintf(out + n, outlen - n, "{");
	for (size_t i = 0; i < sizeof scope_names / sizeof scope_names[0] && n < outlen; i++)
		if (scopes & scope_names[i].bit)
			n += (size_t)snprintf(out + n, outlen - n, "%s%s", n > 1 ? "," : "",
			                      scope_names[i].name);
	if (n < outlen)
		snprintf(out + n, outlen - n, "}");
}

int
scopes_allow(unsigned have, unsigned need)
{
	if (need == SCOPE_PUBLIC)
		return 1;
	if (have & SCOPE_ADMIN)
		return 1;
	return (have & need) == need;
}
