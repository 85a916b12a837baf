/*
 * api_auth: who may use the API.
 *
 * A request over a Unix socket is trusted: the socket's mode and group
 * decide who reaches it. A request over TCP needs "Authorization: Bearer
 * TOKEN" with a token made over the socket (POST /v1/tokens); a read-only
 * token may only read (GET, HEAD). Anything else gets 401 (or 403) in the
 * API's JSON error shape, with WWW-Authenticate as RFC 6750 has it.
 *
 * A token is "feedd_" and 64 hex digits: 256 bits from getrandom(). The
 * store keeps its SHA-256 only. The daemon holds the hashes of all tokens
 * in memory (api_auth_reload() after they change) and compares a presented
 * token's hash with every one of them in constant time, without stopping
 * at a match.
 *
 * Failed attempts slow down: once an address has failed
 * API_AUTH_FREE_FAILS times (failures less than 10 minutes apart), each of
 * its requests is held and answered a second later, one a second, good
 * token or bad (a libevent timer: the loop never waits). A success
 * clears the address. Every failure is logged with the address and its
 * count, never with what was presented; a success is logged by the
 * token's name. The table of addresses has a fixed size; the address
 * whose last failure is oldest makes room.
 */
#ifndef FEEDD_API_AUTH_H
#define FEEDD_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

struct event_base;
struct evhttp_request;

#define API_AUTH_FREE_FAILS	5
/* "feedd_" and 64 hex digits. */
#define API_AUTH_TOKEN_LEN	70

struct api_auth;

/* Reads the tokens of s (which outlives it). Never NULL. */
struct api_auth *api_auth_new(struct event_base *base, struct store *s);
/* Drops held requests (their connections go with the server's). */
void	api_auth_free(struct api_auth *a);
/*
 * Reads the tokens again, after one was made or removed. 0, or -1 when
 * the store failed (logged); then no token works until a reload works.
 */
int	api_auth_reload(struct api_auth *a);

/*
 * The credentials a path takes: the API's bearer tokens, or those of a
 * door that checks its own (the Google Reader and Fever APIs, whose apps
 * log in with a user's password) and tells of each outcome below.
 */
enum api_auth_scheme {
	API_AUTH_BEARER,
	API_AUTH_DOOR,
	/*
	 * No credentials, never held: GET /healthz, which a load balancer
	 * or a container runtime asks and which tells nothing stored.
	 */
	API_AUTH_OPEN,
};

/*
 * Whether req may go on to its handler now. If not, req has been answered,
 * or is held by the slow-down: then when its second has passed it is
 * either answered or, its token being good, handed to cont(req, arg), the
 * caller's own request callback, where this function lets it through.
 * A door's request is let through (or held) without a check, an open
 * one always at once.
 */
bool	api_auth_request(struct api_auth *a, struct evhttp_request *req,
	    enum api_auth_scheme scheme,
	    void (*cont)(struct evhttp_request *, void *), void *arg);
/*
 * The user whose request api_auth_request let through last (the event
 * loop runs one at a time): a bearer token's user, the owner over the
 * socket, 0 for a door's request (the door tells who).
 */
int64_t	api_auth_user(const struct api_auth *a);
/* A door's failed login (counted, and slowed, like a bad token) ... */
void	api_auth_failure(struct api_auth *a, struct evhttp_request *req,
	    const char *why);
/* ... and a good one (the address's failures are forgotten). */
void	api_auth_success(struct api_auth *a, struct evhttp_request *req);

/* Whether req came over a Unix socket (no token needed). */
bool	api_auth_local(struct evhttp_request *req);
/*
 * For what only the socket may do (manage tokens, take a backup, which
 * holds their hashes): true over the socket; else false after answering
 * 403 "WHAT over the daemon's Unix socket only".
 */
bool	api_auth_local_only(struct evhttp_request *req, const char *what);

/*
 * A new token into buf (at least API_AUTH_TOKEN_LEN + 1 bytes) and its
 * SHA-256 into sha256. 0, or -1 (logged).
 */
int	api_auth_mint(char *buf, size_t len,
	    unsigned char sha256[STORE_APITOKEN_HASH_LEN]);

#endif
