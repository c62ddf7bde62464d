/* handlers/admin_keys.c — /v1/admin/keys: the API keys of the caller's tenant. */
#include <stdio.h>
#include <string.h>

#include "../common/json.h"
#include "handlers.h"

#define KEY_NAME_MAX 128

int
admin_keys_list(struct req *rq, struct resp *rs)
{
	struct json_object *keys = keys_list(&rq->app->db, rq->tenant_id);
	struct json_object *o;

	if (keys == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	json_add(o, "keys", keys);
	return resp_json(rs, 200, o);
}

/* Reads {"name": "...", "scopes": ["read", ...], "expires_in": "30d"}; 422 names the field. */
static int
parse_key_request(struct json_object *body, struct resp *rs, const char **name, unsigned *scopes,
                  long long *expires_s)
{
	struct json_object *arr;
	const char *s;
	size_t len;
	long ms;
	int rc;

	*name = "";
	*scopes = 0;
	*expires_s = 0;
	if (!json_object_is_type(body, json_type_object))
		return resp_problem(rs, 422, "invalid-field", "the body must be a JSON object");
	rc = json_get_string(body, "name", name, &len);
	if (rc < 0 || (rc > 0 && len > KEY_NAME_MAX))
		return resp_problem(rs, 422, "invalid-field",
		                    "name: expected a string of at most %d bytes", KEY_NAME_MAX);
	if (!json_object_object_get_ex(body, "scopes", &arr) ||
	    !json_object_is_type(arr, json_type_array) || json_object_array_length(arr) == 0)
		return resp_problem(rs, 422, "invalid-field",
		                    "scopes: expected a non-empty array of read, write, admin");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		unsigned bit;
		if (!json_object_is_type(v, json_type_string) ||
		    scopes_parse(json_object_get_string(v), &bit) < 0 ||
		    strchr(json_object_get_string(v), ',') != NULL)
			return resp_problem(rs, 422, "invalid-field",
			                    "scopes[%zu]: expected one of read, write, admin", i);
		*scopes |= bit;
	}
	rc = json_get_string(body, "expires_in", &s, NULL);
	if (rc < 0 || (rc > 0 && (parse_duration_ms(s, &ms) < 0 || ms < 1000)))
		return resp_problem(rs, 422, "invalid-field",
		                    "expires_in: expected a duration such as 30d or 12h");
	if (rc > 0)
		*expires_s = ms / 1000;
	return 0;
}

int
admin_keys_create(struct req *rq, struct resp *rs)
{
	struct json_object *body = app_json_body(rq, rs), *row = NULL;
	char key[APIKEY_LEN + 1];
	const char *name;
	long long expires_s;
	unsigned scopes;
	int status;

	if (body == NULL)
		return rs->status;
	if ((status = parse_key_request(body, rs, &name, &scopes, &expires_s)) != 0)
		goto out;
	if (keys_create(&rq->app->db, rq->tenant_id, name, scopes, expires_s, key, &row) < 0) {
		status = app_db_error(rq, rs);
		goto out;
	}
	/* The plaintext key is in this answer and nowhere else, ever. */
	json_add(row, "key", json_object_new_string(key));
	resp_header(rs, "Location", "/v1/admin/keys/%s",
	            json_object_get_string(json_object_object_get(row, "id")));
	resp_header(rs, "Cache-Control", "no-store");
	status = resp_json(rs, 201, row);
out:
	json_object_put(body);
	return status;
}

int
admin_keys_revoke(struct req *rq, struct resp *rs)
{
	const char *id = req_param(rq, "id");
	int rc;

	if (!valid_uuid(id))
		return resp_problem(rs, 404, "not-found", "no such key");
	rc = keys_revoke(&rq->app->db, rq->tenant_id, id);
	if (rc < 0)
		return app_db_error(rq, rs);
	if (rc == 0)
		return resp_problem(rs, 404, "not-found", "no such key (or already revoked)");
	return resp_empty(rs, 204);
}
