/* handlers/channels.c — /v1/notifications/channels: webhook channels, and a test delivery. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"
#include "../common/pgjson.h"
#include "../common/timeutil.h"
#include "../common/webhook_send.h"
#include "handlers.h"

#define CHANNEL_JSON                                                                               \
	"json_build_object('id', id, 'name', name, 'kind', kind, 'format', format, 'url', url,"     \
	" 'enabled', enabled, 'rate_limit_per_minute', rate_limit_per_minute,"                      \
	" 'max_attempts', max_attempts, 'created_at', created_at)"

static struct db_stmt st_list = DB_STMT("channels_list", 1,
	"SELECT " CHANNEL_JSON "::text FROM notification_channels WHERE tenant_id = $1 ORDER BY name");

static struct db_stmt st_create = DB_STMT("channels_create", 8,
	"INSERT INTO notification_channels (tenant_id, name, format, url, secret, enabled,"
	"   rate_limit_per_minute, max_attempts)"
	" VALUES ($1, $2, $3, $4, $5, $6::bool, $7::int, $8::int) RETURNING " CHANNEL_JSON "::text");

static struct db_stmt st_delete = DB_STMT("channels_delete", 2,
	"DELETE FROM notification_channels WHERE tenant_id = $1 AND id = $2::uuid RETURNING id");

static struct db_stmt st_get = DB_STMT("channels_get", 2,
	"SELECT url, secret, format FROM notification_channels WHERE tenant_id = $1 AND id = $2::uuid");

int
channels_list(struct req *rq, struct resp *rs)
{
	char tenant[24];
	const char *params[1] = {tenant};
	struct json_object *o;
	PGresult *res;

	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	if ((res = db_exec(&rq->app->db, &st_list, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	json_add(o, "channels", pg_json_column(res, 0));
	PQclear(res);
	return resp_json(rs, 200, o);
}

static int
valid_url(const char *u)
{
	size_t n = strlen(u);

	if (n < 10 || n > 2000 || (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || u[i] == 0x7f)
			return 0;
	return 1;
}

/* A secret the receiver verifies signatures with; generated when the caller gives none. */
static int
make_secret(char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[32];

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return -1;
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

int
channels_create(struct req *rq, struct resp *rs)
{
	struct json_object *body = app_json_body(rq, rs), *o;
	const char *name, *url, *format = "json", *secret = NULL;
	char tenant[24], rate_s[16], attempts_s[16], gen[65];
	int64_t rate = 60, attempts = 8;
	int enabled = 1, status, rc;
	size_t len;
	PGresult *res;

	if (body == NULL)
		return rs->status;
	if (!json_object_is_type(body, json_type_object)) {
		status = resp_problem(rs, 422, "invalid-field", "the body must be a JSON object");
		goto out;
	}
	if (json_get_string(body, "name", &name, &len) != 1 || len == 0 || len > 200) {
		status = resp_problem(rs, 422, "invalid-field", "name: a string of 1-200 bytes is required");
		goto out;
	}
	if (json_get_string(body, "url", &url, NULL) != 1 || !valid_url(url)) {
		status = resp_problem(rs, 422, "invalid-field", "url: an http:// or https:// URL is required");
		goto out;
	}
	rc = json_get_string(body, "format", &format, NULL);
	if (rc < 0 || (rc > 0 && strcmp(format, "json") != 0 && strcmp(format, "slack") != 0)) {
		status = resp_problem(rs, 422, "invalid-field", "format: expected json or slack");
		goto out;
	}
	rc = json_get_string(body, "secret", &secret, &len);
	if (rc < 0 || (rc > 0 && (len < 16 || len > 256))) {
		status = resp_problem(rs, 422, "invalid-field", "secret: a string of 16-256 bytes");
		goto out;
	}
	if (json_get_bool(body, "enabled", &enabled) < 0 ||
	    json_get_int64(body, "rate_limit_per_minute", &rate) < 0 || rate < 1 || rate > 6000 ||
	    json_get_int64(body, "max_attempts", &attempts) < 0 || attempts < 1 || attempts > 50) {
		status = resp_problem(rs, 422, "invalid-field",
		                      "enabled is a boolean, rate_limit_per_minute 1-6000, max_attempts 1-50");
		goto out;
	}
	if (rc == 0) {
		if (make_secret(gen) < 0) {
			status = resp_problem(rs, 503, "unavailable", "no randomness for a secret");
			goto out;
		}
		secret = gen;
	}
	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	snprintf(rate_s, sizeof rate_s, "%lld", (long long)rate);
	snprintf(attempts_s, sizeof attempts_s, "%lld", (long long)attempts);
	{
		const char *params[8] = {tenant, name, format, url, secret, enabled ? "true" : "false",
		                         rate_s, attempts_s};
		res = db_exec(&rq->app->db, &st_create, params, 0);
	}
	if (res == NULL) {
		status = strcmp(rq->app->db.sqlstate, "23505") == 0
		             ? resp_problem(rs, 409, "conflict", "a channel with this name exists")
		             : app_db_error(rq, rs);
		goto out;
	}
	o = json_tokener_parse(PQgetvalue(res, 0, 0));
	PQclear(res);
	/* The secret is in this answer only: receivers need it to verify X-Telltale-Signature. */
	json_add(o, "secret", json_object_new_string(secret));
	resp_header(rs, "Location", "/v1/notifications/channels/%s",
	            json_object_get_string(json_object_object_get(o, "id")));
	resp_header(rs, "Cache-Control", "no-store");
	status = resp_json(rs, 201, o);
out:
	json_object_put(body);
	return status;
}

int
channels_delete(struct req *rq, struct resp *rs)
{
	const char *id = req_param(rq, "id");
	char tenant[24];
	const char *params[2] = {tenant, id};
	PGresult *res;
	int n;

	if (!valid_uuid(id))
		return resp_problem(rs, 404, "not-found", "no such channel");
	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	if ((res = db_exec(&rq->app->db, &st_delete, params, 0)) == NULL)
		return app_db_error(rq, rs);
	n = PQntuples(res);
	PQclear(res);
	return n ? resp_empty(rs, 204) : resp_problem(rs, 404, "not-found", "no such channel");
}

/* Sends one test event now and says how the receiver answered (502 when it did not accept). */
int
channels_test(struct req *rq, struct resp *rs)
{
	const char *id = req_param(rq, "id");
	char tenant[24], at[32], event_id[64];
	const char *params[2] = {tenant, id};
	struct webhook_target t;
	struct webhook_result r;
	struct json_object *ev, *alert, *o;
	const char *text;
	PGresult *res;
	int ok;

	if (!valid_uuid(id))
		return resp_problem(rs, 404, "not-found", "no such channel");
	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	if ((res = db_exec(&rq->app->db, &st_get, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return resp_problem(rs, 404, "not-found", "no such channel");
	}
	time_format(time_now_us(), at);
	snprintf(event_id, sizeof event_id, "test-%s", rq->request_id);
	ev = json_object_new_object();
	alert = json_object_new_object();
	json_add(ev, "id", json_object_new_string(event_id));
	json_add(ev, "type", json_object_new_string("test"));
	json_add(ev, "tenant_id", json_object_new_int64(rq->tenant_id));
	json_add(ev, "at", json_object_new_string(at));
	json_add(alert, "rule_name", json_object_new_string("telltale test notification"));
	json_add(alert, "severity", json_object_new_string("low"));
	json_add(alert, "message", json_object_new_string("This is a test of a telltale channel."));
	json_add(ev, "alert", alert);
	text = json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN);
	t.url = PQgetvalue(res, 0, 0);
	t.secret = PQgetvalue(res, 0, 1);
	t.format = PQgetvalue(res, 0, 2);
	ok = webhook_post(&t, event_id, "test", "test", text, strlen(text), 5000, &r) == 0;
	PQclear(res);
	json_object_put(ev);
	o = json_object_new_object();
	json_add(o, "delivered", json_object_new_boolean(ok));
	json_add(o, "status", json_object_new_int64(r.status));
	json_add(o, "duration_ms", json_object_new_double(r.ms));
	if (!ok)
		json_add(o, "error", json_object_new_string(r.error));
	return resp_json(rs, ok ? 200 : 502, o);
}
