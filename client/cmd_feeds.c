/*
 * cmd_feeds: the subscriptions — feeds, add, set, rm, poll, import,
 * export.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiclient.h"
#include "buf.h"
#include "cmd_discover.h"
#include "feedctl.h"
#include "import_watch.h"
#include "table.h"
#include "xmalloc.h"

static enum table_style
state_style(const char *state)
{
	if (state == NULL)
		return TABLE_PLAIN;
	if (strcmp(state, "ok") == 0)
		return TABLE_GREEN;
	if (strcmp(state, "backing_off") == 0)
		return TABLE_YELLOW;
	if (strcmp(state, "gone") == 0 || strcmp(state, "blocked") == 0)
		return TABLE_RED;
	return TABLE_DIM;
}

int
cmd_feeds(struct feedctl *ctl, int argc, char **argv)
{
	struct apiclient_resp r;
	struct table *t;
	json_t *feeds, *f;
	char when[64];
	size_t i;
	bool filed = false;
	int code;

	if (argc > 1)
		return feedctl_usage("feeds");
	if ((code = feedctl_call(ctl, "GET", "/v1/feeds", NULL, &r)) != 0)
		return code;
	if (ctl->json) {
		feedctl_print_raw(&r);
		apiclient_resp_clear(&r);
		return FEEDCTL_OK;
	}
	feeds = json_object_get(r.doc, "feeds");
	/* A column for categories only when some feed is filed. */
	json_array_foreach(feeds, i, f)
		if (feedctl_str(f, "category", NULL) != NULL)
			filed = true;
	t = table_new();
	table_column(t, "ID", true, false);
	table_column(t, "STATE", false, false);
	table_column(t, "ENTRIES", true, false);
	table_column(t, "UNREAD", true, false);
	table_column(t, "POLLED", false, false);
	table_column(t, "INTERVAL", false, true);
	if (filed)
		table_column(t, "CATEGORY", false, true);
	table_column(t, "TITLE", false, true);
	table_column(t, "URL", false, true);
	json_array_foreach(feeds, i, f) {
		const char *state = feedctl_str(f, "state", "?");
		const char *err = feedctl_str(f, "last_error", NULL);

		table_row(t);
		table_cell(t, TABLE_PLAIN, "%lld", (long long)
		    json_integer_value(json_object_get(f, "id")));
		/* Read fine, but only with repairs: say so, below too. */
		if (strcmp(state, "ok") == 0 && feedctl_num(f, "repairs") > 0)
			table_cell(t, TABLE_YELLOW, "repaired");
		else
			table_cell(t, state_style(state), "%s", state);
		table_cell(t, TABLE_PLAIN, "%lld", (long long)
		    json_integer_value(json_object_get(f, "entries")));
		table_cell(t, feedctl_num(f, "unread") > 0 ? TABLE_GREEN :
		    TABLE_DIM, "%lld", feedctl_num(f, "unread"));
		table_reltime(table_parse_time(feedctl_str(f, "last_poll",
		    NULL)),
		    (int64_t)time(NULL), when, sizeof(when));
		table_cell(t, TABLE_DIM, "%s", when);
		/* Why the feed is polled as often as it is. */
		table_cell(t, TABLE_DIM, "%s", feedctl_str(f, "interval_note",
		    "-"));
		if (filed)
			table_cell(t, TABLE_PLAIN, "%s",
			    feedctl_str(f, "category", ""));
		if (err != NULL)
			table_cell(t, TABLE_RED, "%s", err);
		else
			table_cell(t, TABLE_PLAIN, "%s",
			    feedctl_str(f, "title", ""));
		table_cell(t, TABLE_CYAN, "%s", feedctl_str(f, "url", ""));
	}
	if (json_array_size(feeds) == 0)
		printf("no feeds yet: feedctl add URL, or feedctl import "
		    "FILE.opml\n");
	else
		table_print(t, stdout, ctl->columns, ctl->color);
	table_free(t);
	json_array_foreach(feeds, i, f)
		if (feedctl_num(f, "repairs") > 0)
			printf("feed %lld is read with repairs: %s\n",
			    feedctl_num(f, "id"), feedctl_str(f, "repair_note",
			    "?"));
	apiclient_resp_clear(&r);
	return FEEDCTL_OK;
}

/* What the first poll of a feed just added found; false if it failed. */
static bool
print_first_poll(json_t *doc, bool keep)
{
	json_t *feed = json_object_get(doc, "feed");
	json_t *poll = json_object_get(doc, "poll");
	json_t *c;
	long long id = feedctl_num(feed, "id"), n;
	size_t i;

	printf("added feed %lld: %s", id, feedctl_str(feed, "url", "?"));
	if (feedctl_str(doc, "found_from", NULL) != NULL)
		printf(" (found from %s)", feedctl_str(doc, "found_from", ""));
	putchar('\n');
	/* The page's other feeds: its comments, as a rule. */
	json_array_foreach(json_object_get(doc, "candidates"), i, c)
		if (i > 0)
			printf("the page also announces %s%s\n",
			    feedctl_str(c, "url", "?"), json_is_true(
			    json_object_get(c, "comments")) ? " (comments)" :
			    "");
	if (feedctl_str(feed, "category", NULL) != NULL)
		printf("category: %s\n", feedctl_str(feed, "category", ""));
	if (!json_is_true(json_object_get(poll, "done"))) {
		if (feedctl_str(poll, "message", NULL) != NULL)
			printf("%s\n", feedctl_str(poll, "message", NULL));
		return true;
	}
	if (json_is_true(json_object_get(poll, "ok"))) {
		n = feedctl_num(poll, "entries");
		printf("first poll: \"%s\", %lld %s\n", feedctl_str(poll,
		    "title", "(untitled)"), n, feedctl_plural(n, "entry",
		    "entries"));
		return true;
	}
	fprintf(stderr, "feedctl: the first poll of %s failed: %s\n",
	    feedctl_str(feed, "url", "?"), feedctl_str(poll, "error",
	    "unknown error"));
	if (keep)
		fprintf(stderr, "feedctl: feed %lld stays subscribed (--keep) "
		    "and is retried; feedctl rm %lld drops it\n", id, id);
	return false;
}

/* Takes back a subscription whose first poll failed. */
static int
unsubscribe(struct feedctl *ctl, long long id)
{
	struct apiclient_resp r;
	char path[64];

	snprintf(path, sizeof(path), "/v1/feeds/%lld", id);
	if (feedctl_call(ctl, "DELETE", path, NULL, &r) != 0)
		return FEEDCTL_FAIL;
	apiclient_resp_clear(&r);
	fprintf(stderr, "feedctl: not subscribed (feedctl add --keep "
	    "subscribes anyway)\n");
	return FEEDCTL_OK;
}

/*
 * An address that is a page announcing several feeds: the list, and on
 * a terminal the choice of one (its URL in *url, 0); else -1.
 */
static int
several(struct feedctl *ctl, const struct apiclient_resp *r, char **url)
{
	json_t *cands = json_object_get(r->doc, "candidates");
	long k;

	printf("%s announces %zu feeds:\n", feedctl_str(r->doc, "url", "?"),
	    json_array_size(cands));
	discover_print(stdout, cands);
	fflush(stdout);
	if ((k = discover_choose(json_array_size(cands))) < 0) {
		fprintf(stderr, "feedctl: nothing subscribed: add one of them "
		    "by its URL, or the first with --first\n");
		return -1;
	}
	*url = xstrdup(feedctl_str(json_array_get(cands, (size_t)k), "url",
	    ""));
	return 0;
}

int
cmd_add(struct feedctl *ctl, int argc, char **argv)
{
	enum { OPT_TITLE = 256, OPT_INTERVAL, OPT_CATEGORY, OPT_NO_WAIT,
	    OPT_KEEP, OPT_FIRST };
	static const struct option opts[] = {
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "category", required_argument, NULL, OPT_CATEGORY },
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "first", no_argument, NULL, OPT_FIRST },
		{ NULL, 0, NULL, 0 },
	};
	struct apiclient_resp r;
	json_t *body, *feed, *poll;
	char *chosen = NULL;
	bool keep = false, ok;
	int ch, code = FEEDCTL_FAIL;

	body = json_object();
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_TITLE:
			json_object_set_new(body, "title",
			    json_string(optarg));
			break;
		case OPT_INTERVAL:
			json_object_set_new(body, "interval",
			    json_string(optarg));
			break;
		case OPT_CATEGORY:
			json_object_set_new(body, "category",
			    json_string(optarg));
			break;
		case OPT_NO_WAIT:
			json_object_set_new(body, "wait", json_false());
			break;
		case OPT_KEEP:
			keep = true;
			break;
		case OPT_FIRST:
			json_object_set_new(body, "first", json_true());
			break;
		default:
			json_decref(body);
			return feedctl_usage("add");
		}
	}
	if (optind + 1 != argc || (keep && json_object_get(body, "wait"))) {
		json_decref(body);
		return feedctl_usage("add");
	}
	json_object_set_new(body, "url", json_string(argv[optind]));
	for (;;) {
		if (apiclient_request(&ctl->target, "POST", "/v1/feeds", body,
		    &r) == -1)
			goto out;
		if (r.status == 300 && r.doc != NULL && !ctl->json &&
		    chosen == NULL) {
			/* A page with several feeds: the one chosen, or none. */
			if (several(ctl, &r, &chosen) == -1)
				goto out_resp;
			json_object_set_new(body, "url", json_string(chosen));
			apiclient_resp_clear(&r);
			continue;
		}
		if (r.status == 422 && keep && r.doc != NULL &&
		    json_object_get(body, "discover") == NULL) {
			/* A page without feeds, subscribed as it is. */
			apiclient_print_error(&r);
			json_object_set_new(body, "discover", json_false());
			apiclient_resp_clear(&r);
			continue;
		}
		break;
	}
	if (r.status < 200 || r.status > 299 || r.doc == NULL) {
		if (ctl->json && r.doc != NULL)
			feedctl_print_raw(&r);
		else
			apiclient_print_error(&r);
		goto out_resp;
	}
	feed = json_object_get(r.doc, "feed");
	poll = json_object_get(r.doc, "poll");
	if (ctl->json) {
		feedctl_print_raw(&r);
		ok = !json_is_true(json_object_get(poll, "done")) ||
		    json_is_true(json_object_get(poll, "ok"));
	} else
		ok = print_first_poll(r.doc, keep);
	if (!ok && !keep)
		unsubscribe(ctl, feedctl_num(feed, "id"));
	code = ok ? FEEDCTL_OK : FEEDCTL_FAIL;
out_resp:
	apiclient_resp_clear(&r);
out:
	free(chosen);
	json_decref(body);
	return code;
}

/* The id of a feed given as an id or as its URL; -1 after a message. */
static int64_t
resolve_feed(struct feedctl *ctl, const char *arg)
{
	struct apiclient_resp r;
	json_t *f;
	int64_t id = -1;
	size_t i;

	if (arg[0] >= '0' && arg[0] <= '9')
		return feedctl_parse_id("the feed id", arg);
	if (feedctl_call(ctl, "GET", "/v1/feeds", NULL, &r) != 0)
		return -1;
	json_array_foreach(json_object_get(r.doc, "feeds"), i, f)
		if (strcmp(feedctl_str(f, "url", ""), arg) == 0)
			id = json_integer_value(json_object_get(f, "id"));
	apiclient_resp_clear(&r);
	if (id == -1)
		fprintf(stderr, "feedctl: no feed has the URL '%s' (feedctl "
		    "feeds lists them)\n", arg);
	return id;
}

int
cmd_set(struct feedctl *ctl, int argc, char **argv)
{
	enum { OPT_TITLE = 256, OPT_CATEGORY };
	static const struct option opts[] = {
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "category", required_argument, NULL, OPT_CATEGORY },
		{ NULL, 0, NULL, 0 },
	};
	struct apiclient_resp r;
	char path[64];
	json_t *body;
	int64_t id;
	int ch, code;

	body = json_object();
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		/* "" clears: the feed's own title, no category. */
		if (ch != OPT_TITLE && ch != OPT_CATEGORY) {
			json_decref(body);
			return feedctl_usage("set");
		}
		json_object_set_new(body, ch == OPT_TITLE ? "title" :
		    "category", *optarg != '\0' ? json_string(optarg) :
		    json_null());
	}
	if (optind + 1 != argc || json_object_size(body) == 0) {
		json_decref(body);
		return feedctl_usage("set");
	}
	if ((id = resolve_feed(ctl, argv[optind])) == -1) {
		json_decref(body);
		return FEEDCTL_FAIL;
	}
	snprintf(path, sizeof(path), "/v1/feeds/%lld", (long long)id);
	code = feedctl_call(ctl, "PATCH", path, body, &r);
	json_decref(body);
	if (code != 0)
		return code;
	if (ctl->json)
		feedctl_print_raw(&r);
	else
		printf("feed %lld: %s\n  title     %s\n  category  %s\n",
		    (long long)id, feedctl_str(r.doc, "url", "?"),
		    feedctl_str(r.doc, "title", "-"),
		    feedctl_str(r.doc, "category", "-"));
	apiclient_resp_clear(&r);
	return FEEDCTL_OK;
}

int
cmd_rm(struct feedctl *ctl, int argc, char **argv)
{
	struct apiclient_resp r;
	char path[64];
	int64_t id;
	json_t *f;
	int code;

	if (argc != 2)
		return feedctl_usage("rm");
	if ((id = resolve_feed(ctl, argv[1])) == -1)
		return FEEDCTL_FAIL;
	snprintf(path, sizeof(path), "/v1/feeds/%lld", (long long)id);
	if ((code = feedctl_call(ctl, "DELETE", path, NULL, &r)) != 0)
		return code;
	if (ctl->json)
		feedctl_print_raw(&r);
	else {
		f = json_object_get(r.doc, "removed");
		printf("removed feed %lld: %s (%lld %s dropped)\n",
		    (long long)id, feedctl_str(f, "url", "?"),
		    feedctl_num(f, "entries"), feedctl_plural(feedctl_num(f,
		    "entries"), "entry", "entries"));
	}
	apiclient_resp_clear(&r);
	return FEEDCTL_OK;
}

static int
poll_one(struct feedctl *ctl, int64_t id, json_t *results)
{
	struct apiclient_resp r;
	char path[64];
	int code;

	snprintf(path, sizeof(path), "/v1/feeds/%lld/poll", (long long)id);
	if ((code = feedctl_call(ctl, "POST", path, NULL, &r)) != 0)
		return code;
	json_array_append(results, r.doc);
	apiclient_resp_clear(&r);
	return FEEDCTL_OK;
}

int
cmd_poll(struct feedctl *ctl, int argc, char **argv)
{
	struct apiclient_resp r;
	json_t *results, *f;
	int64_t id;
	size_t i;
	int code = FEEDCTL_OK;

	if (argc > 2)
		return feedctl_usage("poll");
	results = json_array();
	if (argc == 2) {
		if ((id = resolve_feed(ctl, argv[1])) == -1) {
			json_decref(results);
			return FEEDCTL_FAIL;
		}
		code = poll_one(ctl, id, results);
	} else {
		if ((code = feedctl_call(ctl, "GET", "/v1/feeds", NULL, &r)) !=
		    0) {
			json_decref(results);
			return code;
		}
		json_array_foreach(json_object_get(r.doc, "feeds"), i, f)
			if (poll_one(ctl, json_integer_value(json_object_get(f,
			    "id")), results) != 0)
				code = FEEDCTL_FAIL;
		apiclient_resp_clear(&r);
	}
	if (ctl->json) {
		json_t *doc = json_pack("{s:o}", "polls", results);

		json_dumpf(doc, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(doc);
	} else {
		printf("%zu feed%s queued for polling\n",
		    json_array_size(results),
		    json_array_size(results) == 1 ? "" : "s");
		json_decref(results);
	}
	return code;
}

/* The whole of a file, or of stdin for "-". NULL after a message. */
static char *
read_all(const char *path, size_t *ret_len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "feedctl: cannot open '%s': %s\n", path,
		    strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	if (ferror(f)) {
		fprintf(stderr, "feedctl: cannot read '%s': %s\n", path,
		    strerror(errno));
		buf_free(&b);
		if (f != stdin)
			fclose(f);
		return NULL;
	}
	if (f != stdin)
		fclose(f);
	*ret_len = b.len;
	return buf_detach(&b);
}

int
cmd_import(struct feedctl *ctl, int argc, char **argv)
{
	enum { OPT_NO_WAIT = 256 };
	static const struct option opts[] = {
		{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
		{ NULL, 0, NULL, 0 },
	};
	struct apiclient_resp r;
	bool wait = true;
	json_t *e;
	char *data;
	size_t len, i;
	int ch, code = FEEDCTL_OK;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != OPT_NO_WAIT)
			return feedctl_usage("import");
		wait = false;
	}
	if (optind + 1 != argc)
		return feedctl_usage("import");
	if ((data = read_all(argv[optind], &len)) == NULL)
		return FEEDCTL_FAIL;
	if (apiclient_send(&ctl->target, "POST", "/v1/opml",
	    "text/x-opml; charset=utf-8", data, len, &r) == -1) {
		free(data);
		return FEEDCTL_FAIL;
	}
	free(data);
	if (r.status != 200 || r.doc == NULL) {
		apiclient_print_error(&r);
		apiclient_resp_clear(&r);
		return FEEDCTL_FAIL;
	}
	if (ctl->json)
		feedctl_print_raw(&r);
	else {
		printf("%lld added, %lld already subscribed",
		    (long long)json_integer_value(json_object_get(r.doc,
		    "added")), (long long)json_integer_value(
		    json_object_get(r.doc, "existing")));
		if (json_array_size(json_object_get(r.doc, "invalid")) > 0)
			printf(", %zu skipped:", json_array_size(
			    json_object_get(r.doc, "invalid")));
		putchar('\n');
		json_array_foreach(json_object_get(r.doc, "invalid"), i, e)
			printf("  %s: %s\n", feedctl_str(e, "url", "?"),
			    feedctl_str(e, "error", "?"));
		/* On a terminal, the first polls as they happen. */
		if (wait && ctl->tty)
			code = import_watch(ctl, json_object_get(r.doc,
			    "feeds"));
	}
	apiclient_resp_clear(&r);
	return code;
}

int
cmd_export(struct feedctl *ctl, int argc, char **argv)
{
	struct apiclient_resp r;

	if (argc != 1)
		return feedctl_usage("export");
	/* --json: the subscriptions as JSON, like every command's --json. */
	if (ctl->json)
		return cmd_feeds(ctl, argc, argv);
	if (apiclient_send(&ctl->target, "GET", "/v1/opml", NULL, NULL, 0,
	    &r) == -1)
		return FEEDCTL_FAIL;
	if (r.status != 200) {
		apiclient_print_error(&r);
		apiclient_resp_clear(&r);
		return FEEDCTL_FAIL;
	}
	fwrite(r.raw, 1, r.len, stdout);
	apiclient_resp_clear(&r);
	return FEEDCTL_OK;
}
