/* common/params.h — typed, range-checked query parameters; a bad one answers 400 naming it. */
#ifndef TT_PARAMS_H
#define TT_PARAMS_H

#include <stdint.h>

#include "http.h"

#define PAGE_LIMIT_DEFAULT 100
#define PAGE_LIMIT_MAX     1000

/* Each returns 0 with the value (or the default when absent), or the status of the 400 problem
 * it wrote into rs. */
int param_long(struct req *rq, struct resp *rs, const char *name, long def, long min, long max,
               long *out);
int param_duration_ms(struct req *rq, struct resp *rs, const char *name, long def, long min,
                      long max, long *out);
int param_time(struct req *rq, struct resp *rs, const char *name, int64_t def, int64_t *out);
/* start/end, defaulting to the last `span_us` before now; 400 when start >= end. */
int param_range(struct req *rq, struct resp *rs, int64_t span_us, int64_t *start, int64_t *end);
/* limit (default 100, at most 1000) and offset (>= 0). */
int param_page(struct req *rq, struct resp *rs, long *limit, long *offset);

#endif
