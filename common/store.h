/* common/store.h — the series, samples and ingest_batches tables: series id cache, partitions, COPY. */
#ifndef TT_STORE_H
#define TT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "metric.h"

/* One sample to store; its series is named by a canonical key in the batch's key arena:
 * "name\0k1\0v1\0k2\0v2\0" with the labels sorted by key. */
struct point {
	size_t  key_off;
	size_t  key_len;
	int64_t ts_us;
	double  value;
	int64_t sid;  /* filled while storing */
};

struct batch {
	struct buf    keys;
	struct point *pts;
	size_t        n, cap;
};

void batch_init(struct batch *b);
void batch_free(struct batch *b);
/* Adds a sample; labels must be sorted (labels_sort). -1 when out of memory. */
int  batch_add(struct batch *b, const char *name, size_t namelen, const struct label *labels,
               int nlabels, int64_t ts_us, double value) __attribute__((warn_unused_result));

enum store_outcome { STORE_OK, STORE_REPLAY, STORE_LIMIT, STORE_ERROR };

struct store_result {
	enum store_outcome outcome;
	int                status;         /* STORE_REPLAY: the stored answer's HTTP status */
	char              *body;           /* STORE_REPLAY: its JSON body or NULL; caller frees */
	long long          max_series;     /* STORE_LIMIT */
	long long          series_created; /* STORE_OK */
};

/* Stores the batch in one transaction: the ingest_batches row (status and response are what a
 * retry with the same idempotency key gets back), new series, one COPY of the samples. Series
 * ids come from a per-process cache; partitions are created for the days the batch touches. */
int store_batch(struct db *db, long long tenant_id, struct batch *b, const char *idem_key,
                int status, const char *response, struct store_result *out);

/* Empties the per-process caches (series ids, known partitions). */
void store_reset_caches(void);

#endif
