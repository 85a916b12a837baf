/*
 * store_reconcile: feedd.conf's feeds into either store (store_reconcile.h).
 */
#include <stdbool.h>
#include <string.h>

#include "log.h"
#include "store_reconcile.h"

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
reconcile_one(void *s, const struct store_reconcile_ops *o,
    const struct store_config_feed *cf, struct store_reconcile_result *res)
{
	struct store_feed f, other;
	int found, rc = -1;
	int64_t id;

	if ((found = o->by_name(s, cf->name, &f)) == -1)
		return -1;
	if (!found) {
		if ((found = o->by_url(s, cf->url, &f)) == -1)
			return -1;
		if (!found) {
			if ((rc = o->insert(s, cf, &id)) == -1)
				return -1;
			if (rc == 0) {
				res->added++;
				return 0;
			}
			/* Another worker added it meanwhile. */
			if (o->by_id(s, id, &f) != 1)
				return -1;
		}
		/* Same URL under another name, or added through the API. */
		rc = o->config_set(s, f.id, cf);
		res->updated++;
		goto out;
	}
	if (strcmp(f.url, cf->url) != 0) {
		if ((found = o->by_url(s, cf->url, &other)) == -1)
			goto out;
		if (found) {
			log_warnx("store: configured feed '%s': '%s' is "
			    "already feed %lld, keeping '%s'", cf->name,
			    cf->url, (long long)other.id, f.url);
			store_feed_clear(&other);
		} else if (o->new_url(s, f.id, cf->url) == -1)
			goto out;
	}
	if (f.origin == STORE_ORIGIN_CONFIG && strcmp(f.url, cf->url) == 0 &&
	    f.interval_s == cf->interval_s &&
	    same_str(f.category, cf->category) &&
	    (cf->title == NULL || same_str(f.title, cf->title))) {
		res->unchanged++;
		rc = 0;
		goto out;
	}
	rc = o->config_set(s, f.id, cf);
	res->updated++;
out:
	store_feed_clear(&f);
	return rc;
}

int
store_reconcile_run(void *s, const struct store_reconcile_ops *o,
    const struct store_config_feed *feeds, size_t n,
    struct store_reconcile_result *ret)
{
	struct store_reconcile_result res = { 0 };
	size_t i;

	if (o->begin(s) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (feeds[i].name == NULL || feeds[i].url == NULL) {
			log_errx("store: configured feed %zu has no name or "
			    "URL", i);
			goto fail;
		}
		if (reconcile_one(s, o, &feeds[i], &res) == -1)
			goto fail;
	}
	if (o->drop_unnamed(s, feeds, n, &res.removed) == -1)
		goto fail;
	if (o->commit(s) == -1)
		return -1;
	if (ret != NULL)
		*ret = res;
	return 0;
fail:
	o->rollback(s);
	return -1;
}
