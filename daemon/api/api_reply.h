/*
 * api_reply: how the API answers. Every answer is JSON: a document, or the
 * error shape {"error": {"code": "...", "message": "..."}} (the code named
 * after the status unless given); only exports and backups send their raw
 * bodies. Each function answers exactly once.
 */
#ifndef FEEDD_API_REPLY_H
#define FEEDD_API_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct evhttp_request;

/* Answers with a JSON document (steals the reference). */
void	api_reply(struct evhttp_request *req, int status, json_t *doc);
void	api_reply_error(struct evhttp_request *req, int status,
	    const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/* The error document {"error": {"code", "message"}}; code NULL: by status. */
json_t	*api_error_json(int status, const char *code, const char *msg);
/* The reason phrase for a status line. */
const char *api_status_reason(int status);
/* After a failed store lookup (rc 0 or -1): 404 "no WHAT ID", or 500. */
void	api_reply_lookup(struct evhttp_request *req, int rc, const char *what,
	    int64_t id);
/* api_reply() for a large answer of about size_hint bytes. */
void	api_reply_sized(struct evhttp_request *req, int status, json_t *doc,
	    size_t size_hint);
/*
 * An answer whose one long array is written as it is made, element by
 * element, instead of as one tree: {HEAD'S MEMBERS, "KEY": [ELEMENTS]}.
 * A list of 10,000 small objects costs a third less this way (no tree to
 * build and free; one object can be refilled for every element). Every
 * byte is still encoded by jansson; the list only adds the brackets and
 * commas between what jansson wrote.
 *
 * api_list_new takes head (an object, or NULL for none) and checks
 * nothing else; api_list_add dumps elem (not taken: the caller may
 * change it and add it again); api_list_end sends the answer with status
 * and frees the list; api_list_fail drops what was written and answers
 * with the error instead. Exactly one of the two ends every list.
 */
struct api_list;
struct api_list *api_list_new(struct evhttp_request *req, json_t *head,
	    const char *key, size_t size_hint);
int	api_list_add(struct api_list *l, const json_t *elem);
void	api_list_end(struct api_list *l, int status);
void	api_list_fail(struct api_list *l, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Answers with JSON text already encoded (text is taken and freed). */
void	api_reply_text(struct evhttp_request *req, int status, char *text,
	    size_t len);
/* Answers with a non-JSON body (OPML export, backups). */
void	api_reply_raw(struct evhttp_request *req, int status,
	    const char *content_type, const void *data, size_t len);
/*
 * For a close callback of a request held for a later answer (add, backup,
 * stream): frees req if libevent left it to the handler. req is gone
 * after this either way.
 */
void	api_request_abandon(struct evhttp_request *req);

#endif
