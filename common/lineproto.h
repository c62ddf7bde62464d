/* common/lineproto.h — the InfluxDB 1.x line protocol parser (one line at a time, no allocation). */
#ifndef TT_LINEPROTO_H
#define TT_LINEPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "metric.h"

#define LP_MAX_FIELDS 128

enum lp_type { LP_FLOAT, LP_INT, LP_UINT, LP_BOOL, LP_STRING };

struct lp_field {
	const char  *k;
	size_t       klen;
	enum lp_type type;
	double       v;     /* booleans are 1 and 0; strings have none */
};

struct lp_line {
	const char     *measurement;
	size_t          mlen;
	struct label    tags[METRIC_MAX_LABELS];
	int             ntags;
	struct lp_field fields[LP_MAX_FIELDS];
	int             nfields;
	int             has_ts;
	int64_t         ts;  /* in the request's precision */
};

/* Parses line[0..len) (without its '\n'). Unescaped names point into scratch, which needs len
 * bytes. Returns 1 for a point, 0 for a blank or comment line, -1 with a reason in err. */
int lp_parse_line(const char *line, size_t len, char *scratch, struct lp_line *out, char *err,
                  size_t errlen);

/* The precision query parameter: n|ns|u|us|ms|s|m|h (NULL = ns). 0 or -1. */
int lp_precision(const char *s, int64_t *mul_us, int64_t *div_us);
/* A timestamp in that precision to Unix microseconds (ns are floored). 0 or -1 on overflow. */
int lp_ts_to_us(int64_t ts, int64_t mul_us, int64_t div_us, int64_t *out);

#endif
