/* common/keys.c — tenants and API keys: SQL with bound parameters, JSON for the API and ctl. */
#include "keys.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static struct db_stmt st_lookup = DB_STMT("keys_lookup", 1,
	"UPDATE api_keys k SET last_used_at = now() FROM tenants t"
	" WHERE k.key_hash = $1::bytea AND t.id = k.tenant_id AND k.revoked_at IS NULL"
	"   AND (k.expires_at IS NULL OR k.expires_at > now())"
	" RETURNING k.id, k.tenant_id, t.name, k.scopes,"
	"   coalesce(extract(epoch FROM k.expires_at), 0), k.key_hash");

#define KEY_COLUMNS                                                                                \
	"id, tenant_id, (SELECT name FROM tenants t WHERE t.id = tenant_id) AS tenant, name, prefix," \
	" array_to_json(scopes) AS scopes, created_at, expires_at, last_used_at, revoked_at"

static struct db_stmt st_create = DB_STMT("keys_create", 6,
	"INSERT INTO api_keys (tenant_id, name, key_hash, prefix, scopes, expires_at)"
	" VALUES ($1, $2, $3::bytea, $4, $5::text[],"
	"   CASE WHEN $6::bigint > 0 THEN now() + make_interval(secs => $6::bigint) END)"
	" RETURNING " KEY_COLUMNS);

static struct db_stmt st_list_tenant = DB_STMT("keys_list_tenant", 1,
	"SELECT " KEY_COLUMNS " FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id");

static struct db_stmt st_list_all = DB_STMT("keys_list_all", 0,
	"SELECT " KEY_COLUMNS " FROM api_keys ORDER BY tenant_id, created_at, id");

static struct db_stmt st_revoke = DB_STMT("keys_revoke", 2,
	"UPDATE api_keys SET revoked_at = now()"
	" WHERE id = $1::uuid AND ($2::bigint < 0 OR tenant_id = $2) AND revoked_at IS NULL"
	" RETURNING id");

static struct db_stmt st_tenant_create = DB_STMT("tenant_create", 1,
	"WITH ins AS (INSERT INTO tenants (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id)"
	" SELECT id, true FROM ins UNION ALL SELECT id, false FROM tenants WHERE name = $1"
	" LIMIT 1");

static struct db_stmt st_tenant_find = DB_STMT("tenant_find", 1,
	"SELECT id FROM tenants WHERE name = $1");

static struct db_stmt st_tenant_limit = DB_STMT("tenant_limit", 2,
	"UPDATE tenants SET max_series = $2::int WHERE name = $1 RETURNING id");

static struct db_stmt st_tenants = DB_STMT("tenants_list", 0,
	"SELECT coalesce(json_agg(json_build_object('id', t.id, 'name', t.name,"
	"   'created_at', t.created_at, 'max_series', t.max_series,"
	"   'series', (SELECT count(*) FROM series s WHERE s.tenant_id = t.id)) ORDER BY t.id), '[]')::text"
	" FROM tenants t");

int
tenant_set_max_series(struct db *db, const char *name, long max_series)
{
	char n[24];
	const char *params[2] = {name, n};
	PGresult *res;
	int rc;

	snprintf(n, sizeof n, "%ld", max_series);
	if ((res = db_exec(db, &st_tenant_limit, params, 0)) == NULL)
		return -1;
	rc = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

struct json_object *
tenants_list(struct db *db)
{
	PGresult *res = db_exec(db, &st_tenants, NULL, DB_RETRY);
	struct json_object *o;

	if (res == NULL)
		return NULL;
	o = json_tokener_parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	return o;
}

int
valid_uuid(const char *s)
{
	static const int dash[] = {8, 13, 18, 23};
	size_t i, d = 0;

	if (s == NULL || strlen(s) != 36)
		return 0;
	for (i = 0; i < 36; i++) {
		if (d < 4 && (int)i == dash[d]) {
			if (s[i] != '-')
				return 0;
			d++;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}

int
keys_lookup(struct db *db, const unsigned char hash[APIKEY_HASH_LEN], struct key_info *out)
{
	char hex[67];
	const char *params[1] = {hex};
	PGresult *res;
	size_t rawlen = 0;
	unsigned char *raw = NULL;
	int rc = -1;

	apikey_hash_bytea(hash, hex);
	res = db_exec(db, &st_lookup, params, DB_RETRY);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	/* The index found the row; compare the stored hash in constant time all the same. */
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 5), &rawlen);
	if (raw == NULL || rawlen != APIKEY_HASH_LEN || !apikey_hash_equal(raw, hash)) {
		rc = 0;
		goto out;
	}
	memcpy(out->hash, hash, APIKEY_HASH_LEN);
	snprintf(out->id, sizeof out->id, "%s", PQgetvalue(res, 0, 0));
	out->tenant_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	snprintf(out->tenant_name, sizeof out->tenant_name, "%s", PQgetvalue(res, 0, 2));
	if (scopes_from_pg(PQgetvalue(res, 0, 3), &out->scopes) < 0)
		out->scopes = 0;
	out->expires_at = strtod(PQgetvalue(res, 0, 4), NULL);
	rc = 1;
out:
	PQfreemem(raw);
	PQclear(res);
	return rc;
}

/* One api_keys row as JSON; timestamps as PostgreSQL prints them (ISO 8601). */
static struct json_object *
key_row_json(PGresult *res, int row)
{
	struct json_object *o = json_object_new_object();
	static const char *const cols[] = {"id",         "tenant_id",  "tenant",       "name", "prefix",
	                                   "scopes",     "created_at", "expires_at",
	                                   "last_used_at", "revoked_at"};

	for (int c = 0; c < (int)(sizeof cols / sizeof cols[0]); c++) {
		const char *v = PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c);
		struct json_object *jv;
		if (v == NULL)
			jv = NULL;
		else if (strcmp(cols[c], "tenant_id") == 0)
			jv = json_object_new_int64(strtoll(v, NULL, 10));
		else if (strcmp(cols[c], "scopes") == 0)
			jv = json_tokener_parse(v);
		else
			jv = json_object_new_string(v);
		json_add(o, cols[c], jv);
	}
	return o;
}

int
keys_create(struct db *db, long long tenant_id, const char *name, unsigned scopes,
            long long expires_s, char key[APIKEY_LEN + 1], struct json_object **out)
{
	unsigned char hash[APIKEY_HASH_LEN];
	char tid[24], hex[67], prefix[16], arr[32], exp[24];
	const char *params[6] = {tid, name, hex, prefix, arr, exp};
	PGresult *res;

	if (apikey_generate(key) < 0 || apikey_hash(key, APIKEY_LEN, hash) < 0) {
		snprintf(db->err, sizeof db->err, "could not generate a key");
		db->unavailable = 0;
		db->sqlstate[0] = '\0';
		return -1;
	}
	snprintf(tid, sizeof tid, "%lld", tenant_id);
	apikey_hash_bytea(hash, hex);
	snprintf(prefix, sizeof prefix, "%.7s", key); /* "tt_" + 4: enough to tell keys apart */
	scopes_pg_array(scopes, arr, sizeof arr);
	snprintf(exp, sizeof exp, "%lld", expires_s > 0 ? expires_s : 0);
	res = db_exec(db, &st_create, params, 0);
	if (res == NULL)
		return -1;
	*out = key_row_json(res, 0);
	PQclear(res);
	return 0;
}

struct json_object *
keys_list(struct db *db, long long tenant_id)
{
	char tid[24];
	const char *params[1] = {tid};
	struct json_object *arr;
	PGresult *res;

	snprintf(tid, sizeof tid, "%lld", tenant_id);
	res = tenant_id < 0 ? db_exec(db, &st_list_all, NULL, DB_RETRY)
	                    : db_exec(db, &st_list_tenant, params, DB_RETRY);
	if (res == NULL)
		return NULL;
	arr = json_object_new_array_ext(PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(arr, key_row_json(res, i));
	PQclear(res);
	return arr;
}

int
keys_revoke(struct db *db, long long tenant_id, const char *id)
{
	char tid[24];
	const char *params[2] = {id, tid};
	PGresult *res;
	int n;

	if (!valid_uuid(id))
		return 0;
	snprintf(tid, sizeof tid, "%lld", tenant_id);
	res = db_exec(db, &st_revoke, params, DB_RETRY);
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	PQclear(res);
	return n > 0;
}

int
tenant_create(struct db *db, const char *name, long long *id)
{
	const char *params[1] = {name};
	PGresult *res = db_exec(db, &st_tenant_create, params, DB_RETRY);
	int rc;

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		snprintf(db->err, sizeof db->err, "tenant create returned no row");
		return -1;
	}
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	rc = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	return rc;
}

int
tenant_find(struct db *db, const char *name, long long *id)
{
	const char *params[1] = {name};
	PGresult *res = db_exec(db, &st_tenant_find, params, DB_RETRY);
	int rc;

	if (res == NULL)
		return -1;
	rc = PQntuples(res) > 0;
	if (rc)
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return rc;
}
