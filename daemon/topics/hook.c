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
#include "metrics.h"
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
	char **env = NULL, num[32], *label, *input, *tag;
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
	/* The tag names hook and topic for the outcome's counts. */
	tag = xasprintf("%s %s", h->name, topic);
	if (input != NULL)
		notify_run(nt, h->argv, env, input, strlen(input),
		    h->timeout_s, label, tag);
	else
		log_warnx("notify: %s: cannot encode the entry", label);
	free(input);
	free(label);
	free(tag);
	buf_free(&ids);
	strv_free(env);
}

void
hook_run(struct notify *nt, const struct config_hook *h, const char *topic,
    const struct store_entry *e, size_t n)
{
	if (n == 0 || h->argv == NULL)
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

/* One hook's counts (hooks_stats). */
struct hook_count {
	char		*hook;
	struct hooks_stats st;
	char		*last_error;
};

struct hooks {
	struct store	*store;
	const struct config *cfg;
	struct notify	*notify;
	struct webhooks	*webhooks;
	struct hook_failure *failures;	/* one per topic that had one */
	size_t		 nfailures;
	struct hook_count *counts;	/* one per hook that did something */
	size_t		 ncounts;
	struct metric	*m_alerts;	/* metrics.h, or NULL */
	struct metric	*m_pending;
};

static struct hook_count *
count_of(struct hooks *hs, const char *hook)
{
	struct hook_count *c;

	for (size_t i = 0; i < hs->ncounts; i++)
		if (strcmp(hs->counts[i].hook, hook) == 0)
			return &hs->counts[i];
	hs->counts = xreallocarray(hs->counts, hs->ncounts + 1,
	    sizeof(*hs->counts));
	c = &hs->counts[hs->ncounts++];
	memset(c, 0, sizeof(*c));
	c->hook = xstrdup(hook);
	return c;
}

static void
topic_failed(struct hooks *hs, const char *topic, const char *why)
{
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

static void
hook_failed(struct hook_count *c, const char *why)
{
	c->st.last_failure = (int64_t)time(NULL);
	free(c->last_error);
	c->last_error = xstrdup(why);
}

/*
 * A command's run ended. Its tag is "HOOK TOPIC": a hook's name has no
 * space (config.h), so the first one splits them.
 */
static void
on_run_outcome(void *arg, const char *tag, const char *why)
{
	struct hooks *hs = arg;
	struct hook_count *c;
	const char *sp;
	char *hook;

	if (tag == NULL || (sp = strchr(tag, ' ')) == NULL)
		return;
	hook = xstrndup(tag, (size_t)(sp - tag));
	c = count_of(hs, hook);
	free(hook);
	if (why == NULL) {
		c->st.sent++;
		c->st.last_sent = (int64_t)time(NULL);
		return;
	}
	c->st.failed++;
	hook_failed(c, why);
	topic_failed(hs, sp + 1, why);
}

/* An alert's outcome (webhook.h). */
static void
on_alert_event(void *arg, const char *hook, const char *topic,
    enum webhook_event ev, size_t n, const char *why)
{
	struct hooks *hs = arg;
	struct hook_count *c = count_of(hs, hook);

	switch (ev) {
	case WEBHOOK_QUEUED:
		c->st.pending += n;
		break;
	case WEBHOOK_SENT:
		c->st.pending -= n <= c->st.pending ? n : c->st.pending;
		c->st.sent += n;
		c->st.last_sent = (int64_t)time(NULL);
		metric_add(hs->m_alerts, (double)n, hook, "sent");
		break;
	case WEBHOOK_RETRY:
		c->st.retries += n;
		metric_add(hs->m_alerts, (double)n, hook, "retried");
		break;
	case WEBHOOK_GAVE_UP:
		c->st.pending -= n <= c->st.pending ? n : c->st.pending;
		c->st.failed += n;
		metric_add(hs->m_alerts, (double)n, hook, "gave_up");
		break;
	case WEBHOOK_DROPPED:
		c->st.failed += n;
		metric_add(hs->m_alerts, (double)n, hook, "dropped");
		break;
	}
	metric_set(hs->m_pending, (double)c->st.pending, hook);
	if (ev == WEBHOOK_QUEUED || ev == WEBHOOK_SENT)
		return;
	hook_failed(c, why);
	topic_failed(hs, topic, why);
}

struct hooks *
hooks_new(struct event_base *base, struct store *store, struct fetch *fetch)
{
	struct hooks *hs = xcalloc(1, sizeof(*hs));
	struct webhooks_callbacks cb = { on_alert_event, hs };

	hs->store = store;
	if ((hs->notify = notify_new(base, NOTIFY_DEFAULT_MAX_PARALLEL)) ==
	    NULL) {
		log_errx("hooks: cannot set up the command runner");
		free(hs);
		return NULL;
	}
	notify_on_outcome(hs->notify, on_run_outcome, hs);
	if (fetch != NULL)
		hs->webhooks = webhooks_new(base, store, fetch, &cb);
	return hs;
}

void
hooks_set_config(struct hooks *hs, const struct config *cfg)
{
	hs->cfg = cfg;
	notify_set_limits(hs->notify, cfg->notify_max_parallel);
	if (hs->webhooks != NULL)
		webhooks_set_config(hs->webhooks, cfg);
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
hooks_stats(const struct hooks *hs, const char *hook,
    struct hooks_stats *ret)
{
	struct webhooks_state ws;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; hs != NULL && i < hs->ncounts; i++)
		if (strcmp(hs->counts[i].hook, hook) == 0) {
			*ret = hs->counts[i].st;
			ret->last_error = hs->counts[i].last_error;
		}
	if (hs != NULL && webhooks_state(hs->webhooks, hook, &ws)) {
		ret->sending = ws.sending;
		ret->next_try = ws.next_try;
	}
}

/* The entries ids[0..n) as the store has them; *ret_n of them. */
static struct store_entry *
entries_get(struct hooks *hs, const int64_t *ids, size_t n, size_t *ret_n)
{
	struct store_entry *e = xcalloc(n > 0 ? n : 1, sizeof(*e));
	size_t got = 0;

	for (size_t i = 0; i < n; i++)
		if (store_entry_get(hs->store, ids[i], &e[got]) == 1)
			got++;
	*ret_n = got;
	return e;
}

/* The hook named so in the configuration in force, or NULL. */
static const struct config_hook *
hook_find(const struct hooks *hs, const char *hook)
{
	return hook != NULL && hs->cfg != NULL ?
	    config_hook_find(hs->cfg, hook) : NULL;
}

void
hooks_record(struct hooks *hs, const char *hook, const char *topic,
    const int64_t *ids, size_t n)
{
	const struct config_hook *h = hook_find(hs, hook);
	struct store_entry *e;
	size_t got;
	json_t *a;

	if (hs->webhooks == NULL || h == NULL || h->url == NULL)
		return;
	e = entries_get(hs, ids, n, &got);
	a = json_array();
	for (size_t i = 0; i < got; i++)
		json_array_append_new(a, model_json_entry(&e[i], false));
	if (got > 0)
		webhooks_record(hs->webhooks, h, topic, a);
	json_decref(a);
	store_entry_list_free(e, got);
}

void
hooks_committed(struct hooks *hs, bool ok)
{
	if (hs != NULL && hs->webhooks != NULL)
		webhooks_committed(hs->webhooks, ok);
}

void
hooks_deliver(struct hooks *hs, const char *hook, const char *topic,
    const int64_t *ids, size_t n)
{
	const struct config_hook *h = hook_find(hs, hook);
	struct store_entry *e;
	size_t got;

	if (h == NULL || h->argv == NULL)
		return;
	e = entries_get(hs, ids, n, &got);
	hook_run(hs->notify, h, topic, e, got);
	store_entry_list_free(e, got);
}

void
hooks_wake(struct hooks *hs)
{
	if (hs != NULL)
		webhooks_wake(hs->webhooks);
}

void
hooks_drain(struct hooks *hs)
{
	int64_t most = 0;

	for (size_t i = 0; hs->cfg != NULL && i < hs->cfg->nhooks; i++)
		if (hs->cfg->hooks[i].timeout_s > most)
			most = hs->cfg->hooks[i].timeout_s;
	notify_drain(hs->notify, most + 1);
	webhooks_drain(hs->webhooks, 2 * most + 1);
}

struct webhook_test *
hooks_test(struct hooks *hs, const struct config_hook *h,
    webhook_test_fn *fn, void *arg)
{
	if (hs->webhooks == NULL || h->url == NULL)
		return NULL;
	return webhooks_test(hs->webhooks, h, fn, arg);
}

void
hooks_set_metrics(struct hooks *hs, struct metrics *m)
{
	notify_set_metrics(hs->notify, m);
	hs->m_alerts = metrics_counter(m, "feedd_hook_alerts_total", "Alerts "
	    "of URL hooks by outcome: sent (answered 2xx), retried (an "
	    "attempt failed and will be tried again), gave_up (a permanent "
	    "error, or retried past the limit), dropped (the hook's queue was "
	    "full).", "hook,result");
	hs->m_pending = metrics_gauge(m, "feedd_hook_alerts_pending", "Alerts "
	    "of URL hooks waiting in the store to be sent.", "hook");
}

void
hooks_free(struct hooks *hs)
{
	if (hs == NULL)
		return;
	webhooks_free(hs->webhooks);
	notify_free(hs->notify);
	for (size_t i = 0; i < hs->nfailures; i++) {
		free(hs->failures[i].topic);
		free(hs->failures[i].last);
	}
	free(hs->failures);
	for (size_t i = 0; i < hs->ncounts; i++) {
		free(hs->counts[i].hook);
		free(hs->counts[i].last_error);
	}
	free(hs->counts);
	free(hs);
}
