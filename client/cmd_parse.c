/*
 * cmd_parse: feedctl parse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "cmd_parse.h"
#include "feed.h"
#include "feed_json.h"
#include "log.h"

/* Input is capped like the daemon caps a download. */
#define PARSE_MAX_INPUT	(256 * 1024 * 1024)

static int
read_all(FILE *f, struct buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (b->len + n > PARSE_MAX_INPUT) {
			errno = EFBIG;
			return -1;
		}
		buf_append(b, chunk, n);
	}
	return ferror(f) ? -1 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: feedctl parse FILE|- [--url BASE] [--json]\n");
}

int
cmd_parse(int argc, char **argv)
{
	const char *path = NULL, *base = NULL;
	struct feed_doc *doc;
	struct buf body;
	json_t *j;
	FILE *f;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
			base = argv[++i];
		else if (strncmp(argv[i], "--url=", 6) == 0)
			base = argv[i] + 6;
		else if (strcmp(argv[i], "--json") == 0)
			continue;	/* the only output there is */
		else if (path == NULL && (argv[i][0] != '-' ||
		    strcmp(argv[i], "-") == 0))
			path = argv[i];
		else {
			usage();
			return 2;
		}
	}
	if (path == NULL) {
		usage();
		return 2;
	}
	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL) {
		log_warn("parse: '%s'", path);
		return 2;
	}
	buf_init(&body);
	rc = read_all(f, &body);
	if (f != stdin)
		fclose(f);
	if (rc == -1) {
		log_warn("parse: '%s'", path);
		buf_free(&body);
		return 2;
	}
	doc = feed_doc_parse(body.data, body.len, base);
	buf_free(&body);
	if (doc->error != NULL)
		log_warnx("parse: '%s': %s", path, doc->error);
	j = feed_json_doc(doc);
	rc = doc->error != NULL ? 1 : 0;
	feed_doc_free(doc);
	if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ==
	    -1 || fputc('\n', stdout) == EOF || fflush(stdout) == EOF) {
		log_warn("parse: writing output");
		rc = 2;
	}
	json_decref(j);
	return rc;
}
