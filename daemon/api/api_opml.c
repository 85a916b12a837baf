/*
 * api_opml: GET /v1/opml exports the subscriptions as OPML 2.0 (each feed
 * in the folders of its category); POST /v1/opml imports an OPML body:
 * every outline with an xmlUrl not yet subscribed is added (with its title
 * and, from the folders around it, its category) and polled soon (new
 * feeds are due at once); known URLs are left alone, so importing the
 * same file twice changes nothing. The feeds of an import are added in
 * one transaction: all of them or, if the database fails (or the daemon
 * dies) on the way, none; their polls start once they are committed.
 * An xmlUrl that answers with an HTML page gets the feed the page
 * announces (the first, when it announces several): its first poll
 * looks behind the page (sched.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "buf.h"
#include "category.h"
#include "feedd.h"
#include "log.h"
#include "model_json.h"
#include "opml.h"
#include "sched.h"
#include "store.h"
#include "url.h"
#include "xmalloc.h"

void
api_opml_export(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct store_feed *feeds;
	struct opml_feed *of;
	struct store *s;
	struct buf out;
	size_t n;

	if ((s = api_plain_request(api, req)) == NULL)
		return;
	if (store_feed_list(s, &feeds, &n) == -1) {
		api_reply_error(req, 500, NULL, "cannot list feeds");
		return;
	}
	of = xcalloc(n + 1, sizeof(*of));
	for (size_t i = 0; i < n; i++) {
		/* Borrowed from feeds; opml_write copies what it writes. */
		of[i].xml_url = feeds[i].url;
		of[i].title = feeds[i].title;
		of[i].html_url = feeds[i].site_link;
		of[i].category = feeds[i].category;
	}
	buf_init(&out);
	opml_write(&out, "feedd subscriptions", of, n, (int64_t)time(NULL));
	free(of);
	store_feed_list_free(feeds, n);
	api_reply_raw(req, 200, "text/x-opml; charset=utf-8", out.data,
	    out.len);
	buf_free(&out);
}

/*
 * An import whose new feeds await their first poll: when the last one is
 * polled, one info line says how the import went.
 */
struct api_import {
	struct api_import *next;
	int64_t		*ids;		/* not polled yet: ids[0..left) */
	size_t		 left;
	size_t		 total;
	size_t		 failed;
	int64_t		 entries;
};

static void
import_free(struct api_import *im)
{
	free(im->ids);
	free(im);
}

void
api_opml_polled(struct api *api, int64_t feed_id, bool failed,
    size_t new_count)
{
	struct api_import **pp = &api->imports, *im;

	while ((im = *pp) != NULL) {
		for (size_t i = 0; i < im->left; i++) {
			if (im->ids[i] != feed_id)
				continue;
			im->ids[i] = im->ids[--im->left];
			im->failed += failed;
			im->entries += (int64_t)new_count;
			break;
		}
		if (im->left > 0) {
			pp = &im->next;
			continue;
		}
		log_info("api: OPML import of %zu feeds polled: %zu ok, %zu "
		    "failed, %lld entries stored", im->total, im->total -
		    im->failed, im->failed, (long long)im->entries);
		*pp = im->next;
		import_free(im);
	}
}

void
api_opml_free_imports(struct api *api)
{
	struct api_import *im;

	while ((im = api->imports) != NULL) {
		api->imports = im->next;
		import_free(im);
	}
}

/* The store refused the import (while adding url, if not NULL). */
static void
import_failed(struct api *api, struct evhttp_request *req, const char *url)
{
	struct store_health h;

	store_health_get(api->d->store, &h);
	log_warnx("api: OPML import failed%s%s%s; nothing was imported",
	    url != NULL ? " at '" : "", url != NULL ? url : "",
	    url != NULL ? "'" : "");
	api_reply_error(req, 500, "store_error", "the database could not "
	    "store the import%s%s; nothing was imported, no feed was added",
	    h.failing ? ": " : " (see the daemon's log)",
	    h.failing ? h.error : "");
}

void
api_opml_import(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct api_import *im;
	struct opml_doc doc;
	struct store *s;
	char err[512], *body;
	size_t len, added = 0, existing = 0;
	json_t *list, *invalid;
	int64_t id, *ids = NULL;

	if ((s = api_plain_request(api, req)) == NULL)
		return;
	body = api_body_raw(req, &len);
	if (len == 0) {
		free(body);
		api_reply_error(req, 400, "bad_opml", "the request body must "
		    "be an OPML document");
		return;
	}
	if (opml_parse(body, len, &doc, err, sizeof(err)) == -1) {
		free(body);
		api_reply_error(req, 400, "bad_opml", "not a readable OPML "
		    "document: %s", err);
		return;
	}
	free(body);
	/* All or nothing: one transaction, and the polls start after it. */
	if (store_batch_begin(s) == -1) {
		opml_doc_clear(&doc);
		import_failed(api, req, NULL);
		return;
	}
	list = json_array();
	invalid = json_array();
	for (size_t i = 0; i < doc.nfeeds; i++) {
		const struct opml_feed *f = &doc.feeds[i];
		const char *cwhy;
		char *category = NULL, why[128];
		int rc;

		if (url_check(f->xml_url, 0, why, sizeof(why)) == -1) {
			json_array_append_new(invalid, json_pack("{s:o,s:s}",
			    "url", model_json_str(f->xml_url), "error", why));
			continue;
		}
		/* A folder name the API would refuse: the feed, unfiled. */
		if (f->category != NULL && category_norm(f->category,
		    &category, &cwhy) == -1)
			log_warnx("api: OPML import: '%s': category '%s' "
			    "dropped: %s", f->xml_url, f->category, cwhy);
		rc = store_feed_add(s, f->xml_url, f->title, category, 0, &id);
		if (rc == -1) {
			free(category);
			store_batch_rollback(s);
			json_decref(list);
			json_decref(invalid);
			free(ids);
			import_failed(api, req, f->xml_url);
			opml_doc_clear(&doc);
			return;
		}
		if (rc == 0) {
			ids = xreallocarray(ids, added + 1, sizeof(*ids));
			ids[added++] = id;
		} else
			existing++;
		json_array_append_new(list, json_pack("{s:I,s:o,s:o,s:o,s:s}",
		    "id", (json_int_t)id, "url", model_json_str(f->xml_url),
		    "title", model_json_str(f->title), "category",
		    model_json_str(category), "status", rc == 0 ? "added" :
		    "exists"));
		free(category);
	}
	opml_doc_clear(&doc);
	if (store_batch_commit(s) == -1) {
		json_decref(list);
		json_decref(invalid);
		free(ids);
		import_failed(api, req, NULL);
		return;
	}
	if (added > 0) {
		/* New feeds are due now: the scheduler spreads their polls. */
		log_info("api: OPML import added %zu feeds (%zu known)", added,
		    existing);
		im = xcalloc(1, sizeof(*im));
		im->ids = ids;
		im->left = im->total = added;
		im->next = api->imports;
		api->imports = im;
		api->d->feeds_changed(api->d);
		for (size_t i = 0; api->d->sched != NULL && i < added; i++)
			sched_discover_pages(api->d->sched, ids[i]);
		ids = NULL;
	}
	free(ids);
	api_reply(req, 200, json_pack("{s:I,s:I,s:I,s:o,s:o}", "added",
	    (json_int_t)added, "existing", (json_int_t)existing, "invalid_count",
	    (json_int_t)json_array_size(invalid), "feeds", list, "invalid",
	    invalid));
}
