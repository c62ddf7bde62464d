/* common/params.c — query parameter validators shared by every handler. */
#include "params.h"

#include <limits.h>

#include "config.h"
#include "timeutil.h"

int
param_long(struct req *rq, struct resp *rs, const char *name, long def, long min, long max,
           long *out)
{
	const char *v = req_query(rq, name);

	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (parse_long(v, min, max, out) < 0)
		return resp_problem(rs, 400, "bad-parameter", "%s: expected an integer from %ld to %ld",
		                    name, min, max);
	return 0;
}

int
param_duration_ms(struct req *rq, struct resp *rs, const char *name, long def, long min, long max,
                  long *out)
{
	const char *v = req_query(rq, name);

	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (parse_duration_ms(v, out) < 0 || *out < min || *out > max)
		return resp_problem(rs, 400, "bad-parameter",
		                    "%s: expected a duration such as 30s, 5m, 1h or 7d, from %ldms to %ldms",
		                    name, min, max);
	return 0;
}

int
param_time(struct req *rq, struct resp *rs, const char *name, int64_t def, int64_t *out)
{
	const char *v = req_query(rq, name);

	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (time_parse(v, out) < 0)
		return resp_problem(rs, 400, "bad-parameter",
		                    "%s: expected an RFC 3339 time or Unix seconds/milliseconds", name);
	return 0;
}

int
param_range(struct req *rq, struct resp *rs, int64_t span_us, int64_t *start, int64_t *end)
{
	int64_t now = time_now_us();
	int status;

	if ((status = param_time(rq, rs, "end", now, end)) != 0)
		return status;
	if ((status = param_time(rq, rs, "start", *end - span_us, start)) != 0)
		return status;
	if (*start >= *end)
		return resp_problem(rs, 400, "bad-parameter", "start must be before end");
	return 0;
}

int
param_page(struct req *rq, struct resp *rs, long *limit, long *offset)
{
	int status = param_long(rq, rs, "limit", PAGE_LIMIT_DEFAULT, 1, PAGE_LIMIT_MAX, limit);

	if (status != 0)
		return status;
	return param_long(rq, rs, "offset", 0, 0, LONG_MAX / 2, offset);
}
