/*
 * cmd_users: feedctl user add/list/passwd/set/rename/rm (/v1/users), the
 * people who read from feedd with apps. The daemon manages users over its
 * Unix socket only; passwords go to it in a request body, never on a
 * command line.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "apiclient.h"
#include "feedctl.h"
#include "password_prompt.h"
#include "table.h"

static void
print_users(struct feedctl *ctl, json_t *doc)
{
	json_t *users = json_object_get(doc, "users"), *u;
	int64_t now = (int64_t)time(NULL);
	struct table *t;
	char when[48];
	size_t i;

	t = table_new();
	table_column(t, "NAME", false, true);
	table_column(t, "PASSWORD", false, false);
	table_column(t, "FEVER", false, false);
	table_column(t, "TOKENS", true, false);
	table_column(t, "CREATED", false, false);
	json_array_foreach(users, i, u) {
		bool owner = json_is_true(json_object_get(u, "owner"));
		bool pw = json_is_true(json_object_get(u, "password"));

		table_row(t);
		table_cell(t, TABLE_BOLD, "%s%s", feedctl_str(u, "name", "?"),
		    owner ? " (owner)" : "");
		table_cell(t, pw ? TABLE_PLAIN : TABLE_YELLOW, "%s",
		    pw ? "set" : "none: no app login");
		table_cell(t, TABLE_PLAIN, "%s",
		    json_is_true(json_object_get(u, "fever")) ? "on" : "off");
		table_cell(t, TABLE_PLAIN, "%lld", feedctl_num(u, "tokens"));
		table_reltime(table_parse_time(feedctl_str(u, "created",
		    NULL)), now, when, sizeof(when));
		table_cell(t, TABLE_DIM, "%s", when);
	}
	table_print(t, stdout, ctl->columns, ctl->color);
	table_free(t);
}

static void
print_user(struct feedctl *ctl, json_t *doc)
{
	printf("user '%s': password %s, Fever %s\n",
	    feedctl_str(doc, "name", "?"),
	    json_is_true(json_object_get(doc, "password")) ? "set" : "not set",
	    json_is_true(json_object_get(doc, "fever")) ? "on" : "off");
}

static void
print_removed(struct feedctl *ctl, json_t *doc)
{
	printf("user '%s' removed, with its read and starred marks and its "
	    "tokens\n", feedctl_str(doc, "name", "?"));
}

/*
 * Options of add, passwd and set: --password-stdin, --fever, --no-fever.
 * The user's name is left in *ret_name. FEEDCTL_OK or FEEDCTL_USAGE.
 */
static int
user_options(int argc, char **argv, bool *ret_stdin, int *ret_fever,
    const char **ret_name)
{
	static const struct option longopts[] = {
		{ "password-stdin", no_argument, NULL, 's' },
		{ "fever", no_argument, NULL, 'f' },
		{ "no-fever", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	*ret_stdin = false;
	*ret_fever = -1;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': *ret_stdin = true; break;
		case 'f': *ret_fever = 1; break;
		case 'n': *ret_fever = 0; break;
		default: return FEEDCTL_USAGE;
		}
	}
	if (optind != argc - 1)
		return FEEDCTL_USAGE;
	*ret_name = argv[optind];
	return FEEDCTL_OK;
}

/* add, passwd, set: one request with a password when one is needed. */
static int
user_write(struct feedctl *ctl, const char *sub, int argc, char **argv)
{
	const char *name;
	char *pw;
	json_t *body;
	bool from_stdin, add = strcmp(sub, "add") == 0;
	int fever, code;

	if (user_options(argc, argv, &from_stdin, &fever, &name) != 0)
		return FEEDCTL_USAGE;
	if (strcmp(sub, "set") == 0 && fever == -1) {
		fprintf(stderr, "feedctl: user set NAME --fever | --no-fever\n");
		return FEEDCTL_USAGE;
	}
	body = json_object();
	if (add)
		json_object_set_new(body, "name", json_string(name));
	if (fever != -1)
		json_object_set_new(body, "fever", json_boolean(fever));
	/* Fever's key is made from the password: it is asked for then too. */
	if (add || strcmp(sub, "passwd") == 0 || fever == 1) {
		if ((pw = password_prompt(name, from_stdin)) == NULL) {
			json_decref(body);
			return FEEDCTL_FAIL;
		}
		json_object_set_new(body, "password", json_string(pw));
		password_prompt_free(pw);
	}
	if (add)
		code = feedctl_call_show(ctl, "POST", "/v1/users", NULL, body,
		    print_user);
	else
		code = feedctl_call_show(ctl, "PATCH", "/v1/users/%s", name,
		    body, print_user);
	json_decref(body);
	return code;
}

static int
user_rename(struct feedctl *ctl, const char *from, const char *to)
{
	json_t *body = json_pack("{s:s}", "name", to);
	int code;

	if (body == NULL) {
		fprintf(stderr, "feedctl: the name must be UTF-8\n");
		return FEEDCTL_USAGE;
	}
	code = feedctl_call_show(ctl, "PATCH", "/v1/users/%s", from, body,
	    print_user);
	json_decref(body);
	return code;
}

int
cmd_user(struct feedctl *ctl, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";
	int code = FEEDCTL_USAGE;

	if (strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0 ||
	    strcmp(sub, "set") == 0)
		code = user_write(ctl, sub, argc - 1, argv + 1);
	else if (strcmp(sub, "list") == 0 && argc == 2)
		code = feedctl_call_show(ctl, "GET", "/v1/users", NULL, NULL,
		    print_users);
	else if (strcmp(sub, "rename") == 0 && argc == 4)
		code = user_rename(ctl, argv[2], argv[3]);
	else if ((strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0) &&
	    argc == 3)
		code = feedctl_call_show(ctl, "DELETE", "/v1/users/%s",
		    argv[2], NULL, print_removed);
	if (code == FEEDCTL_USAGE)
		fprintf(stderr, "usage: feedctl user add NAME [--fever] "
		    "[--password-stdin]\n"
		    "       feedctl user passwd NAME [--password-stdin]\n"
		    "       feedctl user set NAME --fever|--no-fever "
		    "[--password-stdin]\n"
		    "       feedctl user rename NAME NEW\n"
		    "       feedctl user list\n"
		    "       feedctl user rm NAME\n");
	return code;
}
