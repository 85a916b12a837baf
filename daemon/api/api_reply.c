/*
 * api_reply: how handlers answer. Every answer is JSON in one of two
 * shapes (a document, or {"error": {"code", "message"}}), except the raw
 * bodies of exports and backups; see api_internal.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "log.h"
#include "model_json.h"
#include "xmalloc.h"

/* jansson hands over a document token by token: batch them. */
struct dump_ctx {
	struct evbuffer	*out;
	size_t		 len;
	char		 buf[16384];
};

static int
dump_flush(struct dump_ctx *dc)
{
	int rc = dc->len > 0 ? evbuffer_add(dc->out, dc->buf, dc->len) : 0;

	dc->len = 0;
	return rc;
}

static int
dump_cb(const char *buffer, size_t size, void *arg)
{
	struct dump_ctx *dc = arg;

	if (dc->len + size > sizeof(dc->buf) && dump_flush(dc) == -1)
		return -1;
	if (size > sizeof(dc->buf))
		return evbuffer_add(dc->out, buffer, size);
	memcpy(dc->buf + dc->len, buffer, size);
	dc->len += size;
	return 0;
}

void
api_reply(struct evhttp_request *req, int status, json_t *doc)
{
	api_reply_sized(req, status, doc, 0);
}

void
api_reply_sized(struct evhttp_request *req, int status, json_t *doc,
    size_t size_hint)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct dump_ctx *dc;

	/*
	 * One allocation up front for a large answer, instead of a chain of
	 * growing ones amid the many small frees of the document (each of
	 * which makes malloc consolidate its free lists).
	 */
	if (size_hint > 0)
		evbuffer_expand(out, size_hint);

	/* Straight into the output buffer: no copy of a large answer. */
	dc = xmalloc(sizeof(*dc));
	dc->out = out;
	dc->len = 0;
	if (doc == NULL || json_dump_callback(doc, dump_cb, dc,
	    JSON_COMPACT) == -1 || dump_flush(dc) == -1) {
		/* Only reachable on OOM or invalid UTF-8 in a string. */
		log_warnx("api: cannot encode a response");
		evbuffer_drain(out, evbuffer_get_length(out));
		evbuffer_add_printf(out, "{\"error\":{\"code\":\"internal\","
		    "\"message\":\"cannot encode response\"}}");
		status = 500;
	}
	free(dc);
	json_decref(doc);
	evbuffer_add(out, "\n", 1);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json; charset=utf-8");
	evhttp_send_reply(req, status, NULL, NULL);
}

struct api_list {
	struct evhttp_request	*req;
	struct dump_ctx		 dc;
	size_t			 n;
	int			 failed;	/* an element not encoded */
};

/* Writes s as it is: only the brackets and commas of the list. */
static int
list_put(struct api_list *l, const char *s)
{
	return dump_cb(s, strlen(s), &l->dc);
}

struct api_list *
api_list_new(struct evhttp_request *req, json_t *head, const char *key,
    size_t size_hint)
{
	struct api_list *l = xmalloc(sizeof(*l));
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	json_t *k = json_string(key);
	char *h = NULL;
	size_t hlen;

	l->req = req;
	l->dc.out = out;
	l->dc.len = 0;
	l->n = 0;
	if (size_hint > 0)
		evbuffer_expand(out, size_hint);
	/* The head's members without its closing brace, then "key":[. */
	if (head == NULL)
		head = json_object();
	h = json_dumps(head, JSON_COMPACT);
	json_decref(head);
	l->failed = h == NULL || k == NULL;
	if (!l->failed) {
		hlen = strlen(h);
		h[hlen - 1] = '\0';
		l->failed = list_put(l, h) == -1 ||
		    (hlen > 2 && list_put(l, ",") == -1) ||
		    json_dump_callback(k, dump_cb, &l->dc, JSON_ENCODE_ANY) ==
		    -1 || list_put(l, ":[") == -1;
	}
	free(h);
	json_decref(k);
	return l;
}

int
api_list_add(struct api_list *l, const json_t *elem)
{
	if (l->failed)
		return -1;
	if ((l->n > 0 && list_put(l, ",") == -1) ||
	    json_dump_callback(elem, dump_cb, &l->dc, JSON_COMPACT) == -1) {
		l->failed = 1;
		return -1;
	}
	l->n++;
	return 0;
}

void
api_list_end(struct api_list *l, int status)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(l->req);

	if (l->failed || list_put(l, "]}") == -1 || dump_flush(&l->dc) == -1) {
		/* Only reachable on OOM or invalid UTF-8 in a string. */
		log_warnx("api: cannot encode a response");
		api_list_fail(l, 500, "cannot encode response");
		return;
	}
	evbuffer_add(out, "\n", 1);
	evhttp_add_header(evhttp_request_get_output_headers(l->req),
	    "Content-Type", "application/json; charset=utf-8");
	evhttp_send_reply(l->req, status, NULL, NULL);
	free(l);
}

void
api_list_fail(struct api_list *l, int status, const char *fmt, ...)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(l->req);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	evbuffer_drain(out, evbuffer_get_length(out));
	api_reply(l->req, status, api_error_json(status, NULL, msg));
	free(l);
}

static void
free_text(const void *data, size_t len, void *arg)
{
	free((void *)data);
}

void
api_reply_text(struct evhttp_request *req, int status, char *text,
    size_t len)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	/* Handed to libevent as it is: no copy of a large answer. */
	if (evbuffer_add_reference(out, text, len, free_text, NULL) == -1) {
		free(text);
		api_reply_error(req, 500, NULL, "cannot send the answer");
		return;
	}
	evbuffer_add(out, "\n", 1);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json; charset=utf-8");
	evhttp_send_reply(req, status, NULL, NULL);
}

static const char *
status_code_name(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 411: return "length_required";
	case 413: return "too_large";
	case 417: return "expectation_failed";
	case 429: return "too_many_requests";
	case 431: return "headers_too_large";
	case 501: return "not_implemented";
	case 503: return "unavailable";
	case 505: return "http_version";
	default: return status >= 500 ? "internal" : "error";
	}
}

const char *
api_status_reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

json_t *
api_error_json(int status, const char *code, const char *msg)
{
	return json_pack("{s:{s:s,s:o}}", "error", "code",
	    code != NULL ? code : status_code_name(status), "message",
	    model_json_str(msg));
}

void
api_reply_error(struct evhttp_request *req, int status, const char *code,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_reply(req, status, api_error_json(status, code, msg));
}

void
api_reply_raw(struct evhttp_request *req, int status,
    const char *content_type, const void *data, size_t len)
{
	evbuffer_add(evhttp_request_get_output_buffer(req), data, len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", content_type);
	evhttp_send_reply(req, status, NULL, NULL);
}

void
api_request_abandon(struct evhttp_request *req)
{
	/*
	 * On EOF or a timeout, libevent detaches a request the handler still
	 * holds from its connection and leaves freeing it to the handler
	 * (http.c, evhttp_connection_incoming_fail); one still attached is
	 * freed with the connection.
	 */
	if (req != NULL && evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req);
}

void
api_reply_lookup(struct evhttp_request *req, int rc, const char *what,
    int64_t id)
{
	if (rc == 0)
		api_reply_error(req, 404, NULL, "no %s %lld", what,
		    (long long)id);
	else
		api_reply_error(req, 500, NULL, "cannot read %s %lld (see the "
		    "daemon's log)", what, (long long)id);
}
