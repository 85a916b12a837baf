/*
 * apiclient: feedctl's side of the API. One blocking libcurl request over
 * the daemon's Unix socket (CURLOPT_UNIX_SOCKET_PATH), or over TCP to its
 * listen address with a bearer token; the answer is parsed with jansson.
 * Failures to reach the daemon are reported in one line on stderr by
 * apiclient_request itself.
 */
#ifndef FEEDD_APICLIENT_H
#define FEEDD_APICLIENT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

struct apiclient_resp {
	long	 status;	/* HTTP status */
	json_t	*doc;		/* parsed body, NULL if not JSON */
	char	*raw;		/* body as received */
	size_t	 len;		/* bytes in raw */
};

/* Where the daemon is: its Unix socket, or a URL and a token. */
struct apiclient_target {
	const char	*socket;	/* used when url is NULL */
	const char	*url;		/* "http://127.0.0.1:8790", or NULL */
	const char	*token;		/* sent as "Authorization: Bearer" */
	/* Over the socket: act as this user (?user=), or NULL: the owner. */
	const char	*user;
};

/* --socket, else $FEEDD_SOCKET, else /run/feedd, else $XDG_RUNTIME_DIR. */
const char *apiclient_socket_path(const char *opt);
/*
 * NULL if url may carry a token: https, or http to a loopback address
 * (where the token does not cross a network in clear text); else why not.
 */
const char *apiclient_url_check(const char *url);

/*
 * method "GET", "POST", ...; path with query ("/v1/entries?since=3").
 * body may be NULL. Returns 0 when the daemon answered (any status), -1 when
 * it could not be reached (message printed).
 */
int	apiclient_request(const struct apiclient_target *t, const char *method,
	    const char *path, json_t *body, struct apiclient_resp *ret);
/* Like apiclient_request with a raw body of the given Content-Type. */
int	apiclient_send(const struct apiclient_target *t, const char *method,
	    const char *path, const char *content_type, const void *body,
	    size_t len, struct apiclient_resp *ret);
/*
 * GET path and call on_line for every line of a 200 answer as it arrives
 * (without the newline) until the daemon closes or on_line returns
 * non-zero. A non-200 answer is returned in ret like apiclient_request.
 * 0, or -1 when the daemon could not be reached or the stream broke.
 */
int	apiclient_stream(const struct apiclient_target *t, const char *path,
	    int (*on_line)(const char *line, size_t len, void *arg),
	    void *arg, struct apiclient_resp *ret);
/* GET path; a 200 body is written to out, anything else comes in ret. */
int	apiclient_download(const struct apiclient_target *t, const char *path,
	    FILE *out, struct apiclient_resp *ret);
void	apiclient_resp_clear(struct apiclient_resp *r);
/* Prints the API's error message (or the status) to stderr. */
void	apiclient_print_error(const struct apiclient_resp *r);

#endif
