/*
 * api_tokens: /v1/tokens, the tokens of the TCP listener (api_auth.h).
 *
 * Tokens are managed over the Unix socket only: a request over TCP gets
 * 403 whatever its token, so a token that leaks cannot make more, list
 * them or remove the owner's. A new token is in the answer to its POST
 * and nowhere else, ever: the store keeps its hash.
 */
#include <stdbool.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "api_auth.h"
#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "feedd.h"
#include "log.h"
#include "model_json.h"
#include "store.h"

#define API_TOKEN_NAME_MAX	64

/* Names: letters, digits, '.', '_', '-'; a letter or digit first. */
static bool
valid_name(const char *s)
{
	static const char more[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	size_t n = strlen(s);

	return n >= 1 && n <= API_TOKEN_NAME_MAX && strspn(s, more) == n &&
	    strchr("._-", s[0]) == NULL;
}

/* The store for a token request over the Unix socket; else NULL, answered. */
static struct store *
tokens_request(struct api *api, struct evhttp_request *req)
{
	if (!api_auth_local_only(req, "tokens are managed (feedctl token)"))
		return NULL;
	return api_plain_request(api, req);
}

void
api_tokens_list(struct api *api, struct evhttp_request *req, const char *path)
{
	struct store_apitoken *t;
	struct store_user *u;
	struct store *s;
	size_t n, nu;
	json_t *arr;

	if ((s = tokens_request(api, req)) == NULL)
		return;
	if (store_apitoken_list(s, &t, &n) == -1) {
		api_reply_error(req, 500, NULL, "cannot list the tokens (see "
		    "the daemon's log)");
		return;
	}
	if (store_user_list(s, &u, &nu) == -1) {
		store_apitoken_list_free(t, n);
		api_reply_error(req, 500, NULL, "cannot list the users (see "
		    "the daemon's log)");
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		const char *user = NULL;

		for (size_t j = 0; j < nu; j++)
			if (u[j].id == t[i].user_id)
				user = u[j].name;
		json_array_append_new(arr, model_json_apitoken(&t[i], user));
	}
	store_apitoken_list_free(t, n);
	store_user_list_free(u, nu);
	api_reply(req, 200, json_pack("{s:o}", "tokens", arr));
}

void
api_tokens_add(struct api *api, struct evhttp_request *req, const char *path)
{
	static const char *const fields[] = { "name", "read_only", "user",
	    NULL };
	unsigned char sha256[STORE_APITOKEN_HASH_LEN];
	char token[API_AUTH_TOKEN_LEN + 1];
	struct store_user u;
	struct store *s;
	const char *name, *user = NULL;
	int64_t user_id = STORE_OWNER_ID;
	json_t *body, *v;
	bool read_only = false;
	int rc;

	if ((s = tokens_request(api, req)) == NULL ||
	    (body = api_body_json(req, fields, false)) == NULL)
		return;
	name = json_string_value(json_object_get(body, "name"));
	if (name == NULL || !valid_name(name)) {
		api_reply_error(req, 400, "bad_name", "a token's \"name\" is "
		    "1 to %d letters, digits, '.', '_' or '-', starting with "
		    "a letter or digit", API_TOKEN_NAME_MAX);
		goto out;
	}
	if ((v = json_object_get(body, "read_only")) != NULL) {
		if (!json_is_boolean(v)) {
			api_reply_error(req, 400, NULL, "\"read_only\" must "
			    "be true or false");
			goto out;
		}
		read_only = json_is_true(v);
	}
	/* A token acts as its user; the socket's own user by default. */
	if ((v = json_object_get(body, "user")) != NULL) {
		if ((user = json_string_value(v)) == NULL) {
			api_reply_error(req, 400, NULL, "\"user\" must be a "
			    "user's name");
			goto out;
		}
		if (api_user_get(req, s, user, &u) == -1)
			goto out;
		user_id = u.id;
		store_user_clear(&u);
	} else
		user_id = api->user_id;
	if (api_auth_mint(token, sizeof(token), sha256) == -1) {
		api_reply_error(req, 500, NULL, "cannot make a token (see the "
		    "daemon's log)");
		goto out;
	}
	if ((rc = store_apitoken_add(s, name, sha256, read_only,
	    user_id)) == 1)
		api_reply_error(req, 409, "exists", "a token named '%s' "
		    "exists already", name);
	else if (rc == -1)
		api_reply_error(req, 500, NULL, "cannot store the token (see "
		    "the daemon's log)");
	else {
		api_auth_reload(api->d->auth);
		log_info("api: token '%s' made for user %lld%s", name,
		    (long long)user_id, read_only ? " (read-only)" : "");
		/* The one time the token is shown. */
		api_reply(req, 201, json_pack("{s:s,s:b,s:s}", "name", name,
		    "read_only", read_only, "token", token));
	}
	OPENSSL_cleanse(token, sizeof(token));
out:
	json_decref(body);
}

void
api_tokens_remove(struct api *api, struct evhttp_request *req,
    const char *path)
{
	char name[API_TOKEN_NAME_MAX + 1];
	struct store *s;
	int rc;

	if ((s = tokens_request(api, req)) == NULL)
		return;
	if (api_path_segment(path, 2, name, sizeof(name)) == -1 ||
	    !valid_name(name)) {
		api_reply_error(req, 404, "no_token", "no such token");
		return;
	}
	if ((rc = store_apitoken_remove(s, name)) == -1) {
		api_reply_error(req, 500, NULL, "cannot remove the token (see "
		    "the daemon's log)");
		return;
	}
	if (rc == 0) {
		api_reply_error(req, 404, "no_token", "no token '%s' "
		    "(feedctl token list shows them)", name);
		return;
	}
	/* From now on: the next request with it fails. */
	api_auth_reload(api->d->auth);
	log_info("api: token '%s' removed", name);
	api_reply(req, 200, json_pack("{s:s}", "removed", name));
}
