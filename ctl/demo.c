/* ctl/demo.c — `telltalectl demo seed`: a day of deterministic API-service reports for a tenant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cache.h"
#include "../common/keys.h"
#include "../common/services_store.h"
#include "../common/timeutil.h"
#include "ctl.h"

#define MINUTE_US (60 * US_PER_SEC)

static int
demo_failed(struct db *db)
{
	fprintf(stderr, "telltalectl: %s\n", db->err);
	return db->unavailable ? CTL_PG : CTL_FAIL;
}

static int
demo_seed(const struct config *cfg, struct db *db, int argc, char **argv)
{
	const char *tenant = NULL;
	long hours = 24;
	long long tid;
	struct cache cache;
	struct svc_report *reports = NULL;
	int64_t now_us = time_now_us(), last_minute, first_minute;
	size_t total = 0;
	int rc = CTL_OK, found, cached = 0;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--tenant") == 0 && i + 1 < argc)
			tenant = argv[++i];
		else if (strcmp(argv[i], "--hours") == 0 && i + 1 < argc &&
		         parse_long(argv[i + 1], 1, 24 * 29, &hours) == 0)
			i++;
		else
			goto usage;
	}
	if (tenant == NULL)
		goto usage;
	if ((found = tenant_find(db, tenant, &tid)) < 0)
		return demo_failed(db);
	if (found == 0) {
		fprintf(stderr, "telltalectl: no tenant %s\n", tenant);
		return CTL_FAIL;
	}
	/* Whole minutes, the current one excluded: the same minutes always get the same numbers. */
	last_minute = (now_us / MINUTE_US - 1) * MINUTE_US;
	first_minute = last_minute - (int64_t)hours * 60 * MINUTE_US + MINUTE_US;
	cache_init(&cache, cfg->redis_url, cfg->redis_timeout_ms);
	for (int s = 0; s < svc_demo_nservices; s++) {
		const struct svc_demo_service *d = &svc_demo_services[s];
		struct svc_fields f = {d->display_name, NULL, -1, -1, -1, -1};
		struct json_object *mdoc = NULL, *sdoc = NULL;
		size_t per_chunk = (size_t)(SVC_REPORTS_MAX / d->nendpoints), n = 0;

		if (svc_registry_create(db, tid, d->name, &f) < 0) {
			rc = demo_failed(db);
			goto out;
		}
		free(reports);
		if ((reports = calloc(per_chunk * (size_t)d->nendpoints, sizeof *reports)) ==
		    NULL) {
			fprintf(stderr, "telltalectl: out of memory\n");
			rc = CTL_FAIL;
			goto out;
		}
		for (int64_t m = first_minute; m <= last_minute; m += MINUTE_US) {
			for (int e = 0; e < d->nendpoints; e++)
				svc_demo_report(s, e, m, &reports[n++]);
			if (n + (size_t)d->nendpoints <= per_chunk * (size_t)d->nendpoints &&
			    m + MINUTE_US <= last_minute)
				continue;
			/* The last chunk (the newest minutes) brings back the cache documents. */
			if (svc_store_reports(db, tid, d->name, reports, n,
			                      m + MINUTE_US > last_minute ? &mdoc : NULL,
			                      m + MINUTE_US > last_minute ? &sdoc : NULL) < 0) {
				rc = demo_failed(db);
				goto out;
			}
			total += n;
			n = 0;
		}
		if (svc_cache_put(&cache, tid, d->name, mdoc, sdoc, 1) == 0)
			cached++;
		json_object_put(mdoc);
		json_object_put(sdoc);
	}
	printf("seeded %zu reports for %d services of tenant %s (%ld h); %d cached in Redis\n",
	       total, svc_demo_nservices, tenant, hours, cached);
out:
	cache_close(&cache);
	free(reports);
	return rc;
usage:
	fprintf(stderr, "usage: telltalectl demo seed --tenant T [--hours 24]\n");
	return CTL_USAGE;
}

int
ctl_demo(const struct config *cfg, struct db *db, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "seed") == 0)
		return demo_seed(cfg, db, argc, argv);
	fprintf(stderr, "usage: telltalectl demo seed --tenant T [--hours 24]\n");
	return CTL_USAGE;
}
