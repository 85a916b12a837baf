/*
 * category: the normal form of category paths and which categories a
 * category takes in.
 */
#include <stdlib.h>
#include <string.h>

#include "category.h"
#include "tap.h"

static void
norm(const char *in, const char *want)
{
	const char *why = NULL;
	char *got = NULL;

	ok(category_norm(in, &got, &why) == 0 && (want == NULL ? got == NULL :
	    got != NULL && strcmp(got, want) == 0), "'%s' -> '%s' (got '%s')",
	    in, want != NULL ? want : "(none)", got != NULL ? got : "(none)");
	free(got);
}

static void
bad(const char *in, const char *what)
{
	const char *why = NULL;
	char *got = NULL;

	ok(category_norm(in, &got, &why) == -1 && got == NULL && why != NULL,
	    "%s refused: %s", what, why != NULL ? why : "?");
}

int
main(void)
{
	char longer[CATEGORY_MAX + 2];

	norm("News/Ukraine", "News/Ukraine");
	norm(" News / Ukraine/ ", "News/Ukraine");
	norm("/News//Ukraine/", "News/Ukraine");
	norm("World News/East Europe", "World News/East Europe");
	norm("Новини/Україна", "Новини/Україна");
	norm("", NULL);
	norm(" / /", NULL);
	bad("News\nUkraine", "a newline");
	bad("News\x7f", "DEL");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	bad(longer, "a category over CATEGORY_MAX bytes");
	longer[CATEGORY_MAX] = '\0';
	norm(longer, longer);

	ok(category_within("News", "News"), "a category is within itself");
	ok(category_within("News/Ukraine", "News"),
	    "a sub-category is within its parent");
	ok(category_within("News/Ukraine/Kyiv", "News"), "and deeper ones");
	ok(!category_within("Newsletter", "News"),
	    "a longer name is not a sub-category");
	ok(!category_within("News", "News/Ukraine"),
	    "a parent is not within its sub-category");
	ok(!category_within("news", "News"), "case counts");
	ok(!category_within(NULL, "News") && !category_within("News", NULL),
	    "no category is within none, and none takes in nothing");
	return tap_done();
}
