/*
 * topics: the real store on a SQLite file, the real event loop, real notify
 * commands. Matching after a poll, cross-feed duplicates, case and
 * diacritic folding, Ukrainian prefixes, feed subsets (config names, API
 * ids, categories, re-resolved as feeds change), back-fill from the
 * archive in batches, resume after a restart, hooks each/batch, and the
 * why explanation.
 */
#include <sys/stat.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "config.h"
#include "feedd.h"
#include "hook.h"
#include "log.h"
#include "store.h"
#include "strv.h"
#include "tap.h"
#include "topics.h"
#include "topics_why.h"
#include "xmalloc.h"

static char	 dir[] = "/tmp/feedd-topics-XXXXXX";
static char	 notify_out[256];
static struct hooks *hooks;

/* As main.c wires it: a topic's matches go to its hook. */
static void
on_matches(void *arg, int64_t topic_id, const char *topic, const char *hook,
    const int64_t *ids, size_t n)
{
	hooks_deliver(hooks, hook, topic, ids, n);
}

/* One poll: store the entries, then the pipeline's hook. */
static size_t
poll_once(struct store *s, struct topics *t, int64_t feed_id,
    struct feed_entry *e, size_t n)
{
	struct store_ingest_result r = { 0 };
	size_t got;

	if (store_ingest(s, feed_id, NULL, e, n, &r) == -1)
		return (size_t)-1;
	topics_on_new_entries(t, feed_id, r.new_ids, r.new_count);
	got = r.new_count;
	store_ingest_result_clear(&r);
	return got;
}

static struct feed_entry
entry(const char *guid, const char *title, const char *link,
    const char *summary)
{
	struct feed_entry e;

	memset(&e, 0, sizeof(e));
	e.id = (char *)guid;
	e.title = (char *)title;
	e.link = (char *)link;
	e.summary = (char *)summary;
	e.published = 1756900000;
	e.updated = FEED_TIME_NONE;
	return e;
}

/* Titles a topic lists, in order, joined by " | ". */
static char *
listing(struct store *s, const char *topic)
{
	static char out[4096];
	struct store_topic tp;
	struct store_entry_query q = { .limit = 1000 };
	struct store_entry *e;
	size_t n;
	char err[256];

	out[0] = '\0';
	if (store_topic_get_by_name(s, topic, &tp) != 1)
		return "(no topic)";
	q.topic_id = tp.id;
	store_topic_clear(&tp);
	if (store_entry_list(s, &q, &e, &n, err, sizeof(err)) != 0)
		return "(error)";
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strncat(out, " | ", sizeof(out) - strlen(out) - 1);
		strncat(out, e[i].title, sizeof(out) - strlen(out) - 1);
	}
	store_entry_list_free(e, n);
	return out;
}

static void
on_idle_check(evutil_socket_t fd, short what, void *arg)
{
	struct feedd *d = arg;
	struct store_topic *tp;
	struct topics_info info;
	size_t n;
	bool busy = false;

	if (store_topic_list(d->store, &tp, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (topics_info(d->topics, tp[i].id, &info) &&
			    info.backfilling)
				busy = true;
		store_topic_list_free(tp, n);
	}
	if (!busy)
		event_base_loopexit(d->base, NULL);
}

/* Runs the loop until no topic back-fills and notify commands ended. */
static void
run_loop(struct feedd *d, double secs)
{
	struct timeval tv = { 0, 100 * 1000 }, lim;
	struct event *ev = event_new(d->base, -1, EV_PERSIST, on_idle_check,
	    d);

	event_add(ev, &tv);
	lim.tv_sec = (time_t)secs;
	lim.tv_usec = (suseconds_t)((secs - (double)lim.tv_sec) * 1e6);
	event_base_loopexit(d->base, &lim);
	event_base_dispatch(d->base);
	event_free(ev);
}

static int
count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int c, n = 0;

	if (f == NULL)
		return 0;
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

static void
set_topic(struct config_topic *ct, const char *name, const char *query,
    const char *hook, const char *feeds)
{
	memset(ct, 0, sizeof(*ct));
	ct->name = xstrdup(name);
	ct->query = xstrdup(query);
	ct->notify = hook != NULL ? xstrdup(hook) : NULL;
	ct->feeds = feeds != NULL ? config_split_argv(feeds) : NULL;
}

static void
set_hook(struct config_hook *h, const char *name, const char *command,
    enum config_hook_mode mode)
{
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(name);
	h->argv = config_split_argv(command);
	h->mode = mode;
	h->timeout_s = 10;
}

int
main(void)
{
	struct config cfg = { 0 };
	struct feedd d = { 0 };
	struct topics_callbacks cb = { .on_matches = on_matches, .arg = &d };
	struct store_config_feed cf[] = {
		{ "kyiv", "http://127.0.0.1:1/kyiv.xml", NULL, 0, NULL },
		{ "mirror", "http://127.0.0.1:1/mirror.xml", NULL, 0, NULL },
		{ "uk", "http://127.0.0.1:1/uk.xml", NULL, 0, NULL },
		{ "other", "http://127.0.0.1:1/other.xml", NULL, 0, NULL },
	};
	int64_t fid[4];
	char db[256], err[512], cmd[600];
	struct store_feed f;
	struct topics_info info;
	struct store_topic tp;
	int64_t id, eng_id = 0, dup_id = 0;
	json_t *why;

	log_init("test_topics");
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(db, sizeof(db), "%s/feedd.db", dir);
	snprintf(notify_out, sizeof(notify_out), "%s/notified", dir);
	d.base = event_base_new();
	d.store = store_open(db, err, sizeof(err));
	if (!ok(d.store != NULL, "store opens: %s", d.store ? "" : err))
		return tap_done();
	store_feeds_reconcile(d.store, cf, 4, NULL);
	for (int i = 0; i < 4; i++) {
		store_feed_get_by_url(d.store, cf[i].url, &f);
		fid[i] = f.id;
		store_feed_clear(&f);
	}

	snprintf(cmd, sizeof(cmd), "/bin/sh -c 'printf \"%%s %%s\\n\" "
	    "\"$FEEDD_TOPIC\" \"$FEEDD_ID\" >> %s'", notify_out);
	cfg.path = "test.conf";
	cfg.notify_max_parallel = 2;
	cfg.notify_timeout_s = 10;
	cfg.nhooks = 2;
	cfg.hooks = xcalloc(2, sizeof(*cfg.hooks));
	set_hook(&cfg.hooks[0], "each", cmd, CONFIG_HOOK_EACH);
	set_hook(&cfg.hooks[1], "batch", cmd, CONFIG_HOOK_BATCH);
	cfg.ntopics = 3;
	cfg.topics = xcalloc(3, sizeof(*cfg.topics));
	set_topic(&cfg.topics[0], "coalition",
	    "\"coalition of the willing\" OR (коаліці* охоч*)", "each", NULL);
	set_topic(&cfg.topics[1], "ukonly", "коаліці*", "batch", "uk");
	set_topic(&cfg.topics[2], "folding", "cafe AND αθήνα AND ёжик", NULL,
	    NULL);
	d.cfg = &cfg;
	hooks = hooks_new(d.base, d.store, NULL);
	hooks_set_config(hooks, &cfg);
	d.topics = topics_new(&d, &cb);
	ok(d.topics != NULL && topics_reconcile(d.topics, &cfg) == 0,
	    "config topics reconciled");

	{
		struct feed_entry e[] = {
			entry("ki-1", "Zelensky arrives in Paris, meets Macron "
			    "ahead of security guarantees summit with "
			    "'Coalition of the Willing'",
			    "https://kyivindependent.com/zelensky-paris/",
			    "The leaders discuss guarantees."),
			entry("ki-2", "Weather in Lviv", "https://kyiv"
			    "independent.com/weather/", "Rain."),
		};

		ok(poll_once(d.store, d.topics, fid[0], e, 2) == 2,
		    "poll 1 stores two entries");
	}
	is_str(listing(d.store, "coalition"), "Zelensky arrives in Paris, "
	    "meets Macron ahead of security guarantees summit with "
	    "'Coalition of the Willing'", "the English article matches");
	{
		struct feed_entry e[] = {
			entry("urn:mirror:77", "Zelensky arrives in Paris, "
			    "meets Macron ahead of security guarantees summit "
			    "with 'Coalition of the Willing'", "https://kyiv"
			    "independent.com/zelensky-paris/?utm_source=rss&"
			    "utm_medium=feed", "Same article, other feed."),
		};

		poll_once(d.store, d.topics, fid[1], e, 1);
	}
	is_str(listing(d.store, "coalition"), "Zelensky arrives in Paris, "
	    "meets Macron ahead of security guarantees summit with "
	    "'Coalition of the Willing'", "the copy from a second feed is "
	    "listed once");
	{
		struct feed_entry e[] = {
			entry("uk-1", "«Коаліція охочих» збирається в Парижі",
			    "https://example.ua/1", "Лідери обговорять "
			    "гарантії."),
			entry("uk-2", "Засідання коаліції охочих",
			    "https://example.ua/2", "Друга новина."),
			entry("uk-3", "Коаліційна угода в Німеччині",
			    "https://example.ua/3", "Не про це."),
			entry("uk-4", "Кафе, CAFÉ, ΑΘΉΝΑ та ЁЖИК",
			    "https://example.ua/4", "Складені літери."),
		};

		poll_once(d.store, d.topics, fid[2], e, 4);
	}
	is_str(listing(d.store, "coalition"), "Zelensky arrives in Paris, "
	    "meets Macron ahead of security guarantees summit with "
	    "'Coalition of the Willing' | Засідання коаліції охочих | "
	    "«Коаліція охочих» збирається в Парижі", "коаліці* охоч* finds "
	    "inflected Ukrainian forms, not Коаліційна");
	is_str(listing(d.store, "folding"), "Кафе, CAFÉ, ΑΘΉΝΑ та ЁЖИК",
	    "case folds in Latin, Greek and Cyrillic, Latin accents too");
	/* A poll's newest item (first in the document) gets the top id. */
	is_str(listing(d.store, "ukonly"), "Коаліційна угода в Німеччині | "
	    "Засідання коаліції охочих | «Коаліція охочих» збирається в "
	    "Парижі", "a feed subset topic matches its feed");
	{
		struct feed_entry e[] = {
			entry("o-1", "Коаліція в іншій стрічці",
			    "https://other.example/1", "x"),
		};

		poll_once(d.store, d.topics, fid[3], e, 1);
	}
	ok(strstr(listing(d.store, "ukonly"), "іншій") == NULL,
	    "a feed subset topic ignores other feeds");
	ok(strstr(listing(d.store, "coalition"), "іншій") == NULL,
	    "коаліці* AND охоч*: one word is not enough");

	/* hooks: coalition each (3 runs), ukonly batch (1 run). */
	run_loop(&d, 5);
	for (int i = 0; i < 40 && count_lines(notify_out) < 4; i++)
		usleep(50 * 1000), event_base_loop(d.base, EVLOOP_NONBLOCK);
	ok(count_lines(notify_out) == 4, "notify ran once per match (each) "
	    "and once per poll (batch): %d lines", count_lines(notify_out));

	/* A topic added later is back-filled from the archive. */
	ok(topics_add(d.topics, "guarantees", "guarant*", NULL, NULL, &id,
	    err, sizeof(err)) == 0, "an API topic is added");
	ok(topics_info(d.topics, id, &info) && info.backfilling,
	    "it back-fills");
	run_loop(&d, 10);
	ok(topics_info(d.topics, id, &info) && !info.backfilling,
	    "the back-fill finishes");
	is_str(listing(d.store, "guarantees"), "Zelensky arrives in Paris, "
	    "meets Macron ahead of security guarantees summit with "
	    "'Coalition of the Willing'", "back-filled matches are listed, "
	    "the duplicate once");
	ok(topics_add(d.topics, "bad", "\"unterminated", NULL, NULL, &id,
	    err, sizeof(err)) == STORE_EQUERY, "a bad query is refused: %s",
	    err);

	/* Feed subsets by category and by id, resolved as feeds change. */
	{
		struct store_feed_change fc = { .set_category = true,
		    .category = "News/Ukraine" };
		struct store_topic_subset sub = { .category = "News" };
		struct feed_entry e1[] = {
			entry("oth-d", "Drone sighting over the port",
			    "https://other.example/drone", "Seen at dawn."),
		};
		struct feed_entry e2[] = {
			entry("uk-d", "Drone seen near the river bank",
			    "https://uk.example/drone", "Seen at noon."),
		};
		int64_t cat_id, ids_id;

		ok(topics_add(d.topics, "drones", "drone", NULL, &sub,
		    &cat_id, err, sizeof(err)) == 0,
		    "an API topic limited to a category");
		ok(topics_info(d.topics, cat_id, &info) && info.subset &&
		    info.nfeed_ids == 0 && strcmp(info.category, "News") == 0,
		    "no feed is filed there yet: it follows none, not all");
		poll_once(d.store, d.topics, fid[3], e1, 1);
		is_str(listing(d.store, "drones"), "", "an entry of a feed "
		    "outside the category is not matched");
		ok(store_feed_change(d.store, fid[2], &fc) == 1,
		    "a feed is filed under a sub-category");
		topics_feeds_changed(d.topics);
		ok(topics_info(d.topics, cat_id, &info) &&
		    info.nfeed_ids == 1 && info.feed_ids[0] == fid[2],
		    "topics_feeds_changed: the topic now follows it");
		poll_once(d.store, d.topics, fid[2], e2, 1);
		is_str(listing(d.store, "drones"), "Drone seen near the river "
		    "bank", "its new entries are matched");
		sub = (struct store_topic_subset){ .feed_ids = &fid[3],
		    .nfeed_ids = 1 };
		ok(topics_add(d.topics, "drones-other", "drone", NULL, &sub,
		    &ids_id, err, sizeof(err)) == 0,
		    "an API topic limited to one feed id");
		run_loop(&d, 10);
		is_str(listing(d.store, "drones-other"), "Drone sighting over "
		    "the port", "its back-fill keeps that feed's entries only");
	}

	/* why */
	{
		struct store_entry_query q = { .limit = 10 };
		struct store_entry *e;
		size_t n;

		store_entry_list(d.store, &q, &e, &n, err, sizeof(err));
		for (size_t i = 0; i < n; i++) {
			if (e[i].feed_id == fid[0] &&
			    strncmp(e[i].title, "Zelensky", 8) == 0)
				eng_id = e[i].id;
			if (e[i].feed_id == fid[1])
				dup_id = e[i].id;
		}
		store_entry_list_free(e, n);
	}
	ok(topics_why(d.store, dup_id, &why, err, sizeof(err)) == 1,
	    "why answers for the duplicate");
	if (why != NULL) {
		json_t *fi = json_object_get(why, "folded_into");
		json_t *t0 = json_array_get(json_object_get(why, "topics"), 0);
		char *words = json_dumps(json_object_get(t0, "words"), 0);

		ok(json_integer_value(json_object_get(fi, "entry_id")) ==
		    eng_id, "it was folded into the first feed's entry");
		ok(json_array_size(json_object_get(why, "carried_by")) == 2,
		    "two feeds carried it");
		is_str(json_string_value(json_object_get(json_object_get(why,
		    "key"), "kind")), "guid", "its key is the guid");
		ok(words != NULL && strstr(words, "Coalition") != NULL &&
		    strstr(words, "Willing") != NULL, "matched words: %s",
		    words);
		free(words);
		json_decref(why);
	}
	ok(topics_why(d.store, 999999, &why, err, sizeof(err)) == 0,
	    "why: no such entry");

	/* A restart neither back-fills again nor matches twice. */
	topics_free(d.topics);
	d.topics = topics_new(&d, &cb);
	topics_reconcile(d.topics, &cfg);
	store_topic_get_by_name(d.store, "guarantees", &tp);
	ok(topics_info(d.topics, tp.id, &info) && !info.backfilling,
	    "after a restart a finished back-fill stays finished");
	ok(store_topic_match(d.store, tp.id, 1, store_last_entry_id(d.store),
	    NULL, NULL, err, sizeof(err)) == 0, "matching again finds "
	    "nothing new");
	store_topic_clear(&tp);

	/* A changed query in the config drops and back-fills the matches. */
	free(cfg.topics[0].query);
	cfg.topics[0].query = xstrdup("title: weather");
	topics_reconcile(d.topics, &cfg);
	run_loop(&d, 10);
	is_str(listing(d.store, "coalition"), "Weather in Lviv",
	    "a changed query is back-filled afresh");
	cfg.ntopics = 1;
	topics_reconcile(d.topics, &cfg);
	ok(store_topic_get_by_name(d.store, "folding", &tp) == 0,
	    "a topic gone from the config is removed");
	ok(store_topic_get_by_name(d.store, "guarantees", &tp) == 1,
	    "API topics stay");
	store_topic_clear(&tp);
	cfg.ntopics = 3;

	topics_free(d.topics);
	hooks_free(hooks);
	store_free(d.store);
	event_base_free(d.base);
	for (size_t i = 0; i < 3; i++) {
		free(cfg.topics[i].name);
		free(cfg.topics[i].query);
		free(cfg.topics[i].notify);
		strv_free(cfg.topics[i].feeds);
	}
	free(cfg.topics);
	for (size_t i = 0; i < cfg.nhooks; i++) {
		free(cfg.hooks[i].name);
		strv_free(cfg.hooks[i].argv);
	}
	free(cfg.hooks);
	if (tap_failed == 0) {
		char rm[300];

		snprintf(rm, sizeof(rm), "rm -rf %s", dir);
		if (system(rm) != 0)
			diag("cannot remove %s", dir);
	} else
		diag("kept %s", dir);
	return tap_done();
}
