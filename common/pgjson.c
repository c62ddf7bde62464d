/* common/pgjson.c — typed conversion of libpq text results into json-c values. */
#include "pgjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

/* Type OIDs from pg_type.h (stable across versions). */
enum {
	OID_BOOL = 16,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_JSON = 114,
	OID_FLOAT4 = 700,
	OID_FLOAT8 = 701,
	OID_TIMESTAMPTZ = 1184,
	OID_NUMERIC = 1700,
	OID_JSONB = 3802,
};

int
pg_timestamp_us(const char *s, int64_t *out)
{
	/* "2026-11-22 03:40:51.123+00" or "...+05:30" -> RFC 3339 */
	char buf[48];
	size_t n = strlen(s), len;
	const char *tz;

	if (n < 19 || n >= sizeof buf - 4)
		return -1;
	memcpy(buf, s, n + 1);
	if (buf[10] == ' ')
		buf[10] = 'T';
	tz = strpbrk(buf + 19, "+-");
	if (tz == NULL)
		return -1;
	len = strlen(tz);
	if (len == 3) /* "+00" */
		strcat(buf, ":00");
	else if (len == 9) /* "+05:53:28": seconds in the offset, historical zones only */
		return -1;
	return time_parse(buf, out);
}

static struct json_object *
value_json(PGresult *res, int row, int col)
{
	const char *v = PQgetvalue(res, row, col);
	int64_t us;
	char ts[32];

	if (PQgetisnull(res, row, col))
		return NULL;
	switch (PQftype(res, col)) {
	case OID_BOOL: return json_object_new_boolean(v[0] == 't');
	case OID_INT2:
	case OID_INT4:
	case OID_INT8: return json_object_new_int64(strtoll(v, NULL, 10));
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC: {
		double d = strtod(v, NULL);
		/* NaN/Infinity cannot be written as JSON. */
		if (d != d || d > 1.7e308 || d < -1.7e308)
			return NULL;
		/* PostgreSQL prints the shortest text that reads back exactly: keep it. */
		return json_object_new_double_s(d, v);
	}
	case OID_JSON:
	case OID_JSONB: return json_tokener_parse(v);
	case OID_TIMESTAMPTZ:
		if (pg_timestamp_us(v, &us) < 0)
			return json_object_new_string(v);
		time_format(us, ts);
		return json_object_new_string(ts);
	default: return json_object_new_string(v);
	}
}

struct json_object *
pg_row_json(PGresult *res, int row)
{
	struct json_object *o = json_object_new_object();

	for (int c = 0; c < PQnfields(res); c++) {
		const char *name = PQfname(res, c);
		if (name[0] == '_')
			continue;
		json_object_object_add(o, name, value_json(res, row, c));
	}
	return o;
}

struct json_object *
pg_rows_json(PGresult *res)
{
	struct json_object *a = json_object_new_array_ext(PQntuples(res));

	for (int r = 0; r < PQntuples(res); r++)
		json_object_array_add(a, pg_row_json(res, r));
	return a;
}

double
pgr_double(PGresult *res, int row, const char *col)
{
	int c = PQfnumber(res, col);

	if (c < 0 || PQgetisnull(res, row, c))
		return 0;
	return strtod(PQgetvalue(res, row, c), NULL);
}

int64_t
pgr_int64(PGresult *res, int row, const char *col)
{
	int c = PQfnumber(res, col);

	if (c < 0 || PQgetisnull(res, row, c))
		return 0;
	return strtoll(PQgetvalue(res, row, c), NULL, 10);
}

const char *
pgr_text(PGresult *res, int row, const char *col)
{
	int c = PQfnumber(res, col);

	if (c < 0 || PQgetisnull(res, row, c))
		return NULL;
	return PQgetvalue(res, row, c);
}

struct json_object *
pg_json_column(PGresult *res, int col)
{
	int n = PQntuples(res);
	struct json_object *arr = json_object_new_array_ext(n);

	for (int i = 0; i < n; i++)
		json_object_array_add(arr, json_tokener_parse(PQgetvalue(res, i, col)));
	return arr;
}

int64_t
pg_window_total(PGresult *res, int col)
{
	return PQntuples(res) ? strtoll(PQgetvalue(res, 0, col), NULL, 10) : 0;
}
