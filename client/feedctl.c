/*
 * feedctl: the command-line client of feedd. Global options, the command
 * table, and the helpers commands share; the commands live in cmd_*.c.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "apiclient.h"
#include "cmd_parse.h"
#include "cmd_topics.h"
#include "feedctl.h"
#include "log.h"
#include "suggest.h"
#include "xmalloc.h"

static int	run_parse(struct feedctl *, int, char **);

static const struct feedctl_cmd commands[] = {
	{ "status", cmd_status, "status",
	    "show the daemon's version, uptime, feeds and database", NULL },
	{ "feeds", cmd_feeds, "feeds",
	    "list the subscriptions with their state and last poll",
	    "A feed's state is new (not polled yet), ok, backing_off (failing, "
	    "polled less\noften), gone (HTTP 410), blocked (401/403/451) or "
	    "moved; repaired: read, but\nonly by mending its document (a line "
	    "below the table says what was mended).\n" },
	{ "add", cmd_add, "add URL [--title T] [--category C] [--interval 15m] "
	    "[--first] [--keep | --no-wait]",
	    "subscribe to a feed (or to the feed a page announces) and poll it",
	    "options:\n"
	    "  --title T        show the feed under this title\n"
	    "  --category C     file it under C (\"News/Ukraine\": a "
	    "sub-category of News)\n"
	    "  --interval D     poll every D (\"15m\", \"2h\", \"1d\"); default: "
	    "the daemon's\n"
	    "  --first          a page announcing several feeds: take the "
	    "first\n"
	    "  --keep           stay subscribed even when the first poll "
	    "fails\n"
	    "  --no-wait        answer at once instead of waiting for the "
	    "first poll\n"
	    "The answer says what the first poll found (title, entries) or "
	    "why it failed.\nWhen it failed (404, an unknown host, an HTML "
	    "page, a body that is no feed)\nthe exit status is 1 and the feed "
	    "is unsubscribed again, unless --keep.\nA URL already subscribed "
	    "is refused.\n"
	    "An address that answers with an HTML page gets the feed the page "
	    "announces\n(<link rel=\"alternate\">, else links to feeds, else "
	    "/feed, /rss, /atom.xml,\n/index.xml, /feed.xml, /rss.xml on its "
	    "site), each proved by fetching it. When\nthe page announces "
	    "several, they are listed and, on a terminal, one can be\nchosen; "
	    "otherwise nothing is subscribed and the exit status is 1 (--first "
	    "takes\nthe first). A page without feeds subscribes nothing "
	    "(--keep: the page itself).\n" },
	{ "discover", cmd_discover, "discover URL",
	    "list the feeds behind an address, subscribing to none",
	    "The address itself if it is a feed; else the feeds its page "
	    "announces, each\nfetched and parsed to prove it is one, comments "
	    "feeds last. Exit status 1\nwhen there is none.\n" },
	{ "set", cmd_set, "set ID|URL [--title T] [--category C]",
	    "change a feed's title or category",
	    "options:\n"
	    "  --title T        show the feed under this title (\"\": the "
	    "feed's own)\n"
	    "  --category C     file it under C (\"\": under no category)\n"
	    "Topics limited to a category follow the feed's new category from "
	    "its next\npoll on. Feeds declared in feedd.conf are changed "
	    "there, not here.\n" },
	{ "rm", cmd_rm, "rm ID|URL",
	    "unsubscribe from a feed (and drop its entries)",
	    "Feeds declared in feedd.conf are removed there, not here.\n" },
	{ "poll", cmd_poll, "poll [ID]",
	    "poll one feed, or every feed, now", NULL },
	{ "import", cmd_import, "import FILE.opml [--no-wait]",
	    "subscribe to every feed of an OPML file (- for stdin)",
	    "options:\n"
	    "  --no-wait        answer at once, without watching the first "
	    "polls\n"
	    "Feeds already subscribed are left as they are, so importing the "
	    "same file\ntwice changes nothing. On a terminal, a progress line "
	    "follows the first polls\nof the new feeds (polled, failed, "
	    "remaining, entries stored) until all were\npolled, then the "
	    "feeds that failed are listed; into a pipe the answer comes\nat "
	    "once.\n" },
	{ "export", cmd_export, "export",
	    "print the subscriptions as OPML 2.0 (feedctl export > subs.opml)",
	    "With --json, the subscriptions as JSON (as feedctl feeds "
	    "--json).\n" },
	/* topics, topic add, topic rm, why: the topics module's rows. */
	{ "topics", cmd_topics, "topics [--client NAME]",
	    "list the topics with match counts, newest match and unseen count",
	    "options:\n"
	    "  --client NAME    whose cursor counts as seen (default: your "
	    "user name)\n"
	    "A topic still matching the stored entries shows its back-fill "
	    "progress; one\nlimited to some feeds shows them (category, feed "
	    "ids or names, and how many\nfeeds that is now).\n" },
	{ "topic", cmd_topic, "topic add NAME QUERY [--notify HOOK] "
	    "[--feed ID]... [--category C] | set NAME --notify HOOK | "
	    "show NAME | rm NAME",
	    "follow a new topic (an FTS5 query), change its hook, show it, or "
	    "stop following it",
	    "QUERY is SQLite FTS5 syntax: words, \"exact phrases\", AND, OR, "
	    "NOT, NEAR(a b, 5),\nprefixes (guarant*) and columns (title: x). "
	    "Ukrainian and Russian words\nhave no stemmer: use a prefix, "
	    "коаліці* for коаліція, коаліції, коаліцію.\n"
	    "  --notify HOOK    hand new matches to HOOK, a [hook \"HOOK\"] "
	    "section of\n"
	    "                   feedd.conf (its command, mode and timeout); "
	    "with set, \"\"\n"
	    "                   notifies nobody\n"
	    "  --feed ID        only entries of this feed (repeat for more)\n"
	    "  --category C     only entries of feeds filed under C or below "
	    "it (News takes\n"
	    "                   in News/Ukraine), now or later; with --feed: "
	    "either\n"
	    "Topics from feedd.conf are changed there, not here.\n" },
	{ "hooks", cmd_hooks, "hooks",
	    "list the hooks of feedd.conf: where they send, counts, state",
	    "A hook is a command or a URL (ntfy, gotify, matrix, slack or "
	    "json) that topics\nhand their new matches to. SENT and FAILED "
	    "count runs (commands) or alerts\n(URLs) since the daemon "
	    "started; PENDING counts the alerts waiting to be sent\n(kept "
	    "across restarts, retried for an hour). A URL is shown up to its "
	    "host,\nheaders by their names: neither may hold a secret here.\n" },
	{ "hook", cmd_hook, "hook show NAME | hook test NAME",
	    "show one hook, or send it a test alert and print the answer",
	    "  show NAME        the hook, its topics, counts and state\n"
	    "  test NAME        send a URL hook a sample alert now (outside "
	    "its queue) and\n"
	    "                   print the receiver's answer; exit status 1 "
	    "when it was not\n"
	    "                   delivered (no 2xx answer)\n" },
	{ "why", cmd_why, "why ID",
	    "explain an entry: key, feeds, matched topics and words, duplicates",
	    NULL },
	{ "new", cmd_new,
	    "new [--topic NAME] [--client NAME] [--peek] [--limit N]",
	    "entries not seen yet, then mark them seen",
	    "options:\n"
	    "  --topic NAME     only entries of this topic (a cursor per "
	    "topic)\n"
	    "  --client NAME    whose cursor (default: your user name)\n"
	    "  --peek           show them without moving the cursor\n"
	    "  --limit N        show at most N; the rest stays new\n"
	    "The cursor moves only after the entries were printed: a crash "
	    "in between\nshows them again, it never loses them.\n" },
	{ "list", cmd_list,
	    "list [--feed ID] [--topic NAME] [--category C] [--unread] "
	    "[--starred] [--since ID] [--limit N] [--all-copies]",
	    "list entries (the newest N, or those after --since)",
	    "options:\n"
	    "  --feed ID        entries of one feed\n"
	    "  --topic NAME     entries that matched a topic\n"
	    "  --category C     entries of the feeds filed in C or below it\n"
	    "  --unread         only unread entries (the owner's, or "
	    "--user NAME's)\n"
	    "  --starred        only starred entries\n"
	    "  --since ID       entries with an id above ID, oldest first\n"
	    "  --limit N        at most N (1..1000, default 20)\n"
	    "  --all-copies     show a story once per feed that carries it\n"
	    "A story other feeds carry too (the same link) is shown once; "
	    "the copies left\nout are counted on stderr. With --json the "
	    "answer carries next_since: pass it\nas --since to continue.\n" },
	{ "show", cmd_show, "show ID [--raw]",
	    "one entry in full, as text",
	    "options:\n"
	    "  --raw            the content as the feed gave it (HTML), not "
	    "rendered\n"
	    "The content is rendered as text: paragraphs, lists, quotes, "
	    "links numbered and\nlisted at the end, wrapped to the terminal "
	    "(at most 100 columns; 80 into a\npipe, or $COLUMNS). On a "
	    "terminal, an entry longer than the screen goes\nthrough $PAGER "
	    "(default: less -R). The date is local time (TZ).\n" },
	{ "open", cmd_open, "open ID",
	    "open an entry's link in the browser ($BROWSER, else xdg-open)",
	    "The browser runs with the link as its one argument (no shell); "
	    "feedctl waits\nfor it, so a terminal browser has the terminal "
	    "until it quits; then the entry\nis marked read (with its copies in "
	    "other feeds). Exit status 1 when the entry\nhas no link or the "
	    "browser cannot run or fails (the entry stays unread).\n" },
	{ "search", cmd_search,
	    "search QUERY [--fts] [--feed ID] [--topic NAME] [--limit N] "
	    "[--all-copies]",
	    "full-text search: the words of QUERY, or SQLite FTS5 syntax",
	    "options:\n"
	    "  --fts            QUERY is SQLite FTS5 syntax (as is a QUERY "
	    "that starts with\n"
	    "                   \"fts:\")\n"
	    "  --feed ID        only entries of this feed\n"
	    "  --topic NAME     only entries that matched this topic\n"
	    "  --limit N        at most N (1..1000, default 20)\n"
	    "  --all-copies     show a story once per feed that carries it\n"
	    "Plain words must all occur, whatever their punctuation "
	    "(e-mail, covid-19).\nFTS5 syntax: \"an exact phrase\", OR, NOT, "
	    "prefix*, NEAR(a b, 5), title: x;\ne.g. fts:'\"coalition of the "
	    "willing\" OR \"коаліція охочих\"'.\nThe newest N matches are "
	    "shown, a story other feeds carry too once.\n" },
	{ "follow", cmd_follow, "follow [--topic NAME] [--since ID]",
	    "print new entries as they arrive, until interrupted",
	    "With --json, one JSON document per entry per line.\n"
	    "When the daemon restarts, follow reconnects (waiting 1 s, "
	    "doubling up to 30 s)\nand resumes after the last entry it saw, "
	    "saying so on stderr. It exits 1\nwhen the daemon cannot be "
	    "reached at the start.\n" },
	{ "backup", cmd_backup, "backup FILE",
	    "write a consistent copy of the database to FILE",
	    "The copy is made while the daemon runs; polls go on.\n" },
	{ "token", cmd_token, "token create NAME [--read-only] | list | rm NAME",
	    "make, list or remove the tokens of the daemon's TCP listener",
	    "A request over TCP (listen = in feedd.conf) needs \"Authorization: "
	    "Bearer TOKEN\".\n"
	    "  create NAME      make a token; it is printed on stdout this "
	    "once, never again\n"
	    "  --read-only      the token may read (GET), not change "
	    "anything\n"
	    "  list             the tokens' names, access, when made and last "
	    "used\n"
	    "  rm NAME          remove a token: it stops working at once\n"
	    "Tokens are managed over the Unix socket only.\n" },
	{ "read", cmd_read, "read ID... | read --all [--feed ID | --category C "
	    "| --topic NAME] [--up-to ID] [--before DATE]",
	    "mark entries read (the owner's marks, or --user NAME's)",
	    "  ID...            these entries (and their copies in other "
	    "feeds)\n"
	    "  --all            every entry, or those of a feed, category (and "
	    "below) or topic\n"
	    "  --up-to ID       only entries up to this id (what was on "
	    "screen)\n"
	    "  --before DATE    only entries published before DATE "
	    "(2026-12-05 or ISO 8601)\n" },
	{ "unread", cmd_unread, "unread ID... | unread --all [--feed ID | "
	    "--category C | --topic NAME] [--up-to ID] [--before DATE]",
	    "mark entries unread again", NULL },
	{ "star", cmd_star, "star ID...",
	    "star entries: kept whatever the retention, listed by list "
	    "--starred", NULL },
	{ "unstar", cmd_unstar, "unstar ID...", "take the star away", NULL },
	{ "user", cmd_user, "user add NAME [--fever] | passwd NAME | set NAME "
	    "--fever|--no-fever | rename NAME NEW | list | rm NAME",
	    "the people who read with apps (Google Reader and Fever APIs)",
	    "Each user has their own read and starred marks; the owner is "
	    "user 1.\n"
	    "  add NAME         add a user; the password is asked twice at "
	    "the terminal\n"
	    "  passwd NAME      set a new password (apps must log in again)\n"
	    "  --fever          let Fever apps in: keeps md5(\"NAME:password\")"
	    ", which is\n"
	    "                   as good as the password (Fever defines it so)\n"
	    "  --no-fever       drop the Fever key\n"
	    "  --password-stdin read the password from the first line of "
	    "stdin\n"
	    "  rename NAME NEW  rename (the login changes; Fever needs the "
	    "password again)\n"
	    "  rm NAME          remove a user with its marks and tokens\n"
	    "Users are managed over the Unix socket only. --user NAME (before "
	    "the command)\nmakes any command act as NAME over the socket.\n" },
	{ "parse", run_parse, "parse FILE|- [--url BASE]",
	    "parse a feed document offline and print the neutral model (JSON)",
	    "Needs no daemon. Exit status 1 when the document stopped early "
	    "(the JSON says\nwhere), 2 when it cannot be read.\n" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	fprintf(f, "usage: feedctl [--socket PATH [--user NAME] | --url URL "
	    "[--token-file FILE]] [--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s\n      %s\n", commands[i].usage,
		    commands[i].help);
	fprintf(f, "\noptions:\n"
	    "  --socket PATH   daemon socket (default: $FEEDD_SOCKET, else "
	    "/run/feedd/feedd.sock,\n"
	    "                  else $XDG_RUNTIME_DIR/feedd/feedd.sock)\n"
	    "  --url URL       the daemon's TCP listener instead "
	    "(http://127.0.0.1:PORT, or https\n"
	    "                  through a TLS proxy), with the token of "
	    "$FEEDD_TOKEN or of\n"
	    "  --token-file FILE (its first line; never on the command line, "
	    "where ps shows it)\n"
	    "  --user NAME     over the socket, act as user NAME (marks, "
	    "unread counts)\n"
	    "  --json          print the API's JSON instead of a table\n"
	    "  --version       print the version\n"
	    "\nfeedctl COMMAND --help shows a command's own options.\n"
	    "Exit status: 0 ok, 1 daemon unreachable or request failed, "
	    "2 usage error.\n"
	    "Colour is used when stdout is a terminal, NO_COLOR is unset and "
	    "TERM is not\ndumb; long output on a terminal goes through $PAGER "
	    "(default: less -R).\nTimes are local (TZ); --json gives them in "
	    "UTC (ISO 8601).\n");
}

/* The short answer to a usage error: one line and where to read more. */
static void
usage_short(void)
{
	fprintf(stderr, "usage: feedctl [--socket PATH | --url URL] [--json] "
	    "COMMAND [ARGS]\n(feedctl --help lists the commands and "
	    "options)\n");
}

static void
unknown_command(const char *name)
{
	const char *names[NCOMMANDS], *near;

	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	fprintf(stderr, "feedctl: unknown command '%s'", name);
	if ((near = suggest_nearest(name, names, NCOMMANDS)) != NULL)
		fprintf(stderr, "; did you mean '%s'?\n", near);
	else
		fprintf(stderr, " (feedctl --help lists them)\n");
}

static const struct feedctl_cmd *
find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

int
feedctl_usage(const char *name)
{
	const struct feedctl_cmd *c = find_command(name);

	if (c != NULL)
		fprintf(stderr, "usage: feedctl %s\n(feedctl %s --help "
		    "explains)\n", c->usage, c->name);
	return FEEDCTL_USAGE;
}

bool
feedctl_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

int
feedctl_call(struct feedctl *ctl, const char *method, const char *path,
    json_t *body, struct apiclient_resp *r)
{
	if (apiclient_request(&ctl->target, method, path, body, r) == -1)
		return FEEDCTL_FAIL;
	if (r->status < 200 || r->status > 299 || r->doc == NULL) {
		apiclient_print_error(r);
		apiclient_resp_clear(r);
		return FEEDCTL_FAIL;
	}
	return FEEDCTL_OK;
}

int
feedctl_call_show(struct feedctl *ctl, const char *method, const char *fmt,
    const char *arg, json_t *body, void (*show)(struct feedctl *, json_t *))
{
	struct apiclient_resp r;
	char *esc = arg != NULL ? feedctl_escape(arg) : NULL;
	char *path = esc != NULL ? xasprintf(fmt, esc) : xstrdup(fmt);
	int code;

	code = feedctl_call(ctl, method, path, body, &r);
	free(path);
	free(esc);
	if (code != FEEDCTL_OK)
		return code;
	if (ctl->json)
		feedctl_print_raw(&r);
	else
		show(ctl, r.doc);
	apiclient_resp_clear(&r);
	return FEEDCTL_OK;
}

char *
feedctl_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *copy;

	if (e == NULL) {
		fprintf(stderr, "feedctl: out of memory\n");
		abort();
	}
	copy = strdup(e);
	curl_free(e);
	if (copy == NULL)
		abort();
	return copy;
}

int64_t
feedctl_parse_id(const char *what, const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v <= 0) {
		fprintf(stderr, "feedctl: %s must be a positive number, not "
		    "'%s'\n", what, s);
		return -1;
	}
	return v;
}

const char *
feedctl_str(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}

const char *
feedctl_plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

long long
feedctl_num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

void
feedctl_print_raw(const struct apiclient_resp *r)
{
	fwrite(r->raw, 1, r->len, stdout);
	if (r->len == 0 || r->raw[r->len - 1] != '\n')
		putchar('\n');
}

static int
run_parse(struct feedctl *ctl, int argc, char **argv)
{
	return cmd_parse(argc, argv);
}

/*
 * The terminal's width (columns) or height: $COLUMNS or $LINES first, as
 * a shell sets them, else the terminal's own. Width 0 means a pipe (no
 * limit); a height is always given (24 when none is known).
 */
static int
terminal_size(bool columns)
{
	const char *e = getenv(columns ? "COLUMNS" : "LINES");
	struct winsize ws;
	int n = 0;

	if (e != NULL && atoi(e) > 0)
		return atoi(e);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		n = columns ? ws.ws_col : ws.ws_row;
	if (n > 0)
		return n;
	if (columns)
		return isatty(STDOUT_FILENO) ? 80 : 0;
	return 24;
}

/* Colour on a terminal unless NO_COLOR is set or the terminal is dumb. */
static bool
use_color(bool tty)
{
	const char *term = getenv("TERM");

	return tty && getenv("NO_COLOR") == NULL &&
	    (term == NULL || strcmp(term, "dumb") != 0);
}

static void
command_help(const struct feedctl_cmd *c)
{
	printf("usage: feedctl %s\n\n%s\n", c->usage, c->help);
	if (c->details != NULL)
		printf("\n%s", c->details);
	printf("\nglobal options: --socket PATH, --url URL, --token-file "
	    "FILE, --json (see\nfeedctl --help)\n");
}

/* The first line of path, without its line end; NULL after a message. */
static const char *
read_token_file(const char *path)
{
	static char token[512];
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "feedctl: cannot read the token file '%s': "
		    "%s\n", path, strerror(errno));
		return NULL;
	}
	if (fgets(token, sizeof(token), f) == NULL)
		token[0] = '\0';
	fclose(f);
	token[strcspn(token, "\r\n")] = '\0';
	if (token[0] == '\0') {
		fprintf(stderr, "feedctl: the token file '%s' is empty\n",
		    path);
		return NULL;
	}
	return token;
}

/*
 * Where the daemon is: --url with the token of --token-file or
 * $FEEDD_TOKEN, else the socket. 0, or FEEDCTL_USAGE after a message.
 */
static int
resolve_target(struct apiclient_target *t, const char *socket,
    const char *url, const char *token_file)
{
	const char *why;

	if (url == NULL) {
		if (token_file != NULL) {
			fprintf(stderr, "feedctl: --token-file goes with "
			    "--url\n");
			return FEEDCTL_USAGE;
		}
		t->socket = apiclient_socket_path(socket);
		return 0;
	}
	if (socket != NULL) {
		fprintf(stderr, "feedctl: --socket or --url, not both\n");
		return FEEDCTL_USAGE;
	}
	if ((why = apiclient_url_check(url)) != NULL) {
		fprintf(stderr, "feedctl: --url '%s': %s\n", url, why);
		return FEEDCTL_USAGE;
	}
	t->url = url;
	if (token_file != NULL)
		t->token = read_token_file(token_file);
	else if ((t->token = getenv("FEEDD_TOKEN")) == NULL ||
	    *t->token == '\0') {
		fprintf(stderr, "feedctl: --url needs a token: set "
		    "FEEDD_TOKEN or give --token-file FILE\n");
		t->token = NULL;
	}
	return t->token != NULL ? 0 : FEEDCTL_USAGE;
}

int
main(int argc, char **argv)
{
	enum { OPT_SOCKET = 256, OPT_URL, OPT_TOKEN_FILE, OPT_JSON,
	    OPT_VERSION, OPT_USER };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "url", required_argument, NULL, OPT_URL },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "user", required_argument, NULL, OPT_USER },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct feedctl_cmd *cmd;
	struct feedctl ctl = { 0 };
	const char *socket = NULL, *url = NULL, *token_file = NULL;
	const char *user = NULL;
	int ch, code;

	/* Messages of common/ (feedctl parse) carry our own name. */
	log_init("feedctl");
	/* "+": stop at the command so its own options reach it. */
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_SOCKET: socket = optarg; break;
		case OPT_URL: url = optarg; break;
		case OPT_TOKEN_FILE: token_file = optarg; break;
		case OPT_USER: user = optarg; break;
		case OPT_JSON: ctl.json = true; break;
		case OPT_VERSION:
			printf("feedctl %s\n", FEEDD_VERSION);
			return FEEDCTL_OK;
		case 'h':
			usage(stdout);
			return FEEDCTL_OK;
		default:
			usage_short();
			return FEEDCTL_USAGE;
		}
	}
	if (optind >= argc) {
		usage_short();
		return FEEDCTL_USAGE;
	}
	if ((code = resolve_target(&ctl.target, socket, url,
	    token_file)) != 0)
		return code;
	if (user != NULL && url != NULL) {
		fprintf(stderr, "feedctl: --user is for the Unix socket; over "
		    "--url a token acts as its own user\n");
		return FEEDCTL_USAGE;
	}
	ctl.target.user = user;
	ctl.tty = isatty(STDOUT_FILENO);
	ctl.color = use_color(ctl.tty);
	ctl.columns = terminal_size(true);
	ctl.rows = terminal_size(false);
	argc -= optind;
	argv += optind;
	if ((cmd = find_command(argv[0])) == NULL) {
		unknown_command(argv[0]);
		return FEEDCTL_USAGE;
	}
	if (feedctl_wants_help(argc, argv)) {
		command_help(cmd);
		return FEEDCTL_OK;
	}
	/* Per-command options may follow; --json may come late too. */
	for (int k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0)
			break;
		if (strcmp(argv[k], "--json") == 0 && cmd->run != run_parse) {
			ctl.json = true;
			memmove(&argv[k], &argv[k + 1],
			    (size_t)(argc - k) * sizeof(*argv));
			argc--;
			k--;
		}
	}
	/* Commands parse their options with getopt from argv[1]. */
	optind = 0;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	code = cmd->run(&ctl, argc, argv);
	curl_global_cleanup();
	fflush(stdout);
	if (ferror(stdout)) {
		fprintf(stderr, "feedctl: cannot write the output\n");
		return FEEDCTL_FAIL;
	}
	return code;
}
