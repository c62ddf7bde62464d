/* common/json.h — strict JSON parsing on top of json-c, and typed field access for handlers. */
#ifndef TT_JSON_H
#define TT_JSON_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 16

/* Parses exactly len bytes as one JSON value. Rejects what json-c alone lets through: trailing
 * bytes, truncation, invalid UTF-8 (strictly, RFC 3629), NUL in strings, duplicate object keys,
 * nesting deeper than JSON_MAX_DEPTH. Returns a new reference, or NULL with a reason in err.
 * Non-finite and out-of-range numbers are left to the field accessors (they are 422, not 400). */
struct json_object *json_parse_strict(const char *text, size_t len, char *err, size_t errlen);

/* Field accessors: 1 found and valid, 0 absent (or JSON null), -1 present but invalid. */
int json_get_string(struct json_object *o, const char *key, const char **out, size_t *len);
int json_get_double(struct json_object *o, const char *key, double *out); /* finite only */
int json_get_int64(struct json_object *o, const char *key, int64_t *out); /* rejects clamped */
int json_get_bool(struct json_object *o, const char *key, int *out);
/* A number as a finite double, whatever json-c typed it as; -1 when not a finite number. */
int json_number_value(struct json_object *v, double *out);

/* Adds with a constant key (no strdup): o["key"] = v. Steals v. */
void json_add(struct json_object *o, const char *key, struct json_object *v);
/* A string value, or JSON null when s is NULL. */
struct json_object *json_str_or_null(const char *s);

#endif
