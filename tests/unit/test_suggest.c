/*
 * test_suggest: "did you mean" picks the nearest name within a third of
 * the typed length (at least 1 edit), by insert, delete, replace and
 * swap, ignoring case; nothing when nothing is near.
 */
#include <stddef.h>

#include "suggest.h"
#include "tap.h"

static const char *const commands[] = { "status", "feeds", "add", "set",
	"rm", "poll", "import", "export", "topics", "topic", "why", "new",
	"list", "show", "search", "follow", "backup", "token", "parse" };
#define N	(sizeof(commands) / sizeof(commands[0]))

static void
near(const char *typed, const char *want)
{
	is_str(suggest_nearest(typed, commands, N), want, typed);
}

int
main(void)
{
	near("sohw", "show");		/* a swap */
	near("shw", "show");		/* a deletion */
	near("showw", "show");		/* an insertion */
	near("serach", "search");
	near("FEEDS", "feeds");		/* case */
	near("topcis", "topics");
	near("show", "show");
	near("xyzzy", NULL);
	near("", NULL);
	near("zz", NULL);
	near("impotr", "import");
	near("exprt", "export");
	return tap_done();
}
