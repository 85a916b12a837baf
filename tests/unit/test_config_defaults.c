/*
 * test_config_defaults: the [feedd] defaults that config/feedd.conf and
 * feedd.conf(5) document are the ones config_load() fills in.
 *
 * config/feedd.conf names every [feedd] key on a line of its own, set
 * ("key = value") or commented out ("#key = value"; prose comments have a
 * space after the '#'). Each value there, and each "Default:" value of the
 * manual, is loaded alone and must leave the configuration exactly as an
 * empty [feedd] section does. The keys config.c accepts in [feedd] (read
 * from its handle_feedd()) must all be in both documents, so a new key
 * cannot go undocumented. Keys whose default is no single value (paths
 * that depend on the environment, "none") are only checked to be commented
 * out in the example, where their value is an illustration.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"
#include "xmalloc.h"

/* Run from tests/unit/ (meson's workdir for unit tests). */
#define EXAMPLE		"../../config/feedd.conf"
#define MANUAL		"../../man/feedd.conf.5"
#define CONFIG_SOURCE	"../../daemon/config.c"

#define MAX_KEYS	64

static const char *const no_single_default[] = {
	"database", "socket", "socket_group", "listen", "user_agent",
	"ca_file", "public_url", "worker_name", NULL,
};

struct doc_key {
	char	*key;
	char	*value;		/* NULL: none given */
	bool	 commented;
};

struct doc {
	const char	*name;
	struct doc_key	 keys[MAX_KEYS];
	size_t		 n;
};

static char	 tmpdir[] = "/tmp/feedd-config-defaults-XXXXXX";
static struct config *defaults;

static bool
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void
doc_add(struct doc *d, const char *key, const char *value, bool commented)
{
	if (d->n == MAX_KEYS) {
		ok(false, "%s: more than %d keys", d->name, MAX_KEYS);
		return;
	}
	d->keys[d->n].key = xstrdup(key);
	d->keys[d->n].value = xstrdup_or_null(value);
	d->keys[d->n].commented = commented;
	d->n++;
}

static const struct doc_key *
doc_find(const struct doc *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->keys[i].key, key) == 0)
			return &d->keys[i];
	return NULL;
}

static void
doc_free(struct doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->keys[i].key);
		free(d->keys[i].value);
	}
}

/* A configuration from text; NULL if config_load() refuses it. */
static struct config *
load_text(const char *text)
{
	char *path = xasprintf("%s/feedd.conf", tmpdir);
	struct config *c = NULL;
	FILE *f;

	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		if (fclose(f) == 0)
			c = config_load(path);
	}
	unlink(path);
	free(path);
	return c;
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The first [feedd] setting in which a and b differ, or NULL. */
static const char *
feedd_diff(const struct config *a, const struct config *b)
{
#define STR(f)	if (!same_str(a->f, b->f)) return #f
#define NUM(f)	if (a->f != b->f) return #f
	STR(database);
	STR(socket);
	STR(socket_group);
	STR(listen);
	NUM(listen_allow_remote);
	STR(public_url);
	NUM(log_level);
	STR(user_agent);
	STR(ca_file);
	NUM(max_connections);
	NUM(max_per_host);
	NUM(default_interval_s);
	NUM(min_interval_s);
	NUM(max_interval_s);
	NUM(host_gap_s);
	NUM(timeout_s);
	NUM(connect_timeout_s);
	NUM(max_body_size);
	NUM(max_entries_per_feed);
	NUM(max_age_s);
	NUM(notify_max_parallel);
	NUM(notify_timeout_s);
#undef STR
#undef NUM
	return NULL;
}

/* Whether "key = value" alone in [feedd] gives the defaults. */
static void
is_default(const char *where, const char *key, const char *value)
{
	char *text = xasprintf("[feedd]\n%s = %s\n", key, value);
	struct config *c = load_text(text);
	const char *diff = c != NULL ? feedd_diff(c, defaults) : NULL;

	ok(c != NULL && diff == NULL, "%s: %s = %s is the default%s%s",
	    where, key, value, diff != NULL ? "; differs in " : "",
	    diff != NULL ? diff : "");
	config_free(c);
	free(text);
}

/*
 * The [feedd] lines of the example: "key = value" and "#key = value",
 * until the next section header.
 */
static int
read_example(struct doc *d)
{
	char line[1024], *p, *eq, *key;
	bool in_feedd = false, commented;
	FILE *f;

	if ((f = fopen(EXAMPLE, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		p = trim(line);
		if (*p == '[') {
			in_feedd = strcmp(p, "[feedd]") == 0;
			continue;
		}
		if (!in_feedd || (eq = strchr(p, '=')) == NULL)
			continue;
		if ((commented = *p == '#'))
			p++;
		*eq = '\0';
		key = trim(p);
		if (*key == '\0' || strspn(key, "abcdefghijklmnopqrstuvwxyz_") !=
		    strlen(key))
			continue;	/* prose, or a commented-out section */
		doc_add(d, key, trim(eq + 1), commented);
	}
	fclose(f);
	return 0;
}

/*
 * The [feedd] SECTION of the manual: each .TP tag names keys (".B key" or
 * '.BR k1 ", " k2'), and its paragraph's "Default: v." or "Defaults: v1,
 * v2." line gives their values in order. A "Default:" with nothing after
 * it, or fewer values than keys, gives none.
 */
static int
read_manual(struct doc *d)
{
	char line[1024], *p, *tok, *save, *vals[8];
	size_t first = 0, nkeys = 0, nvals;
	bool in_feedd = false, tag = false;
	FILE *f;

	if ((f = fopen(MANUAL, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		p = trim(line);
		if (strncmp(p, ".SH", 3) == 0) {
			in_feedd = strstr(p, "[feedd]") != NULL;
			continue;
		}
		if (!in_feedd)
			continue;
		if (strcmp(p, ".TP") == 0) {
			tag = true;
			continue;
		}
		if (tag) {
			tag = false;
			first = d->n;
			p += strcspn(p, " ");	/* the macro */
			for (tok = strtok_r(p, " \t", &save); tok != NULL;
			    tok = strtok_r(NULL, " \t", &save))
				if (strchr(tok, '"') == NULL)
					doc_add(d, tok, NULL, false);
			nkeys = d->n - first;
			continue;
		}
		if (strncmp(p, "Default:", 8) != 0 &&
		    strncmp(p, "Defaults:", 9) != 0)
			continue;
		p = trim(strchr(p, ':') + 1);
		if (*p != '\0' && p[strlen(p) - 1] == '.')
			p[strlen(p) - 1] = '\0';
		nvals = 0;
		for (tok = strtok_r(p, ",", &save); tok != NULL && nvals < 8;
		    tok = strtok_r(NULL, ",", &save))
			vals[nvals++] = trim(tok);
		if (nvals != nkeys)
			continue;
		for (size_t i = 0; i < nkeys; i++)
			d->keys[first + i].value = xstrdup(vals[i]);
	}
	fclose(f);
	return 0;
}

/* The keys handle_feedd() compares against: strcmp(key, "NAME"). */
static int
read_source(struct doc *d)
{
	char line[1024], *p, *q;
	bool in_fn = false;
	FILE *f;

	if ((f = fopen(CONFIG_SOURCE, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "handle_feedd(", 13) == 0)
			in_fn = true;
		else if (in_fn && strcmp(line, "}\n") == 0)
			break;
		if (!in_fn || (p = strstr(line, "strcmp(key, \"")) == NULL)
			continue;
		p += 13;
		if ((q = strchr(p, '"')) != NULL) {
			*q = '\0';
			doc_add(d, p, NULL, false);
		}
	}
	fclose(f);
	return 0;
}

static void
test_example(const struct doc *ex)
{
	struct config *c;
	const char *diff;

	for (size_t i = 0; i < ex->n; i++) {
		const struct doc_key *k = &ex->keys[i];

		if (in_list(no_single_default, k->key))
			ok(k->commented, "feedd.conf: %s (no single default) "
			    "is an example, commented out", k->key);
		else
			is_default("feedd.conf", k->key, k->value);
	}
	/* And the whole file: nothing it sets in [feedd] is not a default. */
	c = config_load(EXAMPLE);
	diff = c != NULL ? feedd_diff(c, defaults) : NULL;
	ok(c != NULL && diff == NULL, "feedd.conf as a whole: [feedd] is "
	    "the defaults%s%s", diff != NULL ? "; differs in " : "",
	    diff != NULL ? diff : "");
	config_free(c);
}

static void
test_manual(const struct doc *man)
{
	for (size_t i = 0; i < man->n; i++) {
		const struct doc_key *k = &man->keys[i];

		if (in_list(no_single_default, k->key))
			continue;
		if (!ok(k->value != NULL, "feedd.conf(5): %s has a Default:",
		    k->key))
			continue;
		is_default("feedd.conf(5)", k->key, k->value);
	}
}

/* Every key config.c takes in [feedd] is in both documents, and no more. */
static void
test_coverage(const struct doc *src, const struct doc *ex,
    const struct doc *man)
{
	const struct doc *docs[] = { ex, man };

	ok(src->n >= 20, "config.c: %zu [feedd] keys found", src->n);
	for (size_t i = 0; i < src->n; i++)
		for (size_t j = 0; j < 2; j++)
			ok(doc_find(docs[j], src->keys[i].key) != NULL,
			    "%s documents %s", docs[j]->name, src->keys[i].key);
	for (size_t j = 0; j < 2; j++)
		for (size_t i = 0; i < docs[j]->n; i++)
			ok(doc_find(src, docs[j]->keys[i].key) != NULL,
			    "%s: %s is a key config.c takes", docs[j]->name,
			    docs[j]->keys[i].key);
}

int
main(void)
{
	struct doc ex = { .name = "feedd.conf" };
	struct doc man = { .name = "feedd.conf(5)" };
	struct doc src = { .name = "config.c" };

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	defaults = load_text("[feedd]\n");
	if (!ok(defaults != NULL, "an empty [feedd] loads") ||
	    !ok(read_example(&ex) == 0, "read %s", EXAMPLE) ||
	    !ok(read_manual(&man) == 0, "read %s", MANUAL) ||
	    !ok(read_source(&src) == 0, "read %s", CONFIG_SOURCE)) {
		rmdir(tmpdir);
		return tap_done();
	}
	test_coverage(&src, &ex, &man);
	test_example(&ex);
	test_manual(&man);
	config_free(defaults);
	doc_free(&ex);
	doc_free(&man);
	doc_free(&src);
	rmdir(tmpdir);
	return tap_done();
}
