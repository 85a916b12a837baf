/*
 * cmd_entries: reading — new (a named cursor's unseen entries, then the
 * cursor moves), list, search, show, follow (the live stream).
 */
#include <sys/types.h>

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apiclient.h"
#include "buf.h"
#include "feedctl.h"
#include "htmlrender.h"
#include "pager.h"
#include "table.h"
#include "xmalloc.h"

#define PAGE_MAX	1000

/* When an entry is from: its published date, else when it was fetched. */
static int64_t
entry_time(json_t *e)
{
	int64_t t = table_parse_time(feedctl_str(e, "published", NULL));

	return t != 0 ? t : table_parse_time(feedctl_str(e, "fetched", NULL));
}

static void
print_entries(struct feedctl *ctl, FILE *out, json_t *entries)
{
	struct table *t;
	char when[64];
	json_t *e;
	size_t i;

	t = table_new();
	table_column(t, "ID", true, false);
	table_column(t, "DATE", false, false);
	table_column(t, "FEED", false, true);
	table_column(t, "TITLE", false, true);
	json_array_foreach(entries, i, e) {
		table_row(t);
		table_cell(t, TABLE_PLAIN, "%lld", feedctl_num(e, "id"));
		table_reltime(entry_time(e), (int64_t)time(NULL), when,
		    sizeof(when));
		table_cell(t, TABLE_DIM, "%s", when);
		table_cell(t, TABLE_CYAN, "%s",
		    feedctl_str(e, "feed_title", ""));
		table_cell(t, TABLE_PLAIN, "%s", feedctl_str(e, "title",
		    feedctl_str(e, "link", "(untitled)")));
	}
	table_print(t, out, ctl->columns, ctl->color);
	table_free(t);
}

/* What a command printed into a memory stream, through the pager. */
static int
page_out(struct feedctl *ctl, FILE *out, char **text, size_t *len)
{
	int rc;

	if (fclose(out) != 0) {
		fprintf(stderr, "feedctl: out of memory\n");
		return FEEDCTL_FAIL;
	}
	rc = pager_show(*text, *len, ctl->tty, ctl->rows);
	free(*text);
	return rc == 0 ? FEEDCTL_OK : FEEDCTL_FAIL;
}

static void
print_json(json_t *doc)
{
	json_dumpf(doc, stdout, JSON_COMPACT);
	putchar('\n');
}

/* Appends "&key=value" (value escaped) to b. */
static void
add_param(struct buf *b, const char *key, const char *value)
{
	char *e;

	if (value == NULL)
		return;
	e = feedctl_escape(value);
	buf_printf(b, "%s%s=%s", strchr(b->data, '?') ? "&" : "?", key, e);
	free(e);
}

static const char *
default_client(void)
{
	struct passwd *pw;
	const char *u;

	if ((pw = getpwuid(getuid())) != NULL && pw->pw_name != NULL)
		return pw->pw_name;
	if ((u = getenv("USER")) != NULL && *u != '\0')
		return u;
	return "default";
}

/* The table of entries, through the pager on a terminal. */
static int
page_entries(struct feedctl *ctl, json_t *entries)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if ((out = open_memstream(&text, &len)) == NULL) {
		fprintf(stderr, "feedctl: out of memory\n");
		return FEEDCTL_FAIL;
	}
	print_entries(ctl, out, entries);
	return page_out(ctl, out, &text, &len);
}

int
cmd_new(struct feedctl *ctl, int argc, char **argv)
{
	enum { OPT_TOPIC = 256, OPT_CLIENT, OPT_PEEK, OPT_LIMIT };
	static const struct option opts[] = {
		{ "topic", required_argument, NULL, OPT_TOPIC },
		{ "client", required_argument, NULL, OPT_CLIENT },
		{ "peek", no_argument, NULL, OPT_PEEK },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ NULL, 0, NULL, 0 },
	};
	const char *topic = NULL, *client = NULL;
	struct apiclient_resp r;
	json_t *all, *doc;
	struct buf path;
	int64_t limit = 0, cursor = 0, next = 0, page;
	bool peek = false, more = true, first = true, shown = true;
	long long count;
	int ch, code = FEEDCTL_OK;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_TOPIC: topic = optarg; break;
		case OPT_CLIENT: client = optarg; break;
		case OPT_PEEK: peek = true; break;
		case OPT_LIMIT:
			if ((limit = feedctl_parse_id("--limit", optarg)) ==
			    -1)
				return FEEDCTL_USAGE;
			break;
		default:
			return feedctl_usage("new");
		}
	}
	if (optind != argc)
		return feedctl_usage("new");
	if (client == NULL)
		client = default_client();
	all = json_array();
	while (more && (limit == 0 || (int64_t)json_array_size(all) < limit)) {
		page = PAGE_MAX;
		if (limit != 0 && limit - (int64_t)json_array_size(all) < page)
			page = limit - (int64_t)json_array_size(all);
		buf_init(&path);
		buf_printf(&path, "/v1/entries?limit=%lld", (long long)page);
		if (first)
			add_param(&path, "client", client);
		else
			buf_printf(&path, "&since=%lld", (long long)next);
		add_param(&path, "topic", topic);
		code = feedctl_call(ctl, "GET", path.data, NULL, &r);
		buf_free(&path);
		if (code != 0) {
			json_decref(all);
			return code;
		}
		if (first)
			cursor = next = feedctl_num(r.doc, "cursor");
		first = false;
		json_array_extend(all, json_object_get(r.doc, "entries"));
		next = feedctl_num(r.doc, "next_since");
		more = json_is_true(json_object_get(r.doc, "more"));
		apiclient_resp_clear(&r);
	}
	if (ctl->json) {
		doc = json_pack("{s:O,s:I,s:s,s:I,s:b}", "entries", all,
		    "next_since", (json_int_t)next, "client", client, "cursor",
		    (json_int_t)(peek ? cursor : next), "moved",
		    !peek && next > cursor);
		print_json(doc);
		json_decref(doc);
	} else if (json_array_size(all) == 0)
		printf("nothing new%s%s\n", topic ? " in " : "",
		    topic ? topic : "");
	else if (page_entries(ctl, all) != 0)
		shown = false;
	count = (long long)json_array_size(all);
	json_decref(all);
	/* Only what was printed is acknowledged: at-least-once. */
	fflush(stdout);
	if (!shown || ferror(stdout)) {
		fprintf(stderr, "feedctl: cannot write the output; the cursor "
		    "stays\n");
		return FEEDCTL_FAIL;
	}
	if (!peek && next > cursor) {
		doc = json_pack("{s:I,s:s?}", "value", (json_int_t)next,
		    "topic", topic);
		buf_init(&path);
		buf_puts(&path, "/v1/cursors/");
		{
			char *e = feedctl_escape(client);

			buf_puts(&path, e);
			free(e);
		}
		code = feedctl_call(ctl, "PUT", path.data, doc, &r);
		buf_free(&path);
		json_decref(doc);
		if (code == 0)
			apiclient_resp_clear(&r);
		if (code == 0 && !ctl->json)
			fprintf(stderr, "%lld %s marked seen for %s%s%s\n",
			    count, feedctl_plural(count, "entry", "entries"),
			    client, topic ? " in " : "", topic ? topic : "");
	}
	return code;
}

/*
 * A search as the user means it. Plain words by default: each term is
 * quoted as an FTS5 string, so "e-mail" or "covid:" are words, not
 * syntax; with --fts or a leading "fts:" the query is FTS5 as it is.
 * Returns a new string.
 */
static char *
search_query(const char *typed, bool fts)
{
	const char *p = typed, *end;
	struct buf b;

	if (strncmp(typed, "fts:", 4) == 0)
		return xstrdup(typed + 4);
	if (fts)
		return xstrdup(typed);
	buf_init(&b);
	while (*(p += strspn(p, " \t\n")) != '\0') {
		end = p + strcspn(p, " \t\n");
		if (b.len > 0)
			buf_putc(&b, ' ');
		buf_putc(&b, '"');
		for (; p < end; p++) {
			if (*p == '"')
				buf_putc(&b, '"');	/* "" inside a string */
			buf_putc(&b, *p);
		}
		buf_putc(&b, '"');
	}
	return buf_detach(&b);
}

/* SQLite's words on a bad FTS5 query, said for a reader. */
static void
explain_query_error(const struct apiclient_resp *r)
{
	const char *msg = json_string_value(json_object_get(json_object_get(
	    r->doc, "error"), "message"));
	const char *why = NULL;

	apiclient_print_error(r);
	if (msg == NULL)
		return;
	if (strstr(msg, "unterminated string") != NULL)
		why = "a \" opens a phrase that is not closed";
	else if (strstr(msg, "no such column") != NULL)
		why = "FTS5 took a word for a column name (the columns are "
		    "title, summary,\ncontent and author): put words with "
		    "punctuation in quotes (\"e-mail\")";
	else if (strstr(msg, "syntax error") != NULL)
		why = "FTS5 cannot read the query there: put words with "
		    "punctuation in quotes (\"e-mail\"), and AND, OR, NOT "
		    "between words";
	if (why != NULL)
		fprintf(stderr, "feedctl: %s\n", why);
	fprintf(stderr, "feedctl: without --fts (or fts:), the query is "
	    "plain words and needs no syntax\n");
}

/* list and search: one page of entries, copies in other feeds folded. */
static int
list_entries(struct feedctl *ctl, int argc, char **argv, bool search)
{
	enum { OPT_FEED = 256, OPT_TOPIC, OPT_SINCE, OPT_LIMIT, OPT_UNREAD,
	    OPT_STARRED, OPT_CATEGORY, OPT_ALL_COPIES, OPT_FTS };
	static const struct option opts[] = {
		{ "feed", required_argument, NULL, OPT_FEED },
		{ "topic", required_argument, NULL, OPT_TOPIC },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "unread", no_argument, NULL, OPT_UNREAD },
		{ "starred", no_argument, NULL, OPT_STARRED },
		{ "category", required_argument, NULL, OPT_CATEGORY },
		{ "all-copies", no_argument, NULL, OPT_ALL_COPIES },
		{ "fts", no_argument, NULL, OPT_FTS },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = search ? "search" : "list";
	const char *topic = NULL, *since = NULL, *category = NULL;
	bool unread = false, starred = false;
	struct apiclient_resp r;
	struct buf path;
	int64_t feed = 0, limit = 20;
	bool all_copies = false, fts = false;
	long long folded;
	char *query;
	int ch, code = FEEDCTL_OK;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_FEED:
			if ((feed = feedctl_parse_id("--feed", optarg)) == -1)
				return FEEDCTL_USAGE;
			break;
		case OPT_TOPIC: topic = optarg; break;
		case OPT_UNREAD: unread = true; break;
		case OPT_STARRED: starred = true; break;
		case OPT_CATEGORY: category = optarg; break;
		case OPT_SINCE:
			if (search)
				return feedctl_usage(name);
			since = optarg;
			if (strcmp(since, "0") != 0 &&
			    feedctl_parse_id("--since", since) == -1)
				return FEEDCTL_USAGE;
			break;
		case OPT_LIMIT:
			if ((limit = feedctl_parse_id("--limit", optarg)) == -1)
				return FEEDCTL_USAGE;
			if (limit > PAGE_MAX) {
				fprintf(stderr, "feedctl: --limit is at most "
				    "%d\n", PAGE_MAX);
				return FEEDCTL_USAGE;
			}
			break;
		case OPT_ALL_COPIES: all_copies = true; break;
		case OPT_FTS:
			if (!search)
				return feedctl_usage(name);
			fts = true;
			break;
		default:
			return feedctl_usage(name);
		}
	}
	if (optind + (search ? 1 : 0) != argc)
		return feedctl_usage(name);
	buf_init(&path);
	buf_printf(&path, "/v1/entries?limit=%lld", (long long)limit);
	if (since != NULL)
		buf_printf(&path, "&since=%s", since);
	else
		buf_puts(&path, "&latest=1");
	if (feed != 0)
		buf_printf(&path, "&feed=%lld", (long long)feed);
	if (!all_copies)
		buf_puts(&path, "&fold=1");
	add_param(&path, "topic", topic);
	add_param(&path, "category", category);
	if (unread)
		buf_puts(&path, "&unread=1");
	if (starred)
		buf_puts(&path, "&starred=1");
	if (search) {
		query = search_query(argv[optind], fts);
		add_param(&path, "q", query);
		free(query);
	}
	if (apiclient_request(&ctl->target, "GET", path.data, NULL, &r) ==
	    -1) {
		buf_free(&path);
		return FEEDCTL_FAIL;
	}
	buf_free(&path);
	if (r.status != 200 || r.doc == NULL) {
		if (search && r.status == 400 && strcmp(feedctl_str(
		    json_object_get(r.doc, "error"), "code", ""),
		    "bad_query") == 0)
			explain_query_error(&r);
		else
			apiclient_print_error(&r);
		apiclient_resp_clear(&r);
		return FEEDCTL_FAIL;
	}
	folded = feedctl_num(r.doc, "folded");
	if (ctl->json)
		feedctl_print_raw(&r);
	else if (json_array_size(json_object_get(r.doc, "entries")) == 0)
		printf(search ? "no matches\n" : "no entries\n");
	else
		code = page_entries(ctl, json_object_get(r.doc, "entries"));
	if (!ctl->json && folded > 0)
		fprintf(stderr, "(%lld %s in other feeds folded; "
		    "--all-copies shows them)\n", folded,
		    feedctl_plural(folded, "copy", "copies"));
	apiclient_resp_clear(&r);
	return code;
}

int
cmd_list(struct feedctl *ctl, int argc, char **argv)
{
	return list_entries(ctl, argc, argv, false);
}

int
cmd_search(struct feedctl *ctl, int argc, char **argv)
{
	return list_entries(ctl, argc, argv, true);
}

/*
 * The width an article is wrapped to: the terminal's, at most
 * SHOW_MAX_WIDTH (longer lines are hard to read); SHOW_PIPE_WIDTH into a
 * pipe (as w3m -dump does), unless COLUMNS says otherwise.
 */
#define SHOW_MAX_WIDTH	100
#define SHOW_PIPE_WIDTH	80

static int
show_width(const struct feedctl *ctl)
{
	if (ctl->columns <= 0)
		return SHOW_PIPE_WIDTH;
	return ctl->columns < SHOW_MAX_WIDTH ? ctl->columns : SHOW_MAX_WIDTH;
}

/* The head of an entry: title, link, feed and local date, author... */
static void
show_head(struct feedctl *ctl, FILE *out, json_t *e)
{
	char when[64];
	json_t *v;
	size_t i;

	fprintf(out, "%s%s%s\n", ctl->color ? table_style_on(TABLE_BOLD) :
	    "", feedctl_str(e, "title", "(untitled)"),
	    ctl->color ? "\033[0m" : "");
	if (feedctl_str(e, "link", NULL) != NULL)
		fprintf(out, "%s\n", feedctl_str(e, "link", NULL));
	table_localtime(entry_time(e), when, sizeof(when));
	fprintf(out, "%s, %s (entry %lld, feed %lld)\n",
	    feedctl_str(e, "feed_title", "?"), when,
	    feedctl_num(e, "id"), feedctl_num(e, "feed_id"));
	if (feedctl_str(e, "author", NULL) != NULL)
		fprintf(out, "by %s\n", feedctl_str(e, "author", NULL));
	if (json_array_size(json_object_get(e, "categories")) > 0) {
		fprintf(out, "categories:");
		json_array_foreach(json_object_get(e, "categories"), i, v)
			fprintf(out, " %s", json_string_value(v));
		fputc('\n', out);
	}
	if (json_array_size(json_object_get(e, "topics")) > 0) {
		fprintf(out, "topics:");
		json_array_foreach(json_object_get(e, "topics"), i, v)
			fprintf(out, " %s", json_string_value(v));
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(e, "enclosures"), i, v)
		fprintf(out, "enclosure: %s (%s)\n", feedctl_str(v, "url", "?"),
		    feedctl_str(v, "type", "?"));
}

/* The entry's head and body into out: the body rendered, or as stored. */
static int
show_entry(struct feedctl *ctl, FILE *out, json_t *e, bool raw)
{
	const char *body = feedctl_str(e, "content", feedctl_str(e, "summary",
	    NULL));
	char *text;

	show_head(ctl, out, e);
	if (body == NULL)
		return 0;
	if (raw) {
		fprintf(out, "\n%s\n", body);
		return 0;
	}
	if ((text = htmlrender_text(body, strlen(body), feedctl_str(e, "link",
	    NULL), show_width(ctl))) == NULL)
		return -1;
	if (*text != '\0')
		fprintf(out, "\n%s", text);
	free(text);
	return 0;
}

int
cmd_show(struct feedctl *ctl, int argc, char **argv)
{
	enum { OPT_RAW = 256 };
	static const struct option opts[] = {
		{ "raw", no_argument, NULL, OPT_RAW },
		{ NULL, 0, NULL, 0 },
	};
	struct apiclient_resp r;
	char path[64], *text = NULL;
	size_t len = 0;
	bool raw = false;
	int64_t id;
	FILE *out;
	int ch, code;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != OPT_RAW)
			return feedctl_usage("show");
		raw = true;
	}
	if (optind + 1 != argc)
		return feedctl_usage("show");
	if ((id = feedctl_parse_id("the entry id", argv[optind])) == -1)
		return FEEDCTL_USAGE;
	snprintf(path, sizeof(path), "/v1/entries/%lld", (long long)id);
	if ((code = feedctl_call(ctl, "GET", path, NULL, &r)) != 0)
		return code;
	if (ctl->json) {
		feedctl_print_raw(&r);
		apiclient_resp_clear(&r);
		return FEEDCTL_OK;
	}
	if ((out = open_memstream(&text, &len)) == NULL) {
		fprintf(stderr, "feedctl: out of memory\n");
		apiclient_resp_clear(&r);
		return FEEDCTL_FAIL;
	}
	if (show_entry(ctl, out, r.doc, raw) == -1)
		fprintf(stderr, "feedctl: cannot render entry %lld; feedctl "
		    "show --raw %lld shows its HTML\n", (long long)id,
		    (long long)id);
	apiclient_resp_clear(&r);
	return page_out(ctl, out, &text, &len);
}

/*
 * follow's reconnection: after the daemon ends the stream (a restart) or
 * cannot be reached, wait FOLLOW_BACKOFF_MIN_S, doubling up to
 * FOLLOW_BACKOFF_MAX_S, and resume after the last entry id seen, so
 * nothing stored in between is missed.
 */
#define FOLLOW_BACKOFF_MIN_S	1
#define FOLLOW_BACKOFF_MAX_S	30

struct follow_ctx {
	struct feedctl	*ctl;
	size_t		 count;
	int64_t		 last_id;	/* -1 until the stream says */
	bool		 opened;	/* this connection said "open" */
	bool		 resuming;	/* a reconnection is under way */
};

static void
follow_saw(struct follow_ctx *fc, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v) && json_integer_value(v) > fc->last_id)
		fc->last_id = json_integer_value(v);
}

static int
on_follow_line(const char *line, size_t len, void *arg)
{
	struct follow_ctx *fc = arg;
	struct feedctl *ctl = fc->ctl;
	char when[64];
	struct buf b;
	json_t *e;

	if ((e = json_loadb(line, len, 0, NULL)) == NULL)
		return 0;
	if (json_object_get(e, "event") != NULL) {
		/* open says where the stream starts; a heartbeat, how far. */
		if (strcmp(feedctl_str(e, "event", ""), "open") == 0) {
			fc->opened = true;
			follow_saw(fc, e, "since");
			if (fc->resuming)
				fprintf(stderr, "feedctl: reconnected; "
				    "resuming after entry %lld\n",
				    (long long)fc->last_id);
			fc->resuming = false;
		}
		follow_saw(fc, e, "last_id");
		json_decref(e);
		return 0;
	}
	follow_saw(fc, e, "id");
	fc->count++;
	if (ctl->json) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
	} else {
		table_reltime(entry_time(e), (int64_t)time(NULL), when,
		    sizeof(when));
		buf_init(&b);
		buf_printf(&b, "%lld  %s  %s: %s", feedctl_num(e, "id"), when,
		    feedctl_str(e, "feed_title", "?"),
		    feedctl_str(e, "title", "(untitled)"));
		if (ctl->columns > 0) {
			struct buf fit;

			buf_init(&fit);
			table_fit(&fit, b.data, (size_t)ctl->columns);
			puts(fit.data);
			buf_free(&fit);
		} else
			puts(b.data);
		buf_free(&b);
	}
	fflush(stdout);
	json_decref(e);
	return ferror(stdout) ? -1 : 0;
}

/* One connection of follow: 0 when the stream ended, else an exit code. */
static int
follow_once(struct feedctl *ctl, const char *base, struct follow_ctx *fc)
{
	struct apiclient_resp r;
	struct buf path;
	int rc;

	buf_init(&path);
	buf_puts(&path, base);
	if (fc->last_id >= 0)
		buf_printf(&path, "%ssince=%lld", strchr(base, '?') ? "&" : "?",
		    (long long)fc->last_id);
	fc->opened = false;
	rc = apiclient_stream(&ctl->target, path.data, on_follow_line, fc, &r);
	buf_free(&path);
	if (rc == -1)
		return -1;
	if (r.status != 200) {
		apiclient_print_error(&r);
		apiclient_resp_clear(&r);
		return FEEDCTL_FAIL;
	}
	apiclient_resp_clear(&r);
	return 0;
}

int
cmd_follow(struct feedctl *ctl, int argc, char **argv)
{
	enum { OPT_TOPIC = 256, OPT_SINCE };
	static const struct option opts[] = {
		{ "topic", required_argument, NULL, OPT_TOPIC },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ NULL, 0, NULL, 0 },
	};
	struct follow_ctx fc = { ctl, 0, -1, false, false };
	struct buf path;
	unsigned int wait = FOLLOW_BACKOFF_MIN_S;
	bool ever = false;
	int ch, rc;

	buf_init(&path);
	buf_puts(&path, "/v1/stream");
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_TOPIC:
			add_param(&path, "topic", optarg);
			break;
		case OPT_SINCE:
			if (strcmp(optarg, "0") == 0)
				fc.last_id = 0;
			else if ((fc.last_id = feedctl_parse_id("--since",
			    optarg)) == -1) {
				buf_free(&path);
				return FEEDCTL_USAGE;
			}
			break;
		default:
			buf_free(&path);
			return feedctl_usage("follow");
		}
	}
	if (optind != argc) {
		buf_free(&path);
		return feedctl_usage("follow");
	}
	for (;;) {
		rc = follow_once(ctl, path.data, &fc);
		/* A refusal (unknown topic) or a first failure ends it. */
		if (rc > 0 || (rc == -1 && !ever) || ferror(stdout))
			break;
		if (fc.opened) {
			ever = true;
			wait = FOLLOW_BACKOFF_MIN_S;
			fprintf(stderr, "feedctl: the daemon ended the stream; "
			    "reconnecting\n");
		}
		fc.resuming = true;
		sleep(wait);
		wait = wait * 2 > FOLLOW_BACKOFF_MAX_S ? FOLLOW_BACKOFF_MAX_S :
		    wait * 2;
	}
	buf_free(&path);
	return rc > 0 ? rc : FEEDCTL_FAIL;
}
