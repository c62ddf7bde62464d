/* common/webhook.c — HMAC signatures, the retry schedule and the Slack body of a webhook event. */
#include "webhook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

int
webhook_signature(const char *secret, size_t secret_len, const char *body, size_t len, char out[72])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)body, len, md, &n) ==
	        NULL ||
	    n != 32)
		return -1;
	memcpy(out, "sha256=", 7);
	for (unsigned i = 0; i < n; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[7 + 2 * n] = '\0';
	return 0;
}

long
webhook_backoff_ms(int failed)
{
	long ms;

	if (failed <= 0)
		return 0;
	if (failed < WEBHOOK_ATTEMPTS_PER_RUN)
		return 100L << (failed - 1); /* 100, 200, 400 */
	if (failed - WEBHOOK_ATTEMPTS_PER_RUN >= 11)
		return 3600L * 1000;
	ms = 2000L << (failed - WEBHOOK_ATTEMPTS_PER_RUN);
	return ms > 3600L * 1000 ? 3600L * 1000 : ms;
}

static const char *
severity_color(const char *sev)
{
	if (sev && strcmp(sev, "critical") == 0)
		return "#ff0000";
	if (sev && strcmp(sev, "high") == 0)
		return "#ff6600";
	if (sev && strcmp(sev, "medium") == 0)
		return "#ffaa00";
	if (sev && strcmp(sev, "low") == 0)
		return "#0099ff";
	return "#808080";
}

static struct json_object *
field(const char *title, struct json_object *value, int is_short)
{
	struct json_object *f = json_object_new_object();

	json_add(f, "title", json_object_new_string(title));
	json_add(f, "value", json_object_new_string(value ? json_object_get_string(value) : "-"));
	json_add(f, "short", json_object_new_boolean(is_short));
	return f;
}

int
webhook_slack_body(const char *event_json, size_t len, struct buf *out)
{
	char err[128], text[512];
	struct json_object *ev = json_parse_strict(event_json, len, err, sizeof err);
	struct json_object *alert, *o, *att, *atts, *fields, *v;
	const char *type, *sev, *name;

	if (ev == NULL || !json_object_object_get_ex(ev, "alert", &alert)) {
		json_object_put(ev);
		return -1;
	}
	type = json_object_get_string(json_object_object_get(ev, "type"));
	sev = json_object_get_string(json_object_object_get(alert, "severity"));
	name = json_object_get_string(json_object_object_get(alert, "rule_name"));
	snprintf(text, sizeof text, "telltale: %s %s", name ? name : "alert",
	         type && strstr(type, "resolved") ? "resolved" : "firing");
	o = json_object_new_object();
	atts = json_object_new_array();
	att = json_object_new_object();
	fields = json_object_new_array();
	json_add(o, "text", json_object_new_string(text));
	json_add(att, "color", json_object_new_string(type && strstr(type, "resolved")
	                                                  ? "#36a64f"
	                                                  : severity_color(sev)));
	json_add(att, "title", json_object_new_string(name ? name : "alert"));
	v = json_object_object_get(alert, "message");
	json_add(att, "text", json_object_new_string(v ? json_object_get_string(v) : ""));
	json_object_array_add(fields, field("Service", json_object_object_get(alert, "service_name"), 1));
	json_object_array_add(fields, field("Metric", json_object_object_get(alert, "metric"), 1));
	json_object_array_add(fields, field("Value", json_object_object_get(alert, "current_value"), 1));
	json_object_array_add(fields, field("Threshold", json_object_object_get(alert, "threshold"), 1));
	json_object_array_add(fields, field("Severity", json_object_object_get(alert, "severity"), 1));
	json_object_array_add(fields, field("Time", json_object_object_get(ev, "at"), 0));
	json_add(att, "fields", fields);
	json_object_array_add(atts, att);
	json_add(o, "attachments", atts);
	buf_puts(out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	json_object_put(ev);
	return 0;
}
