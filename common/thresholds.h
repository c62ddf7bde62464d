/* common/thresholds.h — metric definitions' warning/critical thresholds, checked at ingest. */
#ifndef TT_THRESHOLDS_H
#define TT_THRESHOLDS_H

#include "cache.h"
#include "db.h"
#include "store.h"

/* After a batch's COMMIT: for every series of the batch whose metric has thresholds, opens a
 * firing alert when its latest value is at or above one (critical, else warning) and resolves its
 * open threshold alert when the value is back under both, then publishes the events. Costs nothing
 * for metrics without thresholds (the definitions are cached per worker for 5 s). Failures are
 * logged, never returned: the samples are already stored. */
void thresholds_after_commit(struct db *db, struct cache *cache, long long tenant_id,
                             const struct batch *b);

/* warning/critical against a value: 2 critical, 1 warning, 0 neither. NAN = no threshold. */
int threshold_level(double value, double warning, double critical);

#endif
