/*
 * api_request: reading a request for its handler: the store, path
 * segments and ids, query parameters, the JSON body, and the names and
 * fields several handlers share (a topic, a client, a category). Each
 * answers 400 (or 404, 503) itself when the request is bad, so a handler
 * only checks a return; see api_internal.h.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "buf.h"
#include "category.h"
#include "feedd.h"
#include "store.h"
#include "url.h"
#include "xmalloc.h"

/* Client (cursor) names: what a user name or a program name looks like. */
#define API_CLIENT_NAME_MAX	64

struct store *
api_plain_request(struct api *api, struct evhttp_request *req)
{
	static const char *const none[] = { NULL };
	struct evkeyvalq q;

	if (api_query(req, none, &q) == -1)
		return NULL;
	api_query_clear(&q);
	return api_store(api, req);
}

struct store *
api_id_request(struct api *api, struct evhttp_request *req,
    const char *path, int i, int64_t *ret_id)
{
	if (api_path_id(req, path, i, ret_id) == -1)
		return NULL;
	return api_plain_request(api, req);
}

struct store *
api_store(struct api *api, struct evhttp_request *req)
{
	if (api->d->store == NULL)
		api_reply_error(req, 503, "unavailable",
		    "the database is not open yet; try again shortly");
	return api->d->store;
}

int
api_path_segment(const char *path, int i, char *buf, size_t len)
{
	const char *p = path, *end;
	char *dec;
	size_t n;

	while (*p == '/')
		p++;
	for (; i > 0; i--) {
		if ((p = strchr(p, '/')) == NULL)
			return -1;
		p++;
	}
	if (*p == '\0')
		return -1;
	end = strchr(p, '/');
	n = end != NULL ? (size_t)(end - p) : strlen(p);
	if (n >= len)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if ((dec = evhttp_uridecode(buf, 0, &n)) == NULL)
		return -1;
	if (n >= len || memchr(dec, '\0', n) != NULL) {
		free(dec);
		return -1;
	}
	memcpy(buf, dec, n + 1);
	free(dec);
	return 0;
}

/* A positive decimal id, nothing else. */
static int
parse_id(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (*s < '1' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return -1;
	*ret = v;
	return 0;
}

int
api_path_id(struct evhttp_request *req, const char *path, int i,
    int64_t *ret)
{
	char seg[64];

	if (api_path_segment(path, i, seg, sizeof(seg)) == -1 ||
	    parse_id(seg, ret) == -1) {
		api_reply_error(req, 400, "bad_id", "'%.40s' is not an id "
		    "(a positive integer)", api_path_segment(path, i, seg,
		    sizeof(seg)) == 0 ? seg : "");
		return -1;
	}
	return 0;
}

/*
 * Whether name is one of allowed; if not, answers 400 unknown_WHAT listing
 * the known names, so the caller only has to clean up.
 */
static bool
api_known(struct evhttp_request *req, const char *what, const char *name,
    const char *const *allowed)
{
	struct buf names;
	char code[32];

	for (size_t i = 0; allowed[i] != NULL; i++)
		if (strcmp(name, allowed[i]) == 0)
			return true;
	buf_init(&names);
	for (size_t i = 0; allowed[i] != NULL; i++)
		buf_printf(&names, "%s%s", i ? ", " : "", allowed[i]);
	snprintf(code, sizeof(code), "unknown_%s", what);
	api_reply_error(req, 400, code, "unknown %s '%.60s' (known: %s)",
	    what, name, names.len > 0 ? names.data : "none");
	buf_free(&names);
	return false;
}

int
api_query(struct evhttp_request *req, const char *const *allowed,
    struct evkeyvalq *ret)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *qs = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyval *kv, *kv2;

	TAILQ_INIT(ret);
	if (qs == NULL || *qs == '\0')
		return 0;
	if (evhttp_parse_query_str(qs, ret) == -1) {
		api_reply_error(req, 400, NULL, "malformed query string");
		return -1;
	}
	TAILQ_FOREACH(kv, ret, next) {
		/* Every endpoint's: api.c has read it already. */
		if (strcmp(kv->key, API_USER_PARAM) == 0)
			continue;
		if (!api_known(req, "parameter", kv->key, allowed)) {
			api_query_clear(ret);
			return -1;
		}
		for (kv2 = TAILQ_NEXT(kv, next); kv2 != NULL;
		    kv2 = TAILQ_NEXT(kv2, next))
			if (strcmp(kv->key, kv2->key) == 0) {
				api_reply_error(req, 400, NULL,
				    "parameter '%s' given twice", kv->key);
				api_query_clear(ret);
				return -1;
			}
	}
	return 0;
}

void
api_query_clear(struct evkeyvalq *q)
{
	evhttp_clear_headers(q);
}

int
api_query_int(struct evhttp_request *req, struct evkeyvalq *q,
    const char *key, int64_t min, int64_t max, int64_t *ret)
{
	const char *v = evhttp_find_header(q, key);
	char *end;
	long long n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max ||
	    !(*v == '-' || (*v >= '0' && *v <= '9'))) {
		api_reply_error(req, 400, NULL, "parameter '%s' must be an "
		    "integer from %lld to %lld, not '%.40s'", key,
		    (long long)min, (long long)max, v);
		return -1;
	}
	*ret = n;
	return 0;
}

int
api_query_bool(struct evhttp_request *req, struct evkeyvalq *q,
    const char *key, bool *ret)
{
	const char *v = evhttp_find_header(q, key);

	if (v == NULL)
		return 0;
	if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || *v == '\0')
		*ret = true;
	else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		*ret = false;
	else {
		api_reply_error(req, 400, NULL, "parameter '%s' must be 1 or "
		    "0, not '%.40s'", key, v);
		return -1;
	}
	return 0;
}

char *
api_body_raw(struct evhttp_request *req, size_t *ret_len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	char *s = xmalloc(n + 1);

	evbuffer_copyout(in, s, n);
	s[n] = '\0';
	if (ret_len != NULL)
		*ret_len = n;
	return s;
}

json_t *
api_body_json(struct evhttp_request *req, const char *const *allowed,
    bool empty_ok)
{
	json_error_t jerr;
	const char *key;
	json_t *doc, *v;
	size_t n;
	char *text;

	text = api_body_raw(req, &n);
	if (n == 0 || strspn(text, " \t\r\n") == n) {
		free(text);
		if (empty_ok)
			return json_object();
		api_reply_error(req, 400, "bad_json",
		    "this request needs a JSON object as its body");
		return NULL;
	}
	doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (doc == NULL) {
		api_reply_error(req, 400, "bad_json", "malformed JSON in the "
		    "request body at line %d, column %d: %s", jerr.line,
		    jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		api_reply_error(req, 400, "bad_json",
		    "the request body must be a JSON object");
		return NULL;
	}
	json_object_foreach(doc, key, v) {
		if (!api_known(req, "field", key, allowed)) {
			json_decref(doc);
			return NULL;
		}
	}
	return doc;
}

int
api_topic_id(struct api *api, struct evhttp_request *req, const char *name,
    int64_t *ret)
{
	struct store_topic t = { 0 };
	int rc;

	if (name == NULL || *name == '\0') {
		*ret = 0;
		return 0;
	}
	if ((rc = store_topic_get_by_name(api->d->store, name, &t)) != 1) {
		if (rc == 0)
			api_reply_error(req, 404, "no_topic", "no topic "
			    "'%.100s' (feedctl topics lists them)", name);
		else
			api_reply_error(req, 500, NULL, "cannot read topic "
			    "'%.100s'", name);
		return -1;
	}
	*ret = t.id;
	store_topic_clear(&t);
	return 0;
}

static bool
valid_client(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > API_CLIENT_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("._-@+", *s) != NULL))
			return false;
	return true;
}

int
api_client_check(struct evhttp_request *req, const char *client)
{
	if (valid_client(client))
		return 0;
	api_reply_error(req, 400, "bad_client", "client names are 1 to %d "
	    "letters, digits and . _ - @ +, not '%.80s'", API_CLIENT_NAME_MAX,
	    client);
	return -1;
}

int
api_category(struct evhttp_request *req, json_t *v, char **ret)
{
	const char *why;

	*ret = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		api_reply_error(req, 400, "bad_category", "\"category\" must "
		    "be a string such as \"News/Ukraine\", or null");
		return -1;
	}
	if (category_norm(json_string_value(v), ret, &why) == -1) {
		api_reply_error(req, 400, "bad_category", "category "
		    "'%.200s': %s", json_string_value(v), why);
		return -1;
	}
	return 0;
}

const char *
api_url_field(struct evhttp_request *req, json_t *body)
{
	const char *url;
	char why[128];

	if ((url = json_string_value(json_object_get(body, "url"))) == NULL) {
		api_reply_error(req, 400, NULL, "\"url\" is required and must "
		    "be a string");
		return NULL;
	}
	if (url_check(url, 0, why, sizeof(why)) == -1) {
		api_reply_error(req, 400, "bad_url", "'%.200s': %s", url, why);
		return NULL;
	}
	return url;
}

int
api_user_get(struct evhttp_request *req, struct store *s, const char *name,
    struct store_user *ret)
{
	int rc = name != NULL ? store_user_get_by_name(s, name, ret) : 0;

	if (rc == 1)
		return 0;
	if (rc == 0)
		api_reply_error(req, 404, "no_user", "no such user: %s",
		    name != NULL ? name : "(none)");
	else
		api_reply_error(req, 500, NULL, "cannot read the users (see "
		    "the daemon's log)");
	return -1;
}
