/* handlers/ingest.c — POST /v1/metrics/ingest, /v1/metrics/ingest/batch and /v1/write (line protocol). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/gzip.h"
#include "../common/json.h"
#include "../common/lineproto.h"
#include "../common/metric.h"
#include "../common/samplejson.h"
#include "../common/store.h"
#include "../common/timeutil.h"
#include "../common/thresholds.h"
#include "handlers.h"

#define ERRORS_SHOWN   100
#define IDEM_KEY_MAX   200

/* Content-Encoding: identity or gzip (inflated in place, the body limit applied again). */
static int
decode_body(struct req *rq, struct resp *rs)
{
	const char *enc = req_header(rq, "Content-Encoding");
	long max = rq->app->cfg->body_max;
	char *out;
	size_t len;

	if (enc == NULL || *enc == '\0' || strcasecmp(enc, "identity") == 0)
		return 0;
	if (strcasecmp(enc, "gzip") != 0 && strcasecmp(enc, "x-gzip") != 0)
		return resp_problem(rs, 415, "unsupported-encoding",
		                    "Content-Encoding '%.32s' is not supported; use gzip or identity", enc);
	switch (gunzip(rq->body ? rq->body : "", rq->body_len, (size_t)max, &out, &len)) {
	case GUNZIP_OK: break;
	case GUNZIP_TOO_LARGE: {
		struct json_object *extra = json_object_new_object();
		json_add(extra, "limit", json_object_new_int64(max));
		return resp_problem_ext(rs, 413, "body-too-large", extra,
		                        "the decompressed body is over the limit of %ld bytes", max);
	}
	case GUNZIP_NOMEM: return app_unavailable(rq, rs, "memory");
	default: return resp_problem(rs, 400, "malformed-gzip", "the body is not valid gzip data");
	}
	free(rq->body);
	rq->body = out;
	rq->body_len = len;
	return 0;
}

/* Idempotency-Key: 1 to 200 printable ASCII characters; *key stays NULL when absent. */
static int
idempotency_key(struct req *rq, struct resp *rs, const char **key)
{
	const char *k = req_header(rq, "Idempotency-Key");
	size_t n;

	*key = NULL;
	if (k == NULL)
		return 0;
	n = strlen(k);
	if (n == 0 || n > IDEM_KEY_MAX)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (k[i] < 0x20 || k[i] > 0x7e)
			goto bad;
	*key = k;
	return 0;
bad:
	return resp_problem(rs, 400, "bad-idempotency-key",
	                    "Idempotency-Key must be 1 to %d printable ASCII characters", IDEM_KEY_MAX);
}

static void
raw_body(struct resp *rs, int status, const char *json)
{
	buf_reset(&rs->body);
	if (json)
		buf_puts(&rs->body, json);
	rs->status = status;
	rs->content_type = json == NULL ? NULL
	                   : status >= 400 ? "application/problem+json"
	                                   : "application/json";
}

/* Stores b and answers: `status` with `response` (already in rs when it is a problem), a replay,
 * 429 at the series limit, or the database error. */
static int
store_and_answer(struct req *rq, struct resp *rs, struct batch *b, const char *key, int status,
                 const char *response)
{
	struct store_result r;
	char *saved = response ? strdup(response) : NULL;
	int out;

	if (response && saved == NULL)
		return app_unavailable(rq, rs, "memory");
	if (store_batch(&rq->app->db, rq->tenant_id, b, key, status, saved, &r) < 0) {
		resp_reset(rs);
		out = app_db_error(rq, rs);
		goto done;
	}
	switch (r.outcome) {
	case STORE_OK:
		raw_body(rs, status, saved);
		thresholds_after_commit(&rq->app->db, &rq->app->cache, rq->tenant_id, b);
		break;
	case STORE_REPLAY:
		resp_reset(rs);
		resp_header(rs, "Idempotent-Replayed", "true");
		raw_body(rs, r.status, r.body);
		break;
	case STORE_LIMIT: {
		struct json_object *extra = json_object_new_object();
		resp_reset(rs);
		json_add(extra, "limit", json_object_new_int64(r.max_series));
		resp_problem_ext(rs, 429, "series-limit", extra,
		                 "storing this request would take the tenant past its limit of %lld "
		                 "series; nothing was stored", r.max_series);
		break;
	}
	case STORE_ERROR:
		resp_reset(rs);
		app_db_error(rq, rs);
		break;
	}
	out = rs->status;
	free(r.body);
done:
	free(saved);
	return out;
}

static struct json_object *
item_error(long index, const char *index_name, const char *field, const char *reason)
{
	struct json_object *e = json_object_new_object();

	json_add(e, index_name, json_object_new_int64(index));
	if (field && *field)
		json_add(e, "field", json_object_new_string(field));
	json_add(e, "reason", json_object_new_string(reason));
	return e;
}

/* JSON samples: parsed and validated in one pass (common/samplejson.c), then stored. */
static int
ingest(struct req *rq, struct resp *rs, int single)
{
	int64_t now = time_now_us(), retention = (int64_t)rq->app->cfg->retention_ms * 1000;
	struct sample_error *errs = NULL;
	const char *key, *ct;
	char response[64], err[256];
	size_t nitems = 0;
	struct batch b;
	long nerr = 0;
	int status;

	batch_init(&b);
	if ((status = decode_body(rq, rs)) != 0 || (status = idempotency_key(rq, rs, &key)) != 0)
		goto out;
	ct = req_header(rq, "Content-Type");
	if (ct && *ct && strncasecmp(ct, "application/json", 16) != 0) {
		status = resp_problem(rs, 415, "unsupported-media-type",
		                      "expected Content-Type application/json, got '%.64s'", ct);
		goto out;
	}
	if ((errs = calloc(ERRORS_SHOWN, sizeof *errs)) == NULL) {
		status = app_unavailable(rq, rs, "memory");
		goto out;
	}
	switch (samples_json(rq->body ? rq->body : "", rq->body_len, !single, BATCH_MAX_SAMPLES, now,
	                     retention, &b, errs, ERRORS_SHOWN, &nerr, &nitems, err, sizeof err)) {
	case SJ_OK: break;
	case SJ_MALFORMED: status = resp_problem(rs, 400, "malformed-json", "%s", err); goto out;
	case SJ_NOT_BATCH:
		status = resp_problem(rs, 422, "invalid-field", "expected an object {\"metrics\": [...]}");
		goto out;
	case SJ_TOO_MANY: {
		struct json_object *extra = json_object_new_object();
		json_add(extra, "limit", json_object_new_int(BATCH_MAX_SAMPLES));
		status = resp_problem_ext(rs, 413, "batch-too-large", extra,
		                          "more than %d samples in one batch", BATCH_MAX_SAMPLES);
		goto out;
	}
	default: status = app_unavailable(rq, rs, "memory"); goto out;
	}
	if (nerr > 0) {
		struct json_object *extra = json_object_new_object(), *list = json_object_new_array();
		for (long i = 0; i < nerr && i < ERRORS_SHOWN; i++)
			json_object_array_add(list, item_error(errs[i].index, "index", errs[i].field,
			                                       errs[i].reason));
		json_add(extra, "errors", list);
		json_add(extra, "rejected", json_object_new_int64(nerr));
		status = resp_problem_ext(rs, 422, "invalid-samples", extra,
		                          "%ld of %zu samples are invalid; nothing was stored", nerr,
		                          nitems);
		goto out;
	}
	if (nitems == 0) {
		status = resp_problem(rs, 422, "invalid-field", "metrics: the batch is empty");
		goto out;
	}
	snprintf(response, sizeof response, "{\"accepted\":%zu}", b.n);
	status = store_and_answer(rq, rs, &b, key, 200, response);
out:
	free(errs);
	batch_free(&b);
	return status;
}

int
metrics_ingest(struct req *rq, struct resp *rs)
{
	return ingest(rq, rs, 1);
}

int
metrics_ingest_batch(struct req *rq, struct resp *rs)
{
	return ingest(rq, rs, 0);
}

/* Checks one parsed line and adds one sample per numeric field; nothing is added when any part
 * of the line is invalid. Returns NULL or why the line is rejected (in err). */
static const char *
lp_line_to_batch(struct lp_line *ln, int64_t ts_us, int64_t now, int64_t retention,
                 struct batch *b, char *err, size_t errlen, int *oom)
{
	char name[METRIC_NAME_MAX + 1];
	const struct label *dup;
	const char *why;

	for (int i = 0; i < ln->ntags; i++) {
		struct label *t = &ln->tags[i];
		if (!label_key_valid(t->k, t->klen)) {
			snprintf(err, errlen, "tag key '%.*s' must match [a-zA-Z_][a-zA-Z0-9_]* (at most %d "
			         "bytes)", (int)(t->klen > 64 ? 64 : t->klen), t->k, LABEL_KEY_MAX);
			return err;
		}
		if (!label_value_valid(t->v, t->vlen)) {
			snprintf(err, errlen, "tag '%.*s': value must be 1 to %d bytes of UTF-8",
			         (int)t->klen, t->k, LABEL_VALUE_MAX);
			return err;
		}
	}
	if (labels_sort(ln->tags, ln->ntags, &dup) < 0) {
		snprintf(err, errlen, "tag '%.*s' appears twice", (int)dup->klen, dup->k);
		return err;
	}
	if ((why = metric_ts_problem(ts_us, now, retention)) != NULL) {
		snprintf(err, errlen, "%s", why);
		return err;
	}
	for (int i = 0; i < ln->nfields; i++) {
		struct lp_field *f = &ln->fields[i];
		size_t n = ln->mlen + 1 + f->klen;
		if (f->type == LP_STRING)
			continue;
		if (n > METRIC_NAME_MAX) {
			snprintf(err, errlen, "metric name '%.*s_%.*s' is over %d bytes", (int)ln->mlen,
			         ln->measurement, (int)f->klen, f->k, METRIC_NAME_MAX);
			return err;
		}
		memcpy(name, ln->measurement, ln->mlen);
		name[ln->mlen] = '_';
		memcpy(name + ln->mlen + 1, f->k, f->klen);
		if (!metric_name_valid(name, n)) {
			snprintf(err, errlen, "metric name '%.*s' must match [a-zA-Z_:][a-zA-Z0-9_:.]*",
			         (int)n, name);
			return err;
		}
	}
	for (int i = 0; i < ln->nfields; i++) {
		struct lp_field *f = &ln->fields[i];
		size_t n = ln->mlen + 1 + f->klen;
		if (f->type == LP_STRING)
			continue;
		memcpy(name, ln->measurement, ln->mlen);
		name[ln->mlen] = '_';
		memcpy(name + ln->mlen + 1, f->k, f->klen);
		if (batch_add(b, name, n, ln->tags, ln->ntags, ts_us, f->v) < 0) {
			*oom = 1;
			return "out of memory";
		}
	}
	return NULL;
}

int
metrics_write(struct req *rq, struct resp *rs)
{
	int64_t now = time_now_us(), retention = (int64_t)rq->app->cfg->retention_ms * 1000;
	int64_t mul, div;
	struct json_object *errors = NULL;
	struct lp_line *ln = NULL;
	char *scratch = NULL, err[256];
	const char *key, *p, *end;
	long lineno = 0, nrej = 0, nlines = 0;
	int oom = 0, status;
	struct batch b;

	batch_init(&b);
	if ((status = decode_body(rq, rs)) != 0 || (status = idempotency_key(rq, rs, &key)) != 0)
		goto out;
	if (lp_precision(req_query(rq, "precision"), &mul, &div) < 0) {
		status = resp_problem(rs, 400, "bad-parameter",
		                      "precision: expected one of ns, us, ms, s, m, h");
		goto out;
	}
	if ((scratch = malloc(rq->body_len + 1)) == NULL || (ln = malloc(sizeof *ln)) == NULL ||
	    (errors = json_object_new_array()) == NULL) {
		status = app_unavailable(rq, rs, "memory");
		goto out;
	}
	p = rq->body ? rq->body : "";
	end = p + rq->body_len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *why = NULL;
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int64_t ts_us = now;
		int rc;

		lineno++;
		rc = lp_parse_line(p, len, scratch, ln, err, sizeof err);
		p += len + (nl != NULL);
		if (rc == 0)
			continue;
		nlines++;
		if (rc < 0)
			why = err;
		else if (ln->has_ts && lp_ts_to_us(ln->ts, mul, div, &ts_us) < 0)
			why = "timestamp out of range for the precision";
		else
			why = lp_line_to_batch(ln, ts_us, now, retention, &b, err, sizeof err, &oom);
		if (oom) {
			status = app_unavailable(rq, rs, "memory");
			goto out;
		}
		if (why != NULL && nrej++ < ERRORS_SHOWN)
			json_object_array_add(errors, item_error(lineno, "line", NULL, why));
	}
	if (nrej > 0) {
		struct json_object *extra = json_object_new_object();
		char msg[96];
		snprintf(msg, sizeof msg, "partial write: dropped=%ld", nrej);
		json_add(extra, "error", json_object_new_string(msg));
		json_add(extra, "accepted", json_object_new_int64((int64_t)b.n));
		json_add(extra, "rejected", json_object_new_int64(nrej));
		json_add(extra, "errors", errors);
		errors = NULL;
		resp_problem_ext(rs, 400, "partial-write", extra,
		                 "%ld of %ld lines rejected; %zu samples from the other lines were stored",
		                 nrej, nlines, b.n);
	}
	if (b.n == 0) {
		status = nrej > 0 ? rs->status : resp_empty(rs, 204);
		goto out;
	}
	status = store_and_answer(rq, rs, &b, key, nrej > 0 ? 400 : 204, nrej > 0 ? rs->body.p : NULL);
out:
	json_object_put(errors);
	free(scratch);
	free(ln);
	batch_free(&b);
	return status;
}
