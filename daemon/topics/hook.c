/*
 * hook: the variables and the JSON a hook's command gets, one run per
 * match or per batch.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "hook.h"
#include "log.h"
#include "model_json.h"
#include "notify.h"
#include "store.h"
#include "strv.h"
#include "xmalloc.h"

static void
env_add(char ***env, size_t *n, const char *name, const char *value)
{
	*env = xreallocarray(*env, *n + 2, sizeof(**env));
	(*env)[(*n)++] = xasprintf("%s=%s", name, value != NULL ? value : "");
	(*env)[*n] = NULL;
}

/* One run of h for entries e[0..n). */
static void
run_one(struct notify *nt, const struct config_hook *h, const char *topic,
    const struct store_entry *e, size_t n)
{
	const struct store_entry *last = &e[n - 1];
	char **env = NULL, num[32], *label, *input;
	struct buf ids;
	size_t nenv = 0, i;
	json_t *doc;

	buf_init(&ids);
	for (i = 0; i < n; i++)
		buf_printf(&ids, "%s%lld", i > 0 ? " " : "",
		    (long long)e[i].id);
	buf_putc(&ids, '\0');
	env_add(&env, &nenv, "FEEDD_TOPIC", topic);
	env_add(&env, &nenv, "FEEDD_TITLE", last->title);
	env_add(&env, &nenv, "FEEDD_LINK", last->link);
	env_add(&env, &nenv, "FEEDD_FEED", last->feed_title);
	snprintf(num, sizeof(num), "%lld", (long long)last->feed_id);
	env_add(&env, &nenv, "FEEDD_FEED_ID", num);
	snprintf(num, sizeof(num), "%lld", (long long)last->id);
	env_add(&env, &nenv, "FEEDD_ID", num);
	env_add(&env, &nenv, "FEEDD_IDS", ids.data);
	snprintf(num, sizeof(num), "%zu", n);
	env_add(&env, &nenv, "FEEDD_COUNT", num);
	if (h->mode == CONFIG_HOOK_BATCH) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, model_json_entry(&e[i], false));
		doc = json_pack("{s:s,s:o}", "topic", topic, "entries", a);
	} else {
		doc = model_json_entry(last, false);
		json_object_set_new(doc, "topic", json_string(topic));
	}
	input = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	label = xasprintf("hook '%s', topic '%s', entry %s", h->name, topic,
	    ids.data);
	if (input != NULL)
		notify_run(nt, h->argv, env, input, strlen(input),
		    h->timeout_s, label, topic);
	else
		log_warnx("notify: %s: cannot encode the entry", label);
	free(input);
	free(label);
	buf_free(&ids);
	strv_free(env);
}

void
hook_run(struct notify *nt, const struct config_hook *h, const char *topic,
    const struct store_entry *e, size_t n)
{
	if (n == 0)
		return;
	if (h->mode == CONFIG_HOOK_BATCH)
		run_one(nt, h, topic, e, n);
	else
		for (size_t i = 0; i < n; i++)
			run_one(nt, h, topic, &e[i], 1);
}

/* The failed runs of one topic's hook. */
struct hook_failure {
	char		*topic;
	uint64_t	 count;
	char		*last;
	int64_t		 at;
};

struct hooks {
	struct store	*store;
	struct notify	*notify;
	struct hook_failure *failures;	/* one per topic that had one */
	size_t		 nfailures;
};

static void
on_run_failed(void *arg, const char *topic, const char *why)
{
	struct hooks *hs = arg;
	struct hook_failure *f = NULL;

	if (topic == NULL)
		return;
	for (size_t i = 0; i < hs->nfailures && f == NULL; i++)
		if (strcmp(hs->failures[i].topic, topic) == 0)
			f = &hs->failures[i];
	if (f == NULL) {
		hs->failures = xreallocarray(hs->failures, hs->nfailures + 1,
		    sizeof(*hs->failures));
		f = &hs->failures[hs->nfailures++];
		memset(f, 0, sizeof(*f));
		f->topic = xstrdup(topic);
	}
	f->count++;
	free(f->last);
	f->last = xstrdup(why);
	f->at = (int64_t)time(NULL);
}

struct hooks *
hooks_new(struct event_base *base, struct store *store, int max_parallel)
{
	struct hooks *hs = xcalloc(1, sizeof(*hs));

	hs->store = store;
	if ((hs->notify = notify_new(base, max_parallel)) == NULL) {
		log_errx("hooks: cannot set up the command runner");
		free(hs);
		return NULL;
	}
	notify_on_failure(hs->notify, on_run_failed, hs);
	return hs;
}

bool
hooks_failures(const struct hooks *hs, const char *topic,
    struct hooks_failures *ret)
{
	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; hs != NULL && i < hs->nfailures; i++)
		if (strcmp(hs->failures[i].topic, topic) == 0) {
			ret->count = hs->failures[i].count;
			ret->last = hs->failures[i].last;
			ret->at = hs->failures[i].at;
			return true;
		}
	return false;
}

void
hooks_set_limits(struct hooks *hs, int max_parallel)
{
	notify_set_limits(hs->notify, max_parallel);
}

void
hooks_deliver(struct hooks *hs, const struct config *cfg, const char *hook,
    const char *topic, const int64_t *ids, size_t n)
{
	const struct config_hook *h;
	struct store_entry *e;
	size_t got = 0;

	if (hook == NULL || (h = config_hook_find(cfg, hook)) == NULL)
		return;
	e = xcalloc(n, sizeof(*e));
	for (size_t i = 0; i < n; i++)
		if (store_entry_get(hs->store, ids[i], &e[got]) == 1)
			got++;
	hook_run(hs->notify, h, topic, e, got);
	store_entry_list_free(e, got);
}

void
hooks_drain(struct hooks *hs, const struct config *cfg)
{
	int64_t most = 0;

	for (size_t i = 0; i < cfg->nhooks; i++)
		if (cfg->hooks[i].timeout_s > most)
			most = cfg->hooks[i].timeout_s;
	notify_drain(hs->notify, most + 1);
}

void
hooks_set_metrics(struct hooks *hs, struct metrics *m)
{
	notify_set_metrics(hs->notify, m);
}

void
hooks_free(struct hooks *hs)
{
	if (hs == NULL)
		return;
	notify_free(hs->notify);
	for (size_t i = 0; i < hs->nfailures; i++) {
		free(hs->failures[i].topic);
		free(hs->failures[i].last);
	}
	free(hs->failures);
	free(hs);
}
