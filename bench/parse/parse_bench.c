/*
 * parse_bench: feedd's parser over feed files, timed like
 * bench/floors/expat_noop (parse only: files are read before the clock
 * starts). Every entry is delivered to a callback that touches its title,
 * as the store would. Prints files, bytes, entries, malformed documents,
 * MB/s and entries/s as one JSON line.
 *
 *   parse_bench [-c CHUNK] FILE...     or     parse_bench [-c CHUNK] -
 *
 * -c CHUNK pushes each body in CHUNK-byte pieces (the fetcher's streaming
 * choice) instead of once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feed.h"

static long entries;
static size_t touched;

static bool
on_entry(const struct feed_entry *e, void *arg)
{
	(void)arg;
	entries++;
	if (e->title != NULL)
		touched += (unsigned char)e->title[0];
	return true;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc(n > 0 ? (size_t)n : 1);
	if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

int
main(int argc, char **argv)
{
	struct feed_parser_cb cb = { NULL, on_entry };
	struct timespec t0, t1;
	struct feed_parser *p;
	char line[4096];
	const char *path;
	size_t chunk = 0, len, off, n;
	long files = 0, bad = 0;
	double bytes = 0, secs = 0;
	bool from_stdin;
	char *buf;
	int c, rc, ai;

	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c == 'c')
			chunk = strtoul(optarg, NULL, 10);
		else {
			fprintf(stderr,
			    "usage: parse_bench [-c CHUNK] FILE...|-\n");
			return 2;
		}
	}
	from_stdin = optind + 1 == argc && strcmp(argv[optind], "-") == 0;
	ai = optind;
	for (;;) {
		if (from_stdin) {
			if (fgets(line, sizeof(line), stdin) == NULL)
				break;
			line[strcspn(line, "\n")] = '\0';
			path = line;
		} else {
			if (ai >= argc)
				break;
			path = argv[ai++];
		}
		if ((buf = slurp(path, &len)) == NULL) {
			perror(path);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		p = feed_parser_new("http://bench.example/feed.xml", &cb, NULL);
		if (chunk == 0)
			rc = feed_parser_push(p, buf, len, true);
		else {
			rc = 0;
			for (off = 0; off < len && rc == 0; off += n) {
				n = len - off < chunk ? len - off : chunk;
				rc = feed_parser_push(p, buf + off, n, false);
			}
			if (rc == 0)
				rc = feed_parser_push(p, NULL, 0, true);
		}
		if (rc == -1)
			bad++;
		feed_parser_free(p);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs += (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		bytes += (double)len;
		files++;
		free(buf);
	}
	printf("{\"files\": %ld, \"bytes\": %.0f, \"items\": %ld, "
	    "\"malformed\": %ld, \"parse_seconds\": %.3f, \"mb_per_s\": %.1f, "
	    "\"entries_per_s\": %.0f, \"chunk\": %zu}\n", files, bytes, entries,
	    bad, secs, secs > 0 ? bytes / 1e6 / secs : 0.0,
	    secs > 0 ? entries / secs : 0.0, chunk);
	return touched == (size_t)-1;
}
