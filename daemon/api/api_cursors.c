/*
 * api_cursors: named cursors, /v1/cursors/{client}. A cursor is the id of
 * the last entry a client has handled, over all entries (topic null) or per
 * topic. Only an explicit PUT moves it, so a client that crashes between
 * reading and acknowledging reads the same entries again: nothing is lost.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "feedd.h"
#include "model_json.h"
#include "store.h"

/* /v1/cursors/{client} without parameters: the store and the client. */
static struct store *
cursor_request(struct api *api, struct evhttp_request *req, const char *path,
    char *client, size_t len)
{
	if (api_path_segment(path, 2, client, len) == -1) {
		api_reply_error(req, 400, "bad_client", "bad client name");
		return NULL;
	}
	if (api_client_check(req, client) == -1)
		return NULL;
	return api_plain_request(api, req);
}

void
api_cursors_get(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct store_cursor *c;
	struct store *s;
	char client[256];
	size_t n;
	json_t *arr;

	if ((s = cursor_request(api, req, path, client, sizeof(client))) ==
	    NULL)
		return;
	if (store_cursor_list(s, client, &c, &n) == -1) {
		api_reply_error(req, 500, NULL, "cannot read the cursors of "
		    "'%s'", client);
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, model_json_cursor(&c[i]));
	store_cursor_list_free(c, n);
	api_reply(req, 200, json_pack("{s:s,s:o,s:I}", "client", client,
	    "cursors", arr, "last_entry_id", (json_int_t)store_last_entry_id(s)));
}

void
api_cursors_put(struct api *api, struct evhttp_request *req,
    const char *path)
{
	static const char *const fields[] = { "value", "topic", NULL };
	struct store *s;
	char client[256];
	const char *topic = NULL;
	int64_t value, last, topic_id = 0;
	json_t *body, *v;

	if ((s = cursor_request(api, req, path, client, sizeof(client))) ==
	    NULL || (body = api_body_json(req, fields, false)) == NULL)
		return;
	v = json_object_get(body, "value");
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		api_reply_error(req, 400, NULL, "\"value\" is required: the "
		    "id of the last entry handled (next_since of a listing)");
		goto out;
	}
	value = json_integer_value(v);
	if ((v = json_object_get(body, "topic")) != NULL && !json_is_null(v) &&
	    (topic = json_string_value(v)) == NULL) {
		api_reply_error(req, 400, NULL, "\"topic\" must be a topic "
		    "name or null");
		goto out;
	}
	if (api_topic_id(api, req, topic, &topic_id) == -1)
		goto out;
	if (value > (last = store_last_entry_id(s))) {
		api_reply_error(req, 400, "beyond_last", "%lld is past the "
		    "last entry (%lld): a cursor there would skip entries not "
		    "stored yet", (long long)value, (long long)last);
		goto out;
	}
	if (store_cursor_set(s, client, topic_id, value) == -1) {
		api_reply_error(req, 500, NULL, "cannot store the cursor");
		goto out;
	}
	api_reply(req, 200, json_pack("{s:s,s:o,s:I}", "client", client,
	    "topic", model_json_str(topic), "value", (json_int_t)value));
out:
	json_decref(body);
}
