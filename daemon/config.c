#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "buf.h"
#include "build_config.h"
#include "category.h"
#include "config.h"
#include "fetch.h"
#include "listener.h"
#include "log.h"
#include "notify.h"
#include "sched.h"
#include "store.h"
#include "strv.h"
#include "suggest.h"
#include "units.h"
#include "url.h"
#include "webhook_format.h"
#include "xmalloc.h"

/* Secrets shorter than this are not looked for in receivers' answers. */
#define CONFIG_SECRET_SCRUB_MIN	6
/* A ${NAME} read from a credential file: at most this long. */
#define CONFIG_SECRET_MAX	4096

enum section_kind {
	SECTION_NONE,
	SECTION_FEEDD,
	SECTION_FEED,
	SECTION_HOOK,
	SECTION_TOPIC,
	SECTION_BAD,
};

/* [feedd] keys that later checks name by their line. */
enum feedd_line {
	LINE_MIN_INTERVAL,
	LINE_MAX_INTERVAL,
	LINE_TIMEOUT,
	LINE_CONNECT_TIMEOUT,
	LINE_LISTEN,
	LINE_SOCKET,
	LINE_SOCKET_GROUP,
	LINE_PUBLIC_URL,
	NLINES,
};

struct parse_state {
	struct config	*cfg;
	const char	*path;
	FILE		*fp;
	int		 line;
	int		 errors;
	int		 syntax_errors;	/* found by config_ini_reader */
	enum section_kind kind;
	bool		 long_line;
	bool		 after_key;	/* inih reads an indented line on */
	int		 lines[NLINES];	/* 0: not in the file */
	int		 flags;		/* config_load_flags() */
	size_t		 feeds_cap;	/* of cfg->feeds */
};

static void __attribute__((format(printf, 3, 4)))
perr(struct parse_state *st, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key != NULL)
		log_errx("%s:%d: %s: %s", st->path, st->line, key, msg);
	else
		log_errx("%s:%d: %s", st->path, st->line, msg);
	st->errors++;
}

/* A problem found after reading, at the line it concerns (0: the file). */
static void __attribute__((format(printf, 4, 5)))
perr_at(struct parse_state *st, int line, const char *key,
    const char *fmt, ...)
{
	int saved = st->line;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0) {
		st->line = line;
		perr(st, key, "%s", msg);
		st->line = saved;
		return;
	}
	if (key != NULL)
		log_errx("%s: %s: %s", st->path, key, msg);
	else
		log_errx("%s: %s", st->path, msg);
	st->errors++;
}

/*
 * The keys each section knows (as its handle_* function reads them), for
 * "did you mean" when a key is unknown.
 */
static const char *const feedd_keys[] = { "database", "socket",
	"socket_group", "listen", "listen_allow_remote", "public_url",
	"log_level",
	"user_agent", "ca_file", "max_connections", "max_per_host",
	"default_interval", "min_interval", "max_interval", "host_gap",
	"timeout", "connect_timeout", "max_body_size", "max_entries_per_feed",
	"max_age", "notify_max_parallel", "notify_timeout", "worker_name",
	"lease" };
static const char *const feed_keys[] = { "url", "title", "category",
	"interval" };
static const char *const hook_keys[] = { "command", "url", "format",
	"header", "mode", "timeout" };
static const char *const topic_keys[] = { "query", "notify", "feeds",
	"category" };

#define NKEYS(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * An unknown key in section [kind] or [kind "name"], with the nearest
 * key the section knows.
 */
static void
unknown_key(struct parse_state *st, const char *key, const char *kind,
    const char *name, const char *const *keys, size_t n)
{
	const char *near = suggest_nearest(key, keys, n);
	char *where = name != NULL ? xasprintf("[%s \"%s\"]", kind, name) :
	    xasprintf("[%s]", kind);

	if (near != NULL)
		perr(st, key, "unknown key in %s; did you mean '%s'?", where,
		    near);
	else
		perr(st, key, "unknown key in %s", where);
	free(where);
}

/* Hook names go into logs, messages and JSON as they are: keep them plain. */
static bool
hook_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONFIG_HOOK_NAME_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* Strips a pair of surrounding double quotes, which inih leaves in place. */
static char *
unquote_dup(const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		return xstrndup(v + 1, n - 2);
	return xstrdup(v);
}

static int
parse_bool(const char *v, bool *ret)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
		*ret = true;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
		*ret = false;
	else
		return -1;
	return 0;
}

static int
parse_int(const char *v, long min, long max, int *ret)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return -1;
	*ret = (int)n;
	return 0;
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = unquote_dup(v);
}

static void
set_duration(struct parse_state *st, const char *key, const char *v,
    int64_t *dst)
{
	if (units_parse_duration(v, dst) == -1)
		perr(st, key, "'%s' is not a duration (e.g. 90s, 15m, 2h, 1d)", v);
}

/*
 * A file the daemon reads on every transfer: an unreadable one would turn
 * into a TLS error on every HTTPS feed, so it is refused here instead.
 */
static void
check_readable_file(struct parse_state *st, const char *key, const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1 || access(path, R_OK) == -1)
		perr(st, key, "cannot read '%s': %s", path, strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		perr(st, key, "'%s' is not a file", path);
}

static void
handle_feedd(struct parse_state *st, const char *key, const char *v)
{
	struct config *c = st->cfg;
	int lvl;

	if (strcmp(key, "database") == 0)
		set_str(&c->database, v);
	else if (strcmp(key, "socket") == 0)
		set_str(&c->socket, v);
	else if (strcmp(key, "socket_group") == 0)
		set_str(&c->socket_group, v);
	else if (strcmp(key, "listen") == 0)
		set_str(&c->listen, v);
	else if (strcmp(key, "public_url") == 0)
		set_str(&c->public_url, v);
	else if (strcmp(key, "listen_allow_remote") == 0) {
		if (parse_bool(v, &c->listen_allow_remote) == -1)
			perr(st, key, "'%s' is not yes or no", v);
	} else if (strcmp(key, "log_level") == 0) {
		if ((lvl = log_level_from_name(v)) == -1)
			perr(st, key, "'%s' is not one of err, warning, "
			    "notice, info, debug", v);
		else
			c->log_level = lvl;
	} else if (strcmp(key, "user_agent") == 0)
		set_str(&c->user_agent, v);
	else if (strcmp(key, "ca_file") == 0) {
		set_str(&c->ca_file, v);
		check_readable_file(st, key, c->ca_file);
	} else if (strcmp(key, "max_connections") == 0) {
		if (parse_int(v, 1, 10000, &c->max_connections) == -1)
			perr(st, key, "'%s' is not a number from 1 to 10000", v);
	} else if (strcmp(key, "max_per_host") == 0) {
		if (parse_int(v, 1, 1000, &c->max_per_host) == -1)
			perr(st, key, "'%s' is not a number from 1 to 1000", v);
	} else if (strcmp(key, "default_interval") == 0)
		set_duration(st, key, v, &c->default_interval_s);
	else if (strcmp(key, "min_interval") == 0)
		set_duration(st, key, v, &c->min_interval_s);
	else if (strcmp(key, "max_interval") == 0)
		set_duration(st, key, v, &c->max_interval_s);
	else if (strcmp(key, "host_gap") == 0)
		set_duration(st, key, v, &c->host_gap_s);
	else if (strcmp(key, "lease") == 0) {
		set_duration(st, key, v, &c->lease_s);
		if (c->lease_s < 2 || c->lease_s > 3600)
			perr(st, key, "'%s' is not from 2s to 1h", v);
	} else if (strcmp(key, "worker_name") == 0) {
		if (v[0] == '\0' || strlen(v) > 200 || strpbrk(v, " \t") != NULL)
			perr(st, key, "'%s' is not a name of 1 to 200 characters "
			    "without spaces", v);
		else
			set_str(&c->worker_name, v);
	}
	else if (strcmp(key, "timeout") == 0)
		set_duration(st, key, v, &c->timeout_s);
	else if (strcmp(key, "connect_timeout") == 0)
		set_duration(st, key, v, &c->connect_timeout_s);
	else if (strcmp(key, "max_body_size") == 0) {
		if (units_parse_size(v, &c->max_body_size) == -1 ||
		    c->max_body_size < 1024)
			perr(st, key, "'%s' is not a size of at least 1k "
			    "(e.g. 512k, 10M)", v);
	} else if (strcmp(key, "max_entries_per_feed") == 0) {
		int n;

		if (parse_int(v, 0, INT_MAX, &n) == -1)
			perr(st, key, "'%s' is not a number (0 = unlimited)", v);
		else
			c->max_entries_per_feed = n;
	} else if (strcmp(key, "max_age") == 0)
		set_duration(st, key, v, &c->max_age_s);
	else if (strcmp(key, "notify_max_parallel") == 0) {
		if (parse_int(v, 1, 256, &c->notify_max_parallel) == -1)
			perr(st, key, "'%s' is not a number from 1 to 256", v);
	} else if (strcmp(key, "notify_timeout") == 0)
		set_duration(st, key, v, &c->notify_timeout_s);
	else
		unknown_key(st, key, "feedd", NULL, feedd_keys,
		    NKEYS(feedd_keys));
}

/* A category in its normal form (category.h); empty: none. */
static void
set_category(struct parse_state *st, const char *key, const char *v,
    char **dst)
{
	const char *why;
	char *s = unquote_dup(v);

	free(*dst);
	if (category_norm(s, dst, &why) == -1)
		perr(st, key, "'%s': %s", s, why);
	free(s);
}

static void
handle_feed(struct parse_state *st, const char *key, const char *v)
{
	struct config_feed *f = &st->cfg->feeds[st->cfg->nfeeds - 1];
	char why[128];

	if (strcmp(key, "url") == 0) {
		set_str(&f->url, v);
		/* The administrator's own file may name a local file. */
		if (url_check(f->url, URL_FILE_OK, why, sizeof(why)) == -1)
			perr(st, key, "'%s' is %s", f->url, why);
	} else if (strcmp(key, "title") == 0)
		set_str(&f->title, v);
	else if (strcmp(key, "category") == 0)
		set_category(st, key, v, &f->category);
	else if (strcmp(key, "interval") == 0)
		set_duration(st, key, v, &f->interval_s);
	else
		unknown_key(st, key, "feed", f->name, feed_keys,
		    NKEYS(feed_keys));
}

/*
 * The value of secret name: the environment variable, else the systemd
 * credential ($CREDENTIALS_DIRECTORY/name, one line). NULL if neither;
 * *why then says so (a credential file that cannot be read, ...).
 */
static char *
secret_value(const char *name, const char **why)
{
	const char *v = getenv(name), *dir = getenv("CREDENTIALS_DIRECTORY");
	char *path, *text;
	size_t n;
	FILE *f;

	*why = "no such environment variable or credential";
	if (v != NULL)
		return xstrdup(v);
	if (dir == NULL || *dir == '\0')
		return NULL;
	path = xasprintf("%s/%s", dir, name);
	f = fopen(path, "r");
	free(path);
	if (f == NULL) {
		if (errno != ENOENT)
			*why = "its credential file cannot be read";
		return NULL;
	}
	text = xmalloc(CONFIG_SECRET_MAX + 1);
	n = fread(text, 1, CONFIG_SECRET_MAX + 1, f);
	fclose(f);
	if (n > CONFIG_SECRET_MAX) {
		*why = "its credential file is too long";
		free(text);
		return NULL;
	}
	text[n] = '\0';
	/* A file written by echo ends in a newline that is not the secret. */
	if (n > 0 && text[n - 1] == '\n')
		text[--n] = '\0';
	if (n > 0 && text[n - 1] == '\r')
		text[--n] = '\0';
	return text;
}

/*
 * v with each ${NAME} replaced by the secret NAME; the values go to
 * h->secrets. NULL after an error (which never shows a value).
 */
static char *
expand_secrets(struct parse_state *st, const char *key,
    struct config_hook *h, const char *v)
{
	struct buf b;
	const char *p = v, *end, *why;
	char name[128], *val;

	buf_init(&b);
	while (*p != '\0') {
		if (p[0] != '$' || p[1] != '{') {
			buf_putc(&b, *p++);
			continue;
		}
		if ((end = strchr(p + 2, '}')) == NULL) {
			perr(st, key, "'${' without its closing '}'");
			goto fail;
		}
		if (end == p + 2 || (size_t)(end - p - 2) >= sizeof(name) ||
		    strspn(p + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789_") != (size_t)(end - p - 2) ||
		    isdigit((unsigned char)p[2])) {
			perr(st, key, "'${...}' names a secret by letters, "
			    "digits and '_' (an environment variable or a "
			    "credential)");
			goto fail;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(end - p - 2), p + 2);
		if ((val = secret_value(name, &why)) == NULL) {
			if (st->flags & CONFIG_SECRETS_OPTIONAL) {
				log_warnx("%s:%d: %s: ${%s}: %s here; the "
				    "daemon needs it when it runs", st->path,
				    st->line, key, name, why);
				val = xstrdup("secret");
			} else {
				perr(st, key, "${%s}: %s (feedd reads it from "
				    "its environment, or from "
				    "$CREDENTIALS_DIRECTORY/%s)", name, why,
				    name);
				goto fail;
			}
		}
		if (*val == '\0' || strpbrk(val, "\r\n") != NULL) {
			perr(st, key, "${%s} is %s", name, *val == '\0' ?
			    "empty" : "more than one line");
			free(val);
			goto fail;
		}
		for (const char *c = val; *c != '\0'; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f) {
				perr(st, key, "${%s} holds a control "
				    "character", name);
				free(val);
				goto fail;
			}
		buf_puts(&b, val);
		strv_add(&h->secrets, val, strlen(val));
		free(val);
		p = end + 1;
	}
	buf_putc(&b, '\0');
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

/*
 * A hook's value without a comment: as in its command, '#' after white
 * space starts one (a URL has no white space, a header's value none
 * before a '#' it means).
 */
static char *
hook_value(const char *v)
{
	const char *p = v;
	char *s;
	size_t n;

	while ((p = strchr(p, '#')) != NULL && p > v &&
	    !isspace((unsigned char)p[-1]))
		p++;
	n = p != NULL ? (size_t)(p - v) : strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	s = xstrndup(v, n);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		char *u = xstrndup(s + 1, n - 2);

		free(s);
		s = u;
	}
	return s;
}

/* Headers feedd writes itself: a hook may not give them. */
static bool
header_managed(const char *name, size_t n)
{
	static const char *const managed[] = { "Host", "Content-Length",
	    "Transfer-Encoding", "Connection", "Expect", "Upgrade", "TE" };

	for (size_t i = 0; i < sizeof(managed) / sizeof(managed[0]); i++)
		if (strlen(managed[i]) == n &&
		    strncasecmp(managed[i], name, n) == 0)
			return true;
	return false;
}

/* header = Name: value (the value may name secrets). */
static void
hook_header(struct parse_state *st, struct config_hook *h, const char *v)
{
	/* RFC 9110 5.6.2: a field name is a token. */
	static const char tchar[] = "!#$%&'*+-.^_`|~0123456789"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t n = strspn(v, tchar);
	const char *val;
	char *x;

	if (strv_len(h->headers) == CONFIG_HOOK_HEADERS_MAX) {
		perr(st, "header", "more than %d headers",
		    CONFIG_HOOK_HEADERS_MAX);
		return;
	}
	/* Never the value in a message: it may be a secret. */
	if (n == 0 || v[n] != ':') {
		perr(st, "header", "not 'Name: value' (a header's name is "
		    "letters, digits and !#$%%&'*+-.^_`|~, then ':'; the line "
		    "is not shown, it may hold a secret)");
		return;
	}
	if (header_managed(v, n)) {
		perr(st, "header", "%.*s is written by feedd itself", (int)n,
		    v);
		return;
	}
	val = v + n + 1;
	val += strspn(val, " \t");
	if (*val == '\0') {
		perr(st, "header", "%.*s has no value", (int)n, v);
		return;
	}
	for (const char *c = val; *c != '\0'; c++)
		if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) {
			perr(st, "header", "%.*s: its value holds a control "
			    "character", (int)n, v);
			return;
		}
	if ((x = expand_secrets(st, "header", h, val)) == NULL)
		return;
	if (strlen(x) >= CONFIG_SECRET_SCRUB_MIN)
		strv_add(&h->secrets, x, strlen(x));
	{
		char *line = xasprintf("%.*s: %s", (int)n, v, x);

		strv_add(&h->headers, line, strlen(line));
		free(line);
	}
	free(x);
}

static void
handle_hook(struct parse_state *st, const char *key, const char *v)
{
	struct config_hook *h = &st->cfg->hooks[st->cfg->nhooks - 1];
	char *x;
	int f;

	if (strcmp(key, "command") == 0) {
		strv_free(h->argv);
		if ((h->argv = config_split_argv(v)) == NULL)
			perr(st, key, "cannot split '%s' into a command "
			    "(unbalanced quotes?)", v);
		return;
	}
	x = hook_value(v);
	if (*x == '\0')
		perr(st, key, "empty value");
	else if (strcmp(key, "url") == 0) {
		free(h->url);
		h->url = expand_secrets(st, key, h, x);
	} else if (strcmp(key, "format") == 0) {
		if ((f = webhook_format_from_name(x)) == -1)
			perr(st, key, "'%s' is not %s", x,
			    webhook_format_names());
		else
			h->format = (enum webhook_format)f;
	} else if (strcmp(key, "header") == 0)
		hook_header(st, h, x);
	else if (strcmp(key, "mode") == 0) {
		if (strcmp(x, "each") == 0)
			h->mode = CONFIG_HOOK_EACH;
		else if (strcmp(x, "batch") == 0)
			h->mode = CONFIG_HOOK_BATCH;
		else
			perr(st, key, "'%s' is not each or batch", x);
	} else if (strcmp(key, "timeout") == 0)
		set_duration(st, key, x, &h->timeout_s);
	else
		unknown_key(st, key, "hook", h->name, hook_keys,
		    NKEYS(hook_keys));
	free(x);
}

static void
handle_topic(struct parse_state *st, const char *key, const char *v)
{
	struct config_topic *t = &st->cfg->topics[st->cfg->ntopics - 1];

	if (strcmp(key, "query") == 0) {
		/* The query keeps its quotes: they are FTS5 phrase syntax. */
		free(t->query);
		t->query = xstrdup(v);
	} else if (strcmp(key, "notify") == 0) {
		/* A hook's name, checked once every hook is read. */
		free(t->notify);
		t->notify = *v != '\0' ? unquote_dup(v) : NULL;
		t->notify_line = st->line;
	} else if (strcmp(key, "notify_mode") == 0)
		perr(st, key, "the mode belongs to the hook now: write "
		    "mode = %s in the [hook \"NAME\"] section that this "
		    "topic's notify names", v);
	else if (strcmp(key, "feeds") == 0) {
		strv_free(t->feeds);
		if ((t->feeds = config_split_argv(v)) == NULL)
			perr(st, key, "'%s' is not a list of feed names", v);
	} else if (strcmp(key, "category") == 0)
		set_category(st, key, v, &t->category);
	else
		unknown_key(st, key, "topic", t->name, topic_keys,
		    NKEYS(topic_keys));
}

/*
 * Section headers: [feedd], [feed "NAME"], [hook "NAME"], [topic "NAME"].
 * Returns the kind and the NAME in name[0..namelen).
 */
static enum section_kind
parse_section(const char *section, char *name, size_t namelen)
{
	const char *p, *q;
	enum section_kind kind;

	if (strcmp(section, "feedd") == 0)
		return SECTION_FEEDD;
	if (strncmp(section, "feed ", 5) == 0) {
		kind = SECTION_FEED;
		p = section + 5;
	} else if (strncmp(section, "hook ", 5) == 0) {
		kind = SECTION_HOOK;
		p = section + 5;
	} else if (strncmp(section, "topic ", 6) == 0) {
		kind = SECTION_TOPIC;
		p = section + 6;
	} else
		return SECTION_BAD;
	while (*p == ' ')
		p++;
	if (*p != '"' || (q = strrchr(p + 1, '"')) == NULL || q == p + 1 ||
	    q[1] != '\0' || (size_t)(q - p) > namelen)
		return SECTION_BAD;
	memcpy(name, p + 1, (size_t)(q - p - 1));
	name[q - p - 1] = '\0';
	return kind;
}

static void
begin_section(struct parse_state *st, const char *section)
{
	struct config *c = st->cfg;
	const struct config_hook *first;
	char name[256];

	st->kind = parse_section(section, name, sizeof(name));
	switch (st->kind) {
	case SECTION_FEED:
		/* Names defined twice are found once all are read. */
		if (c->nfeeds == st->feeds_cap) {
			st->feeds_cap = st->feeds_cap ? st->feeds_cap * 2 : 16;
			c->feeds = xreallocarray(c->feeds, st->feeds_cap,
			    sizeof(*c->feeds));
		}
		memset(&c->feeds[c->nfeeds], 0, sizeof(*c->feeds));
		c->feeds[c->nfeeds].name = xstrdup(name);
		c->feeds[c->nfeeds].line = st->line;
		c->nfeeds++;
		break;
	case SECTION_HOOK:
		if (!hook_name_ok(name)) {
			perr(st, NULL, "[hook \"%s\"]: a hook's name is 1 to "
			    "%d letters, digits, '_', '.' or '-'", name,
			    CONFIG_HOOK_NAME_MAX);
			st->kind = SECTION_BAD;
			break;
		}
		if ((first = config_hook_find(c, name)) != NULL)
			perr(st, NULL, "[hook \"%s\"] is defined twice "
			    "(first on line %d)", name, first->line);
		c->hooks = xreallocarray(c->hooks, c->nhooks + 1,
		    sizeof(*c->hooks));
		memset(&c->hooks[c->nhooks], 0, sizeof(*c->hooks));
		c->hooks[c->nhooks].name = xstrdup(name);
		c->hooks[c->nhooks].timeout_s = -1;	/* notify_timeout */
		c->hooks[c->nhooks].line = st->line;
		c->nhooks++;
		break;
	case SECTION_TOPIC:
		for (size_t i = 0; i < c->ntopics; i++)
			if (strcmp(c->topics[i].name, name) == 0)
				perr(st, NULL, "[topic \"%s\"] is defined twice "
				    "(first on line %d)", name,
				    c->topics[i].line);
		c->topics = xreallocarray(c->topics, c->ntopics + 1,
		    sizeof(*c->topics));
		memset(&c->topics[c->ntopics], 0, sizeof(*c->topics));
		c->topics[c->ntopics].name = xstrdup(name);
		c->topics[c->ntopics].line = st->line;
		c->ntopics++;
		break;
	case SECTION_BAD:
		perr(st, NULL, "unknown section [%s] (expected [feedd], "
		    "[feed \"NAME\"], [hook \"NAME\"] or [topic \"NAME\"])",
		    section);
		break;
	default:
		break;
	}
}

/*
 * Where the keys that later checks speak of are, even when their value is
 * bad or empty (then the key is there, and its own error is enough).
 */
static void
note_line(struct parse_state *st, const char *key)
{
	static const char *const feedd_lines[NLINES] = {
		[LINE_MIN_INTERVAL] = "min_interval",
		[LINE_MAX_INTERVAL] = "max_interval",
		[LINE_TIMEOUT] = "timeout",
		[LINE_CONNECT_TIMEOUT] = "connect_timeout",
		[LINE_LISTEN] = "listen",
		[LINE_SOCKET] = "socket",
		[LINE_SOCKET_GROUP] = "socket_group",
		[LINE_PUBLIC_URL] = "public_url",
	};
	struct config *c = st->cfg;

	switch (st->kind) {
	case SECTION_FEEDD:
		for (int i = 0; i < NLINES; i++)
			if (strcmp(key, feedd_lines[i]) == 0)
				st->lines[i] = st->line;
		break;
	case SECTION_FEED:
		if (strcmp(key, "url") == 0)
			c->feeds[c->nfeeds - 1].url_line = st->line;
		break;
	case SECTION_HOOK:
		if (strcmp(key, "command") == 0)
			c->hooks[c->nhooks - 1].command_line = st->line;
		break;
	case SECTION_TOPIC:
		if (strcmp(key, "query") == 0)
			c->topics[c->ntopics - 1].query_line = st->line;
		else if (strcmp(key, "feeds") == 0)
			c->topics[c->ntopics - 1].feeds_line = st->line;
		break;
	default:
		break;
	}
}

static int
ini_cb(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *st = user;

	if (st->long_line)
		return 1;
	note_line(st, key);
	if (*value == '\0' && strcmp(key, "notify") != 0 &&
	    strcmp(key, "title") != 0) {
		perr(st, key, "empty value");
		return 1;
	}
	switch (st->kind) {
	case SECTION_FEEDD:
		handle_feedd(st, key, value);
		break;
	case SECTION_FEED:
		handle_feed(st, key, value);
		break;
	case SECTION_HOOK:
		handle_hook(st, key, value);
		break;
	case SECTION_TOPIC:
		handle_topic(st, key, value);
		break;
	case SECTION_NONE:
		perr(st, key, "key outside any section");
		break;
	case SECTION_BAD:
		break;	/* reported once, at the header */
	}
	/* Always go on: every problem in the file is reported in one run. */
	return 1;
}

/*
 * inih hands us no line numbers in callbacks, so count them in the reader it
 * calls for each line; it also lets us catch lines longer than inih's
 * buffer, which inih would silently split in two.
 */
static char *
config_ini_reader(char *str, int num, void *stream)
{
	struct parse_state *st = stream;
	char *r = fgets(str, num, st->fp);
	size_t n;

	if (r == NULL)
		return NULL;
	st->line++;
	st->long_line = false;
	n = strlen(str);
	/*
	 * Section headers are taken here rather than from the callback's
	 * section argument: inih does not call back for a header without keys,
	 * nor tell two consecutive headers of the same name apart. Lines inih
	 * cannot read are found here too, as inih reads them (comments first,
	 * then an indented line after a key goes on with its value), so that
	 * each is reported, not only the first.
	 */
	{
		const char *p = str + strspn(str, " \t\r\n");
		const char *end = strchr(p, ']');

		if (*p == '\0' || *p == ';' || *p == '#')
			;
		else if (st->after_key && p > str)
			;
		else if (*p == '[' && end != NULL) {
			char sect[256];

			snprintf(sect, sizeof(sect), "%.*s",
			    (int)(end - p - 1), p + 1);
			begin_section(st, sect);
			st->after_key = false;
		} else if (*p == '[' || strpbrk(p, "=:") == NULL) {
			perr(st, NULL, "syntax error (expected [section] or "
			    "key = value)");
			st->syntax_errors++;
			st->after_key = false;
		} else
			st->after_key = true;
	}
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(st->fp)) {
		int ch;

		perr(st, NULL, "line longer than %d characters", num - 2);
		while ((ch = fgetc(st->fp)) != EOF && ch != '\n')
			;
		str[0] = '\0';
		st->long_line = true;
	}
	return r;
}

static void
config_defaults(struct config *c)
{
	c->log_level = LOG_DEFAULT_LEVEL;
	c->max_connections = SCHED_DEFAULT_MAX_CONNECTIONS;
	c->max_per_host = SCHED_DEFAULT_MAX_PER_HOST;
	c->default_interval_s = SCHED_DEFAULT_INTERVAL_S;
	c->min_interval_s = SCHED_DEFAULT_MIN_INTERVAL_S;
	c->max_interval_s = SCHED_DEFAULT_MAX_INTERVAL_S;
	c->host_gap_s = SCHED_DEFAULT_HOST_GAP_S;
	c->lease_s = SCHED_DEFAULT_LEASE_S;
	c->timeout_s = FETCH_DEFAULT_TIMEOUT_S;
	c->connect_timeout_s = FETCH_DEFAULT_CONNECT_TIMEOUT_S;
	c->max_body_size = FETCH_DEFAULT_MAX_BODY;
	c->max_entries_per_feed = STORE_DEFAULT_MAX_ENTRIES_PER_FEED;
	c->max_age_s = STORE_DEFAULT_MAX_AGE_S;
	c->notify_max_parallel = NOTIFY_DEFAULT_MAX_PARALLEL;
	c->notify_timeout_s = NOTIFY_DEFAULT_TIMEOUT_S;
}

/*
 * A topic's notify that names no [hook]. A value that is no hook name at
 * all is most likely a command from before hooks: say where it goes now.
 */
static void
no_hook_error(struct parse_state *st, const struct config_topic *t)
{
	char *names;

	if (!hook_name_ok(t->notify)) {
		log_errx("%s:%d: notify: no hook \"%s\" is declared: a "
		    "topic's notify names a [hook \"NAME\"] section, and "
		    "the command goes there (command = ...)", st->path,
		    t->notify_line, t->notify);
	} else {
		names = config_hook_names(st->cfg);
		log_errx("%s:%d: notify: no hook \"%s\" is declared (%s%s)",
		    st->path, t->notify_line, t->notify, *names != '\0' ?
		    "declared: " : "no [hook] section is declared", names);
		free(names);
	}
	st->errors++;
}

/*
 * What of a URL hook's URL is as good as a password, for scrubbing
 * receivers' answers: its user info, query values (Gotify's ?token=) and
 * long path segments (Slack's and Mattermost's keys, Discord's token),
 * and ntfy's topic, which is its password.
 */
static void
url_secrets(struct config_hook *h)
{
	char **parts = url_secret_parts(h->url, CONFIG_SECRET_SCRUB_MIN, 16);
	char *path, *last;

	for (size_t i = 0; parts != NULL && parts[i] != NULL; i++)
		strv_add(&h->secrets, parts[i], strlen(parts[i]));
	strv_free(parts);
	if (h->format == WEBHOOK_NTFY && (path = url_path(h->url)) !=
	    NULL) {
		if ((last = strrchr(path, '/')) != NULL && last[1] != '\0')
			strv_add(&h->secrets, last + 1, strlen(last + 1));
		free(path);
	}
}

static void
validate_hook(struct parse_state *st, struct config_hook *h)
{
	const struct config *c = st->cfg;
	char why[256];

	if (h->timeout_s < 0)
		h->timeout_s = c->notify_timeout_s;
	if (h->argv != NULL && h->url != NULL) {
		log_errx("%s:%d: [hook \"%s\"] has a command and a url: a "
		    "hook is one or the other", st->path, h->line, h->name);
		st->errors++;
		return;
	}
	if (h->argv == NULL && h->url == NULL) {
		log_errx("%s:%d: [hook \"%s\"] has no command and no url",
		    st->path, h->line, h->name);
		st->errors++;
		return;
	}
	if (h->argv != NULL) {
		if (h->headers != NULL || h->format != WEBHOOK_JSON) {
			log_errx("%s:%d: [hook \"%s\"]: format and header "
			    "are for a hook with a url, not a command",
			    st->path, h->line, h->name);
			st->errors++;
		}
		return;
	}
	h->url_shown = url_redacted(h->url);
	/* The URL itself may hold a secret: only its redacted form. */
	if (url_check(h->url, 0, why, sizeof(why)) == -1 ||
	    webhook_format_check(h->format, h->url, why, sizeof(why)) ==
	    -1) {
		log_errx("%s:%d: [hook \"%s\"]: url %s is %s", st->path,
		    h->line, h->name, h->url_shown, why);
		st->errors++;
		return;
	}
	if (h->timeout_s < 1) {
		log_errx("%s:%d: [hook \"%s\"]: timeout must be at least 1s",
		    st->path, h->line, h->name);
		st->errors++;
	}
	url_secrets(h);
}


/*
 * public_url: where hubs reach the TCP listener, so a listener there must
 * be, and a base that callback names can be put under: http(s), no query
 * or fragment, ending in '/' (added when missing).
 */
static void
validate_public_url(struct parse_state *st)
{
	struct config *c = st->cfg;
	int line = st->lines[LINE_PUBLIC_URL];
	char why[256], *u;

	if (c->public_url == NULL)
		return;
	if (url_check(c->public_url, 0, why, sizeof(why)) == -1)
		perr_at(st, line, "public_url", "'%s' is %s", c->public_url,
		    why);
	else if (strpbrk(c->public_url, "?#") != NULL)
		perr_at(st, line, "public_url", "'%s' has a query or a "
		    "fragment: the callbacks of WebSub hubs go below it",
		    c->public_url);
	else if (c->listen == NULL)
		perr_at(st, line, "public_url", "WebSub hubs call back the "
		    "TCP listener: set listen too (behind the reverse proxy "
		    "that serves '%s')", c->public_url);
	else if (c->public_url[strlen(c->public_url) - 1] != '/') {
		u = xasprintf("%s/", c->public_url);
		free(c->public_url);
		c->public_url = u;
	}
}

/* What the daemon would refuse at start-up about its sockets. */
static void
validate_listeners(struct parse_state *st)
{
	struct config *c = st->cfg;
	char err[512];

	if (c->listen != NULL && listener_tcp_check(c->listen,
	    c->listen_allow_remote, err, sizeof(err)) == -1)
		perr_at(st, st->lines[LINE_LISTEN], NULL, "%s", err);
	if (c->socket != NULL && listener_unix_check(c->socket, NULL, err,
	    sizeof(err)) == -1)
		perr_at(st, st->lines[LINE_SOCKET], NULL, "%s", err);
	if (c->socket_group != NULL && listener_unix_check(NULL,
	    c->socket_group, err, sizeof(err)) == -1)
		perr_at(st, st->lines[LINE_SOCKET_GROUP], NULL, "%s", err);
}

static int
feed_by_name(const void *a, const void *b)
{
	const struct config_feed *fa = *(const struct config_feed *const *)a;
	const struct config_feed *fb = *(const struct config_feed *const *)b;
	int d = strcmp(fa->name, fb->name);

	return d != 0 ? d : (fa > fb) - (fa < fb);
}

/* bsearch: the name alone. */
static int
feed_name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct config_feed *const *)a)->name,
	    (*(const struct config_feed *const *)b)->name);
}

static int
feed_by_url(const void *a, const void *b)
{
	const struct config_feed *fa = *(const struct config_feed *const *)a;
	const struct config_feed *fb = *(const struct config_feed *const *)b;
	int d = strcmp(fa->url, fb->url);

	return d != 0 ? d : (fa > fb) - (fa < fb);
}

/*
 * The feeds by name, then in file order (the array is in file order), so
 * that names defined twice are neighbours and topics find their feeds by
 * bisection: sorting keeps a list of 100,000 feeds linear-logarithmic where
 * comparing each with every other was quadratic.
 */
static struct config_feed **
feeds_sorted(struct config *c, int (*cmp)(const void *, const void *),
    size_t *ret_n)
{
	struct config_feed **v = xreallocarray(NULL, c->nfeeds + 1,
	    sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < c->nfeeds; i++)
		if (cmp != feed_by_url || c->feeds[i].url != NULL)
			v[n++] = &c->feeds[i];
	qsort(v, n, sizeof(*v), cmp);
	*ret_n = n;
	return v;
}

static void
validate_feeds(struct parse_state *st, struct config_feed **by_name)
{
	struct config *c = st->cfg;
	struct config_feed **v;
	size_t n;

	for (size_t i = 0; i < c->nfeeds; i++)
		if (c->feeds[i].url_line == 0)
			perr_at(st, c->feeds[i].line, NULL, "[feed \"%s\"] has "
			    "no url", c->feeds[i].name);
	for (size_t i = 1, g = 0; i < c->nfeeds; i++) {
		if (strcmp(by_name[g]->name, by_name[i]->name) != 0) {
			g = i;
			continue;
		}
		perr_at(st, by_name[i]->line, NULL, "[feed \"%s\"] is defined "
		    "twice (first on line %d)", by_name[i]->name,
		    by_name[g]->line);
	}
	v = feeds_sorted(c, feed_by_url, &n);
	for (size_t i = 1, g = 0; i < n; i++) {
		if (strcmp(v[g]->url, v[i]->url) != 0) {
			g = i;
			continue;
		}
		perr_at(st, v[i]->url_line, "url", "[feed \"%s\"] has the "
		    "same url as [feed \"%s\"] (line %d)", v[i]->name,
		    v[g]->name, v[g]->url_line);
	}
	free(v);
}

static void
validate_topics(struct parse_state *st, struct config_feed **by_name)
{
	struct config *c = st->cfg;
	struct config_feed key, *kp = &key;
	char err[512];

	for (size_t i = 0; i < c->ntopics; i++) {
		struct config_topic *t = &c->topics[i];

		if (t->notify != NULL && config_hook_find(c, t->notify) == NULL)
			no_hook_error(st, t);
		if (t->query_line == 0)
			perr_at(st, t->line, NULL, "[topic \"%s\"] has no "
			    "query", t->name);
		/* The store would refuse it: compiled as the store will. */
		else if (t->query != NULL && store_fts_check_query(t->query,
		    err, sizeof(err)) != 0)
			perr_at(st, t->query_line, "query", "'%s' is not a "
			    "valid FTS5 query: %s", t->query, err);
		for (size_t k = 0; t->feeds != NULL && t->feeds[k]; k++) {
			key.name = t->feeds[k];
			if (bsearch(&kp, by_name, c->nfeeds, sizeof(*by_name),
			    feed_name_cmp) == NULL)
				perr_at(st, t->feeds_line, "feeds", "[topic "
				    "\"%s\"] names feed '%s', which is not "
				    "defined", t->name, t->feeds[k]);
		}
	}
}

static void
config_validate(struct parse_state *st)
{
	struct config *c = st->cfg;
	struct config_feed **by_name;
	size_t n;

	if (c->min_interval_s < 1)
		perr_at(st, st->lines[LINE_MIN_INTERVAL], "min_interval",
		    "must be at least 1s");
	if (c->min_interval_s > c->max_interval_s)
		perr_at(st, st->lines[LINE_MAX_INTERVAL] > 0 ?
		    st->lines[LINE_MAX_INTERVAL] : st->lines[LINE_MIN_INTERVAL],
		    NULL, "min_interval is longer than max_interval");
	if (c->timeout_s < 1)
		perr_at(st, st->lines[LINE_TIMEOUT], "timeout",
		    "timeouts must be at least 1s");
	if (c->connect_timeout_s < 1)
		perr_at(st, st->lines[LINE_CONNECT_TIMEOUT], "connect_timeout",
		    "timeouts must be at least 1s");
	validate_listeners(st);
	validate_public_url(st);
	by_name = feeds_sorted(c, feed_by_name, &n);
	validate_feeds(st, by_name);
	for (size_t i = 0; i < c->nhooks; i++)
		validate_hook(st, &c->hooks[i]);
	validate_topics(st, by_name);
	free(by_name);
}

struct config *
config_load(const char *path)
{
	return config_load_flags(path, 0);
}

struct config *
config_load_flags(const char *path, int flags)
{
	struct parse_state st;
	struct config *c;
	int rc;

	memset(&st, 0, sizeof(st));
	st.flags = flags;
	if ((st.fp = fopen(path, "r")) == NULL) {
		log_err("cannot open configuration '%s'", path);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	config_defaults(c);
	c->path = xstrdup(path);
	st.cfg = c;
	st.path = path;
	rc = ini_parse_stream(config_ini_reader, &st, ini_cb, &st);
	if (ferror(st.fp)) {
		log_err("cannot read configuration '%s'", path);
		st.errors++;
	}
	fclose(st.fp);
	/*
	 * Positive: a syntax error inih found (our callback never fails);
	 * the reader has reported it, and every other, already.
	 */
	if (rc > 0 && st.syntax_errors == 0) {
		log_errx("%s:%d: syntax error (expected [section] or "
		    "key = value)", path, rc);
		st.errors++;
	}
	/* Whatever the errors so far: every problem in one run. */
	config_validate(&st);
	if (st.errors != 0) {
		log_errx("%s: %d error%s", path, st.errors,
		    st.errors == 1 ? "" : "s");
		config_free(c);
		return NULL;
	}
	if (c->database == NULL)
		c->database = config_default_database();
	if (c->socket == NULL)
		c->socket = config_default_socket();
	return c;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nfeeds; i++) {
		free(c->feeds[i].name);
		free(c->feeds[i].url);
		free(c->feeds[i].title);
		free(c->feeds[i].category);
	}
	free(c->feeds);
	for (size_t i = 0; i < c->nhooks; i++) {
		struct config_hook *h = &c->hooks[i];

		free(h->name);
		strv_free(h->argv);
		/* Secrets: wiped before the memory goes back. */
		if (h->url != NULL)
			explicit_bzero(h->url, strlen(h->url));
		free(h->url);
		free(h->url_shown);
		for (size_t k = 0; h->headers != NULL && h->headers[k]; k++)
			explicit_bzero(h->headers[k], strlen(h->headers[k]));
		strv_free(h->headers);
		for (size_t k = 0; h->secrets != NULL && h->secrets[k]; k++)
			explicit_bzero(h->secrets[k], strlen(h->secrets[k]));
		strv_free(h->secrets);
	}
	free(c->hooks);
	for (size_t i = 0; i < c->ntopics; i++) {
		free(c->topics[i].name);
		free(c->topics[i].query);
		free(c->topics[i].notify);
		strv_free(c->topics[i].feeds);
		free(c->topics[i].category);
	}
	free(c->topics);
	free(c->path);
	free(c->database);
	free(c->socket);
	free(c->socket_group);
	free(c->listen);
	free(c->public_url);
	free(c->worker_name);
	free(c->user_agent);
	free(c->ca_file);
	free(c);
}

const struct config_hook *
config_hook_find(const struct config *cfg, const char *name)
{
	for (size_t i = 0; name != NULL && i < cfg->nhooks; i++)
		if (strcmp(cfg->hooks[i].name, name) == 0)
			return &cfg->hooks[i];
	return NULL;
}

size_t
config_url_hooks(const struct config *cfg)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->nhooks; i++)
		if (cfg->hooks[i].url != NULL)
			n++;
	return n;
}

char *
config_hook_names(const struct config *cfg)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < cfg->nhooks; i++)
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", cfg->hooks[i].name);
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

/*
 * systemd hands us STATE_DIRECTORY / RUNTIME_DIRECTORY; otherwise root uses
 * the FHS places and a user the XDG ones, as feedctl expects.
 */
static char *
default_dir_file(const char *sdvar, const char *rootdir, const char *xdgvar,
    const char *xdgfallback, const char *file)
{
	const char *d, *home;

	if ((d = getenv(sdvar)) != NULL && *d != '\0') {
		/* Several directories are colon-separated: take the first. */
		size_t n = strcspn(d, ":");

		return xasprintf("%.*s/%s", (int)n, d, file);
	}
	if (geteuid() == 0)
		return xasprintf("%s/%s", rootdir, file);
	if ((d = getenv(xdgvar)) != NULL && *d == '/')
		return xasprintf("%s/feedd/%s", d, file);
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		home = "/tmp";
	return xasprintf("%s/%s/feedd/%s", home, xdgfallback, file);
}

char *
config_default_database(void)
{
	return default_dir_file("STATE_DIRECTORY", "/var/lib/feedd",
	    "XDG_STATE_HOME", ".local/state", "feedd.db");
}

char *
config_default_socket(void)
{
	return default_dir_file("RUNTIME_DIRECTORY", "/run/feedd",
	    "XDG_RUNTIME_DIR", ".cache", "feedd.sock");
}

const char *
config_default_path(void)
{
	const char *e = getenv("FEEDD_CONFIG");

	if (e != NULL && *e != '\0')
		return e;
	return FEEDD_SYSCONFDIR "/feedd/feedd.conf";
}

char **
config_split_argv(const char *s)
{
	char **argv = NULL;
	size_t argc = 0;
	struct { char *p; size_t n; } w = { NULL, 0 };
	bool inword = false;
	char quote = 0;

	w.p = xmalloc(strlen(s) + 1);
	for (;; s++) {
		char ch = *s;

		/* As in sh, an unquoted word that starts with # is a comment. */
		if (quote == 0 && !inword && ch == '#')
			ch = '\0';
		if (quote == 0 && (ch == '\0' || isspace((unsigned char)ch))) {
			if (inword) {
				w.p[w.n] = '\0';
				argv = xreallocarray(argv, argc + 2,
				    sizeof(*argv));
				argv[argc++] = xstrdup(w.p);
				argv[argc] = NULL;
				w.n = 0;
				inword = false;
			}
			if (ch == '\0')
				break;
			continue;
		}
		if (ch == '\0')
			goto fail;	/* unterminated quote */
		inword = true;
		if (quote == 0 && (ch == '\'' || ch == '"'))
			quote = ch;
		else if (quote != 0 && ch == quote)
			quote = 0;
		else if (ch == '\\' && quote != '\'' && s[1] != '\0')
			w.p[w.n++] = *++s;
		else
			w.p[w.n++] = ch;
	}
	free(w.p);
	return argv;
fail:
	free(w.p);
	strv_free(argv);
	return NULL;
}

