/*
 * fuzz_parse: libFuzzer target for the feed parser's push API.
 *
 * The first input byte picks a chunk size; the rest is the document. It is
 * parsed once in a single push and once pushed in chunks, and both must
 * give the same model (the push API promises that chunking changes
 * nothing, except perhaps the wording of an error). The JSON encoder
 * runs on the result too.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
 * Run:   build-fuzz/tests/fuzz/fuzz_parse -max_len=65536 \
 *            fuzz-corpus tests/corpus/feedparser/cases tests/corpus/realworld \
 *            tests/corpus/jsonfeed/cases tests/fuzz/regressions
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "feed.h"
#include "feed_json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *
chunked(const uint8_t *data, size_t size, size_t chunk)
{
	struct feed_doc *d;
	json_t *j;

	d = feed_doc_parse_chunked(data, size, "http://fuzz.example/feed",
	    chunk);
	j = feed_json_doc(d);
	feed_doc_free(d);
	return j;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_doc *d;
	json_t *whole, *parts;
	size_t chunk;
	char *s;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	d = feed_doc_parse(data, size, "http://fuzz.example/feed");
	whole = feed_json_doc(d);
	feed_doc_free(d);
	s = json_dumps(whole, JSON_COMPACT);
	free(s);
	parts = chunked(data, size, chunk);
	/*
	 * Expat may word the error differently when a broken token arrives
	 * in pieces; whether there is one, and everything else, must agree.
	 */
	if (json_is_string(json_object_get(whole, "error")) &&
	    json_is_string(json_object_get(parts, "error"))) {
		json_object_del(whole, "error");
		json_object_del(parts, "error");
	}
	if (!json_equal(whole, parts))
		abort();
	json_decref(whole);
	json_decref(parts);
	return 0;
}
