/*
 * cmd_marks: feedctl read/unread/star/unstar (POST /v1/entries/read,
 * /unread, /star, /unstar): one user's marks on entries, the owner's
 * unless --user NAME names another. A mark reaches every folded copy of
 * the story.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiclient.h"
#include "feedctl.h"
#include "xmalloc.h"

static void
print_changed(struct feedctl *ctl, json_t *doc)
{
	long long n = feedctl_num(doc, "changed");

	printf("%lld %s changed\n", n, n == 1 ? "entry" : "entries");
}

/* The ids of argv[first..] as a JSON array; NULL after a message. */
static json_t *
ids_json(int argc, char **argv, int first)
{
	json_t *a = json_array();
	int64_t id;

	for (int i = first; i < argc; i++) {
		if ((id = feedctl_parse_id("entry id", argv[i])) == -1) {
			json_decref(a);
			return NULL;
		}
		json_array_append_new(a, json_integer(id));
	}
	return a;
}

/* read/unread: ids, or --all with a scope. */
static int
mark_read(struct feedctl *ctl, int argc, char **argv, const char *path)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "feed", required_argument, NULL, 'f' },
		{ "category", required_argument, NULL, 'c' },
		{ "topic", required_argument, NULL, 't' },
		{ "up-to", required_argument, NULL, 'u' },
		{ "before", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *body = json_object(), *ids;
	bool all = false;
	int64_t id;
	int ch, code;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			all = true;
			break;
		case 'f':
		case 'u':
			if ((id = feedctl_parse_id(ch == 'f' ? "feed id" :
			    "entry id", optarg)) == -1)
				goto usage;
			json_object_set_new(body, ch == 'f' ? "feed" : "up_to",
			    json_integer(id));
			break;
		case 'c':
		case 't':
		case 'b':
			json_object_set_new(body, ch == 'c' ? "category" :
			    ch == 't' ? "topic" : "before",
			    json_string(optarg));
			break;
		default:
			goto usage;
		}
	}
	if (all == (optind < argc) || (!all && json_object_size(body) > 0))
		goto usage;
	if (all)
		json_object_set_new(body, "all", json_true());
	else {
		if ((ids = ids_json(argc, argv, optind)) == NULL)
			goto usage;
		json_object_set_new(body, "ids", ids);
	}
	code = feedctl_call_show(ctl, "POST", path, NULL, body,
	    print_changed);
	json_decref(body);
	return code;
usage:
	json_decref(body);
	return feedctl_usage(argv[0]);
}

/* star/unstar: ids only. */
static int
mark_star(struct feedctl *ctl, int argc, char **argv, const char *path)
{
	json_t *body, *ids;
	int code;

	if (argc < 2 || (ids = ids_json(argc, argv, 1)) == NULL)
		return feedctl_usage(argv[0]);
	body = json_pack("{s:o}", "ids", ids);
	code = feedctl_call_show(ctl, "POST", path, NULL, body,
	    print_changed);
	json_decref(body);
	return code;
}

int
cmd_read(struct feedctl *ctl, int argc, char **argv)
{
	return mark_read(ctl, argc, argv, "/v1/entries/read");
}

int
cmd_unread(struct feedctl *ctl, int argc, char **argv)
{
	return mark_read(ctl, argc, argv, "/v1/entries/unread");
}

int
cmd_star(struct feedctl *ctl, int argc, char **argv)
{
	return mark_star(ctl, argc, argv, "/v1/entries/star");
}

int
cmd_unstar(struct feedctl *ctl, int argc, char **argv)
{
	return mark_star(ctl, argc, argv, "/v1/entries/unstar");
}
