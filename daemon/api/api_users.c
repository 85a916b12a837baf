/*
 * api_users: /v1/users, the people who read (store.h, "users").
 *
 * Managed over the Unix socket only, like tokens: whoever may reach the
 * socket owns the daemon anyway, and a token that leaks cannot make
 * users or change a password. A password arrives in the request's body
 * (never in a URL, which logs keep), is hashed here with yescrypt
 * (password.h) and is never stored, logged or answered. Enabling Fever
 * needs the password in the same request: its key is derived from it.
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
#include "password.h"
#include "store.h"

#define USER_NAME_MAX	64

/*
 * Names: letters, digits and ".-_@+" (an e-mail address works, as apps
 * call the login field "Email"); never ':' (Fever's key joins name and
 * password with it) or '/' (a Google Reader login is "NAME/...").
 */
static bool
valid_name(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@+";
	size_t n = strlen(s);

	return n >= 1 && n <= USER_NAME_MAX && strspn(s, ok) == n &&
	    strchr("._-@+", s[0]) == NULL;
}

static struct store *
users_request(struct api *api, struct evhttp_request *req)
{
	if (!api_auth_local_only(req, "users are managed (feedctl user)"))
		return NULL;
	return api_plain_request(api, req);
}

static bool
name_ok(struct evhttp_request *req, const char *name)
{
	if (name != NULL && valid_name(name))
		return true;
	api_reply_error(req, 400, "bad_name", "a user's \"name\" is 1 to %d "
	    "letters, digits, '.', '_', '-', '@' or '+', starting with a "
	    "letter or digit", USER_NAME_MAX);
	return false;
}

/* The body's "password": 1 and *ret, 0 when absent, -1 answered. */
static int
body_password(struct evhttp_request *req, json_t *body, const char **ret)
{
	json_t *v = json_object_get(body, "password");
	const char *why;

	*ret = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		api_reply_error(req, 400, "bad_password", "\"password\" must "
		    "be a string");
		return -1;
	}
	*ret = json_string_value(v);
	if ((why = password_unfit(*ret)) != NULL) {
		api_reply_error(req, 400, "bad_password", "%s", why);
		return -1;
	}
	return 1;
}

/* The body's "fever": 1 true, 0 false, 2 absent, -1 answered. */
static int
body_fever(struct evhttp_request *req, json_t *body)
{
	json_t *v = json_object_get(body, "fever");

	if (v == NULL)
		return 2;
	if (!json_is_boolean(v)) {
		api_reply_error(req, 400, NULL, "\"fever\" must be true or "
		    "false");
		return -1;
	}
	return json_is_true(v) ? 1 : 0;
}

/* Writes the user's password and Fever key as the request asks. 0 / -1. */
static int
set_secrets(struct evhttp_request *req, struct store *s, int64_t id,
    const char *name, const char *password, int fever, bool *ret_changed)
{
	unsigned char key[STORE_FEVER_KEY_LEN];
	char *hash;
	int rc;

	*ret_changed = false;
	if (fever == 1 && password == NULL) {
		api_reply_error(req, 400, "password_needed", "enabling Fever "
		    "needs the password: its key is md5(\"name:password\")");
		return -1;
	}
	if (password != NULL) {
		if ((hash = password_hash(password)) == NULL) {
			api_reply_error(req, 500, NULL, "cannot hash the "
			    "password (see the daemon's log)");
			return -1;
		}
		rc = store_user_set_password(s, id, hash);
		OPENSSL_cleanse(hash, strlen(hash));
		free(hash);
		if (rc == -1)
			goto fail;
		*ret_changed = true;
	}
	/* A new password, a new key: the old one would let the old in. */
	if (fever == 2 && password != NULL) {
		struct store_user u;

		if (store_user_get(s, id, &u) != 1)
			goto fail;
		fever = u.fever ? 1 : 2;
		store_user_clear(&u);
	}
	if (fever == 1) {
		if (password_fever_key(name, password, key) == -1) {
			api_reply_error(req, 500, NULL, "cannot make the Fever "
			    "key (see the daemon's log)");
			return -1;
		}
		rc = store_user_set_fever(s, id, key);
		OPENSSL_cleanse(key, sizeof(key));
		if (rc == -1)
			goto fail;
		*ret_changed = true;
	} else if (fever == 0) {
		if (store_user_set_fever(s, id, NULL) == -1)
			goto fail;
		*ret_changed = true;
	}
	return 0;
fail:
	api_reply_error(req, 500, NULL, "cannot store the user (see the "
	    "daemon's log)");
	return -1;
}

/* The user as JSON, with the count of its tokens. */
static json_t *
user_json(struct store *s, const struct store_user *u)
{
	struct store_apitoken *t;
	size_t n = 0, mine = 0;

	if (store_apitoken_list(s, &t, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			mine += t[i].user_id == u->id;
		store_apitoken_list_free(t, n);
	}
	return model_json_user(u, mine);
}

void
api_users_list(struct api *api, struct evhttp_request *req, const char *path)
{
	struct store_user *u;
	struct store *s;
	size_t n;
	json_t *arr;

	if ((s = users_request(api, req)) == NULL)
		return;
	if (store_user_list(s, &u, &n) == -1) {
		api_reply_error(req, 500, NULL, "cannot list the users (see "
		    "the daemon's log)");
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, user_json(s, &u[i]));
	store_user_list_free(u, n);
	api_reply(req, 200, json_pack("{s:o}", "users", arr));
}

void
api_users_add(struct api *api, struct evhttp_request *req, const char *path)
{
	static const char *const fields[] = { "name", "password", "fever",
	    NULL };
	struct store_user u;
	struct store *s;
	const char *name, *password;
	json_t *body;
	int64_t id;
	int fever, rc;
	bool changed;

	if ((s = users_request(api, req)) == NULL ||
	    (body = api_body_json(req, fields, false)) == NULL)
		return;
	name = json_string_value(json_object_get(body, "name"));
	if (!name_ok(req, name) || body_password(req, body, &password) == -1 ||
	    (fever = body_fever(req, body)) == -1)
		goto out;
	if (fever == 1 && password == NULL) {
		api_reply_error(req, 400, "password_needed", "enabling Fever "
		    "needs the password: its key is md5(\"name:password\")");
		goto out;
	}
	if ((rc = store_user_add(s, name, NULL, &id)) == 1) {
		api_reply_error(req, 409, "exists", "a user named '%s' exists "
		    "already", name);
		goto out;
	} else if (rc == -1) {
		api_reply_error(req, 500, NULL, "cannot store the user (see "
		    "the daemon's log)");
		goto out;
	}
	if (set_secrets(req, s, id, name, password, fever, &changed) == -1) {
		/* No half-made user: without its password it is no use. */
		store_user_remove(s, id);
		goto out;
	}
	log_info("api: user '%s' added%s%s", name, password != NULL ?
	    " with a password" : " without a password",
	    fever == 1 ? ", Fever on" : "");
	if (store_user_get(s, id, &u) == 1) {
		api_reply(req, 201, user_json(s, &u));
		store_user_clear(&u);
	} else
		api_reply_error(req, 500, NULL, "cannot read the user back "
		    "(see the daemon's log)");
out:
	json_decref(body);
}

/* The user named by path segment 2; 1, or -1 after answering. */
static int
path_user(struct evhttp_request *req, struct store *s, const char *path,
    struct store_user *ret)
{
	char name[USER_NAME_MAX + 1];

	if (api_path_segment(path, 2, name, sizeof(name)) == -1 ||
	    !valid_name(name)) {
		api_reply_error(req, 404, "no_user", "no such user");
		return -1;
	}
	return api_user_get(req, s, name, ret) == 0 ? 1 : -1;
}

void
api_users_change(struct api *api, struct evhttp_request *req,
    const char *path)
{
	static const char *const fields[] = { "name", "password", "fever",
	    NULL };
	struct store_user u;
	struct store *s;
	const char *name, *password;
	json_t *body = NULL, *v;
	int64_t id;
	int fever, rc;
	bool changed;

	if ((s = users_request(api, req)) == NULL ||
	    path_user(req, s, path, &u) != 1)
		return;
	if ((body = api_body_json(req, fields, false)) == NULL)
		goto out;
	if (body_password(req, body, &password) == -1 ||
	    (fever = body_fever(req, body)) == -1)
		goto out;
	name = u.name;
	if ((v = json_object_get(body, "name")) != NULL) {
		if (!name_ok(req, json_string_value(v)))
			goto out;
		name = json_string_value(v);
		/* Fever's key holds the name: a new name needs the password. */
		if (strcmp(name, u.name) != 0 && u.fever && fever != 0 &&
		    password == NULL) {
			api_reply_error(req, 400, "password_needed", "renaming "
			    "a user with Fever on needs the password (its key "
			    "is md5(\"name:password\")), or \"fever\": false");
			goto out;
		}
		if ((rc = store_user_rename(s, u.id, name)) == 2) {
			api_reply_error(req, 409, "exists", "a user named "
			    "'%s' exists already", name);
			goto out;
		} else if (rc != 1) {
			api_reply_error(req, 500, NULL, "cannot rename the "
			    "user (see the daemon's log)");
			goto out;
		}
		if (u.fever && fever == 2)
			fever = 1;
	}
	if (set_secrets(req, s, u.id, name, password, fever, &changed) == -1)
		goto out;
	log_info("api: user '%s' changed%s%s%s", name,
	    strcmp(name, u.name) != 0 ? " (renamed)" : "",
	    password != NULL ? " (new password)" : "",
	    fever == 1 ? " (Fever on)" : fever == 0 ? " (Fever off)" : "");
	/* By id: name may be u.name, gone with it. */
	id = u.id;
	store_user_clear(&u);
	if (store_user_get(s, id, &u) == 1)
		api_reply(req, 200, user_json(s, &u));
	else
		api_reply_error(req, 500, NULL, "cannot read the user back "
		    "(see the daemon's log)");
out:
	json_decref(body);
	store_user_clear(&u);
}

void
api_users_remove(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct store_user u;
	struct store *s;

	if ((s = users_request(api, req)) == NULL ||
	    path_user(req, s, path, &u) != 1)
		return;
	if (u.id == STORE_OWNER_ID)
		api_reply_error(req, 409, "owner", "the owner is never "
		    "removed (rename it, or take its password away)");
	else if (store_user_remove(s, u.id) != 1)
		api_reply_error(req, 500, NULL, "cannot remove the user (see "
		    "the daemon's log)");
	else {
		/* Its tokens went with it. */
		api_auth_reload(api->d->auth);
		log_info("api: user '%s' removed, with its state and tokens",
		    u.name);
		api_reply(req, 200, json_pack("{s:s,s:b}", "name", u.name,
		    "removed", 1));
	}
	store_user_clear(&u);
}
