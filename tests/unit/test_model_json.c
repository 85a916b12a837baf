/*
 * test_model_json: an entry written into a listing is the text jansson
 * gives for model_json_entry() of the same entry, byte for byte, whatever
 * its strings hold (the listing writes strings without jansson's loop).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model_json.h"
#include "store.h"
#include "tap.h"

/* The listing of one entry against {"entries":[jansson's entry]}. */
static bool
same(const struct store_entry *e, bool content)
{
	struct model_json_list l;
	json_t *doc, *arr;
	char *want, *got;
	size_t len;
	bool eq;

	arr = json_array();
	json_array_append_new(arr, model_json_entry(e, content));
	doc = json_object();
	json_object_set_new(doc, "entries", arr);
	want = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	model_json_list_init(&l, "entries", content, 0);
	if (model_json_list_entry(&l, e) == -1) {
		model_json_list_clear(&l);
		free(want);
		return false;
	}
	got = model_json_list_finish(&l, json_object(), &len);
	eq = want != NULL && got != NULL && strcmp(want, got) == 0;
	if (!eq)
		printf("# want %s\n# got  %s\n", want, got);
	free(want);
	free(got);
	return eq;
}

static struct store_entry
entry(char *text)
{
	struct store_entry e;

	memset(&e, 0, sizeof(e));
	e.id = 7;
	e.feed_id = 3;
	e.guid = text;
	e.feed_title = "Feed";
	e.title = text;
	e.link = "https://example.com/a?b=1&c=\"2\"";
	e.published = 1700000000;
	e.updated = 1700000001;
	e.fetched = 1700000002;
	e.summary = text;
	e.content = text;
	e.categories_json = "[\"a\"]";
	e.enclosures_json = "[]";
	e.topics_json = "[]";
	return e;
}

int
main(void)
{
	static const char *const samples[] = {
		"", "plain", "<p class=\"x\">a\\b</p>\n\t\r", "\"", "\\",
		"ends with a quote\"", "\"starts", "caf\xc3\xa9 \xe2\x80\xa8 "
		"\xe2\x80\xa9 \xf0\x9f\x98\x80 \x7f /slash/",
		"twelve bytes\"twelve bytes\\twelve bytes\n",
	};
	char one[2], buf[4096];
	struct store_entry e;
	bool all = true;
	uint64_t r = 88172645463325252ULL;

	/* Every ASCII character, alone and amid runs of 8 and more. */
	for (int c = 1; c < 128; c++) {
		one[0] = (char)c;
		one[1] = '\0';
		e = entry(one);
		all &= same(&e, true);
		snprintf(buf, sizeof(buf), "0123456789%c0123456789abcdef%c",
		    c, c);
		e = entry(buf);
		all &= same(&e, false);
	}
	ok(all, "every ASCII character is written as jansson writes it");
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", samples[i]);
		e = entry(buf);
		ok(same(&e, true), "sample %zu as jansson writes it", i);
	}
	/* Random ASCII with many escapes, at every length up to 200. */
	all = true;
	for (size_t n = 0; n < 200; n++) {
		for (size_t i = 0; i < n; i++) {
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			buf[i] = (char)(r % 8 == 0 ? "\"\\\n\t\x01\x1f<>"[r / 8 %
			    8] : 0x20 + (int)(r / 8 % 95));
		}
		buf[n] = '\0';
		e = entry(buf);
		all &= same(&e, true);
	}
	ok(all, "random strings with escapes as jansson writes them");
	/* Not UTF-8: repaired as model_json_str() repairs it. */
	snprintf(buf, sizeof(buf), "bad \xff byte \"q\"");
	e = entry(buf);
	ok(same(&e, true), "a string that is not UTF-8 as jansson writes it");
	e = entry(buf);
	e.author = NULL;
	e.summary = NULL;
	ok(same(&e, false), "null members");
	return tap_done();
}
