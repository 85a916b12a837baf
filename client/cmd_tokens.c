/*
 * cmd_tokens: feedctl token create/list/rm (POST, GET and DELETE
 * /v1/tokens), the tokens that open the daemon's TCP listener. The daemon
 * manages them over its Unix socket only.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "apiclient.h"
#include "feedctl.h"
#include "table.h"

static void
print_tokens(struct feedctl *ctl, json_t *doc)
{
	json_t *tokens = json_object_get(doc, "tokens"), *tk;
	int64_t now = (int64_t)time(NULL);
	struct table *t;
	char when[48];
	size_t i;

	if (json_array_size(tokens) == 0) {
		printf("no tokens (feedctl token create NAME makes one)\n");
		return;
	}
	t = table_new();
	table_column(t, "NAME", false, true);
	table_column(t, "ACCESS", false, false);
	table_column(t, "CREATED", false, false);
	table_column(t, "LAST USED", false, false);
	json_array_foreach(tokens, i, tk) {
		bool ro = json_is_true(json_object_get(tk, "read_only"));

		table_row(t);
		table_cell(t, TABLE_BOLD, "%s", feedctl_str(tk, "name", "?"));
		table_cell(t, ro ? TABLE_PLAIN : TABLE_YELLOW, "%s",
		    ro ? "read-only" : "read-write");
		table_reltime(table_parse_time(feedctl_str(tk, "created",
		    NULL)), now, when, sizeof(when));
		table_cell(t, TABLE_DIM, "%s", when);
		table_reltime(table_parse_time(feedctl_str(tk, "last_used",
		    NULL)), now, when, sizeof(when));
		table_cell(t, TABLE_DIM, "%s", when);
	}
	table_print(t, stdout, ctl->columns, ctl->color);
	table_free(t);
}

/* The token alone on stdout, so that $(feedctl token create NAME) is it. */
static void
print_created(struct feedctl *ctl, json_t *doc)
{
	printf("%s\n", feedctl_str(doc, "token", ""));
}

static void
print_removed(struct feedctl *ctl, json_t *doc)
{
	printf("token '%s' removed; it no longer works\n",
	    feedctl_str(doc, "removed", "?"));
}

static int
token_create(struct feedctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "read-only", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	bool read_only = false;
	json_t *body;
	int ch, code;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "r", longopts, NULL)) != -1) {
		if (ch != 'r')
			return FEEDCTL_USAGE;
		read_only = true;
	}
	if (optind != argc - 1)
		return FEEDCTL_USAGE;
	if ((body = json_pack("{s:s,s:b}", "name", argv[optind],
	    "read_only", read_only)) == NULL) {
		fprintf(stderr, "feedctl: the name must be UTF-8\n");
		return FEEDCTL_USAGE;
	}
	code = feedctl_call_show(ctl, "POST", "/v1/tokens", NULL, body,
	    print_created);
	json_decref(body);
	if (code == FEEDCTL_OK)
		fprintf(stderr, "feedctl: token '%s' made%s; it is shown this "
		    "once and cannot be shown again: keep it now\n",
		    argv[optind], read_only ? " (read-only)" : "");
	return code;
}

int
cmd_token(struct feedctl *ctl, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";
	int code = FEEDCTL_USAGE;

	if (strcmp(sub, "create") == 0)
		code = token_create(ctl, argc - 1, argv + 1);
	else if (strcmp(sub, "list") == 0 && argc == 2)
		code = feedctl_call_show(ctl, "GET", "/v1/tokens", NULL, NULL,
		    print_tokens);
	else if ((strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0) &&
	    argc == 3)
		code = feedctl_call_show(ctl, "DELETE", "/v1/tokens/%s",
		    argv[2], NULL, print_removed);
	if (code == FEEDCTL_USAGE)
		fprintf(stderr, "usage: feedctl token create NAME "
		    "[--read-only]\n"
		    "       feedctl token list\n"
		    "       feedctl token rm NAME\n");
	return code;
}
