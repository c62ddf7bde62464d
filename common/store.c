/* common/store.c — writes samples: cached series ids, partitions on demand, one binary COPY per batch. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "timeutil.h"

#define SC_CAP       (1u << 18) /* series cache slots per process */
#define SC_MAX_USED  (SC_CAP / 10 * 7)
#define DAY_US       (86400LL * US_PER_SEC)
#define DAYS_MAX     512
#define DAYS_TTL_MS  (10 * 60 * 1000) /* forget known partitions: retention drops them */
#define PG_EPOCH_US  946684800000000LL /* 2000-01-01 in Unix microseconds */
#ifndef TOUCH_EVERY_MS
#define TOUCH_EVERY_MS (3600 * 1000) /* series.last_seen is kept to the hour */
#endif

static struct db_stmt st_batch_insert = DB_STMT("ingest_batch_insert", 5,
	"INSERT INTO ingest_batches (tenant_id, idempotency_key, samples, status, response)"
	" VALUES ($1, $2, $3, $4, $5::jsonb)"
	" ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id");

static struct db_stmt st_batch_find = DB_STMT("ingest_batch_find", 2,
	"SELECT status, response::text FROM ingest_batches"
	" WHERE tenant_id = $1 AND idempotency_key = $2");

/* After COMMIT, best effort: rows another transaction holds are skipped, never waited for. */
static struct db_stmt st_touch = DB_STMT("series_touch", 2,
	"UPDATE series SET last_seen = now() WHERE id IN ("
	"  SELECT id FROM series WHERE tenant_id = $1 AND id = ANY($2::bigint[])"
	"  FOR UPDATE SKIP LOCKED)");

static struct db_stmt st_partitions = DB_STMT("samples_partitions", 2,
	"SELECT telltale_create_daily_partitions('samples'::regclass, $1::date, $2::date)");

/* One round trip for all the series of a batch the cache does not know: the existing ones are
 * found, the others created unless that would take the tenant past its series limit. The last
 * row is (0, room left, limit). */
static struct db_stmt st_series_resolve = DB_STMT("series_resolve", 2,
	"WITH input AS ("
	"  SELECT e.ord, e.v->>'n' AS name, e.v->'l' AS labels, decode(e.v->>'h', 'hex') AS hash"
	"    FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(v, ord)),"
	" existing AS ("
	"  SELECT i.ord, s.id FROM input i"
	"    JOIN series s ON s.tenant_id = $1 AND s.name = i.name AND s.labels_hash = i.hash),"
	" missing AS ("
	"  SELECT i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.ord = i.ord)),"
	" room AS ("
	"  SELECT t.max_series AS max,"
	"         t.max_series - (SELECT count(*) FROM series WHERE tenant_id = $1) AS n"
	"    FROM tenants t WHERE t.id = $1),"
	" ins AS ("
	"  INSERT INTO series (tenant_id, name, labels, labels_hash)"
	"  SELECT $1, m.name, m.labels, m.hash FROM missing m"
	"   WHERE (SELECT count(*) FROM missing) <= (SELECT n FROM room)"
	"   ORDER BY m.ord"
	"  ON CONFLICT (tenant_id, name, labels_hash) DO NOTHING"
	"  RETURNING id, name, labels_hash)"
	" SELECT e.ord, e.id, 0::bigint FROM existing e"
	" UNION ALL"
	" SELECT m.ord, ins.id, 1::bigint FROM ins"
	"   JOIN missing m ON m.name = ins.name AND m.hash = ins.labels_hash"
	" UNION ALL"
	" SELECT 0, r.n, r.max::bigint FROM room r");

/* ---- the per-process series id cache: (tenant, canonical key) -> series id ---- */

struct sc_entry {
	uint64_t  h;
	long long tenant;
	int64_t   sid;
	char     *key; /* NULL = empty slot */
	size_t    klen;
	long long touched_ms; /* when last_seen was last set */
};

static struct sc_entry *sc;
static size_t sc_used;

static int  days_known[DAYS_MAX];
static int  ndays_known;
static long long days_since_ms;

static uint64_t
key_hash(long long tenant, const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)tenant;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

void
store_reset_caches(void)
{
	if (sc) {
		for (size_t i = 0; i < SC_CAP; i++)
			free(sc[i].key);
		memset(sc, 0, SC_CAP * sizeof *sc);
	}
	sc_used = 0;
	ndays_known = 0;
}

static struct sc_entry *
sc_find(uint64_t h, long long tenant, const char *key, size_t len)
{
	if (sc == NULL)
		return NULL;
	for (size_t i = h & (SC_CAP - 1);; i = (i + 1) & (SC_CAP - 1)) {
		struct sc_entry *e = &sc[i];
		if (e->key == NULL)
			return NULL;
		if (e->h == h && e->tenant == tenant && e->klen == len && memcmp(e->key, key, len) == 0)
			return e;
	}
}

static void
sc_put(uint64_t h, long long tenant, const char *key, size_t len, int64_t sid)
{
	size_t i;
	char *copy;

	if (sc == NULL && (sc = calloc(SC_CAP, sizeof *sc)) == NULL)
		return;
	if (sc_used >= SC_MAX_USED) /* full: start over rather than evict one by one */
		store_reset_caches();
	for (i = h & (SC_CAP - 1); sc[i].key != NULL; i = (i + 1) & (SC_CAP - 1))
		if (sc[i].h == h && sc[i].tenant == tenant && sc[i].klen == len &&
		    memcmp(sc[i].key, key, len) == 0)
			return;
	if ((copy = malloc(len)) == NULL)
		return;
	memcpy(copy, key, len);
	sc[i] = (struct sc_entry){h, tenant, sid, copy, len, monotonic_ms()};
	sc_used++;
}

/* ---- batches ---- */

void
batch_init(struct batch *b)
{
	memset(b, 0, sizeof *b);
	buf_init(&b->keys);
}

void
batch_free(struct batch *b)
{
	buf_free(&b->keys);
	free(b->pts);
	memset(b, 0, sizeof *b);
}

int
batch_add(struct batch *b, const char *name, size_t namelen, const struct label *labels,
          int nlabels, int64_t ts_us, double value)
{
	struct point *p;
	size_t off = b->keys.len;

	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct point *np = realloc(b->pts, cap * sizeof *np);
		if (np == NULL)
			return -1;
		b->pts = np;
		b->cap = cap;
	}
	buf_append(&b->keys, name, namelen);
	buf_putc(&b->keys, '\0');
	for (int i = 0; i < nlabels; i++) {
		buf_append(&b->keys, labels[i].k, labels[i].klen);
		buf_putc(&b->keys, '\0');
		buf_append(&b->keys, labels[i].v, labels[i].vlen);
		buf_putc(&b->keys, '\0');
	}
	if (b->keys.oom)
		return -1;
	p = &b->pts[b->n++];
	p->key_off = off;
	p->key_len = b->keys.len - off;
	p->ts_us = ts_us;
	p->value = value;
	p->sid = 0;
	return 0;
}

/* ---- storing ---- */

struct missing {
	uint64_t h;
	size_t   key_off, key_len;
	int64_t  sid;
};

static void
hex32(const unsigned char *md, char out[65])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* {"n": name, "l": {labels}, "h": sha256 of the canonical labels} for one missing series. */
static void
series_json(struct buf *out, const char *key, size_t len)
{
	size_t nlen = strlen(key), pos = nlen + 1;
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65];
	int first = 1;

	buf_puts(out, "{\"n\":");
	buf_json_str(out, key, nlen);
	buf_puts(out, ",\"l\":{");
	while (pos < len) {
		size_t kl = strlen(key + pos), vl = strlen(key + pos + kl + 1);
		if (!first)
			buf_putc(out, ',');
		first = 0;
		buf_json_str(out, key + pos, kl);
		buf_putc(out, ':');
		buf_json_str(out, key + pos + kl + 1, vl);
		pos += kl + vl + 2;
	}
	EVP_Digest(key + nlen + 1, len - nlen - 1, md, &mdlen, EVP_sha256(), NULL);
	hex32(md, hex);
	buf_printf(out, "},\"h\":\"%s\"}", hex);
}

static void
put_be16(struct buf *b, uint16_t v)
{
	unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	buf_append(b, x, 2);
}

static void
put_be64(struct buf *b, uint64_t v)
{
	unsigned char x[12] = {0, 0, 0, 8};

	for (int i = 0; i < 8; i++)
		x[4 + i] = (unsigned char)(v >> (56 - 8 * i));
	buf_append(b, x, 12); /* field length 8, then the value */
}

/* PostgreSQL's binary COPY format: header, (int8, timestamptz, float8) rows, trailer. */
static int
copy_binary(const struct batch *b, struct buf *out)
{
	static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

	if (buf_reserve(out, 19 + b->n * 38 + 2) < 0)
		return -1;
	buf_append(out, header, sizeof header);
	for (size_t i = 0; i < b->n; i++) {
		uint64_t bits;
		memcpy(&bits, &b->pts[i].value, 8);
		put_be16(out, 3);
		put_be64(out, (uint64_t)b->pts[i].sid);
		put_be64(out, (uint64_t)(b->pts[i].ts_us - PG_EPOCH_US));
		put_be64(out, bits);
	}
	put_be16(out, 0xffff);
	return out->oom ? -1 : 0;
}

static int
floor_day(int64_t us)
{
	int64_t d = us / DAY_US;

	return (int)(us % DAY_US < 0 ? d - 1 : d);
}

/* Creates the daily partitions of the batch's days this process has not seen yet. */
static int
ensure_partitions(struct db *db, const struct batch *b)
{
	int fresh[DAYS_MAX], nfresh = 0;

	if (monotonic_ms() - days_since_ms > DAYS_TTL_MS) {
		ndays_known = 0;
		days_since_ms = monotonic_ms();
	}
	for (size_t i = 0; i < b->n; i++) {
		int d = floor_day(b->pts[i].ts_us), seen = 0;
		for (int j = 0; j < ndays_known && !seen; j++)
			seen = days_known[j] == d;
		for (int j = 0; j < nfresh && !seen; j++)
			seen = fresh[j] == d;
		if (!seen && nfresh < DAYS_MAX)
			fresh[nfresh++] = d;
	}
	for (int j = 0; j < nfresh; j++) {
		char day[32];
		const char *params[2] = {day, day};
		PGresult *res;
		time_format((int64_t)fresh[j] * DAY_US, day);
		day[10] = '\0';
		if ((res = db_exec(db, &st_partitions, params, DB_RETRY)) == NULL)
			return -1;
		PQclear(res);
		if (ndays_known < DAYS_MAX)
			days_known[ndays_known++] = fresh[j];
	}
	return 0;
}

static int
resolve_series(struct db *db, long long tenant_id, const struct batch *b, struct missing *miss,
               size_t nmiss, struct store_result *out)
{
	char tid[24];
	const char *params[2] = {tid, NULL};
	struct buf js;
	PGresult *res = NULL;
	int rc = -1;

	buf_init(&js);
	snprintf(tid, sizeof tid, "%lld", tenant_id);
	buf_putc(&js, '[');
	for (size_t i = 0; i < nmiss; i++) {
		if (i)
			buf_putc(&js, ',');
		series_json(&js, b->keys.p + miss[i].key_off, miss[i].key_len);
	}
	buf_putc(&js, ']');
	if (js.oom) {
		snprintf(db->err, sizeof db->err, "out of memory");
		goto out;
	}
	params[1] = js.p;
	for (int attempt = 0; attempt < 2; attempt++) {
		size_t resolved = 0;
		long long room = 0, created = 0;
		PQclear(res);
		if ((res = db_exec(db, &st_series_resolve, params, 0)) == NULL)
			goto out;
		for (int r = 0; r < PQntuples(res); r++) {
			long long ord = strtoll(PQgetvalue(res, r, 0), NULL, 10);
			long long v = strtoll(PQgetvalue(res, r, 1), NULL, 10);
			long long flag = strtoll(PQgetvalue(res, r, 2), NULL, 10);
			if (ord == 0) {
				room = v;
				out->max_series = flag;
			} else if (ord > 0 && (size_t)ord <= nmiss && miss[ord - 1].sid == 0) {
				miss[ord - 1].sid = v;
				resolved++;
				created += flag;
			}
		}
		out->series_created += created;
		if (resolved == nmiss) {
			rc = 0;
			goto out;
		}
		if ((long long)(nmiss - resolved) > room) {
			rc = 1; /* over the tenant's series limit */
			goto out;
		}
		/* Another worker created some of them after our snapshot: look again. */
	}
	snprintf(db->err, sizeof db->err, "series could not be resolved");
out:
	PQclear(res);
	buf_free(&js);
	return rc;
}

int
store_batch(struct db *db, long long tenant_id, struct batch *b, const char *idem_key,
            int status, const char *response, struct store_result *out)
{
	char tid[24], nsamples[24], st[12];
	const char *params[5] = {tid, idem_key, nsamples, st, response};
	struct missing *miss = NULL;
	struct buf touch;
	long long now_ms = monotonic_ms();
	int32_t *slots = NULL;
	size_t nmiss = 0, nslots = 16;
	struct buf copy;
	PGresult *res = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	out->outcome = STORE_ERROR;
	buf_init(&copy);
	buf_init(&touch);
	snprintf(tid, sizeof tid, "%lld", tenant_id);
	snprintf(nsamples, sizeof nsamples, "%zu", b->n);
	snprintf(st, sizeof st, "%d", status);

	/* Series ids: the cache first; the unknown ones, deduplicated, go to the database. */
	while (nslots < b->n * 2)
		nslots *= 2;
	if ((miss = calloc(b->n + 1, sizeof *miss)) == NULL ||
	    (slots = malloc(nslots * sizeof *slots)) == NULL) {
		snprintf(db->err, sizeof db->err, "out of memory");
		db->unavailable = 0;
		goto out;
	}
	memset(slots, 0xff, nslots * sizeof *slots);
	for (size_t i = 0; i < b->n; i++) {
		struct point *p = &b->pts[i];
		const char *key = b->keys.p + p->key_off;
		uint64_t h = key_hash(tenant_id, key, p->key_len);
		struct sc_entry *e = sc_find(h, tenant_id, key, p->key_len);
		size_t s;
		if (e != NULL) {
			p->sid = e->sid;
			if (now_ms - e->touched_ms > TOUCH_EVERY_MS) {
				buf_printf(&touch, "%c%lld", touch.len ? ',' : '{', (long long)e->sid);
				e->touched_ms = now_ms;
			}
			continue;
		}
		for (s = h & (nslots - 1); slots[s] >= 0; s = (s + 1) & (nslots - 1)) {
			struct missing *m = &miss[slots[s]];
			if (m->h == h && m->key_len == p->key_len &&
			    memcmp(b->keys.p + m->key_off, key, p->key_len) == 0)
				break;
		}
		if (slots[s] < 0) {
			slots[s] = (int32_t)nmiss;
			miss[nmiss++] = (struct missing){h, p->key_off, p->key_len, 0};
		}
		p->sid = -1 - (int64_t)slots[s];
	}

	if (ensure_partitions(db, b) < 0)
		goto out;
	if (db_begin(db) < 0)
		goto out;
	if ((res = db_exec(db, &st_batch_insert, params, 0)) == NULL)
		goto fail;
	if (PQntuples(res) == 0) {
		/* Stored before under this key: answer what was answered then. */
		const char *fparams[2] = {tid, idem_key};
		PQclear(res);
		db_rollback(db);
		if ((res = db_exec(db, &st_batch_find, fparams, DB_RETRY)) == NULL)
			goto out;
		if (PQntuples(res) == 0) {
			snprintf(db->err, sizeof db->err, "40001 idempotency key vanished");
			snprintf(db->sqlstate, sizeof db->sqlstate, "40001");
			goto out;
		}
		out->outcome = STORE_REPLAY;
		out->status = atoi(PQgetvalue(res, 0, 0));
		out->body = PQgetisnull(res, 0, 1) ? NULL : strdup(PQgetvalue(res, 0, 1));
		goto out;
	}
	PQclear(res);
	res = NULL;
	if (nmiss > 0) {
		rc = resolve_series(db, tenant_id, b, miss, nmiss, out);
		if (rc < 0)
			goto fail;
		if (rc > 0) {
			db_rollback(db);
			out->outcome = STORE_LIMIT;
			goto out;
		}
		for (size_t i = 0; i < b->n; i++)
			if (b->pts[i].sid < 0)
				b->pts[i].sid = miss[-1 - b->pts[i].sid].sid;
	}
	if (copy_binary(b, &copy) < 0) {
		snprintf(db->err, sizeof db->err, "out of memory");
		goto fail;
	}
	if (db_copy_in(db, "COPY samples (series_id, ts, value) FROM STDIN (FORMAT binary)", copy.p,
	               copy.len) < 0)
		goto fail;
	if (db_commit(db) < 0)
		goto out;
	for (size_t i = 0; i < nmiss; i++)
		sc_put(miss[i].h, tenant_id, b->keys.p + miss[i].key_off, miss[i].key_len, miss[i].sid);
	out->outcome = STORE_OK;
	if (touch.len > 0) {
		const char *tparams[2] = {tid, NULL};
		buf_putc(&touch, '}');
		tparams[1] = touch.p;
		if (!touch.oom)
			PQclear(db_exec(db, &st_touch, tparams, 0)); /* best effort: the samples are stored */
	}
	goto out;
fail:
	db_rollback(db);
out:
	PQclear(res);
	buf_free(&copy);
	buf_free(&touch);
	free(miss);
	free(slots);
	return out->outcome == STORE_ERROR ? -1 : 0;
}
