/*
 * cmd_discover: feedctl discover URL — what an address is, and the feeds
 * behind it, subscribing to none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apiclient.h"
#include "cmd_discover.h"
#include "feedctl.h"

void
discover_print(FILE *out, json_t *candidates)
{
	json_t *c;
	size_t i;
	long long n;

	json_array_foreach(candidates, i, c) {
		n = feedctl_num(c, "entries");
		fprintf(out, "%3zu. %s\n     %s (%s, %lld %s%s)\n", i + 1,
		    feedctl_str(c, "title", "(untitled)"), feedctl_str(c, "url",
		    "?"), feedctl_str(c, "format", "?"), n,
		    feedctl_plural(n, "entry", "entries"),
		    json_is_true(json_object_get(c, "comments")) ?
		    ", comments" : "");
	}
}

long
discover_choose(size_t n)
{
	char line[64], *end;
	long k;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || n == 0)
		return -1;
	printf("subscribe to which one? [1-%zu, Enter for none] ", n);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return -1;
	k = strtol(line, &end, 10);
	if (end == line || (*end != '\n' && *end != '\0') || k < 1 ||
	    (size_t)k > n)
		return -1;
	return k - 1;
}

int
cmd_discover(struct feedctl *ctl, int argc, char **argv)
{
	struct apiclient_resp r;
	json_t *body, *cands;
	const char *kind;
	size_t n;
	int code;

	if (argc != 2 || argv[1][0] == '-')
		return feedctl_usage("discover");
	body = json_pack("{s:s}", "url", argv[1]);
	code = feedctl_call(ctl, "POST", "/v1/discover", body, &r);
	json_decref(body);
	if (code != 0)
		return code;
	cands = json_object_get(r.doc, "candidates");
	n = json_array_size(cands);
	kind = feedctl_str(r.doc, "kind", "?");
	if (ctl->json)
		feedctl_print_raw(&r);
	else if (n == 0)
		fprintf(stderr, "feedctl: %s\n", feedctl_str(r.doc, "message",
		    "no feed found"));
	else if (strcmp(kind, "feed") == 0) {
		printf("%s is a feed:\n", argv[1]);
		discover_print(stdout, cands);
	} else {
		printf("%s is an HTML page", argv[1]);
		if (feedctl_str(r.doc, "page_title", NULL) != NULL)
			printf(" (\"%s\")", feedctl_str(r.doc, "page_title",
			    ""));
		printf(" that announces %zu %s:\n", n, feedctl_plural(
		    (long long)n, "feed", "feeds"));
		discover_print(stdout, cands);
	}
	apiclient_resp_clear(&r);
	return n > 0 ? FEEDCTL_OK : FEEDCTL_FAIL;
}
