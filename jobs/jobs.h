/* jobs/jobs.h — the parts of one telltale-jobs run; each returns 0 and fills a JSON detail. */
#ifndef TT_JOBS_H
#define TT_JOBS_H

#include <json-c/json.h>

#include "../common/cache.h"
#include "../common/config.h"
#include "../common/db.h"

struct jobctx {
	const struct config *cfg;
	struct db            db;
	struct cache         cache;
	int                  force; /* --only: run even when not due */
};

int job_evaluate(struct jobctx *j, struct json_object *detail);
int job_relay(struct jobctx *j, struct json_object *detail);
int job_notify(struct jobctx *j, struct json_object *detail);
int job_maintain(struct jobctx *j, struct json_object *detail);

#endif
