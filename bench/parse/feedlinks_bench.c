/*
 * feedlinks_bench: what reading a page for its feed links costs the event
 * loop (common/feedlinks.c on gumbo), per page: the pages of
 * tests/corpus/discovery and made-up large ones (a 1 MiB home page with
 * 2,000 articles, the most discovery reads; 50,000 nested <div>).
 *
 *   feedlinks_bench [-n RUNS] PAGE...
 *
 * Prints one JSON line per page: bytes, links found, milliseconds per read
 * (the best of RUNS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feedlinks.h"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		perror(path);
		exit(1);
	}
	rewind(f);
	b = malloc((size_t)n + 1);
	if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct feedlinks l;
	double best, t;
	size_t len, n = 0;
	char *page;
	int runs = 20, ch, i;

	while ((ch = getopt(argc, argv, "n:")) != -1)
		runs = ch == 'n' ? atoi(optarg) : runs;
	for (; optind < argc; optind++) {
		page = slurp(argv[optind], &len);
		best = 1e9;
		for (i = 0; i < runs; i++) {
			t = now();
			feedlinks_read(page, len, "text/html; charset=utf-8",
			    "https://site.example/", &l);
			t = now() - t;
			if (t < best)
				best = t;
			n = l.nitems;
			feedlinks_clear(&l);
		}
		printf("{\"page\": \"%s\", \"bytes\": %zu, \"links\": %zu, "
		    "\"ms\": %.3f}\n", argv[optind], len, n, best * 1000);
		free(page);
	}
	return 0;
}
