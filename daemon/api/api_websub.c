/*
 * api_websub: the WebSub callbacks (/websub/NAME), the one route of the
 * TCP listener that takes no token: hubs cannot hold one. What they may
 * do is websub.h's to decide; everything refused gets the very answer an
 * unknown path gets (404), so that a stranger learns nothing of which
 * names exist.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api_internal.h"
#include "api_reply.h"
#include "feedd.h"
#include "websub.h"

static void
answer(struct evhttp_request *req, const char *path, enum websub_answer a,
    const char *challenge)
{
	switch (a) {
	case WEBSUB_ECHO:
		api_reply_raw(req, 200, "text/plain; charset=utf-8", challenge,
		    strlen(challenge));
		return;
	case WEBSUB_OK:
		api_reply_raw(req, 200, "text/plain; charset=utf-8", "", 0);
		return;
	case WEBSUB_ACCEPTED:
		api_reply_raw(req, 202, "text/plain; charset=utf-8", "", 0);
		return;
	case WEBSUB_NOT_FOUND:
		break;
	}
	api_reply_error(req, 404, NULL, "no such endpoint: %s", path);
}

void
api_websub_verify(struct api *api, struct evhttp_request *req,
    const char *path)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *qs = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	const char *challenge;
	struct evkeyvalq q;
	enum websub_answer a = WEBSUB_NOT_FOUND;

	TAILQ_INIT(&q);
	if (qs != NULL && evhttp_parse_query_str(qs, &q) == 0) {
		challenge = evhttp_find_header(&q, "hub.challenge");
		a = websub_verify(api->d->websub,
		    path + strlen(API_WEBSUB_PREFIX),
		    evhttp_find_header(&q, "hub.mode"),
		    evhttp_find_header(&q, "hub.topic"), challenge,
		    evhttp_find_header(&q, "hub.lease_seconds"),
		    evhttp_find_header(&q, "hub.reason"));
		answer(req, path, a, challenge);
	} else
		answer(req, path, a, NULL);
	evhttp_clear_headers(&q);
}

void
api_websub_deliver(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body;

	/* The gate held the body to the push limit already. */
	body = len > 0 ? (const char *)evbuffer_pullup(in, -1) : "";
	answer(req, path, websub_deliver(api->d->websub,
	    path + strlen(API_WEBSUB_PREFIX),
	    evhttp_find_header(h, "X-Hub-Signature"),
	    evhttp_find_header(h, "Content-Type"), body, len), NULL);
}
