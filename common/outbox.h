/* common/outbox.h — the transactional outbox: events written with the change, relayed to Redis. */
#ifndef TT_OUTBOX_H
#define TT_OUTBOX_H

#include "cache.h"
#include "db.h"

/* Inside the caller's transaction: records an event {id, type, tenant_id, at} merged with body
 * (a JSON object text), and one pending webhook delivery per enabled channel in channels (a
 * PostgreSQL uuid[] literal such as "{...}", or NULL for none). Sets *event_id. */
int outbox_emit(struct db *db, long long tenant_id, const char *topic, const char *body,
                const char *channels, long long *event_id) __attribute__((warn_unused_result));

/* Publishes unpublished outbox rows (of one tenant, or all when tenant_id < 0) to the Redis stream
 * events:{tenant_id}, at most `limit`, and marks them published in the same transaction. Each
 * event id is added to the stream once, even when two relays race or one is retried after a
 * failure (a Redis-side marker guards the XADD). Returns the number published, or -1. */
int outbox_relay(struct db *db, struct cache *cache, long long tenant_id, int limit);

#endif
