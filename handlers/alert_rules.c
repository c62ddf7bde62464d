/* handlers/alert_rules.c — /v1/alerts/rules: rule CRUD; every change keeps a version (who, when, what). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/alert_rule.h"
#include "../common/json.h"
#include "../common/params.h"
#include "../common/pgjson.h"
#include "handlers.h"

#define RULE_PARAMS 20
#define RULE_COLUMNS                                                                               \
	"name, source, service_name, api_endpoint, metric, label_matchers, aggregation, window_s,"  \
	" offset_s, operator, threshold, recovery_threshold, for_s, no_data, severity, enabled,"     \
	" channels, message"
/* $3.. in RULE_COLUMNS order ($1 tenant, $2 actor) */
#define RULE_VALUES                                                                                \
	"$3, $4, nullif($5, ''), nullif($6, ''), nullif($7, ''), $8::jsonb, nullif($9, ''),"        \
	" $10::int, $11::int, $12, $13::float8, $14::float8, $15::int, $16, $17, $18::bool,"        \
	" $19::uuid[], $20"

static struct db_stmt st_create = DB_STMT("rules_create", RULE_PARAMS,
	"WITH r AS (INSERT INTO alert_rules (tenant_id, updated_by, " RULE_COLUMNS ")"
	"   VALUES ($1, $2, " RULE_VALUES ") RETURNING *),"
	" v AS (INSERT INTO alert_rule_versions (rule_id, tenant_id, version, change, changed_by, rule)"
	"   SELECT r.id, r.tenant_id, r.version, 'created', $2, telltale_rule_json(r) FROM r)"
	" SELECT telltale_rule_json(r)::text FROM r");

/* The update bumps the version and records the new state; the old one is already recorded. */
static struct db_stmt st_update = DB_STMT("rules_update", RULE_PARAMS + 1,
	"WITH r AS (UPDATE alert_rules SET (" RULE_COLUMNS ") = (" RULE_VALUES "),"
	"   version = version + 1, updated_at = now(), updated_by = $2"
	"   WHERE tenant_id = $1 AND id = $21::uuid RETURNING *),"
	" v AS (INSERT INTO alert_rule_versions (rule_id, tenant_id, version, change, changed_by, rule)"
	"   SELECT r.id, r.tenant_id, r.version, 'updated', $2, telltale_rule_json(r) FROM r)"
	" SELECT telltale_rule_json(r)::text FROM r");

static struct db_stmt st_delete = DB_STMT("rules_delete", 3,
	"WITH r AS (DELETE FROM alert_rules WHERE tenant_id = $1 AND id = $3::uuid RETURNING *),"
	" v AS (INSERT INTO alert_rule_versions (rule_id, tenant_id, version, change, changed_by, rule)"
	"   SELECT r.id, r.tenant_id, r.version + 1, 'deleted', $2, telltale_rule_json(r) FROM r)"
	" SELECT id FROM r");

static struct db_stmt st_get = DB_STMT("rules_get", 2,
	"SELECT telltale_rule_json(r)::text FROM alert_rules r WHERE tenant_id = $1 AND id = $2::uuid");

static struct db_stmt st_list = DB_STMT("rules_list", 3,
	"SELECT telltale_rule_json(r)::text, count(*) OVER () FROM alert_rules r WHERE tenant_id = $1"
	" ORDER BY name LIMIT $2 OFFSET $3");

static struct db_stmt st_history = DB_STMT("rules_history", 2,
	"SELECT json_build_object('version', version, 'change', change, 'changed_by', changed_by,"
	"   'changed_at', changed_at, 'rule', rule)::text"
	" FROM alert_rule_versions WHERE tenant_id = $1 AND rule_id = $2::uuid ORDER BY version DESC");

static struct db_stmt st_channels_owned = DB_STMT("rules_channels_owned", 2,
	"SELECT count(DISTINCT id) = cardinality($2::uuid[]) FROM notification_channels"
	" WHERE tenant_id = $1 AND id = ANY($2::uuid[])");

/* Parameter texts of one rule, in RULE_COLUMNS order. */
struct rule_params {
	char tenant[24], actor[64], window[16], offset[16], for_s[16], threshold[40], recovery[40];
	char enabled[8], channels[RULE_MAX_CHANNELS * 38 + 3];
	const char *labels;
	const char *v[RULE_PARAMS + 1];
};

static void
rule_params_fill(struct rule_params *p, const struct req *rq, const struct alert_rule *r,
                 const char *id)
{
	size_t n = 0;

	snprintf(p->tenant, sizeof p->tenant, "%lld", rq->tenant_id);
	snprintf(p->actor, sizeof p->actor, "key:%s", rq->key_id);
	snprintf(p->window, sizeof p->window, "%ld", r->window_s);
	snprintf(p->offset, sizeof p->offset, "%ld", r->offset_s);
	snprintf(p->for_s, sizeof p->for_s, "%ld", r->for_s);
	snprintf(p->threshold, sizeof p->threshold, "%.17g", r->threshold);
	snprintf(p->recovery, sizeof p->recovery, "%.17g", r->recovery_threshold);
	snprintf(p->enabled, sizeof p->enabled, "%s", r->enabled ? "true" : "false");
	n += (size_t)snprintf(p->channels, sizeof p->channels, "{");
	for (int i = 0; i < r->nchannels; i++)
		n += (size_t)snprintf(p->channels + n, sizeof p->channels - n, "%s%s", i ? "," : "",
		                      r->channels[i]);
	snprintf(p->channels + n, sizeof p->channels - n, "}");
	p->labels = json_object_to_json_string_ext(r->labels, JSON_C_TO_STRING_PLAIN);
	const char *v[RULE_PARAMS + 1] = {
		p->tenant, p->actor, r->name, rule_source_name(r->source), r->service_name,
		r->api_endpoint, r->metric, p->labels,
		r->source == SRC_METRIC ? rule_agg_name(r->aggregation) : "", p->window, p->offset,
		rule_op_name(r->op), p->threshold, r->has_recovery ? p->recovery : NULL, p->for_s,
		rule_no_data_name(r->no_data), r->severity, p->enabled, p->channels, r->message, id};
	memcpy(p->v, v, sizeof v);
}

static struct json_object *
text_json(PGresult *res, int row, int col)
{
	return json_tokener_parse(PQgetvalue(res, row, col));
}

/* Validates the body into r; answers 400/415/422 itself (returns its status) or 0. */
static int
read_rule(struct req *rq, struct resp *rs, struct alert_rule *r)
{
	struct json_object *body = app_json_body(rq, rs), *extra, *errs, *e;
	struct rule_error err;
	char tenant[24], channels[RULE_MAX_CHANNELS * 38 + 3];
	const char *params[2] = {tenant, channels};
	PGresult *res;
	size_t n = 0;
	int ok;

	memset(r, 0, sizeof *r);
	if (body == NULL)
		return rs->status;
	if (alert_rule_from_json(body, r, &err) < 0) {
		json_object_put(body);
		extra = json_object_new_object();
		errs = json_object_new_array();
		e = json_object_new_object();
		json_add(e, "field", json_object_new_string(err.field));
		json_add(e, "reason", json_object_new_string(err.reason));
		json_object_array_add(errs, e);
		json_add(extra, "errors", errs);
		return resp_problem_ext(rs, 422, "invalid-field", extra, "%s: %s", err.field,
		                        err.reason);
	}
	json_object_put(body);
	if (r->nchannels == 0)
		return 0;
	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	n += (size_t)snprintf(channels, sizeof channels, "{");
	for (int i = 0; i < r->nchannels; i++)
		n += (size_t)snprintf(channels + n, sizeof channels - n, "%s%s", i ? "," : "",
		                      r->channels[i]);
	snprintf(channels + n, sizeof channels - n, "}");
	if ((res = db_exec(&rq->app->db, &st_channels_owned, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	ok = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!ok)
		return resp_problem(rs, 422, "invalid-field",
		                    "channels: every id must be a notification channel of this tenant");
	return 0;
}

/* 409 for a duplicate name, else the generic database answer. */
static int
write_error(struct req *rq, struct resp *rs)
{
	if (strcmp(rq->app->db.sqlstate, "23505") == 0)
		return resp_problem(rs, 409, "conflict", "a rule with this name exists");
	return app_db_error(rq, rs);
}

int
alert_rules_create(struct req *rq, struct resp *rs)
{
	struct alert_rule r;
	struct rule_params p;
	struct json_object *o;
	PGresult *res;
	int status;

	if ((status = read_rule(rq, rs, &r)) != 0)
		goto out;
	rule_params_fill(&p, rq, &r, NULL);
	if ((res = db_exec(&rq->app->db, &st_create, p.v, 0)) == NULL) {
		status = write_error(rq, rs);
		goto out;
	}
	o = text_json(res, 0, 0);
	PQclear(res);
	resp_header(rs, "Location", "/v1/alerts/rules/%s",
	            json_object_get_string(json_object_object_get(o, "id")));
	status = resp_json(rs, 201, o);
out:
	alert_rule_free(&r);
	return status;
}

int
alert_rules_update(struct req *rq, struct resp *rs)
{
	const char *id = req_param(rq, "id");
	struct alert_rule r;
	struct rule_params p;
	PGresult *res;
	int status;

	memset(&r, 0, sizeof r);
	if (!valid_uuid(id))
		return resp_problem(rs, 404, "not-found", "no such rule");
	if ((status = read_rule(rq, rs, &r)) != 0)
		goto out;
	rule_params_fill(&p, rq, &r, id);
	if ((res = db_exec(&rq->app->db, &st_update, p.v, 0)) == NULL) {
		status = write_error(rq, rs);
		goto out;
	}
	if (PQntuples(res) == 0)
		status = resp_problem(rs, 404, "not-found", "no such rule");
	else
		status = resp_json(rs, 200, text_json(res, 0, 0));
	PQclear(res);
out:
	alert_rule_free(&r);
	return status;
}

int
alert_rules_get(struct req *rq, struct resp *rs)
{
	const char *id = req_param(rq, "id");
	char tenant[24];
	const char *params[2] = {tenant, id};
	PGresult *res;
	int status;

	if (!valid_uuid(id))
		return resp_problem(rs, 404, "not-found", "no such rule");
	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	if ((res = db_exec(&rq->app->db, &st_get, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	if (PQntuples(res) == 0)
		status = resp_problem(rs, 404, "not-found", "no such rule");
	else
		status = resp_json(rs, 200, text_json(res, 0, 0));
	PQclear(res);
	return status;
}

int
alert_rules_delete(struct req *rq, struct resp *rs)
{
	const char *id = req_param(rq, "id");
	char tenant[24], actor[64];
	const char *params[3] = {tenant, actor, id};
	PGresult *res;
	int n;

	if (!valid_uuid(id))
		return resp_problem(rs, 404, "not-found", "no such rule");
	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	snprintf(actor, sizeof actor, "key:%s", rq->key_id);
	if ((res = db_exec(&rq->app->db, &st_delete, params, 0)) == NULL)
		return app_db_error(rq, rs);
	n = PQntuples(res);
	PQclear(res);
	if (n == 0)
		return resp_problem(rs, 404, "not-found", "no such rule");
	return resp_empty(rs, 204);
}

int
alert_rules_list(struct req *rq, struct resp *rs)
{
	return app_list_page(rq, rs, &st_list, "rules");
}

int
alert_rules_history(struct req *rq, struct resp *rs)
{
	const char *id = req_param(rq, "id");
	char tenant[24];
	const char *params[2] = {tenant, id};
	struct json_object *o;
	PGresult *res;

	if (!valid_uuid(id))
		return resp_problem(rs, 404, "not-found", "no such rule");
	snprintf(tenant, sizeof tenant, "%lld", rq->tenant_id);
	if ((res = db_exec(&rq->app->db, &st_history, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	if (PQntuples(res) == 0) {
		PQclear(res);
		return resp_problem(rs, 404, "not-found", "no such rule");
	}
	o = json_object_new_object();
	json_add(o, "rule_id", json_object_new_string(id));
	json_add(o, "versions", pg_json_column(res, 0));
	PQclear(res);
	return resp_json(rs, 200, o);
}
