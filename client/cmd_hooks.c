/*
 * cmd_hooks: feedctl hooks, hook show NAME, hook test NAME (GET
 * /v1/hooks, GET /v1/hooks/{name}, POST /v1/hooks/{name}/test).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiclient.h"
#include "buf.h"
#include "feedctl.h"
#include "table.h"
#include "xmalloc.h"

/* A member as text ("" when absent) or as a number. */
#define jstr(o, key)	feedctl_str((o), (key), "")
#define jint(o, key)	feedctl_num((o), (key))

/* "ntfy" or "command". */
static const char *
kind_of(json_t *h)
{
	return strcmp(jstr(h, "kind"), "url") == 0 ? jstr(h, "format") :
	    "command";
}

/* Where it goes: the URL as the daemon shows it, or the program. */
static const char *
target_of(json_t *h)
{
	return strcmp(jstr(h, "kind"), "url") == 0 ? jstr(h, "url") :
	    jstr(h, "program");
}

/* "coalition, drones" or "-". */
static void
topics_cell(struct table *t, json_t *h)
{
	json_t *a = json_object_get(h, "topics"), *v;
	struct buf b;
	size_t i;

	if (json_array_size(a) == 0) {
		table_cell(t, TABLE_DIM, "-");
		return;
	}
	buf_init(&b);
	json_array_foreach(a, i, v)
		buf_printf(&b, "%s%s", i > 0 ? ", " : "",
		    json_string_value(v) != NULL ? json_string_value(v) : "?");
	table_cell(t, TABLE_PLAIN, "%s", b.data);
	buf_free(&b);
}

/*
 * How the hook is doing: failing (the last failure after the last
 * success) with why and when it tries again, or when it last sent.
 */
static void
state_cell(struct table *t, json_t *h, int64_t now)
{
	json_t *lf = json_object_get(h, "last_failure");
	int64_t sent = table_parse_time(json_string_value(json_object_get(h,
	    "last_sent")));
	int64_t failed = json_is_object(lf) ?
	    table_parse_time(jstr(lf, "time")) : 0;
	int64_t next = table_parse_time(json_string_value(json_object_get(h,
	    "next_attempt")));
	char when[48], again[48];

	if (json_is_true(json_object_get(h, "sending"))) {
		table_cell(t, TABLE_CYAN, "sending");
		return;
	}
	if (failed != 0 && failed >= sent) {
		table_reltime(failed, now, when, sizeof(when));
		if (next != 0) {
			table_reltime(next, now, again, sizeof(again));
			table_cell(t, TABLE_RED, "failing (%s: %s); next try "
			    "%s", when, jstr(lf, "error"), again);
		} else
			table_cell(t, TABLE_RED, "failed %s: %s", when,
			    jstr(lf, "error"));
		return;
	}
	if (sent != 0) {
		table_reltime(sent, now, when, sizeof(when));
		table_cell(t, TABLE_GREEN, "ok, last sent %s", when);
		return;
	}
	table_cell(t, TABLE_DIM, "nothing sent yet");
}

static void
count_cell(struct table *t, json_t *h, const char *key, enum table_style on)
{
	json_t *v = json_object_get(h, key);

	if (!json_is_integer(v))
		table_cell(t, TABLE_DIM, "-");
	else
		table_cell(t, json_integer_value(v) > 0 ? on : TABLE_DIM,
		    "%lld", (long long)json_integer_value(v));
}

static void
print_hooks(struct feedctl *ctl, json_t *doc)
{
	struct table *t = table_new();
	json_t *hooks = json_object_get(doc, "hooks"), *h;
	int64_t now = (int64_t)time(NULL);
	size_t i;

	table_column(t, "HOOK", false, false);
	table_column(t, "KIND", false, false);
	table_column(t, "TARGET", false, true);
	table_column(t, "MODE", false, false);
	table_column(t, "TOPICS", false, true);
	table_column(t, "SENT", true, false);
	table_column(t, "FAILED", true, false);
	table_column(t, "PENDING", true, false);
	table_column(t, "STATE", false, true);
	json_array_foreach(hooks, i, h) {
		table_row(t);
		table_cell(t, TABLE_BOLD, "%s", jstr(h, "name"));
		table_cell(t, TABLE_PLAIN, "%s", kind_of(h));
		table_cell(t, TABLE_PLAIN, "%s", target_of(h));
		table_cell(t, TABLE_PLAIN, "%s", jstr(h, "mode"));
		topics_cell(t, h);
		count_cell(t, h, "sent", TABLE_PLAIN);
		count_cell(t, h, "failed", TABLE_RED);
		count_cell(t, h, "pending", TABLE_YELLOW);
		state_cell(t, h, now);
	}
	if (json_array_size(hooks) == 0)
		printf("no hooks (declare one in a [hook \"NAME\"] section of "
		    "feedd.conf)\n");
	else
		table_print(t, stdout, ctl->columns, ctl->color);
	table_free(t);
}

static void
row(struct table *t, const char *name, enum table_style style,
    const char *value)
{
	table_row(t);
	table_cell(t, TABLE_DIM, "%s", name);
	table_cell(t, style, "%s", value);
}

static void
print_hook(struct feedctl *ctl, json_t *h)
{
	struct table *t = table_new();
	int64_t now = (int64_t)time(NULL);
	json_t *hdrs = json_object_get(h, "headers"), *v;
	struct buf b;
	char num[128];
	size_t i;

	table_column(t, "", false, false);
	table_column(t, "", false, true);
	row(t, "hook", TABLE_BOLD, jstr(h, "name"));
	row(t, "kind", TABLE_PLAIN, kind_of(h));
	row(t, strcmp(jstr(h, "kind"), "url") == 0 ? "url" : "program",
	    TABLE_PLAIN, target_of(h));
	if (json_array_size(hdrs) > 0) {
		buf_init(&b);
		json_array_foreach(hdrs, i, v)
			buf_printf(&b, "%s%s", i > 0 ? ", " : "",
			    json_string_value(v));
		buf_puts(&b, " (values not shown)");
		row(t, "headers", TABLE_PLAIN, b.data);
		buf_free(&b);
	}
	row(t, "mode", TABLE_PLAIN, jstr(h, "mode"));
	snprintf(num, sizeof(num), "%lld s", jint(h, "timeout"));
	row(t, "timeout", TABLE_PLAIN, num);
	table_row(t);
	table_cell(t, TABLE_DIM, "topics");
	topics_cell(t, h);
	if (json_is_integer(json_object_get(h, "pending")))
		snprintf(num, sizeof(num), "%lld sent, %lld failed, %lld "
		    "retries, %lld pending", jint(h, "sent"), jint(h, "failed"),
		    jint(h, "retries"), jint(h, "pending"));
	else
		snprintf(num, sizeof(num), "%lld runs ok, %lld failed",
		    jint(h, "sent"), jint(h, "failed"));
	row(t, "since start", TABLE_PLAIN, num);
	table_row(t);
	table_cell(t, TABLE_DIM, "state");
	state_cell(t, h, now);
	table_print(t, stdout, ctl->columns, ctl->color);
	table_free(t);
}

int
cmd_hooks(struct feedctl *ctl, int argc, char **argv)
{
	if (argc != 1)
		return feedctl_usage("hooks");
	return feedctl_call_show(ctl, "GET", "/v1/hooks", NULL, NULL,
	    print_hooks);
}

static int
hook_test(struct feedctl *ctl, const char *name)
{
	struct apiclient_resp r;
	char *esc = feedctl_escape(name), *path;
	const char *answer, *error, *ctype;
	json_t *doc;
	int code;
	bool ok;

	path = xasprintf("/v1/hooks/%s/test", esc);
	free(esc);
	code = feedctl_call(ctl, "POST", path, NULL, &r);
	free(path);
	if (code != FEEDCTL_OK)
		return code;
	doc = r.doc;
	ok = json_is_true(json_object_get(doc, "ok"));
	if (ctl->json)
		feedctl_print_raw(&r);
	else {
		answer = json_string_value(json_object_get(doc, "answer"));
		error = json_string_value(json_object_get(doc, "error"));
		ctype = json_string_value(json_object_get(doc,
		    "content_type"));
		printf("hook '%s' (%s, %s): ", jstr(doc, "hook"),
		    jstr(doc, "format"), jstr(doc, "url"));
		if (ok)
			printf("delivered, HTTP %lld in %.2f s\n",
			    jint(doc, "status"), json_number_value(
			    json_object_get(doc, "time")));
		else
			printf("failed: %s\n", error != NULL ? error :
			    "no answer");
		if (answer != NULL && *answer != '\0')
			printf("answer%s%s%s:\n%s\n", ctype != NULL ? " (" :
			    "", ctype != NULL ? ctype : "", ctype != NULL ?
			    ")" : "", answer);
	}
	apiclient_resp_clear(&r);
	return ok ? FEEDCTL_OK : FEEDCTL_FAIL;
}

int
cmd_hook(struct feedctl *ctl, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "test") == 0)
		return hook_test(ctl, argv[2]);
	if (argc == 3 && strcmp(argv[1], "show") == 0)
		return feedctl_call_show(ctl, "GET", "/v1/hooks/%s", argv[2],
		    NULL, print_hook);
	return feedctl_usage("hook");
}
