/*
 * cmd_open: feedctl open ID, the entry's link in a browser: $BROWSER (its
 * first entry when it is a colon-separated list, as sensible-browser and
 * xdg-utils read it), else xdg-open. The command runs without a shell,
 * with the URL as its one argument, and feedctl waits for it: a terminal
 * browser (w3m, lynx) gets the terminal until it quits. Once the browser
 * exited 0 the entry (and its copies in other feeds) is marked read for
 * the user feedctl acts as; a browser that failed leaves it unread.
 */
#include <sys/wait.h>

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiclient.h"
#include "feedctl.h"
#include "xmalloc.h"

extern char **environ;

#define OPEN_DEFAULT	"xdg-open"

/* Runs browser URL and waits; 0 when it exited 0, else -1 after a message. */
static int
run_browser(const char *browser, const char *url)
{
	char *argv[] = { (char *)browser, (char *)url, NULL };
	pid_t pid;
	int e, status;

	if ((e = posix_spawnp(&pid, browser, NULL, NULL, argv, environ)) !=
	    0) {
		fprintf(stderr, "feedctl: cannot run '%s': %s%s\n", browser,
		    strerror(e), getenv("BROWSER") == NULL ? " (set BROWSER "
		    "to your browser)" : "");
		return -1;
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			fprintf(stderr, "feedctl: waiting for '%s': %s\n",
			    browser, strerror(errno));
			return -1;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "feedctl: '%s' failed (%s %d)\n", browser,
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return 0;
}

/* PUT path {"read": true}: the entry was opened, so it has been read. */
static int
mark_read(struct feedctl *ctl, const char *path)
{
	struct apiclient_resp r;
	json_t *body = json_pack("{s:b}", "read", 1);
	int code;

	code = feedctl_call(ctl, "PUT", path, body, &r);
	json_decref(body);
	if (code == FEEDCTL_OK)
		apiclient_resp_clear(&r);
	return code;
}

int
cmd_open(struct feedctl *ctl, int argc, char **argv)
{
	struct apiclient_resp r;
	const char *env = getenv("BROWSER"), *link;
	char path[64], *browser;
	int64_t id;
	int code;

	if (argc != 2)
		return feedctl_usage("open");
	if ((id = feedctl_parse_id("the entry id", argv[1])) == -1)
		return FEEDCTL_USAGE;
	snprintf(path, sizeof(path), "/v1/entries/%lld", (long long)id);
	if ((code = feedctl_call(ctl, "GET", path, NULL, &r)) != 0)
		return code;
	if ((link = feedctl_str(r.doc, "link", NULL)) == NULL) {
		fprintf(stderr, "feedctl: entry %lld has no link (feedctl show "
		    "%lld shows it here)\n", (long long)id, (long long)id);
		apiclient_resp_clear(&r);
		return FEEDCTL_FAIL;
	}
	browser = env != NULL && *env != '\0' ?
	    xstrndup(env, strcspn(env, ":")) : xstrdup(OPEN_DEFAULT);
	code = run_browser(browser, link) == 0 ? FEEDCTL_OK : FEEDCTL_FAIL;
	free(browser);
	if (code == FEEDCTL_OK)
		code = mark_read(ctl, path);
	if (code == FEEDCTL_OK && ctl->json)
		feedctl_print_raw(&r);
	apiclient_resp_clear(&r);
	return code;
}
