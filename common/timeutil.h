/* common/timeutil.h — timestamps: RFC 3339 and Unix seconds/milliseconds in, RFC 3339 out. */
#ifndef TT_TIMEUTIL_H
#define TT_TIMEUTIL_H

#include <stdint.h>

#define US_PER_SEC 1000000LL

/* Microseconds since the Unix epoch, wall clock. */
int64_t time_now_us(void);
/* Parses RFC 3339 ("2026-11-22T03:40:51.5Z", "...+02:00") or a Unix time: an integer or decimal
 * number of seconds, or of milliseconds when it is 1e11 or more (a seconds value that large is
 * past the year 5000). Returns 0 and microseconds since the epoch, or -1. */
int  time_parse(const char *s, int64_t *out_us);
/* A Unix time given as a JSON number (same seconds/milliseconds rule). */
int  time_from_number(double v, int64_t *out_us);
/* RFC 3339 UTC with microseconds when they are not zero: out needs 32 bytes. */
void time_format(int64_t us, char out[32]);

#endif
