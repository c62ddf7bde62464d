/* common/webhook_send.c — libcurl POST with signature and idempotency headers. */
#include "webhook_send.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "webhook.h"

static size_t
discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb; /* the receiver's body is not kept: only its status matters */
}

int
webhook_post(const struct webhook_target *t, const char *event_id, const char *event_type,
             const char *delivery_id, const char *event, size_t len, long timeout_ms,
             struct webhook_result *r)
{
	struct curl_slist *h = NULL;
	struct buf body, line;
	char sig[72];
	CURL *c = NULL;
	CURLcode rc;
	int ok = -1;

	memset(r, 0, sizeof *r);
	buf_init(&body);
	buf_init(&line);
	if (t->format && strcmp(t->format, "slack") == 0) {
		if (webhook_slack_body(event, len, &body) < 0) {
			snprintf(r->error, sizeof r->error, "event is not valid JSON");
			goto out;
		}
	} else {
		buf_append(&body, event, len);
	}
	if (body.oom || webhook_signature(t->secret, strlen(t->secret), body.p, body.len, sig) < 0) {
		snprintf(r->error, sizeof r->error, "cannot sign the body");
		goto out;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "User-Agent: telltale/" PACKAGE_VERSION);
	buf_printf(&line, "X-Telltale-Signature: %s", sig);
	h = curl_slist_append(h, line.p);
	buf_reset(&line);
	buf_printf(&line, "Idempotency-Key: %s", event_id);
	h = curl_slist_append(h, line.p);
	buf_reset(&line);
	buf_printf(&line, "X-Telltale-Event: %s", event_type);
	h = curl_slist_append(h, line.p);
	buf_reset(&line);
	buf_printf(&line, "X-Telltale-Delivery: %s", delivery_id);
	h = curl_slist_append(h, line.p);
	if ((c = curl_easy_init()) == NULL || h == NULL) {
		snprintf(r->error, sizeof r->error, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, t->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.p);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body.len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 2000 ? timeout_ms : 2000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	{
		double secs = 0;
		curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &secs);
		r->ms = secs * 1000.0;
	}
	if (rc != CURLE_OK)
		snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(rc));
	else if (r->status < 200 || r->status > 299)
		snprintf(r->error, sizeof r->error, "receiver answered %ld", r->status);
	else
		ok = 0;
out:
	curl_slist_free_all(h);
	if (c)
		curl_easy_cleanup(c);
	buf_free(&body);
	buf_free(&line);
	return ok;
}
