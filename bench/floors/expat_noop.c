/*
 * expat_noop: the parse floor. Parses each file named on the command line
 * (or one path per line on stdin with "-") with bare Expat and no-op
 * handlers, and prints files, bytes, items, malformed documents and MB/s.
 * Nothing is decoded, copied or stored: this is what reading the XML costs
 * at the least. Encodings Expat does not know (windows-1251) get a
 * single-byte table, which costs what a real table would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <expat.h>

static long items;

static void XMLCALL
on_start(void *u, const XML_Char *name, const XML_Char **attr)
{
	(void)u; (void)attr;
	const char *p = strrchr(name, ' ');	/* namespace separator */
	p = p ? p + 1 : name;
	if ((p[0] == 'i' && strcmp(p, "item") == 0) ||
	    (p[0] == 'e' && strcmp(p, "entry") == 0))
		items++;
}

static void XMLCALL
on_end(void *u, const XML_Char *name)
{
	(void)u; (void)name;
}

static void XMLCALL
on_text(void *u, const XML_Char *s, int len)
{
	(void)u; (void)s; (void)len;
}

static int XMLCALL
on_unknown(void *data, const XML_Char *name, XML_Encoding *info)
{
	(void)data; (void)name;
	for (int i = 0; i < 256; i++)
		info->map[i] = i;
	info->data = NULL;
	info->convert = NULL;
	info->release = NULL;
	return XML_STATUS_OK;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc(n > 0 ? (size_t)n : 1);
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
	char line[4096];
	long files = 0, bad = 0;
	double bytes = 0, secs = 0;
	int from_stdin = argc == 2 && strcmp(argv[1], "-") == 0;
	int ai = 1;

	XML_Parser p = XML_ParserCreateNS(NULL, ' ');
	for (;;) {
		const char *path;
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
		size_t len;
		char *buf = slurp(path, &len);
		if (buf == NULL) {
			perror(path);
			return 1;
		}
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		XML_ParserReset(p, NULL);
		XML_SetElementHandler(p, on_start, on_end);
		XML_SetCharacterDataHandler(p, on_text);
		XML_SetUnknownEncodingHandler(p, on_unknown, NULL);
		if (XML_Parse(p, buf, (int)len, 1) == XML_STATUS_ERROR)
			bad++;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs += (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		bytes += (double)len;
		files++;
		free(buf);
	}
	XML_ParserFree(p);
	printf("{\"files\": %ld, \"bytes\": %.0f, \"items\": %ld, "
	    "\"malformed\": %ld, \"parse_seconds\": %.3f, \"mb_per_s\": %.1f}\n",
	    files, bytes, items, bad, secs,
	    secs > 0 ? bytes / 1e6 / secs : 0.0);
	return 0;
}
