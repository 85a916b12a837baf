/*
 * api_gate: the door every byte of a request passes before evhttp sees it.
 *
 * Why it exists: libevent 2.1's evhttp answers what it cannot parse with
 * HTML pages of its own (a malformed request line, HTTP/0.9, an oversized
 * head or body, an unknown method, a bad chunk), lets the first of two
 * Content-Length headers win, and offers no hook to change either. The gate
 * frames and checks each request with http-parser (a maintained HTTP/1.x
 * parser, Debian's libhttp-parser) and releases a request's head to evhttp
 * only once it is known to be one that evhttp will read the same way.
 * Anything else gets the API's JSON error shape from here, and the
 * connection is closed once that answer is written.
 *
 * What the gate refuses (status, error code):
 *   garbage, a malformed request line or header, HTTP/0.9   400 bad_request
 *   a repeated or invalid Content-Length                     400 bad_request
 *   a body on GET, HEAD or DELETE; a repeated Authorization  400 bad_request
 *   an HTTP version other than 1.x                           505 http_version
 *   a method the API does not implement                     501 not_implemented
 *   Transfer-Encoding (chunked bodies): send Content-Length  411 length_required
 *   Expect other than 100-continue                           417 expectation_failed
 *   a body over API_MAX_BODY_SIZE (a POST to the WebSub     413 too_large
 *   callbacks: over the push limit, when that is larger)
 *   a head over API_MAX_HEADERS_SIZE                         431 headers_too_large
 *
 * A connection that sent something refused is answered once and closed,
 * with anything it pipelined before it: it no longer speaks HTTP.
 */
#ifndef FEEDD_API_GATE_H
#define FEEDD_API_GATE_H

#include <stddef.h>

struct bufferevent;
struct event_base;

/* Sets the gate's limit on a request head (process-wide, in http-parser). */
void	api_gate_init(size_t max_head);
/*
 * The largest body of a POST to the WebSub callbacks (API_WEBSUB_PREFIX):
 * what a poll may fetch. Smaller than API_MAX_BODY_SIZE counts as that.
 * Process-wide, like the head's limit; returns the larger of the two, for
 * evhttp's own limit.
 */
size_t	api_gate_set_push_limit(size_t max_push);

/*
 * For evhttp_set_bevcb(): a new connection's bufferevent (evhttp sets its
 * socket), with the gate in front. NULL on allocation failure.
 */
struct bufferevent *api_gate_bev_new(struct event_base *base, void *arg);

/* The limits evhttp itself is given: looser than the gate's, never hit. */
#define API_GATE_EVHTTP_HEADERS_SIZE(h)	((h) * 2)
#define API_GATE_EVHTTP_BODY_SIZE(b)	((b) + 65536)

#endif
