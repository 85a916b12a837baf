/*
 * apiclient: feedctl's side of the API. One blocking libcurl request over
 * the daemon's Unix socket (CURLOPT_UNIX_SOCKET_PATH); the answer is parsed
 * with jansson. Failures to reach the daemon are reported in one line on
 * stderr by apiclient_request itself.
 */
#ifndef FEEDD_APICLIENT_H
#define FEEDD_APICLIENT_H

#include <jansson.h>

struct apiclient_resp {
	long	 status;	/* HTTP status */
	json_t	*doc;		/* parsed body, NULL if not JSON */
	char	*raw;		/* body as received */
};

/* --socket, else $FEEDD_SOCKET, else /run/feedd, else $XDG_RUNTIME_DIR. */
const char *apiclient_socket_path(const char *opt);

/*
 * method "GET", "POST", ...; path with query ("/v1/entries?since=3").
 * body may be NULL. Returns 0 when the daemon answered (any status), -1 when
 * it could not be reached (message printed).
 */
int	apiclient_request(const char *socket, const char *method,
	    const char *path, json_t *body, struct apiclient_resp *ret);
void	apiclient_resp_clear(struct apiclient_resp *r);
/* Prints the API's error message (or the status) to stderr. */
void	apiclient_print_error(const struct apiclient_resp *r);

#endif
