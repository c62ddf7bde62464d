/* common/timeutil.c — strict timestamp parsing and formatting (UTC, microsecond precision). */
#include "timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define UNIX_MS_THRESHOLD 1e11
/* 0001-01-01 .. 9999-12-31 in seconds, the range PostgreSQL and RFC 3339 share. */
#define MIN_SEC (-62135596800LL)
#define MAX_SEC 253402300799LL

int64_t
time_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * US_PER_SEC + tv.tv_usec;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
parse_rfc3339(const char *s, int64_t *out_us)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	int64_t frac = 0, secs;
	const char *p;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	if (sec == 60) /* leap second: the last instant of the minute */
		sec = 59;
	p = s + 19;
	if (*p == '.') {
		int n = 0;
		for (p++; isdigit((unsigned char)*p); p++, n++)
			if (n < 6)
				frac = frac * 10 + (*p - '0');
		if (n == 0 || n > 9)
			return -1;
		for (; n < 6; n++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	secs -= sign * (oh * 3600 + om * 60);
	*out_us = secs * US_PER_SEC + frac;
	return 0;
}

int
time_from_number(double v, int64_t *out_us)
{
	if (!isfinite(v))
		return -1;
	if (fabs(v) >= UNIX_MS_THRESHOLD)
		v /= 1000.0;
	if (v < (double)MIN_SEC || v > (double)MAX_SEC)
		return -1;
	*out_us = (int64_t)llround(v * 1e6);
	return 0;
}

int
time_parse(const char *s, int64_t *out_us)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	if (strchr(s, '-') && strlen(s) >= 20 && s[4] == '-')
		return parse_rfc3339(s, out_us);
	if (!isdigit((unsigned char)s[0]) && !(s[0] == '-' && isdigit((unsigned char)s[1])))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end != '\0')
		return -1;
	return time_from_number(v, out_us);
}

void
time_format(int64_t us, char out[32])
{
	int64_t secs = us / US_PER_SEC, frac = us % US_PER_SEC;
	struct tm tm;
	time_t t;

	if (frac < 0) {
		frac += US_PER_SEC;
		secs--;
	}
	t = (time_t)secs;
	gmtime_r(&t, &tm);
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		strcpy(out, "invalid");
		return;
	}
	if (frac)
		snprintf(out + strlen(out), 12, ".%06dZ", (int)(frac % US_PER_SEC));
	else
		strcat(out, "Z");
}
