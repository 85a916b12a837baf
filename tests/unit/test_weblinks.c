#include <stdlib.h>

#include "tap.h"
#include "weblinks.h"

static void
find(const char *value, const char *rel, const char *want, const char *what)
{
	char *got = weblinks_find(value, rel, "https://example.org/feed/");

	is_str(got, want, what);
	free(got);
}

int
main(void)
{
	find(NULL, "hub", NULL, "no header");
	find("", "hub", NULL, "an empty header");
	find("<https://hub.example.net/>; rel=\"hub\"", "hub",
	    "https://hub.example.net/", "one quoted rel");
	find("<https://hub.example.net/>; rel=hub, <https://example.org/a>; "
	    "rel=self", "self", "https://example.org/a", "the second link");
	find("<https://example.org/a>; rel=\"self\", <https://h/>; "
	    "rel=\"hub\"", "hub", "https://h/", "hub after self");
	find("<https://h1/>; rel=\"hub\", <https://h2/>; rel=\"hub\"", "hub",
	    "https://h1/", "the first of two hubs");
	find("<https://h/>; rel=\"alternate HUB\"", "hub", "https://h/",
	    "one of several relation types, any case");
	find("</hub>; rel=hub", "hub", "https://example.org/hub",
	    "a relative target is resolved");
	find("<https://h/>; title=\"a; b, c\"; rel=hub", "hub", "https://h/",
	    "a quoted parameter holding ; and ,");
	find("<https://h/>; rel=self; rel=hub", "hub", NULL,
	    "only the first rel counts");
	find("<https://h/>; rel=\"hub", "hub", NULL,
	    "an unterminated quote is no link");
	find("https://h/; rel=hub", "hub", NULL, "a target without <>");
	find("<https://a/>; rel=\"hubbub\"", "hub", NULL,
	    "a longer relation type is not the hub");
	return tap_done();
}
