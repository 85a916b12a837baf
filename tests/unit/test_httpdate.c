#include <stdint.h>

#include "httpdate.h"
#include "tap.h"

int
main(void)
{
	int64_t now = 784111777;	/* Sun, 06 Nov 1994 08:49:37 GMT */

	ok(httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT") == now,
	    "IMF-fixdate");
	ok(httpdate_parse("Sunday, 06-Nov-94 08:49:37 GMT") == now, "RFC 850");
	ok(httpdate_parse("Sun Nov  6 08:49:37 1994") == now, "asctime");
	ok(httpdate_parse("tomorrow-ish") == -1, "junk date");
	ok(httpdate_parse(NULL) == -1 && httpdate_parse("") == -1, "empty");

	ok(httpdate_retry_after("120", now) == 120, "Retry-After seconds");
	ok(httpdate_retry_after(" 7 ", now) == 7, "Retry-After blanks");
	ok(httpdate_retry_after("Sun, 06 Nov 1994 09:49:37 GMT", now) == 3600,
	    "Retry-After date");
	ok(httpdate_retry_after("Sun, 06 Nov 1994 07:49:37 GMT", now) == 0,
	    "Retry-After date in the past");
	ok(httpdate_retry_after("-5", now) == -1, "negative");
	ok(httpdate_retry_after("12abc", now) == -1, "junk after digits");
	ok(httpdate_retry_after(NULL, now) == -1, "absent");
	ok(httpdate_retry_after("99999999999999999999999", now) == -1,
	    "overflow");

	ok(httpdate_max_age("max-age=600") == 600, "max-age");
	ok(httpdate_max_age("public, MAX-AGE=60, must-revalidate") == 60,
	    "max-age among others");
	ok(httpdate_max_age("s-maxage=5, max-age=\"30\"") == 30,
	    "quoted max-age, s-maxage ignored");
	ok(httpdate_max_age("no-cache") == -1, "no max-age");
	ok(httpdate_max_age("max-age=") == -1, "empty max-age");
	ok(httpdate_max_age(NULL) == -1, "absent");
	return tap_done();
}
