#include <stdlib.h>

#include "linknorm.h"
#include "tap.h"

static void
norm(const char *in, const char *want)
{
	char *got = linknorm_dup(in);

	is_str(got, want, in != NULL ? in : "NULL");
	free(got);
}

int
main(void)
{
	norm(NULL, NULL);
	norm("", NULL);
	norm("HTTPS://Example.COM/Path/To", "https://example.com/Path/To");
	norm("https://example.com/a/#comments", "https://example.com/a");
	norm("https://example.com/", "https://example.com/");
	norm("https://example.com", "https://example.com/");
	norm("https://example.com:443/x", "https://example.com/x");
	norm("http://example.com:8080/x", "http://example.com:8080/x");
	norm("https://example.com/a?utm_source=rss&utm_medium=feed",
	    "https://example.com/a");
	norm("https://example.com/a?id=7&utm_campaign=x&fbclid=abc&p=2",
	    "https://example.com/a?id=7&p=2");
	norm("https://example.com/a?gclid=1&ID=2", "https://example.com/a?ID=2");
	norm("https://example.com/a?UTM_Source=x", "https://example.com/a");
	norm("https://example.com/news//", "https://example.com/news");
	norm("https://kyivindependent.com/коаліція/",
	    "https://kyivindependent.com/коаліція");
	norm("not a url", "not a url");
	norm("/relative/path", "/relative/path");
	ok(linknorm_is_tracking_param("utm_term", 8), "utm_term tracks");
	ok(!linknorm_is_tracking_param("id", 2), "id does not");
	return tap_done();
}
