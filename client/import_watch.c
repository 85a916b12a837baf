#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiclient.h"
#include "buf.h"
#include "feedctl.h"
#include "import_watch.h"
#include "xmalloc.h"

/* One feed the import added, and what its first poll did. */
struct watched {
	int64_t		 id;
	const char	*url;		/* borrowed from the import's answer */
	enum { W_WAITING, W_OK, W_FAILED } state;
	char		*error;
};

struct watch {
	struct feedctl	*ctl;
	struct watched	*feeds;
	size_t		 n;
	size_t		 polled;
	size_t		 failed;
	long long	 entries;
};

static struct watched *
find(struct watch *w, int64_t id)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->feeds[i].id == id)
			return &w->feeds[i];
	return NULL;
}

static void
mark(struct watch *w, struct watched *f, const char *error, long long n)
{
	if (f == NULL || f->state != W_WAITING)
		return;
	f->state = error != NULL ? W_FAILED : W_OK;
	f->error = error != NULL ? xstrdup(error) : NULL;
	w->polled++;
	w->failed += error != NULL;
	w->entries += n;
}

static void
progress(struct watch *w)
{
	printf("\r\033[Kpolled %zu of %zu, %zu failed, %zu remaining, %lld "
	    "%s stored", w->polled, w->n, w->failed, w->n - w->polled,
	    w->entries, feedctl_plural(w->entries, "entry", "entries"));
	fflush(stdout);
}

/*
 * Polls recorded before the stream opened are not announced on it: the
 * feeds' state says which of ours were polled already.
 */
static int
catch_up(struct watch *w)
{
	struct apiclient_resp r;
	json_t *f;
	size_t i;

	if (feedctl_call(w->ctl, "GET", "/v1/feeds", NULL, &r) != 0)
		return -1;
	json_array_foreach(json_object_get(r.doc, "feeds"), i, f)
		if (feedctl_str(f, "last_poll", NULL) != NULL)
			mark(w, find(w, feedctl_num(f, "id")), feedctl_str(f,
			    "last_error", NULL), feedctl_num(f, "entries"));
	apiclient_resp_clear(&r);
	return 0;
}

static int
on_line(const char *line, size_t len, void *arg)
{
	struct watch *w = arg;
	const char *event;
	json_t *e;
	int rc = 0;

	if ((e = json_loadb(line, len, 0, NULL)) == NULL)
		return 0;
	event = feedctl_str(e, "event", "");
	if (strcmp(event, "open") == 0)
		rc = catch_up(w);
	else if (strcmp(event, "poll") == 0)
		mark(w, find(w, feedctl_num(e, "feed_id")), feedctl_str(e,
		    "error", NULL), feedctl_num(e, "new"));
	json_decref(e);
	progress(w);
	/* Every feed polled once: the stream has told all it had to. */
	return rc != 0 || w->polled == w->n ? 1 : 0;
}

int
import_watch(struct feedctl *ctl, json_t *feeds)
{
	struct watch w = { .ctl = ctl };
	struct apiclient_resp r;
	json_t *f;
	size_t i;
	int rc;

	w.feeds = xcalloc(json_array_size(feeds) + 1, sizeof(*w.feeds));
	json_array_foreach(feeds, i, f)
		if (strcmp(feedctl_str(f, "status", ""), "added") == 0) {
			w.feeds[w.n].id = feedctl_num(f, "id");
			w.feeds[w.n++].url = feedctl_str(f, "url", "?");
		}
	if (w.n == 0) {
		free(w.feeds);
		return FEEDCTL_OK;
	}
	rc = apiclient_stream(&ctl->target, "/v1/stream?polls=1&heartbeat=5",
	    on_line, &w, &r);
	putchar('\n');
	if (rc == 0 && r.status != 200)
		apiclient_print_error(&r);
	if (rc == 0)
		apiclient_resp_clear(&r);
	if (w.polled < w.n)
		printf("stopped watching: %zu of %zu feeds not polled yet "
		    "(feedctl feeds shows them)\n", w.n - w.polled, w.n);
	for (i = 0; i < w.n; i++) {
		if (w.feeds[i].state == W_FAILED)
			printf("  failed: %s: %s\n", w.feeds[i].url,
			    w.feeds[i].error);
		free(w.feeds[i].error);
	}
	free(w.feeds);
	return w.polled == w.n ? FEEDCTL_OK : FEEDCTL_FAIL;
}
