/*
 * api: HTTP/1.1 + JSON on the daemon's sockets (libevent evhttp, jansson).
 *
 * Requests are dispatched through one route table (method, path pattern,
 * handler), those over TCP only once api_auth.h let them in (a token).
 * Every answer is JSON; errors have the shape
 * {"error": {"code": "not_found", "message": "..."}}. Limits on header and
 * body size and an idle timeout keep a misbehaving client from costing more
 * than its own connection; nothing a client sends stops polling.
 */
#ifndef FEEDD_API_H
#define FEEDD_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct evhttp_request;
struct feedd;

struct api;

struct api *api_new(struct feedd *d);
/* Serves the API on a listening socket; the api owns fd from now on. */
int	api_listen_fd(struct api *api, int fd);
void	api_free(struct api *api);
/* After a reload: the limits that follow the configuration. */
void	api_reconfigure(struct api *api);

/*
 * The poll pipeline calls these after committing new entries (ids
 * ascending) of a feed, and after recording a topic's new matches, so that
 * open /v1/stream clients get them. Cheap when no stream is open; api may
 * be NULL (--once). The work is deferred to the next loop turn.
 */
void	api_stream_notify(struct api *api, int64_t feed_id,
	    const int64_t *ids, size_t n);
void	api_stream_notify_topic(struct api *api, int64_t topic_id,
	    const int64_t *ids, size_t n);
/*
 * Another worker committed entries (cluster.h): every stream looks for
 * what is new, as after a commit of ours.
 */
void	api_stream_wake(struct api *api);
/*
 * The scheduler recorded a poll of feed_id (error NULL: it succeeded):
 * streams opened with polls=1 get a "poll" event, and an OPML import
 * whose feeds have all been polled once is logged. api may be NULL.
 */
void	api_notify_poll(struct api *api, int64_t feed_id, const char *error,
	    size_t new_count);

#endif
