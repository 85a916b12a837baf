/*
 * fetch: HTTP(S) and file:// GETs driven by libcurl's multi-socket API.
 * The transfers run on a thread of their own, with a libevent loop of its
 * own (fetch_engine.h); requests go to it and results come back to the
 * caller's loop through two queues. So a loop that is busy (writing a
 * group of polls to the store, say) neither holds transfers up nor lets
 * connections idle: what it asked for is fetched, decoded and waiting
 * when it looks again. Connections, HTTP/2 multiplexing and TLS sessions
 * are shared by every transfer of a fetch. HTTPS certificates and host
 * names are always verified.
 *
 * A transfer never fails synchronously: fetch_start() always ends in
 * exactly one on_done() call from the caller's event loop (unless
 * cancelled), carrying the final status, the decoded body (capped at
 * max_body_size, so memory per transfer stays bounded) and the response
 * headers a poller needs. Redirects are followed there, hop by hop, so
 * that a chain made only of permanent moves can be reported. Error
 * responses are read, never failed early, so that the status and
 * Retry-After are known.
 *
 * A request with a body (a hook's alert: POST or PUT) goes through the same
 * multi handle with the same caps, but never follows a redirect (the 3xx is
 * its result), never reads file://, and sends only its own headers.
 */
#ifndef FEEDD_FETCH_H
#define FEEDD_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What a 0 in fetch_options stands for; the first three are also the
 * defaults of feedd.conf's connect_timeout, timeout and max_body_size.
 */
#define FETCH_DEFAULT_CONNECT_TIMEOUT_S	15
#define FETCH_DEFAULT_TIMEOUT_S		60
#define FETCH_DEFAULT_MAX_BODY		(10u * 1024 * 1024)
#define FETCH_DEFAULT_MAX_REDIRECTS	5
/* A feed trickling slower than this is a slow-drip server, not a feed. */
#define FETCH_DEFAULT_LOW_SPEED_BYTES	64
#define FETCH_DEFAULT_LOW_SPEED_TIME_S	30
/*
 * Bodies fetched but not yet handed to on_done (the caller's loop is
 * busy) above which no waiting request starts: memory stays bounded
 * however far ahead the caller asks.
 */
#define FETCH_BACKLOG_BYTES		(64u * 1024 * 1024)

struct event_base;
struct fetch;
struct fetch_xfer;

struct fetch_options {
	/* NULL or "": feedd/VERSION, plus " (+URL)" if built with project_url */
	const char	*user_agent;
	/* CAs trusted instead of the system's; NULL: the system's store */
	const char	*ca_file;
	long		 max_connections;	/* 0: no limit of our own */
	long		 max_per_host;		/* 0: no limit of our own */
	long		 connect_timeout_s;
	long		 timeout_s;		/* all hops together */
	uint64_t	 max_body_size;		/* decoded bytes */
	long		 low_speed_bytes;	/* abort below this rate... */
	long		 low_speed_time_s;	/* ... held this long; -1: never */
	int		 max_redirects;		/* -1: none followed */
	/*
	 * Connections beyond max_connections, for the requests that are not
	 * polls (the scheduler keeps polls within max_connections itself):
	 * a hook's slow receiver then never holds a connection a poll waits
	 * for.
	 */
	long		 extra_connections;
};

enum fetch_status {
	FETCH_OK,		/* 2xx or a file: body holds the document */
	FETCH_NOT_MODIFIED,	/* 304 to our conditional GET */
	FETCH_HTTP_ERROR,	/* any other final status, see http_code */
	FETCH_BLOCKED,		/* a bot wall (cf-mitigated: challenge) */
	FETCH_TOO_BIG,		/* decoded body over max_body_size */
	FETCH_TIMEOUT,		/* total timeout or low-speed cut-off */
	FETCH_NET_ERROR,	/* DNS, connect, TLS, reset, truncated body */
	FETCH_BAD_URL,		/* unparsable URL or a refused scheme */
	FETCH_REDIRECTS,	/* redirect loop or too many hops */
	FETCH_CANCELLED,	/* fetch_free() while in flight */
};

/*
 * Everything in a result is borrowed for the duration of on_done.
 * Header values are exactly as the server sent them, NULL when absent.
 */
struct fetch_result {
	enum fetch_status status;
	long		 http_code;	/* last response; 0 for file:// */
	const char	*error;		/* why, for every status but OK/304 */
	const char	*url;		/* the URL asked for */
	const char	*effective_url;	/* after redirects */
	/* Target of the leading run of 301/308 hops, NULL if none. */
	const char	*permanent_url;
	int		 redirects;
	const char	*etag;
	const char	*last_modified;
	const char	*content_type;
	/* Every Link header of the response, joined by ", " (RFC 8288). */
	const char	*link;
	int64_t		 retry_after_s;	/* -1: absent or unreadable */
	int64_t		 max_age_s;	/* Cache-Control max-age; -1 absent */
	int64_t		 expires_s;	/* Expires - now, -1 absent/past */
	const char	*body;		/* NUL-terminated past body_len */
	size_t		 body_len;
	double		 total_time_s;
	/*
	 * What the request's digest made of this result on the fetch
	 * thread, or NULL: on_done takes it (frees it with digest_free).
	 */
	void		*digest;
};

struct fetch_request {
	const char	*url;
	const char	*etag;		/* sent back as If-None-Match */
	const char	*last_modified;	/* sent back as If-Modified-Since */
	/*
	 * NULL for a GET. "POST" or "PUT": body[0..body_len) is sent as it
	 * is, with headers ("Name: value" lines, NULL-terminated, may be
	 * NULL) instead of the feed Accept header; etag and last_modified
	 * are ignored.
	 */
	const char	*method;
	const char	*body;
	size_t		 body_len;
	char *const	*headers;
	long		 timeout_s;	/* 0: the fetch's timeout */
	/*
	 * Nothing else is bound for the host soon: its connection is closed
	 * after the transfer instead of kept for reuse.
	 */
	bool		 last_to_host;
	/*
	 * A poll, which may wait for a connection: at most max_connections
	 * of those run at once, the others wait in the order they came,
	 * and none starts while the bodies fetched and not yet handed to
	 * on_done hold more than FETCH_BACKLOG_BYTES. A request that may
	 * not wait starts at once. The timeout counts from the start.
	 */
	bool		 may_wait;
	/*
	 * Called on the fetch thread with the result as soon as it is in,
	 * before it waits for the caller's loop: the work that needs only
	 * the response (decoding a document, say) is done there, while the
	 * loop is busy. It may use r and digest_key (copied with the
	 * request) and nothing else; what it returns reaches on_done as
	 * r->digest, or digest_free if the transfer was cancelled
	 * meanwhile. It may take the body it has read (freed, r->body
	 * NULL, body_len kept): on_done then has none to read, and the
	 * memory is not held while the result waits. NULL: none.
	 */
	void		*(*digest)(struct fetch_result *r,
			    const char *digest_key);
	void		(*digest_free)(void *digest);
	const char	*digest_key;
	void		(*on_done)(const struct fetch_result *r, void *arg);
	void		*arg;
};

/* base: the caller's loop, where on_done is called. NULL (logged). */
struct fetch	*fetch_new(struct event_base *base,
		    const struct fetch_options *opts);
/* Applies to transfers started afterwards (SIGHUP). */
void		 fetch_set_options(struct fetch *f,
		    const struct fetch_options *opts);
/* Starts a request; its strings and body are copied. Never NULL. */
struct fetch_xfer *fetch_start(struct fetch *f, const struct fetch_request *req);
/* Drops a transfer without calling its on_done. */
void		 fetch_cancel(struct fetch_xfer *x);
size_t		 fetch_in_flight(const struct fetch *f);
/* Calls on_done(FETCH_CANCELLED) for what is still running, then frees. */
void		 fetch_free(struct fetch *f);

const char	*fetch_status_name(enum fetch_status s);	/* "ok", ... */

/*
 * A result kept beyond its on_done call (discovery hands the response it
 * fetched to a feed's first poll instead of fetching it twice): a deep
 * copy, body included, and its free.
 */
struct fetch_result *fetch_result_dup(const struct fetch_result *r);
void		 fetch_result_free(struct fetch_result *r);

#endif
