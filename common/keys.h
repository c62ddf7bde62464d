/* common/keys.h — the tenants and api_keys tables: their SQL lives here, used by fcgi and ctl. */
#ifndef TT_KEYS_H
#define TT_KEYS_H

#include <json-c/json.h>

#include "auth.h"
#include "db.h"

struct key_info {
	unsigned char hash[APIKEY_HASH_LEN];
	char          id[40];
	long long     tenant_id;
	char          tenant_name[128];
	unsigned      scopes;
	double        expires_at; /* epoch seconds; 0 = never */
};

/* 1 found, 0 no such live key (unknown, revoked or expired), -1 database error. */
int  keys_lookup(struct db *db, const unsigned char hash[APIKEY_HASH_LEN], struct key_info *out)
	__attribute__((warn_unused_result));
/* Creates a key; writes the plaintext (shown once) into key and the new key as JSON into *out.
 * expires_s <= 0: never. Returns 0 or -1 (db->err). */
int  keys_create(struct db *db, long long tenant_id, const char *name, unsigned scopes,
                 long long expires_s, char key[APIKEY_LEN + 1], struct json_object **out)
	__attribute__((warn_unused_result));
/* Keys of a tenant (tenant_id < 0: all tenants) as a JSON array; NULL on a database error. */
struct json_object *keys_list(struct db *db, long long tenant_id);
/* 1 revoked, 0 no such (unrevoked) key in that tenant (tenant_id < 0: any), -1 error. */
int  keys_revoke(struct db *db, long long tenant_id, const char *id)
	__attribute__((warn_unused_result));

/* 1 created, 0 already exists, -1 error; *id is set in both success cases. */
int  tenant_create(struct db *db, const char *name, long long *id)
	__attribute__((warn_unused_result));
/* 1 found, 0 not found, -1 error. */
int  tenant_find(struct db *db, const char *name, long long *id) __attribute__((warn_unused_result));

/* 1 updated, 0 no such tenant, -1 error. */
int  tenant_set_max_series(struct db *db, const char *name, long max_series)
	__attribute__((warn_unused_result));
/* Every tenant with its series count and limit, as a JSON array; NULL on a database error. */
struct json_object *tenants_list(struct db *db);

/* 1 when s is a canonical textual UUID. */
int  valid_uuid(const char *s);

#endif
