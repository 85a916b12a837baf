/*
 * cmd_topics: feedctl topics, topic add/set/show/rm, why (GET/POST/PATCH/
 * DELETE /v1/topics, GET /v1/why/{id}).
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apiclient.h"
#include "buf.h"
#include "cmd_topics.h"
#include "feedctl.h"
#include "table.h"

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static long long
jint(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* The cursor feedctl new moves: --client, else the user's name. */
static const char *
client_name(const char *opt)
{
	struct passwd *pw = getpwuid(getuid());
	const char *user = getenv("USER");

	if (opt != NULL)
		return opt;
	if (pw != NULL && pw->pw_name != NULL)
		return pw->pw_name;
	return user != NULL && *user != '\0' ? user : "default";
}

/*
 * "News + feeds 3 7 (4 feeds)", "kyiv uk (2 feeds)": the subset as
 * defined (category, API feed ids, config feed names), and how many feeds
 * it takes in now.
 */
static void
subset_cell(struct table *t, json_t *tp)
{
	json_t *in = json_object_get(tp, "feed_ids"), *v;
	json_t *feeds = json_object_get(tp, "feeds");
	const char *cat = json_string_value(json_object_get(tp, "category"));
	struct buf b;
	size_t i;

	if (!json_is_array(in)) {
		table_cell(t, TABLE_DIM, "all");
		return;
	}
	buf_init(&b);
	if (cat != NULL)
		buf_puts(&b, cat);
	if (json_array_size(feeds) > 0 && b.len > 0)
		buf_puts(&b, " + ");
	if (json_is_integer(json_array_get(feeds, 0)))
		buf_puts(&b, json_array_size(feeds) == 1 ? "feed " : "feeds ");
	json_array_foreach(feeds, i, v) {
		if (i > 0)
			buf_putc(&b, ' ');
		if (json_is_integer(v))
			buf_printf(&b, "%lld",
			    (long long)json_integer_value(v));
		else
			buf_puts(&b, json_string_value(v) != NULL ?
			    json_string_value(v) : "?");
	}
	buf_printf(&b, " (%zu feed%s)", json_array_size(in),
	    json_array_size(in) == 1 ? "" : "s");
	table_cell(t, json_array_size(in) > 0 ? TABLE_PLAIN : TABLE_YELLOW,
	    "%s", b.data);
	buf_free(&b);
}

/* "#1042 Title (5 min ago)": a topic's newest match, or "-". */
static void
newest_cell(struct table *t, json_t *nw, int64_t now)
{
	const char *pub = jstr(nw, "published");
	char when[48];

	if (!json_is_object(nw)) {
		table_cell(t, TABLE_DIM, "-");
		return;
	}
	table_reltime(table_parse_time(*pub != '\0' ? pub : jstr(nw,
	    "fetched")), now, when, sizeof(when));
	table_cell(t, TABLE_PLAIN, "#%lld %s (%s)", jint(nw, "id"),
	    jstr(nw, "title"), when);
}

/* The hook a topic notifies, or the command it no longer runs. */
static void
notify_cell(struct table *t, json_t *tp)
{
	const char *hook = json_string_value(json_object_get(tp, "notify"));
	const char *cmd = json_string_value(json_object_get(tp,
	    "notify_dropped"));

	if (hook != NULL)
		table_cell(t, TABLE_PLAIN, "%s", hook);
	else if (cmd != NULL)
		table_cell(t, TABLE_YELLOW, "not run: %s", cmd);
	else
		table_cell(t, TABLE_DIM, "-");
}

/*
 * Under a topic whose notify command was dropped when hooks came (an API
 * client gave it, and the daemon no longer runs what clients give): how
 * to have it run again.
 */
static void
print_dropped(json_t *tp)
{
	const char *cmd = json_string_value(json_object_get(tp,
	    "notify_dropped"));

	if (cmd == NULL)
		return;
	printf("note: topic '%s' no longer runs its notify command '%s':\n"
	    "  commands come only from feedd.conf now. Declare it there in a "
	    "[hook \"NAME\"]\n  section (command = ...), reload feedd, then: "
	    "feedctl topic set '%s' --notify NAME\n", jstr(tp, "name"), cmd,
	    jstr(tp, "name"));
}

/* "2, last 5 min ago: 'notify-send' exited with status 1", or "-". */
static void
failures_cell(struct table *t, json_t *tp, int64_t now)
{
	json_t *last = json_object_get(tp, "hook_last_failure");
	char when[48];

	if (jint(tp, "hook_failures") == 0 || !json_is_object(last)) {
		table_cell(t, TABLE_DIM, "-");
		return;
	}
	table_reltime(table_parse_time(jstr(last, "time")), now, when,
	    sizeof(when));
	table_cell(t, TABLE_RED, "%lld, last %s: %s", jint(tp,
	    "hook_failures"), when, jstr(last, "error"));
}

static void
print_topics(struct feedctl *ctl, json_t *doc)
{
	struct table *t = table_new();
	json_t *topics = json_object_get(doc, "topics"), *tp;
	int64_t now = (int64_t)time(NULL);
	bool subsets = false, notify = false, failures = false;
	size_t i;

	/* Columns for feed subsets and hooks only when some topic has one. */
	json_array_foreach(topics, i, tp) {
		if (json_is_array(json_object_get(tp, "feed_ids")))
			subsets = true;
		if (json_is_string(json_object_get(tp, "notify")) ||
		    json_is_string(json_object_get(tp, "notify_dropped")))
			notify = true;
		if (jint(tp, "hook_failures") > 0)
			failures = true;
	}
	table_column(t, "TOPIC", false, false);
	table_column(t, "MATCHES", true, false);
	table_column(t, "UNREAD", true, false);
	table_column(t, "UNSEEN", true, false);
	if (subsets)
		table_column(t, "FEEDS", false, true);
	if (notify)
		table_column(t, "NOTIFY", false, true);
	if (failures)
		table_column(t, "HOOK FAILURES", false, true);
	table_column(t, "NEWEST", false, true);
	table_column(t, "QUERY", false, true);
	json_array_foreach(topics, i, tp) {
		json_t *nw = json_object_get(tp, "newest");
		json_t *bf = json_object_get(tp, "backfill");

		table_row(t);
		table_cell(t, TABLE_BOLD, "%s", jstr(tp, "name"));
		if (json_is_object(bf) && jint(bf, "of") > 0)
			table_cell(t, TABLE_YELLOW, "%lld (back-filling "
			    "%lld%%)", jint(tp, "match_count"),
			    jint(bf, "done") * 100 / jint(bf, "of"));
		else
			table_cell(t, TABLE_PLAIN, "%lld",
			    jint(tp, "match_count"));
		table_cell(t, jint(tp, "unread") > 0 ? TABLE_GREEN :
		    TABLE_DIM, "%lld", jint(tp, "unread"));
		if (json_object_get(tp, "unseen") == NULL)
			table_cell(t, TABLE_DIM, "-");
		else
			table_cell(t, jint(tp, "unseen") > 0 ? TABLE_GREEN :
			    TABLE_DIM, "%lld%s", jint(tp, "unseen"),
			    json_is_true(json_object_get(tp, "unseen_more")) ?
			    "+" : "");
		if (subsets)
			subset_cell(t, tp);
		if (notify)
			notify_cell(t, tp);
		if (failures)
			failures_cell(t, tp, now);
		newest_cell(t, nw, now);
		table_cell(t, TABLE_DIM, "%s", jstr(tp, "query"));
	}
	if (json_array_size(topics) == 0)
		printf("no topics (add one with feedctl topic add NAME "
		    "QUERY, or a [topic \"NAME\"] section)\n");
	else
		table_print(t, stdout, ctl->columns, ctl->color);
	table_free(t);
	json_array_foreach(topics, i, tp)
		print_dropped(tp);
}

static void
print_topic(struct feedctl *ctl, json_t *tp)
{
	struct table *t = table_new();
	json_t *nw = json_object_get(tp, "newest");
	int64_t now = (int64_t)time(NULL);

	table_column(t, "", false, false);
	table_column(t, "", false, true);
	table_row(t);
	table_cell(t, TABLE_DIM, "topic");
	table_cell(t, TABLE_BOLD, "%s", jstr(tp, "name"));
	table_row(t);
	table_cell(t, TABLE_DIM, "query");
	table_cell(t, TABLE_PLAIN, "%s", jstr(tp, "query"));
	table_row(t);
	table_cell(t, TABLE_DIM, "defined");
	table_cell(t, TABLE_PLAIN, "%s", strcmp(jstr(tp, "origin"),
	    "config") == 0 ? "in feedd.conf" : "through the API");
	table_row(t);
	table_cell(t, TABLE_DIM, "feeds");
	subset_cell(t, tp);
	table_row(t);
	table_cell(t, TABLE_DIM, "notify");
	notify_cell(t, tp);
	table_row(t);
	table_cell(t, TABLE_DIM, "matches");
	table_cell(t, TABLE_PLAIN, "%lld", jint(tp, "match_count"));
	table_row(t);
	table_cell(t, TABLE_DIM, "newest");
	newest_cell(t, nw, now);
	table_print(t, stdout, ctl->columns, ctl->color);
	table_free(t);
	print_dropped(tp);
}

static void
print_set(struct feedctl *ctl, json_t *tp)
{
	const char *hook = json_string_value(json_object_get(tp, "notify"));

	if (hook != NULL)
		printf("topic '%s' notifies hook '%s'\n", jstr(tp, "name"),
		    hook);
	else
		printf("topic '%s' notifies nobody\n", jstr(tp, "name"));
	print_dropped(tp);
}

int
cmd_topics(struct feedctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "client", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *client = NULL;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (ch != 'c')
			goto usage;
		client = optarg;
	}
	if (optind != argc)
		goto usage;
	return feedctl_call_show(ctl, "GET", "/v1/topics?client=%s",
	    client_name(client), NULL, print_topics);
usage:
	fprintf(stderr, "usage: feedctl topics [--client NAME]\n");
	return FEEDCTL_USAGE;
}

static void
print_added(struct feedctl *ctl, json_t *doc)
{
	json_t *in = json_object_get(doc, "feed_ids");

	printf("topic '%s' added (id %lld); matching stored entries in the "
	    "background\n", jstr(doc, "name"), jint(doc, "id"));
	if (json_is_array(in))
		printf("it follows %zu feed%s for now\n", json_array_size(in),
		    json_array_size(in) == 1 ? "" : "s");
}

static void
print_removed(struct feedctl *ctl, json_t *doc)
{
	printf("topic '%s' removed\n", jstr(doc, "removed"));
}

/*
 * The value of option opt ("--opt V" or "--opt=V") at argv[*i], moving *i
 * past it; NULL if argv[*i] is not that option (or lacks its value).
 */
static const char *
option_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int
topic_add(struct feedctl *ctl, int argc, char **argv)
{
	const char *notify = NULL, *category = NULL, *pos[2], *v;
	json_t *body, *feeds = NULL;
	bool missing = false, opts = true;
	int npos = 0, code;

	/*
	 * Options go before or after NAME QUERY; by hand, not getopt: an
	 * FTS5 query may start with '-' ("- content: kyiv"), so only the
	 * exact option names are options ("--" ends them).
	 */
	for (int i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0)
			opts = false;
		else if (opts && ((v = option_value(argc, argv, &i, "--notify",
		    &missing)) != NULL || (v = option_value(argc, argv, &i,
		    "-n", &missing)) != NULL))
			notify = v;
		else if (opts && (v = option_value(argc, argv, &i,
		    "--category", &missing)) != NULL)
			category = v;
		else if (opts && (v = option_value(argc, argv, &i, "--feed",
		    &missing)) != NULL) {
			int64_t id = feedctl_parse_id("--feed", v);

			if (id == -1) {
				json_decref(feeds);
				return FEEDCTL_USAGE;
			}
			if (feeds == NULL)
				feeds = json_array();
			json_array_append_new(feeds, json_integer(id));
		} else if (!missing && npos < 2)
			pos[npos++] = argv[i];
		else {
			json_decref(feeds);
			return FEEDCTL_USAGE;
		}
	}
	if (npos != 2) {
		json_decref(feeds);
		return FEEDCTL_USAGE;
	}
	body = json_pack("{s:s,s:s}", "name", pos[0], "query", pos[1]);
	if (body == NULL) {
		fprintf(stderr, "feedctl: name and query must be UTF-8\n");
		json_decref(feeds);
		return FEEDCTL_USAGE;
	}
	if (notify != NULL)
		json_object_set_new(body, "notify", json_string(notify));
	if (category != NULL)
		json_object_set_new(body, "category", json_string(category));
	if (feeds != NULL)
		json_object_set_new(body, "feeds", feeds);
	code = feedctl_call_show(ctl, "POST", "/v1/topics", NULL, body, print_added);
	json_decref(body);
	return code;
}

/* feedctl topic set NAME --notify HOOK ("": none). */
static int
topic_set(struct feedctl *ctl, int argc, char **argv)
{
	const char *name = NULL, *hook = NULL, *v;
	bool missing = false;
	json_t *body;
	int code;

	for (int i = 1; i < argc; i++) {
		if ((v = option_value(argc, argv, &i, "--notify",
		    &missing)) != NULL)
			hook = v;
		else if (!missing && name == NULL)
			name = argv[i];
		else
			return FEEDCTL_USAGE;
	}
	if (name == NULL || hook == NULL)
		return FEEDCTL_USAGE;
	body = json_pack("{s:o}", "notify", *hook != '\0' ?
	    json_string(hook) : json_null());
	code = feedctl_call_show(ctl, "PATCH", "/v1/topics/%s", name, body,
	    print_set);
	json_decref(body);
	return code;
}

static int
topic_show(struct feedctl *ctl, int argc, char **argv)
{
	if (argc != 2)
		return FEEDCTL_USAGE;
	return feedctl_call_show(ctl, "GET", "/v1/topics/%s", argv[1], NULL,
	    print_topic);
}

static int
topic_rm(struct feedctl *ctl, int argc, char **argv)
{
	if (argc != 2)
		return FEEDCTL_USAGE;
	return feedctl_call_show(ctl, "DELETE", "/v1/topics/%s", argv[1], NULL,
	    print_removed);
}

int
cmd_topic(struct feedctl *ctl, int argc, char **argv)
{
	int code = FEEDCTL_USAGE;

	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		code = topic_add(ctl, argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "set") == 0)
		code = topic_set(ctl, argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "show") == 0)
		code = topic_show(ctl, argc - 1, argv + 1);
	else if (argc >= 2 && (strcmp(argv[1], "rm") == 0 ||
	    strcmp(argv[1], "remove") == 0))
		code = topic_rm(ctl, argc - 1, argv + 1);
	if (code == FEEDCTL_USAGE)
		fprintf(stderr, "usage: feedctl topic add NAME QUERY "
		    "[--notify HOOK] [--feed ID]... [--category C]\n"
		    "       feedctl topic set NAME --notify HOOK\n"
		    "       feedctl topic show NAME\n"
		    "       feedctl topic rm NAME\n");
	return code;
}

/* Highlight markers [ ] shown in bold on a terminal. */
static void
print_marked(struct feedctl *ctl, const char *s)
{
	for (; *s != '\0'; s++) {
		if (ctl->color && *s == '[')
			fputs(table_style_on(TABLE_BOLD), stdout);
		else if (ctl->color && *s == ']')
			fputs("\033[0m", stdout);
		else
			putchar(*s);
	}
	putchar('\n');
}

static void
print_why(struct feedctl *ctl, json_t *doc)
{
	json_t *e = json_object_get(doc, "entry"), *key, *v, *w;
	json_t *folded = json_object_get(doc, "folded_into");
	static const char *const cols[] = { "title", "summary", "content",
	    "author" };
	char when[64];
	size_t i, k;

	key = json_object_get(doc, "key");
	printf("entry %lld  %s\n", jint(e, "id"), jstr(e, "title"));
	printf("  feed       %s (feed %lld)\n", jstr(e, "feed_title"),
	    jint(e, "feed_id"));
	printf("  link       %s\n", jstr(e, "link"));
	/* Local time; "-" when the feed gave none. */
	table_localtime(table_parse_time(json_string_value(json_object_get(e,
	    "published"))), when, sizeof(when));
	printf("  published  %s\n", when);
	printf("  key        %s \"%s\" (hash %s)\n", jstr(key, "kind"),
	    jstr(key, "value"), jstr(key, "hash"));
	printf("  carried by\n");
	json_array_foreach(json_object_get(doc, "carried_by"), i, v)
		printf("    #%-8lld %s (feed %lld)  %s%s\n",
		    jint(v, "entry_id"), jstr(v, "feed_title"),
		    jint(v, "feed_id"), jstr(v, "link"),
		    strcmp(jstr(v, "same"), "this") == 0 ? "  [this entry]" :
		    strcmp(jstr(v, "same"), "link") == 0 ? "  [same link]" :
		    "  [same title, close date]");
	if (json_array_size(json_object_get(doc, "topics")) == 0)
		printf("  topics     none matched\n");
	else
		printf("  topics\n");
	json_array_foreach(json_object_get(doc, "topics"), i, v) {
		json_t *hl = json_object_get(v, "highlight");
		json_t *into = json_object_get(v, "folded_into");
		struct buf words;

		buf_init(&words);
		json_array_foreach(json_object_get(v, "words"), k, w)
			buf_printf(&words, "%s%s", k > 0 ? ", " : "",
			    json_string_value(w));
		printf("    %s  %s  words: %s\n", jstr(v, "name"),
		    json_is_true(json_object_get(v, "listed")) ? "listed" :
		    "duplicate", words.len > 0 ? words.data : "-");
		buf_free(&words);
		printf("      query: %s\n", jstr(v, "query"));
		for (k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
			const char *s = json_string_value(json_object_get(hl,
			    cols[k]));

			if (s == NULL)
				continue;
			printf("      %s: ", cols[k]);
			print_marked(ctl, s);
		}
		if (json_is_object(into))
			printf("      folded into #%lld (%s)\n",
			    jint(into, "entry_id"), jstr(into, "feed_title"));
	}
	if (json_is_object(folded))
		printf("  folded into #%lld from %s (topic '%s')\n",
		    jint(folded, "entry_id"), jstr(folded, "feed_title"),
		    jstr(folded, "topic"));
}

int
cmd_why(struct feedctl *ctl, int argc, char **argv)
{
	if (argc != 2)
		return feedctl_usage("why");
	if (feedctl_parse_id("ID", argv[1]) == -1)
		return FEEDCTL_USAGE;
	return feedctl_call_show(ctl, "GET", "/v1/why/%s", argv[1], NULL, print_why);
}
