/*
 * api_request's path segments, and the gate (api_gate.h) in process: an
 * evhttp server on a loopback port of this test, with the gate in front of
 * a handler that answers 200 JSON, fed raw bytes. What the gate refuses is
 * answered in the API's JSON error shape and the connection closed; what
 * it lets through reaches the handler, request after request on one
 * connection.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "api_gate.h"
#include "api_request.h"
#include "log.h"
#include "tap.h"
#include "xmalloc.h"

/* The daemon's own limit on a request head (api_internal.h). */
#define MAX_HEAD	(16 * 1024)
/* A string literal as the bytes to send, without its NUL. */
#define RAW(s)	s, sizeof(s) - 1

static struct event_base *base;
static int port;
static int handled;

static void
segment(const char *path, int i, size_t len, const char *want)
{
	char buf[128];
	int rc;

	rc = api_path_segment(path, i, buf, len);
	if (want == NULL)
		ok(rc == -1, "'%s' segment %d (buffer %zu): absent", path, i,
		    len);
	else if (ok(rc == 0, "'%s' segment %d (buffer %zu): found", path, i,
	    len))
		is_str(buf, want, "... and decoded");
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer *out = evbuffer_new();
	json_t *doc;
	char *s;

	handled++;
	doc = json_pack("{s:b, s:s}", "ok", 1, "uri",
	    evhttp_request_get_uri(req));
	s = json_dumps(doc, JSON_COMPACT);
	evbuffer_add_printf(out, "%s\n", s);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", out);
	free(s);
	json_decref(doc);
	evbuffer_free(out);
}

static int
client(void)
{
	struct sockaddr_in sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	/* The backlog takes the connection; the loop accepts it later. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void
send_all(int fd, const char *p, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t w;

	/* The server runs in our loop: turn it while the socket is full. */
	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return;
		event_base_loop(base, EVLOOP_NONBLOCK);
		poll(&pfd, 1, 5);
	}
}

struct answer {
	int	 status;
	char	 head[4096];
	char	*body;		/* NUL-terminated, or NULL */
	bool	 closed;	/* EOF seen after the answer */
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Reads one answer, turning the server's loop meanwhile; with want_eof,
 * also waits (a little) for the server to close the connection.
 */
static void
receive(int fd, struct answer *a, bool want_eof)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[8192], *got = NULL, *end, *cl;
	size_t n = 0, need = 0, hlen = 0;
	int64_t deadline = mono_ms() + 5000;
	ssize_t r;

	memset(a, 0, sizeof(*a));
	while (mono_ms() < deadline) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		poll(&pfd, 1, 5);
		r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0 || (r == -1 && errno != EAGAIN &&
		    errno != EWOULDBLOCK)) {
			a->closed = true;
			break;
		}
		if (r > 0) {
			got = xreallocarray(got, n + (size_t)r + 1, 1);
			memcpy(got + n, buf, (size_t)r);
			n += (size_t)r;
			got[n] = '\0';
		}
		if (hlen == 0 && got != NULL &&
		    (end = strstr(got, "\r\n\r\n")) != NULL) {
			hlen = (size_t)(end - got) + 4;
			cl = strcasestr(got, "\r\nContent-Length:");
			need = hlen + (cl != NULL && cl < end ?
			    strtoul(cl + 17, NULL, 10) : 0);
		}
		if (hlen > 0 && n >= need && !want_eof)
			break;
	}
	if (got == NULL)
		return;
	if (hlen > 0) {
		sscanf(got, "HTTP/1.%*d %d", &a->status);
		snprintf(a->head, sizeof(a->head), "%.*s", (int)hlen, got);
		a->body = xstrdup(got + hlen);
	}
	free(got);
}

/* The error code of a JSON error answer, or NULL. */
static char *
error_code(const struct answer *a)
{
	json_t *doc = a->body != NULL ? json_loads(a->body, 0, NULL) : NULL;
	const char *code = json_string_value(json_object_get(
	    json_object_get(doc, "error"), "code"));
	char *ret = xstrdup_or_null(code);

	json_decref(doc);
	return ret;
}

/* Sends raw bytes on a new connection; expects a JSON error and a close. */
static void
refused(const char *what, const char *req, size_t len, int status,
    const char *code)
{
	struct answer a;
	char *got;
	int fd = client(), before = handled;

	send_all(fd, req, len);
	receive(fd, &a, true);
	ok(a.status == status, "%s: %d (got %d)", what, status, a.status);
	ok(strcasestr(a.head, "\r\nContent-Type: application/json") != NULL,
	    "%s: answered in JSON", what);
	got = error_code(&a);
	is_str(got, code, "... with the error code");
	ok(a.closed, "%s: connection closed after the answer", what);
	ok(handled == before, "%s: the handler never saw it", what);
	free(got);
	free(a.body);
	close(fd);
}

static bool
good_answer(const struct answer *a, const char *uri)
{
	json_t *doc = a->body != NULL ? json_loads(a->body, 0, NULL) : NULL;
	bool good = a->status == 200 &&
	    json_is_true(json_object_get(doc, "ok")) &&
	    json_string_value(json_object_get(doc, "uri")) != NULL &&
	    strcmp(json_string_value(json_object_get(doc, "uri")), uri) == 0;

	json_decref(doc);
	return good;
}

static void
test_segments(void)
{
	segment("/v1/feeds/3", 0, 64, "v1");
	segment("/v1/feeds/3", 1, 64, "feeds");
	segment("/v1/feeds/3", 2, 64, "3");
	segment("/v1/feeds/3", 3, 64, NULL);
	segment("v1/feeds", 1, 64, "feeds");
	segment("///v1/feeds", 0, 64, "v1");
	segment("", 0, 64, NULL);
	segment("/", 0, 64, NULL);
	/* A trailing slash names no segment; one between two is empty. */
	segment("/v1/feeds/", 2, 64, NULL);
	segment("/v1//3", 1, 64, "");
	segment("/v1//3", 2, 64, "3");
	/* Decoded after splitting: %2F is part of a name, not a separator. */
	segment("/v1/topics/caf%C3%A9", 2, 64, "caf\xc3\xa9");
	segment("/v1/topics/a%2Fb/x", 2, 64, "a/b");
	segment("/v1/topics/a%2Fb/x", 3, 64, "x");
	segment("/v1/topics/a+b", 2, 64, "a+b");
	segment("/v1/topics/a%20b", 2, 64, "a b");
	/* A NUL would cut the name short where C reads it. */
	segment("/v1/topics/a%00b", 2, 64, NULL);
	/* Bounds: the segment and its NUL must fit the buffer. */
	segment("/abcdef/x", 0, 7, "abcdef");
	segment("/abcdef/x", 0, 6, NULL);
	segment("/abcdef", 0, 1, NULL);
}

static void
test_gate(void)
{
	static char big[MAX_HEAD + 4096];
	struct answer a, b;
	const char *good = "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n";
	int fd;
	size_t n;

	/* A good request reaches the handler, and the connection stays. */
	fd = client();
	send_all(fd, good, strlen(good));
	receive(fd, &a, false);
	ok(good_answer(&a, "/v1/status"), "good request: 200 from the "
	    "handler (%d)", a.status);
	ok(!a.closed, "good request: connection kept open");
	/* Keep-alive: a second request on the same connection. */
	send_all(fd, RAW("GET /v1/feeds?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
	receive(fd, &b, false);
	ok(good_answer(&b, "/v1/feeds?x=1"), "second request on the same "
	    "connection: 200 (%d)", b.status);
	ok(handled == 2, "the handler saw both (%d)", handled);
	free(a.body);
	free(b.body);
	/* Then something refused on that connection: answered, closed. */
	send_all(fd, RAW("GET / HTTP/1.1\r\nContent-Length: 1\r\n"
	    "Content-Length: 1\r\n\r\n"));
	receive(fd, &a, true);
	ok(a.status == 400 && a.closed, "a bad request after good ones on "
	    "one connection: 400, closed (%d)", a.status);
	free(a.body);
	close(fd);

	/* A POST with a body of the length it declares passes whole. */
	fd = client();
	send_all(fd, RAW("POST /v1/feeds HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 2\r\n\r\n{}"));
	receive(fd, &a, false);
	ok(good_answer(&a, "/v1/feeds") && handled == 3, "POST with "
	    "Content-Length: 200 (%d)", a.status);
	free(a.body);
	close(fd);

	refused("repeated Content-Length", RAW("POST /v1/feeds HTTP/1.1\r\n"
	    "Host: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
	    400, "bad_request");
	refused("conflicting Content-Length", RAW("POST /v1/feeds HTTP/1.1\r\n"
	    "Content-Length: 2\r\nContent-Length: 20\r\n\r\n{}"),
	    400, "bad_request");
	refused("chunked body", RAW("POST /v1/feeds HTTP/1.1\r\nHost: x\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
	    411, "length_required");
	refused("HTTP/0.9", RAW("GET /v1/status\r\n"), 400, "bad_request");
	refused("HTTP/2.0 request line", RAW("GET / HTTP/2.0\r\n\r\n"), 505,
	    "http_version");
	refused("garbage", RAW("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n"),
	    400, "bad_request");

	/* A head over the limit: 431 before the handler is reached. */
	n = (size_t)snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX-Pad: ");
	memset(big + n, 'a', MAX_HEAD + 1024);
	n += MAX_HEAD + 1024;
	memcpy(big + n, "\r\n\r\n", 4);
	refused("oversized head", big, n + 4, 431, "headers_too_large");

	/* The server still serves after all that. */
	fd = client();
	send_all(fd, good, strlen(good));
	receive(fd, &a, false);
	ok(good_answer(&a, "/v1/status"), "still serving afterwards");
	free(a.body);
	close(fd);
}

int
main(void)
{
	struct evhttp_bound_socket *bs;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	struct evhttp *http;

	log_init("test_api_request");
	log_set_level(LOG_LEVEL_ERR);
	signal(SIGPIPE, SIG_IGN);

	test_segments();

	/* Set up as api.c sets up the daemon's server. */
	base = event_base_new();
	http = evhttp_new(base);
	api_gate_init(MAX_HEAD);
	evhttp_set_bevcb(http, api_gate_bev_new, NULL);
	evhttp_set_max_headers_size(http, API_GATE_EVHTTP_HEADERS_SIZE(
	    MAX_HEAD));
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_HEAD);
	evhttp_set_gencb(http, on_request, NULL);
	if ((bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0)) ==
	    NULL || getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sa, &salen) == -1) {
		printf("Bail out! cannot listen on 127.0.0.1\n");
		return 1;
	}
	port = ntohs(sa.sin_port);
	test_gate();

	evhttp_free(http);
	event_base_free(base);
	return tap_done();
}
