/* common/metric.h — sample validation rules, canonical series keys, label matchers, bucket math. */
#ifndef TT_METRIC_H
#define TT_METRIC_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define METRIC_NAME_MAX     200
#define METRIC_MAX_LABELS   32
#define LABEL_KEY_MAX       64
#define LABEL_VALUE_MAX     256
#define METRIC_FUTURE_US    (600LL * 1000000) /* timestamps at most 10 minutes ahead */
#define BATCH_MAX_SAMPLES   10000
#define MATCHERS_MAX        16

struct label {
	const char *k;
	size_t      klen;
	const char *v;
	size_t      vlen;
};

/* One validated sample; strings are borrowed from the parsed body. */
struct sample {
	const char  *name;
	size_t       namelen;
	struct label labels[METRIC_MAX_LABELS];
	int          nlabels;
	double       value;
	int64_t      ts_us;
};

int metric_name_valid(const char *s, size_t len);   /* [a-zA-Z_:][a-zA-Z0-9_:.]*, 1..200 */
int label_key_valid(const char *s, size_t len);     /* [a-zA-Z_][a-zA-Z0-9_]*, 1..64 */
int label_value_valid(const char *s, size_t len);   /* UTF-8, no NUL, 1..256 bytes */
/* NULL when ts is acceptable, else why not. */
const char *metric_ts_problem(int64_t ts_us, int64_t now_us, int64_t retention_us);

/* Validates one JSON sample {name, value, labels, source, timestamp} parsed by json-c. 0 when
 * valid; -1 with the offending field (NULL for the item itself) and a reason. The ingest routes
 * use the streaming parser (samplejson.h); this is the reference its tests compare it with. */
int sample_from_json(struct json_object *o, int64_t now_us, int64_t retention_us,
                     struct sample *out, const char **field, char *reason, size_t rlen);

/* Sorts labels by key; -1 (and the key in *dup) when a key repeats. */
int labels_sort(struct label *labels, int n, const struct label **dup);

/* Label matchers: Prometheus-style operators. */
enum match_op { MATCH_EQ, MATCH_NE, MATCH_RE, MATCH_NRE };
struct matcher {
	char          key[LABEL_KEY_MAX + 1];
	enum match_op op;
	char         *value; /* allocated */
};
/* "key:value" (the label= parameter: equality). 0 or -1. */
int  matcher_parse_label(const char *s, struct matcher *out);
/* A selector: `{k="v", k2!="v", k3=~"re", k4!~"re"}` (braces optional; values double-quoted with
 * \" and \\ escapes). Appends to out[*n], at most max in total. 0 or -1 with a reason. */
int  matcher_parse_selector(const char *s, struct matcher *out, int *n, int max, char *err,
                            size_t errlen);
void matchers_free(struct matcher *m, int n);

/* Bucket math on Unix microseconds, aligned to the epoch (as date_bin(width, ts, 'epoch')). */
int64_t bucket_floor(int64_t ts, int64_t width);
int64_t bucket_ceil(int64_t ts, int64_t width);
/* Number of buckets [floor(start), ceil(end)) covers. */
int64_t bucket_count(int64_t start, int64_t end, int64_t width);

#endif
