/* handlers/definitions.c — /v1/metrics/definitions: what a metric means (unit, type, aggregation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"
#include "../common/metric.h"
#include "../common/params.h"
#include "../common/timeutil.h"
#include "handlers.h"

#define DISPLAY_NAME_MAX 200
#define DESCRIPTION_MAX  2000
#define UNIT_MAX         32

#define DEF_COLUMNS                                                                                \
	"name, display_name, description, unit, type, aggregation, retention_days,"               \
	" warning_threshold, critical_threshold,"                                                \
	" floor(extract(epoch FROM created_at) * 1000000)::bigint,"                               \
	" floor(extract(epoch FROM updated_at) * 1000000)::bigint"

static struct db_stmt st_list = DB_STMT("definitions_list", 3,
	"SELECT " DEF_COLUMNS " FROM metric_definitions WHERE tenant_id = $1"
	" ORDER BY name LIMIT $2 OFFSET $3");

static struct db_stmt st_get = DB_STMT("definitions_get", 2,
	"SELECT " DEF_COLUMNS " FROM metric_definitions WHERE tenant_id = $1 AND name = $2");

static struct db_stmt st_create = DB_STMT("definitions_create", 10,
	"INSERT INTO metric_definitions (tenant_id, name, display_name, description, unit, type,"
	"   aggregation, retention_days, warning_threshold, critical_threshold)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
	" ON CONFLICT (tenant_id, name) DO NOTHING RETURNING " DEF_COLUMNS);

static struct db_stmt st_update = DB_STMT("definitions_update", 10,
	"UPDATE metric_definitions SET display_name = $3, description = $4, unit = $5, type = $6,"
	"   aggregation = $7, retention_days = $8, warning_threshold = $9,"
	"   critical_threshold = $10, updated_at = now()"
	" WHERE tenant_id = $1 AND name = $2 RETURNING " DEF_COLUMNS);

static struct db_stmt st_delete = DB_STMT("definitions_delete", 2,
	"DELETE FROM metric_definitions WHERE tenant_id = $1 AND name = $2 RETURNING name");

struct definition {
	const char *name, *display_name, *description, *unit, *type, *aggregation;
	char        retention[16], warning[32], critical[32];
	int         has_warning, has_critical;
};

static int
one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

#define INVALID(f, ...)                                                                            \
	do {                                                                                       \
		struct json_object *extra = json_object_new_object(), *errs = json_object_new_array(); \
		struct json_object *e = json_object_new_object();                                  \
		char why_[256];                                                                    \
		snprintf(why_, sizeof why_, __VA_ARGS__);                                          \
		json_add(e, "field", json_object_new_string(f));                                   \
		json_add(e, "reason", json_object_new_string(why_));                               \
		json_object_array_add(errs, e);                                                    \
		json_add(extra, "errors", errs);                                                   \
		return resp_problem_ext(rs, 422, "invalid-definition", extra, "%s: %s", f, why_);  \
	} while (0)

static int
text_field(struct json_object *body, struct resp *rs, const char *key, size_t max,
           const char **out, const char *def)
{
	size_t len;
	int rc = json_get_string(body, key, out, &len);

	if (rc < 0 || (rc > 0 && len > max))
		INVALID(key, "expected a string of at most %zu bytes", max);
	if (rc == 0)
		*out = def;
	return 0;
}

/* Reads a definition body; path_name (PUT) must agree with a name in the body. */
static int
parse_definition(struct json_object *body, struct resp *rs, const char *path_name,
                 struct definition *d)
{
	static const char *const fields[] = {"name",        "display_name", "description",
	                                     "unit",        "type",         "aggregation",
	                                     "retention_days", "alert_threshold", NULL};
	static const char *const types[] = {"gauge", "counter", "histogram", "summary", NULL};
	static const char *const aggs[] = {"avg", "sum", "min", "max", "count", "last", "rate", NULL};
	struct json_object *th;
	const char *name = NULL;
	size_t len;
	int64_t days = 30;
	int rc, status;

	memset(d, 0, sizeof *d);
	if (!json_object_is_type(body, json_type_object))
		INVALID("(body)", "expected a JSON object");
	json_object_object_foreach(body, k, v) {
		(void)v;
		if (!one_of(k, fields))
			INVALID(k, "unknown field");
	}
	rc = json_get_string(body, "name", &name, &len);
	if (rc < 0 || (rc > 0 && !metric_name_valid(name, len)))
		INVALID("name", "must match [a-zA-Z_:][a-zA-Z0-9_:.]* (at most %d bytes)",
		        METRIC_NAME_MAX);
	if (path_name == NULL && rc == 0)
		INVALID("name", "required");
	if (path_name && rc > 0 && strcmp(name, path_name) != 0)
		INVALID("name", "differs from the name in the path");
	d->name = path_name ? path_name : name;
	if ((status = text_field(body, rs, "display_name", DISPLAY_NAME_MAX, &d->display_name, "")) ||
	    (status = text_field(body, rs, "description", DESCRIPTION_MAX, &d->description, "")) ||
	    (status = text_field(body, rs, "unit", UNIT_MAX, &d->unit, "")) ||
	    (status = text_field(body, rs, "type", 16, &d->type, "gauge")) ||
	    (status = text_field(body, rs, "aggregation", 16, &d->aggregation, "avg")))
		return status;
	if (!one_of(d->type, types))
		INVALID("type", "expected gauge, counter, histogram or summary");
	if (!one_of(d->aggregation, aggs))
		INVALID("aggregation", "expected avg, sum, min, max, count, last or rate");
	rc = json_get_int64(body, "retention_days", &days);
	if (rc < 0 || days < 1 || days > 3650)
		INVALID("retention_days", "expected an integer from 1 to 3650");
	snprintf(d->retention, sizeof d->retention, "%lld", (long long)days);
	if (json_object_object_get_ex(body, "alert_threshold", &th) && th != NULL) {
		double w, c;
		if (!json_object_is_type(th, json_type_object))
			INVALID("alert_threshold", "expected {\"warning\": number, \"critical\": number}");
		json_object_object_foreach(th, tk, tv) {
			(void)tv;
			if (strcmp(tk, "warning") != 0 && strcmp(tk, "critical") != 0)
				INVALID("alert_threshold", "unknown field '%.32s'", tk);
		}
		if ((rc = json_get_double(th, "warning", &w)) < 0)
			INVALID("alert_threshold.warning", "expected a finite number");
		if ((d->has_warning = rc > 0))
			snprintf(d->warning, sizeof d->warning, "%.17g", w);
		if ((rc = json_get_double(th, "critical", &c)) < 0)
			INVALID("alert_threshold.critical", "expected a finite number");
		if ((d->has_critical = rc > 0))
			snprintf(d->critical, sizeof d->critical, "%.17g", c);
	}
	return 0;
}

static struct json_object *
def_json(PGresult *res, int row)
{
	static const char *const text[] = {"name", "display_name", "description", "unit", "type",
	                                   "aggregation"};
	struct json_object *o = json_object_new_object(), *th = json_object_new_object();
	char t[32];

	for (int c = 0; c < 6; c++)
		json_add(o, text[c], json_object_new_string(PQgetvalue(res, row, c)));
	json_add(o, "retention_days", json_object_new_int(atoi(PQgetvalue(res, row, 6))));
	for (int c = 7; c <= 8; c++)
		json_add(th, c == 7 ? "warning" : "critical",
		         PQgetisnull(res, row, c)
		                 ? NULL
		                 : json_object_new_double(strtod(PQgetvalue(res, row, c), NULL)));
	json_add(o, "alert_threshold", th);
	time_format(strtoll(PQgetvalue(res, row, 9), NULL, 10), t);
	json_add(o, "created_at", json_object_new_string(t));
	time_format(strtoll(PQgetvalue(res, row, 10), NULL, 10), t);
	json_add(o, "updated_at", json_object_new_string(t));
	return o;
}

int
definitions_list(struct req *rq, struct resp *rs)
{
	char tid[24], lim[24], off[24];
	const char *params[3] = {tid, lim, off};
	struct json_object *o, *arr;
	PGresult *res;
	long limit, offset;
	int status;

	if ((status = param_page(rq, rs, &limit, &offset)) != 0)
		return status;
	snprintf(tid, sizeof tid, "%lld", rq->tenant_id);
	snprintf(lim, sizeof lim, "%ld", limit);
	snprintf(off, sizeof off, "%ld", offset);
	if ((res = db_exec(&rq->app->db, &st_list, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	o = json_object_new_object();
	arr = json_object_new_array_ext(PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(arr, def_json(res, i));
	json_add(o, "definitions", arr);
	PQclear(res);
	return resp_json(rs, 200, o);
}

static int
path_name(struct req *rq, struct resp *rs, const char **name)
{
	*name = req_param(rq, "name");
	if (*name == NULL || !metric_name_valid(*name, strlen(*name)))
		return resp_problem(rs, 404, "not-found", "no such metric definition");
	return 0;
}

int
definitions_get(struct req *rq, struct resp *rs)
{
	char tid[24];
	const char *name, *params[2] = {tid, NULL};
	PGresult *res;
	int status;

	if ((status = path_name(rq, rs, &name)) != 0)
		return status;
	snprintf(tid, sizeof tid, "%lld", rq->tenant_id);
	params[1] = name;
	if ((res = db_exec(&rq->app->db, &st_get, params, DB_RETRY)) == NULL)
		return app_db_error(rq, rs);
	if (PQntuples(res) == 0)
		status = resp_problem(rs, 404, "not-found", "no metric definition named %s", name);
	else
		status = resp_json(rs, 200, def_json(res, 0));
	PQclear(res);
	return status;
}

static int
definitions_write(struct req *rq, struct resp *rs, int create)
{
	struct json_object *body = NULL;
	struct definition d;
	char tid[24];
	const char *params[10], *pname = NULL;
	PGresult *res = NULL;
	int status;

	if (!create && (status = path_name(rq, rs, &pname)) != 0)
		return status;
	if ((body = app_json_body(rq, rs)) == NULL)
		return rs->status;
	if ((status = parse_definition(body, rs, pname, &d)) != 0)
		goto out;
	snprintf(tid, sizeof tid, "%lld", rq->tenant_id);
	params[0] = tid, params[1] = d.name, params[2] = d.display_name;
	params[3] = d.description, params[4] = d.unit, params[5] = d.type;
	params[6] = d.aggregation, params[7] = d.retention;
	params[8] = d.has_warning ? d.warning : NULL;
	params[9] = d.has_critical ? d.critical : NULL;
	res = db_exec(&rq->app->db, create ? &st_create : &st_update, params, 0);
	if (res == NULL) {
		status = app_db_error(rq, rs);
		goto out;
	}
	if (PQntuples(res) == 0) {
		status = create ? resp_problem(rs, 409, "conflict",
		                               "a metric definition named %s already exists", d.name)
		                : resp_problem(rs, 404, "not-found", "no metric definition named %s",
		                               d.name);
		goto out;
	}
	if (create)
		resp_header(rs, "Location", "/v1/metrics/definitions/%s", d.name);
	status = resp_json(rs, create ? 201 : 200, def_json(res, 0));
out:
	PQclear(res);
	json_object_put(body);
	return status;
}

int
definitions_create(struct req *rq, struct resp *rs)
{
	return definitions_write(rq, rs, 1);
}

int
definitions_update(struct req *rq, struct resp *rs)
{
	return definitions_write(rq, rs, 0);
}

int
definitions_delete(struct req *rq, struct resp *rs)
{
	char tid[24];
	const char *name, *params[2] = {tid, NULL};
	PGresult *res;
	int status;

	if ((status = path_name(rq, rs, &name)) != 0)
		return status;
	snprintf(tid, sizeof tid, "%lld", rq->tenant_id);
	params[1] = name;
	if ((res = db_exec(&rq->app->db, &st_delete, params, 0)) == NULL)
		return app_db_error(rq, rs);
	status = PQntuples(res) == 0
	                 ? resp_problem(rs, 404, "not-found", "no metric definition named %s", name)
	                 : resp_empty(rs, 204);
	PQclear(res);
	return status;
}
