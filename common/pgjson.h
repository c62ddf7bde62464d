/* common/pgjson.h — PostgreSQL result rows as JSON objects, typed by the column's type. */
#ifndef TT_PGJSON_H
#define TT_PGJSON_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdint.h>

/* One row as an object keyed by column name. int2/4/8 become integers, float4/8 and numeric
 * numbers, bool booleans, json/jsonb parsed values, timestamptz RFC 3339 UTC strings, NULL null,
 * anything else strings. Columns whose name starts with '_' are internal and left out. */
struct json_object *pg_row_json(PGresult *res, int row);
/* Every row, as an array. */
struct json_object *pg_rows_json(PGresult *res);
/* Column col of every row holds JSON text (built by SQL): parsed, as an array. */
struct json_object *pg_json_column(PGresult *res, int col);
/* A window total (count(*) OVER ()) from column col of the first row; 0 without rows. */
int64_t pg_window_total(PGresult *res, int col);
/* A column's value by name: a double (0 when NULL or absent), an int64, a string (NULL). */
double pgr_double(PGresult *res, int row, const char *col);
int64_t pgr_int64(PGresult *res, int row, const char *col);
const char *pgr_text(PGresult *res, int row, const char *col);
/* timestamptz text (any TimeZone, ISO DateStyle) to Unix microseconds; -1 when unparsable. */
int pg_timestamp_us(const char *s, int64_t *out);

#endif
