#include <sys/socket.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <http_parser.h>
#include <jansson.h>

#include "api_gate.h"
#include "api_internal.h"
#include "api_reply.h"
#include "buf.h"
#include "log.h"
#include "xmalloc.h"

/* A WebSub push's limit (api_gate_set_push_limit); others: the API's. */
static size_t gate_max_push = API_MAX_BODY_SIZE;

/* Headers the gate reads; the rest pass unlooked-at. */
enum gate_header {
	GH_OTHER,
	GH_TRANSFER_ENCODING,
	GH_EXPECT,
	GH_AUTHORIZATION,
};

#define GATE_NAME_MAX	32	/* longer names are none of the above */
#define GATE_VALUE_MAX	32	/* longer Expect values are not 100-continue */

struct gate {
	http_parser	 parser;
	struct event_base *base;
	struct bufferevent *bev;	/* what evhttp holds: the filter */
	struct bufferevent *under;	/* the socket's bufferevent */
	struct event	*writable;	/* armed while output waits */
	struct event	*kick;		/* output was added: flush it */
	struct evbuffer_cb_entry *added_cb;
	struct evbuffer	*refusal;	/* the error answer, while unsent */

	/*
	 * Of the bytes at the start of the socket's input buffer, those the
	 * parser has read, and where the head being read began. What comes
	 * before that head (whole requests, or a head the gate accepted and
	 * its body so far) may go on to evhttp.
	 */
	size_t		 fed;
	size_t		 msg_start;
	bool		 head_done;	/* paused at the end of a head */
	bool		 in_head;
	bool		 refused;	/* answered with an error: drop the rest */
	bool		 done;		/* the last request was read: drop the rest */

	/* The head being read. */
	struct buf	 url;
	char		 name[GATE_NAME_MAX + 1];
	size_t		 name_len;
	bool		 in_value;
	enum gate_header header;
	char		 expect[GATE_VALUE_MAX + 1];
	size_t		 expect_len;
	int		 n_te, n_expect, n_auth;

	/* Why the gate refused, set by a callback that failed. */
	int		 status;
	const char	*code;
	char		 msg[160];
};

static int
gate_fail(struct gate *g, int status, const char *code, const char *msg)
{
	g->status = status;
	g->code = code;
	snprintf(g->msg, sizeof(g->msg), "%s", msg);
	return -1;
}

static int
on_message_begin(http_parser *p)
{
	struct gate *g = p->data;

	g->in_head = true;
	buf_reset(&g->url);
	g->name_len = 0;
	g->in_value = false;
	g->header = GH_OTHER;
	g->expect_len = 0;
	g->n_te = g->n_expect = g->n_auth = 0;
	/* Pause, so that the gate learns where this request starts. */
	http_parser_pause(p, 1);
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct gate *g = p->data;

	/* The parser bounds a head's size, and with it the URL's. */
	buf_append(&g->url, at, len);
	return 0;
}

static enum gate_header
header_kind(const char *name)
{
	if (strcasecmp(name, "Transfer-Encoding") == 0)
		return GH_TRANSFER_ENCODING;
	if (strcasecmp(name, "Expect") == 0)
		return GH_EXPECT;
	if (strcasecmp(name, "Authorization") == 0)
		return GH_AUTHORIZATION;
	return GH_OTHER;
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
	struct gate *g = p->data;

	if (g->in_value) {
		g->in_value = false;
		g->name_len = 0;
	}
	if (g->name_len + len <= GATE_NAME_MAX)
		memcpy(g->name + g->name_len, at, len);
	g->name_len += len;
	return 0;
}

static int
on_header_value(http_parser *p, const char *at, size_t len)
{
	struct gate *g = p->data;

	if (!g->in_value) {
		/* The first piece of a value: its name is complete. */
		g->in_value = true;
		g->header = GH_OTHER;
		if (g->name_len <= GATE_NAME_MAX) {
			g->name[g->name_len] = '\0';
			g->header = header_kind(g->name);
		}
		switch (g->header) {
		case GH_TRANSFER_ENCODING: g->n_te++; break;
		case GH_EXPECT: g->n_expect++; g->expect_len = 0; break;
		case GH_AUTHORIZATION: g->n_auth++; break;
		case GH_OTHER: break;
		}
	}
	if (g->header == GH_EXPECT) {
		if (g->expect_len + len <= GATE_VALUE_MAX)
			memcpy(g->expect + g->expect_len, at, len);
		g->expect_len += len;
	}
	return 0;
}

static bool
method_implemented(unsigned int m)
{
	switch (m) {
	case HTTP_GET: case HTTP_HEAD: case HTTP_POST: case HTTP_PUT:
	case HTTP_PATCH: case HTTP_DELETE:
		return true;
	default:
		return false;
	}
}

/*
 * The checks that keep evhttp from ever answering by itself: each one is a
 * request evhttp would refuse with HTML, or read differently.
 */
/* The largest body this request may carry. */
static size_t
body_limit(const struct gate *g, unsigned int method)
{
	size_t n = strlen(API_WEBSUB_PREFIX);

	if (method == HTTP_POST && g->url.len > n &&
	    memcmp(g->url.data, API_WEBSUB_PREFIX, n) == 0)
		return gate_max_push;
	return API_MAX_BODY_SIZE;
}

static int
on_headers_complete(http_parser *p)
{
	struct gate *g = p->data;
	bool has_length = (p->flags & F_CONTENTLENGTH) != 0;
	struct evhttp_uri *uri;
	char msg[96];

	if (p->http_major == 0)
		return gate_fail(g, 400, "bad_request",
		    "HTTP/0.9 is not spoken here");
	if (p->http_major != 1)
		return gate_fail(g, 505, "http_version",
		    "only HTTP/1.0 and HTTP/1.1 are spoken here");
	if (!method_implemented(p->method)) {
		snprintf(msg, sizeof(msg), "method %s is not implemented",
		    http_method_str(p->method));
		return gate_fail(g, 501, "not_implemented", msg);
	}
	if (g->n_te > 0)
		return gate_fail(g, 411, "length_required", "chunked request "
		    "bodies are not accepted; send Content-Length");
	if (g->n_expect > 1 || (g->n_expect == 1 &&
	    (g->expect_len != 12 || strncasecmp(g->expect, "100-continue",
	    12) != 0)))
		return gate_fail(g, 417, "expectation_failed",
		    "the only expectation met is Expect: 100-continue");
	if (g->n_auth > 1)
		return gate_fail(g, 400, "bad_request",
		    "Authorization given more than once");
	if (has_length && p->content_length > body_limit(g, p->method)) {
		snprintf(msg, sizeof(msg), "the body is over %zu bytes",
		    body_limit(g, p->method));
		return gate_fail(g, 413, "too_large", msg);
	}
	/* evhttp reads no body for these, so one would be a request. */
	if (has_length && p->content_length > 0 && (p->method == HTTP_GET ||
	    p->method == HTTP_HEAD || p->method == HTTP_DELETE))
		return gate_fail(g, 400, "bad_request",
		    "this method takes no body");
	/* The same parse evhttp makes of the request line's URI. */
	if ((uri = evhttp_uri_parse_with_flags(g->url.data,
	    EVHTTP_URI_NONCONFORMANT)) == NULL)
		return gate_fail(g, 400, "bad_request",
		    "malformed request URI");
	evhttp_uri_free(uri);
	/* Upgrade (h2c, websocket) is not offered: read on as HTTP/1.1. */
	p->upgrade = 0;
	/* Pause: the head's bytes get the checks the parser skips. */
	g->head_done = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings gate_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
};

/* A request line that starts with a method-like token: 501, else 400. */
static bool
looks_like_method(struct evbuffer *src, size_t off)
{
	struct evbuffer_ptr pos;
	unsigned char line[24];
	ev_ssize_t got;
	size_t i, n;

	if (evbuffer_ptr_set(src, &pos, off, EVBUFFER_PTR_SET) == -1 ||
	    (got = evbuffer_copyout_from(src, &pos, line, sizeof(line))) <= 0)
		return false;
	n = (size_t)got;
	for (i = 0; i < n && line[i] > ' ' && line[i] < 0x7f &&
	    strchr("()<>@,;:\\\"/[]?={}", line[i]) == NULL; i++)
		;
	return i > 0 && i < n && line[i] == ' ';
}

/* Maps a parse error to the answer; a callback's own reason comes first. */
static void
gate_reason(struct gate *g, struct evbuffer *src)
{
	enum http_errno e = HTTP_PARSER_ERRNO(&g->parser);

	if (g->status != 0)
		return;
	switch (e) {
	case HPE_HEADER_OVERFLOW:
		gate_fail(g, 431, "headers_too_large",
		    "the request head is too large");
		break;
	case HPE_INVALID_METHOD:
		/* The bad byte is the first of a request, or in its method. */
		if (looks_like_method(src, g->in_head ? g->msg_start : g->fed))
			gate_fail(g, 501, "not_implemented",
			    "this method is not implemented");
		else
			gate_fail(g, 400, "bad_request",
			    "malformed request line");
		break;
	case HPE_INVALID_CONTENT_LENGTH:
	case HPE_UNEXPECTED_CONTENT_LENGTH:
		gate_fail(g, 400, "bad_request",
		    "invalid or repeated Content-Length");
		break;
	case HPE_INVALID_TRANSFER_ENCODING:
		gate_fail(g, 411, "length_required", "chunked request "
		    "bodies are not accepted; send Content-Length");
		break;
	default:
		gate_fail(g, 400, "bad_request", http_errno_description(e));
		break;
	}
}

static void	on_writable(evutil_socket_t, short, void *);

/*
 * Whether evhttp still holds the connection. bufferevent_free() clears
 * the callbacks at once but frees later: flushing a freed one would add
 * its timeout event again, under memory about to be freed.
 */
static bool
gate_alive(struct gate *g)
{
	bufferevent_event_cb eventcb;

	bufferevent_getcb(g->bev, NULL, NULL, &eventcb, NULL);
	return eventcb != NULL;
}

/*
 * Writes what the socket takes of out now, and arms `writable` for the
 * rest: 1 if anything was written, 0 if nothing, -1 on a dead peer.
 */
static int
gate_send(struct gate *g, struct evbuffer *out)
{
	evutil_socket_t fd = bufferevent_getfd(g->under);
	int n;

	if (evbuffer_get_length(out) == 0)
		return 0;
	n = evbuffer_write(out, fd);
	if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR) {
		evbuffer_drain(out, evbuffer_get_length(out));
		return -1;
	}
	if (evbuffer_get_length(out) > 0) {
		if (g->writable == NULL)
			g->writable = event_new(g->base, fd, EV_WRITE,
			    on_writable, g);
		if (g->writable != NULL)
			event_add(g->writable, NULL);
	}
	return n > 0 ? 1 : 0;
}

static void
on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct gate *g = arg;

	if (g->refusal == NULL) {
		/* The filter's write path, which calls gate_output. */
		if (gate_alive(g))
			bufferevent_flush(g->bev, EV_WRITE, BEV_NORMAL);
		return;
	}
	/* Answered: shut the socket, and evhttp lets go on reading EOF. */
	if (gate_send(g, g->refusal) == -1 ||
	    evbuffer_get_length(g->refusal) == 0)
		shutdown(fd, SHUT_RDWR);
}

/*
 * evhttp adds an answer to the output and only then enables writing,
 * which a filter does not act on: flush once the adding is over.
 */
static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct gate *g = arg;

	if (gate_alive(g) &&
	    evbuffer_get_length(bufferevent_get_output(g->bev)) > 0)
		bufferevent_flush(g->bev, EV_WRITE, BEV_NORMAL);
}

static void
on_output_added(struct evbuffer *out, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct gate *g = arg;

	if (info->n_added > 0)
		event_active(g->kick, 0, 0);
}

static void
gate_refuse(struct gate *g, struct evbuffer *src)
{
	json_t *doc;
	char *body;

	gate_reason(g, src);
	g->refused = true;
	evbuffer_drain(src, evbuffer_get_length(src));
	log_info("api: request refused: %d %s", g->status, g->msg);
	doc = api_error_json(g->status, g->code, g->msg);
	body = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	/*
	 * evhttp has no request to answer this on, so the answer is written
	 * here: a status line, the fixed headers, the JSON. Answers to
	 * requests pipelined before it are dropped with the connection.
	 */
	evbuffer_drain(bufferevent_get_output(g->bev),
	    evbuffer_get_length(bufferevent_get_output(g->bev)));
	g->refusal = evbuffer_new();
	evbuffer_add_printf(g->refusal, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
	    g->status, api_status_reason(g->status),
	    (body != NULL ? strlen(body) : 0) + 1, body != NULL ? body : "");
	free(body);
	on_writable(bufferevent_getfd(g->under), EV_WRITE, g);
}

/*
 * What Debian's http-parser (built without HTTP_PARSER_STRICT) lets pass
 * and evhttp does not: a CR not followed by LF, and a version that is not
 * spelled "HTTP/". head is the whole head, up to its last LF.
 */
static int
gate_check_head(struct gate *g, const char *head, size_t len)
{
	const char *nl = memchr(head, '\n', len), *sp;
	size_t n;

	for (size_t i = 0; i < len; i++)
		if (head[i] == '\r' && (i + 1 == len || head[i + 1] != '\n'))
			return gate_fail(g, 400, "bad_request",
			    "a CR not followed by LF in the request head");
	n = (size_t)(nl - head);
	if (n > 0 && head[n - 1] == '\r')
		n--;
	for (sp = head + n; sp > head && sp[-1] != ' '; sp--)
		;
	if (head + n - sp != 8 || memcmp(sp, "HTTP/1.", 7) != 0 ||
	    (sp[7] != '0' && sp[7] != '1'))
		return gate_fail(g, 400, "bad_request",
		    "the request line must end in HTTP/1.0 or HTTP/1.1");
	return 0;
}

/* The head that ends at byte end of src (exclusive), checked. */
static int
gate_head_done(struct gate *g, struct evbuffer *src, size_t end)
{
	struct evbuffer_ptr pos;
	size_t len = end - g->msg_start;
	char *head;
	int rc;

	if (evbuffer_ptr_set(src, &pos, g->msg_start, EVBUFFER_PTR_SET) == -1)
		return -1;
	head = xmalloc(len);
	rc = evbuffer_copyout_from(src, &pos, head, len) == (ev_ssize_t)len ?
	    gate_check_head(g, head, len) : -1;
	free(head);
	g->in_head = false;
	return rc;
}

/* Feeds the parser from byte g->fed on; -1 when the request is refused. */
static int
gate_parse(struct gate *g, struct evbuffer *src)
{
	struct evbuffer_ptr pos;
	struct evbuffer_iovec v;
	size_t n, len;

	while (g->fed < evbuffer_get_length(src)) {
		if (evbuffer_ptr_set(src, &pos, g->fed, EVBUFFER_PTR_SET) ==
		    -1 || evbuffer_peek(src, -1, &pos, &v, 1) < 1)
			return -1;
		len = v.iov_len;
		n = http_parser_execute(&g->parser, &gate_settings,
		    v.iov_base, len);
		g->fed += n;
		if (HTTP_PARSER_ERRNO(&g->parser) == HPE_PAUSED) {
			http_parser_pause(&g->parser, 0);
			if (!g->head_done) {
				/* At a message's first byte, consumed. */
				g->msg_start = g->fed - 1;
				continue;
			}
			/* At the head's last LF, which is read again. */
			g->head_done = false;
			if (gate_head_done(g, src, g->fed + 1) == -1)
				return -1;
			continue;
		}
		if (HTTP_PARSER_ERRNO(&g->parser) != HPE_OK)
			return -1;
		/* HTTP/0.9 has no version to wait for: refuse it now. */
		if (g->in_head && g->parser.http_major == 0 &&
		    g->parser.http_minor == 9)
			return gate_fail(g, 400, "bad_request",
			    "HTTP/0.9 is not spoken here");
		if (n < len)
			return -1;
	}
	return 0;
}

static enum bufferevent_filter_result
gate_input(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *arg)
{
	struct gate *g = arg;
	size_t n;

	if (g->refused || g->done) {
		evbuffer_drain(src, evbuffer_get_length(src));
		return BEV_NEED_MORE;
	}
	if (gate_parse(g, src) == -1) {
		/*
		 * Bytes after a request that asked to close (or an HTTP/1.0
		 * one) are not read, by evhttp either: the whole requests
		 * before them still go on to be answered.
		 */
		if (HTTP_PARSER_ERRNO(&g->parser) != HPE_CLOSED_CONNECTION) {
			gate_refuse(g, src);
			return BEV_NEED_MORE;
		}
		g->done = true;
		g->in_head = false;
	}
	n = g->in_head ? g->msg_start : g->fed;
	if (n > 0)
		evbuffer_remove_buffer(src, dst, n);
	g->fed -= n;
	g->msg_start = g->msg_start >= n ? g->msg_start - n : 0;
	if (g->done)
		evbuffer_drain(src, evbuffer_get_length(src));
	return n > 0 ? BEV_OK : BEV_NEED_MORE;
}

/*
 * Output goes straight to the socket, never through the socket's
 * bufferevent: evhttp takes "all written" as "in the kernel" (it may shut
 * and free the connection right after), so the filter's buffer must empty
 * only as the kernel takes the bytes.
 */
static enum bufferevent_filter_result
gate_output(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *arg)
{
	struct gate *g = arg;

	if (g->refusal != NULL) {
		evbuffer_drain(src, evbuffer_get_length(src));
		return BEV_NEED_MORE;
	}
	switch (gate_send(g, src)) {
	case 1:
		return BEV_OK;
	case 0:
		return BEV_NEED_MORE;
	default:
		/* Told after this call returns: evhttp may free the filter. */
		bufferevent_trigger_event(g->bev, BEV_EVENT_ERROR |
		    BEV_EVENT_WRITING, BEV_TRIG_DEFER_CALLBACKS);
		return BEV_ERROR;
	}
}

static void
gate_free(void *arg)
{
	struct gate *g = arg;

	if (g->added_cb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(g->bev),
		    g->added_cb);
	if (g->kick != NULL)
		event_free(g->kick);
	if (g->writable != NULL)
		event_free(g->writable);
	if (g->refusal != NULL)
		evbuffer_free(g->refusal);
	buf_free(&g->url);
	free(g);
}

void
api_gate_init(size_t max_head)
{
	http_parser_set_max_header_size((uint32_t)max_head);
}

size_t
api_gate_set_push_limit(size_t max_push)
{
	gate_max_push = max_push > API_MAX_BODY_SIZE ? max_push :
	    API_MAX_BODY_SIZE;
	return gate_max_push;
}

struct bufferevent *
api_gate_bev_new(struct event_base *base, void *arg)
{
	struct bufferevent *under, *bev;
	struct gate *g;

	if ((under = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	g = xcalloc(1, sizeof(*g));
	g->base = base;
	g->under = under;
	buf_init(&g->url);
	http_parser_init(&g->parser, HTTP_REQUEST);
	g->parser.data = g;
	bev = bufferevent_filter_new(under, gate_input, gate_output,
	    BEV_OPT_CLOSE_ON_FREE, gate_free, g);
	if (bev == NULL) {
		gate_free(g);
		bufferevent_free(under);
		return NULL;
	}
	g->bev = bev;
	/*
	 * The socket's own write side stays off: output never goes through
	 * it (see gate_output), and libevent 2.1's filter re-arms a freed
	 * filter's timeout when that side reports it drained.
	 */
	bufferevent_disable(under, EV_WRITE);
	if ((g->kick = event_new(base, -1, 0, on_kick, g)) == NULL ||
	    (g->added_cb = evbuffer_add_cb(bufferevent_get_output(bev),
	    on_output_added, g)) == NULL) {
		bufferevent_free(bev);
		return NULL;
	}
	return bev;
}

