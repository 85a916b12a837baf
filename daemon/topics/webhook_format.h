/*
 * webhook_format: a URL hook's alert as the HTTP request its receiver
 * expects, by the hook's format:
 *
 *   json    POST url, the entry as the API shows it plus "topic" (mode
 *           each) or {"topic", "entries"} (batch): what a hook command
 *           gets on stdin
 *   ntfy    POST to the server's root with the topic in the body (ntfy's
 *           "publish as JSON": topic, title, message, tags, click), url
 *           being the topic's URL, https://ntfy.example.org/TOPIC
 *   gotify  POST url (ending in /message, added when absent): title,
 *           message, priority, and the link as the notification's click
 *           (extras "client::notification")
 *   matrix  PUT url/TXNID, url being .../_matrix/client/v3/rooms/ROOM/
 *           send/m.room.message (or .../rooms/ROOM, completed): an
 *           m.room.message of msgtype m.text, plain and HTML; the alert's
 *           key is the transaction id, so a retry never posts twice
 *   slack   POST url: {"text"} with Slack's <link|title> markup, which
 *           Mattermost, Rocket.Chat and Discord's /slack endpoint read too
 *
 * Every request carries Content-Type, "X-Feedd-Delivery: KEY" (the same
 * for every attempt of one alert, so a receiver can drop a repeat), then
 * the hook's own headers, which replace feedd's of the same name.
 * Texts for people (every format but json) list at most
 * WEBHOOK_LIST_MAX entries and stay within the services' limits.
 */
#ifndef FEEDD_WEBHOOK_FORMAT_H
#define FEEDD_WEBHOOK_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* What a URL hook's alerts look like. */
enum webhook_format {
	WEBHOOK_JSON = 0,	/* the entry as the API shows it, plus topic */
	WEBHOOK_NTFY,
	WEBHOOK_GOTIFY,
	WEBHOOK_MATRIX,
	WEBHOOK_SLACK,
	WEBHOOK_FORMAT_MAX,
};

/* Where a URL hook sends (config.h keeps it as a [hook] section). */
struct webhook_target {
	const char	*name;		/* the hook's, for the log */
	const char	*url;		/* may hold secrets */
	const char	*url_shown;	/* redacted */
	enum webhook_format format;
	char *const	*headers;	/* "Name: value", NULL-terminated */
	char *const	*secrets;	/* never shown; NULL-terminated */
};

#define WEBHOOK_LIST_MAX	20	/* entries named in one message */
/* ntfy turns a longer message into an attachment. */
#define WEBHOOK_NTFY_MESSAGE_MAX	4000

/* "json", "ntfy", ... and back (-1 if unknown). */
const char	*webhook_format_name(enum webhook_format f);
int		 webhook_format_from_name(const char *name);
/* "json, ntfy, gotify, matrix or slack": for messages. */
const char	*webhook_format_names(void);

/*
 * Whether url (an http or https URL) suits format f: ntfy needs a topic
 * in the path, matrix a room. 0, or -1 with why a phrase that follows
 * "url ".
 */
int		 webhook_format_check(enum webhook_format f,
		    const char *url, char *why, size_t len);

/* One alert: a topic's new matches. */
struct webhook_alert {
	const char	*topic;
	json_t		*entries;	/* borrowed: an array of entries */
	bool		 batch;		/* one message for all of them */
	const char	*key;		/* the alert's id: [0-9a-f]{32} */
};

struct webhook_request {
	const char	*method;	/* "POST" or "PUT" (static) */
	char		*url;
	char		**headers;	/* NULL-terminated */
	char		*body;
	size_t		 body_len;
};

/* The request that sends a to h's receiver. 0, or -1 (logged). */
int		 webhook_format_request(const struct webhook_target *h,
		    const struct webhook_alert *a,
		    struct webhook_request *ret);
void		 webhook_request_clear(struct webhook_request *r);

/*
 * A new string: text without secrets (each replaced by "***") and
 * with control characters as '|', cut at max bytes (on a UTF-8
 * boundary, "..." added): a receiver's answer, fit for a log or an API
 * answer.
 */
char		*webhook_scrub(char *const *secrets, const char *text,
		    size_t len, size_t max);

#endif
