/*
 * cmd_status: `feedctl status` (the daemon at a glance) and
 * `feedctl backup FILE` (a consistent copy of the live database).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apiclient.h"
#include "feedctl.h"
#include "table.h"
#include "units.h"
#include "xmalloc.h"

#define str(doc, key)	feedctl_str(doc, key, "-")
#define num(doc, key)	feedctl_num(doc, key)

/*
 * Several workers on one PostgreSQL database: this one's name, then one
 * line per live worker (its polls and the feeds it holds now).
 */
static void
print_cluster(json_t *c)
{
	char when[64];
	size_t i;
	json_t *w;

	if (!json_is_object(c))
		return;
	printf("worker    %s, one of %lld alive (leases of %lld s, %lld "
	    "held)\n", str(c, "worker"), num(c, "workers_alive"),
	    num(c, "lease_s"), num(c, "leases_held"));
	json_array_foreach(json_object_get(c, "workers"), i, w) {
		table_reltime(table_parse_time(json_string_value(
		    json_object_get(w, "last_seen"))), (int64_t)time(NULL),
		    when, sizeof(when));
		printf("          %s on %s (pid %lld): %lld polls, %lld held, "
		    "seen %s\n", str(w, "name"), str(w, "host"),
		    num(w, "pid"), num(w, "polls"), num(w, "leases"), when);
	}
}

int
cmd_status(struct feedctl *ctl, int argc, char **argv)
{
	struct apiclient_resp r;
	char up[32], when[64];
	json_t *doc;
	int code;

	if (argc > 1)
		return feedctl_usage("status");
	if ((code = feedctl_call(ctl, "GET", "/v1/status", NULL, &r)) != 0)
		return code;
	doc = r.doc;
	if (ctl->json) {
		feedctl_print_raw(&r);
		apiclient_resp_clear(&r);
		return FEEDCTL_OK;
	}
	units_format_duration(num(doc, "uptime"), up, sizeof(up));
	printf("feedd %s, up %s (pid %lld)\n", str(doc, "version"), up,
	    num(doc, "pid"));
	printf("database  %s (%.1f MiB)\n", str(doc, "database"),
	    (double)num(doc, "db_size") / (1024.0 * 1024.0));
	printf("config    %s\n", str(doc, "config"));
	if (ctl->target.url != NULL)
		printf("url       %s\n", ctl->target.url);
	else
		printf("socket    %s\n", ctl->target.socket);
	if (json_object_get(doc, "feeds") != NULL) {
		printf("feeds     %lld (%lld configured), ", num(doc, "feeds"),
		    num(doc, "feeds_configured"));
		if (num(doc, "feeds_new") > 0)
			printf("%lld not polled yet, ", num(doc, "feeds_new"));
		printf("%lld backing off, %lld failing\n",
		    num(doc, "feeds_backing_off"), num(doc, "feeds_failing"));
		printf("entries   %lld (last id %lld)\n", num(doc, "entries"),
		    num(doc, "last_entry_id"));
		printf("topics    %lld\n", num(doc, "topics"));
		table_reltime(table_parse_time(json_string_value(
		    json_object_get(doc, "next_poll"))), (int64_t)time(NULL),
		    when, sizeof(when));
		if (json_is_integer(json_object_get(doc, "polls_in_flight"))) {
			printf("polls     %lld in flight, ", num(doc,
			    "polls_in_flight"));
			if (num(doc, "polls_due") > 0)
				printf("%lld due (waiting for a connection), ",
				    num(doc, "polls_due"));
			if (num(doc, "polls_storing") > 0)
				printf("%lld being stored, ",
				    num(doc, "polls_storing"));
		} else
			printf("polls     ");
		printf("next %s\n", json_is_string(json_object_get(doc,
		    "next_poll")) ? when : "none planned");
		if (json_is_true(json_object_get(doc, "store_failing"))) {
			table_reltime(table_parse_time(json_string_value(
			    json_object_get(doc, "store_failing_since"))),
			    (int64_t)time(NULL), when, sizeof(when));
			printf("store     FAILING since %s: %s\n", when,
			    str(doc, "store_error"));
			if (json_is_integer(json_object_get(doc,
			    "store_retry_in")))
				printf("          polls it lost are tried again "
				    "in %lld s\n", num(doc, "store_retry_in"));
		}
		printf("streams   %lld open\n", num(doc, "streams"));
		print_cluster(json_object_get(doc, "cluster"));
	} else {
		printf("feeds     %lld configured\n",
		    num(doc, "feeds_configured"));
		printf("topics    %lld configured\n",
		    num(doc, "topics_configured"));
		printf("store     %s\n", str(doc, "store"));
	}
	apiclient_resp_clear(&r);
	return FEEDCTL_OK;
}

int
cmd_backup(struct feedctl *ctl, int argc, char **argv)
{
	struct apiclient_resp r;
	struct stat st;
	char *tmp;
	FILE *f;
	int fd, code = FEEDCTL_FAIL;

	if (argc != 2 || argv[1][0] == '-')
		return feedctl_usage("backup");
	tmp = xasprintf("%s.tmp-XXXXXX", argv[1]);
	if ((fd = mkstemp(tmp)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "feedctl: cannot create '%s': %s\n", tmp,
		    strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return FEEDCTL_FAIL;
	}
	if (apiclient_download(&ctl->target, "/v1/backup", f, &r) == -1) {
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "feedctl: cannot write '%s': %s\n", tmp,
		    strerror(errno));
	} else if (r.status != 200) {
		apiclient_print_error(&r);
	} else if (rename(tmp, argv[1]) == -1) {
		fprintf(stderr, "feedctl: cannot rename '%s' to '%s': %s\n",
		    tmp, argv[1], strerror(errno));
	} else {
		code = FEEDCTL_OK;
		if (stat(argv[1], &st) == -1)
			st.st_size = 0;
		if (ctl->json) {
			json_t *doc = json_pack("{s:s,s:I}", "path", argv[1],
			    "bytes", (json_int_t)st.st_size);

			if (doc != NULL) {
				json_dumpf(doc, stdout, JSON_COMPACT);
				putchar('\n');
				json_decref(doc);
			}
		} else
			printf("backup written to %s (%.1f MiB)\n", argv[1],
			    (double)st.st_size / (1024.0 * 1024.0));
	}
	apiclient_resp_clear(&r);
out:
	if (code != FEEDCTL_OK)
		unlink(tmp);
	free(tmp);
	return code;
}
