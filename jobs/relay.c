/* jobs/relay.c — publishes every unpublished outbox row to its tenant's Redis stream. */
#include "../common/json.h"
#include "../common/outbox.h"
#include "jobs.h"

#define RELAY_BATCH 500

int
job_relay(struct jobctx *j, struct json_object *detail)
{
	int n, total = 0;

	while ((n = outbox_relay(&j->db, &j->cache, -1, RELAY_BATCH)) > 0)
		total += n;
	json_add(detail, "published", json_object_new_int(total));
	if (n < 0) {
		json_add(detail, "error", json_object_new_string(j->cache.err[0] ? j->cache.err
		                                                                  : j->db.err));
		return -1;
	}
	return 0;
}
