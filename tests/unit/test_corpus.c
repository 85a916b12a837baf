/*
 * test_corpus: runs the parser over every case of corpus/feedparser and
 * corpus/jsonfeed (cases.jsonl) and checks each assertion against the
 * neutral model's JSON, as corpus/feedparser/README.md says to compare
 * (jsonfeed/README.md adds "contains" and cases that must not parse).
 * Cases listed in corpus-skip.txt are reported as skipped with their
 * reason. Each case is also pushed in 1-byte and 7-byte chunks, which
 * must give the same JSON as one push.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "feed.h"
#include "feed_json.h"
#include "tap.h"
#include "testfile.h"

static const char *const corpora[] = { "../corpus/feedparser/",
    "../corpus/jsonfeed/", NULL };

static json_t *skips;

static void
load_skips(void)
{
	char line[1024], *p, *id, *reason;
	FILE *f;

	skips = json_object();
	if ((f = fopen("../corpus/corpus-skip.txt", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		id = line;
		p = id + strcspn(id, " \t");
		if (*p != '\0')
			*p++ = '\0';
		reason = p + strspn(p, " \t");
		json_object_set_new(skips, id, json_string(reason));
	}
	fclose(f);
}

static const char *
trim(const char *s, size_t *len)
{
	size_t n = strlen(s);

	while (n > 0 && strchr(" \t\r\n", *s) != NULL) {
		s++;
		n--;
	}
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		n--;
	*len = n;
	return s;
}

static bool
same_text(const char *a, const char *b)
{
	size_t la, lb;

	a = trim(a, &la);
	b = trim(b, &lb);
	return la == lb && memcmp(a, b, la) == 0;
}

static bool
value_matches(json_t *got, json_t *want)
{
	if (json_is_integer(want))
		return json_is_integer(got) &&
		    json_integer_value(got) == json_integer_value(want);
	if (json_is_string(want))
		return json_is_string(got) && same_text(json_string_value(got),
		    json_string_value(want));
	return json_equal(got, want);
}

/* Finds the value an assertion is about; NULL when it is absent. */
static json_t *
locate(json_t *doc, json_t *a)
{
	const char *scope = json_string_value(json_object_get(a, "scope"));
	const char *field = json_string_value(json_object_get(a, "field"));
	json_t *obj, *v, *item, *sub;

	if (strcmp(scope, "document") == 0)
		return json_object_get(doc, field);
	if (strcmp(scope, "feed") == 0)
		obj = json_object_get(doc, "feed");
	else
		obj = json_array_get(json_object_get(doc, "entries"),
		    json_integer_value(json_object_get(a, "entry")));
	if (obj == NULL)
		return NULL;
	v = json_object_get(obj, field);
	if ((item = json_object_get(a, "item")) != NULL) {
		v = json_array_get(v, json_integer_value(item));
		if ((sub = json_object_get(a, "subfield")) != NULL)
			v = json_object_get(v, json_string_value(sub));
	}
	return v;
}

static bool
check(json_t *c, json_t *doc, json_t *a, struct buf *why)
{
	const char *op = json_string_value(json_object_get(a, "op"));
	const char *path = json_string_value(json_object_get(a, "path"));
	const char *field = json_string_value(json_object_get(a, "field"));
	const char *fv;
	json_t *got, *want, *w;
	size_t i;
	char *dump;
	bool good = false;

	if (strcmp(field, "encoding") == 0)
		return true;	/* optional; the model does not expose it */
	got = locate(doc, a);
	if (strcmp(op, "eq") == 0) {
		want = json_object_get(a, "value");
		good = got != NULL && value_matches(got, want);
		fv = json_string_value(json_object_get(c, "format_version"));
		/* <rss> without version: either RSS reading is right. */
		if (!good && strcmp(field, "format") == 0 && fv != NULL &&
		    strcmp(fv, "rss") == 0 && json_is_string(got))
			good = strncmp(json_string_value(got), "rss", 3) == 0;
	} else if (strcmp(op, "one_of") == 0) {
		json_array_foreach(json_object_get(a, "values"), i, w)
			if (got != NULL && value_matches(got, w))
				good = true;
	} else if (strcmp(op, "absent") == 0) {
		good = got == NULL || json_is_null(got) ||
		    (json_is_string(got) && json_string_length(got) == 0);
	} else if (strcmp(op, "contains") == 0) {
		/* A string that holds value, or a list with one that does. */
		fv = json_string_value(json_object_get(a, "value"));
		if (json_is_string(got))
			good = strstr(json_string_value(got), fv) != NULL;
		json_array_foreach(got, i, w)
			if (json_is_string(w) &&
			    strstr(json_string_value(w), fv) != NULL)
				good = true;
	} else if (strcmp(op, "count") == 0) {
		if (strcmp(field, "entries") == 0)
			got = json_object_get(doc, "entries");
		good = json_is_array(got) && (json_int_t)json_array_size(got) ==
		    json_integer_value(json_object_get(a, "value"));
	}
	if (!good) {
		dump = got != NULL ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
		buf_printf(why, "%s %s: got %s; ", path, op,
		    dump != NULL ? dump : "(absent)");
		free(dump);
	}
	return good;
}

/* The document as JSON, pushed to the parser in chunk-byte pieces. */
static json_t *
parse_chunked(const struct buf *xml, size_t chunk)
{
	struct feed_doc *d;
	json_t *j;

	d = feed_doc_parse_chunked(xml->data, xml->len, NULL, chunk);
	j = feed_json_doc(d);
	feed_doc_free(d);
	return j;
}

static void
run_corpus(const char *corpus, int *total, int *passed, int *skipped)
{
	char line[65536], path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%scases.jsonl", corpus);
	if ((f = fopen(path, "r")) == NULL) {
		ok(false, "open %s", path);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		json_t *c, *a, *doc;
		json_error_t jerr;
		struct feed_doc *d;
		struct buf xml, why;
		const char *id, *skip, *file;
		bool good = true, must_parse;
		size_t i;

		if ((c = json_loads(line, 0, &jerr)) == NULL) {
			ok(false, "cases.jsonl: %s", jerr.text);
			continue;
		}
		id = json_string_value(json_object_get(c, "id"));
		(*total)++;
		if ((skip = json_string_value(json_object_get(skips, id))) !=
		    NULL) {
			(*skipped)++;
			ok(true, "%s # SKIP %s", id, skip);
			json_decref(c);
			continue;
		}
		buf_init(&xml);
		buf_init(&why);
		/* Each case's document: "xml", or "doc" (JSON Feed's). */
		if ((file = json_string_value(json_object_get(c, "doc"))) ==
		    NULL)
			file = json_string_value(json_object_get(c, "xml"));
		must_parse = !json_is_false(json_object_get(c, "must_parse"));
		snprintf(path, sizeof(path), "%s%s", corpus, file);
		if (testfile_read(path, &xml) == -1) {
			ok(false, "%s: cannot read %s", id, path);
			json_decref(c);
			continue;
		}
		d = feed_doc_parse(xml.data, xml.len, NULL);
		doc = feed_json_doc(d);
		if ((d->error != NULL) == must_parse) {
			good = false;
			buf_printf(&why, "error: %s; ", d->error != NULL ?
			    d->error : "none, and one was expected");
		}
		json_array_foreach(json_object_get(c, "assertions"), i, a)
			if (!check(c, doc, a, &why))
				good = false;
		for (i = 1; i < 8; i += 6) {
			json_t *cj = parse_chunked(&xml, i);

			if (!json_equal(cj, doc)) {
				good = false;
				buf_printf(&why, "pushed in %zu-byte chunks "
				    "the result differs; ", i);
			}
			json_decref(cj);
		}
		if (good)
			(*passed)++;
		ok(good, "%s", id);
		if (!good)
			diag("%s", why.data);
		feed_doc_free(d);
		json_decref(doc);
		buf_free(&xml);
		buf_free(&why);
		json_decref(c);
	}
	fclose(f);
}

int
main(void)
{
	int total, passed, skipped;

	load_skips();
	for (size_t k = 0; corpora[k] != NULL; k++) {
		total = passed = skipped = 0;
		run_corpus(corpora[k], &total, &passed, &skipped);
		diag("%s: %d cases, %d passed, %d skipped, %.1f%% of all pass",
		    corpora[k], total, passed, skipped, total ?
		    100.0 * passed / total : 0.0);
	}
	json_decref(skips);
	return tap_done();
}
