/*
 * api_backup: GET /v1/backup answers with a consistent copy of the live
 * database (application/vnd.sqlite3). The copy is made by SQLite's online
 * backup API on a thread of its own, into a temporary file beside the
 * database, so polls and other requests go on meanwhile; the file is then
 * sent from the kernel (evbuffer_add_file) and unlinked. One at a time.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api_auth.h"
#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "feedd.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

struct api_backup {
	struct api	*api;
	struct evhttp_request *req;	/* NULL once the client went away */
	pthread_t	 thread;
	int		 pipe[2];	/* the thread writes one byte when done */
	struct event	*done_ev;
	char		*path;
	char		 err[512];
	int		 rc;
};

static void *
backup_thread(void *arg)
{
	struct api_backup *b = arg;
	char c = 1;

	b->rc = store_backup(b->api->d->store, b->path, b->err,
	    sizeof(b->err));
	while (write(b->pipe[1], &c, 1) == -1 && errno == EINTR)
		;
	return NULL;
}

static void
on_client_closed(struct evhttp_connection *c, void *arg)
{
	struct api_backup *b = arg;

	api_request_abandon(b->req);
	b->req = NULL;
}

static void
backup_finish(struct api_backup *b)
{
	b->api->backup = NULL;
	if (b->req != NULL) {
		struct evhttp_connection *c =
		    evhttp_request_get_connection(b->req);

		if (c != NULL)
			evhttp_connection_set_closecb(c, NULL, NULL);
	}
	event_free(b->done_ev);
	close(b->pipe[0]);
	close(b->pipe[1]);
	unlink(b->path);
	free(b->path);
	free(b);
}

static void
on_backup_done(evutil_socket_t fd, short what, void *arg)
{
	struct api_backup *b = arg;
	struct evhttp_request *req = b->req;
	struct stat st;
	int dfd;

	pthread_join(b->thread, NULL);
	if (req != NULL) {
		/* The answer may end the connection: b must be off it. */
		struct evhttp_connection *c = evhttp_request_get_connection(req);

		if (c != NULL)
			evhttp_connection_set_closecb(c, NULL, NULL);
		b->req = NULL;
	}
	if (req == NULL) {
		log_info("api: backup done, but its client went away");
	} else if (b->rc != 0) {
		api_reply_error(req, 500, NULL, "backup failed: %s", b->err);
	} else if ((dfd = open(b->path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(dfd, &st) == -1) {
		log_warn("api: backup '%s'", b->path);
		if (dfd != -1)
			close(dfd);
		api_reply_error(req, 500, NULL, "cannot read the backup");
	} else {
		/* The buffer owns dfd now; the unlinked file lives on. */
		evbuffer_add_file(evhttp_request_get_output_buffer(req), dfd,
		    0, st.st_size);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "application/vnd.sqlite3");
		log_info("api: sending a backup of %lld bytes",
		    (long long)st.st_size);
		evhttp_send_reply(req, 200, "OK", NULL);
	}
	backup_finish(b);
}

void
api_backup_get(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct api_backup *b;
	struct store *s;
	char why[256];
	int fd;

	/* The copy holds the tokens' hashes: not for a token to fetch. */
	if (!api_auth_local_only(req, "backups are taken") ||
	    (s = api_plain_request(api, req)) == NULL)
		return;
	if (!store_backup_possible(s, why, sizeof(why))) {
		api_reply_error(req, 501, NULL, "%s", why);
		return;
	}
	if (api->backup != NULL) {
		api_reply_error(req, 409, "busy", "a backup is already being "
		    "made; try again when it is done");
		return;
	}
	b = xcalloc(1, sizeof(*b));
	b->api = api;
	b->req = req;
	b->path = xasprintf("%s.backup-XXXXXX", store_path(s));
	if ((fd = mkstemp(b->path)) == -1) {
		log_warn("api: backup: cannot create '%s'", b->path);
		api_reply_error(req, 500, NULL, "cannot create a temporary "
		    "file beside the database: %s", strerror(errno));
		free(b->path);
		free(b);
		return;
	}
	close(fd);
	if (pipe2(b->pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		api_reply_error(req, 500, NULL, "cannot start the backup: %s",
		    strerror(errno));
		unlink(b->path);
		free(b->path);
		free(b);
		return;
	}
	b->done_ev = event_new(api->d->base, b->pipe[0], EV_READ,
	    on_backup_done, b);
	event_add(b->done_ev, NULL);
	if ((errno = pthread_create(&b->thread, NULL, backup_thread, b)) !=
	    0) {
		api_reply_error(req, 500, NULL, "cannot start the backup: %s",
		    strerror(errno));
		b->req = NULL;
		backup_finish(b);
		return;
	}
	api->backup = b;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    on_client_closed, b);
}

void
api_backup_free(struct api_backup *b)
{
	if (b == NULL)
		return;
	/* Shutting down mid-backup: let the copy end, then drop it. */
	pthread_join(b->thread, NULL);
	if (b->req != NULL) {
		struct evhttp_request *req = b->req;
		struct evhttp_connection *c = evhttp_request_get_connection(req);

		if (c != NULL)
			evhttp_connection_set_closecb(c, NULL, NULL);
		b->req = NULL;
		api_reply_error(req, 503, "unavailable", "the daemon is "
		    "stopping");
	}
	backup_finish(b);
}
