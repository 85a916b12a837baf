#include <stdint.h>

#include "tap.h"
#include "units.h"

static void
dur(const char *s, int rc, int64_t want)
{
	int64_t got = -1;
	int r = units_parse_duration(s, &got);

	if (rc == 0)
		ok(r == 0 && got == want, "duration '%s' = %lld (got %lld)", s,
		    (long long)want, (long long)got);
	else
		ok(r == -1, "duration '%s' rejected", s);
}

static void
size(const char *s, int rc, uint64_t want)
{
	uint64_t got = 0;
	int r = units_parse_size(s, &got);

	if (rc == 0)
		ok(r == 0 && got == want, "size '%s' = %llu (got %llu)", s,
		    (unsigned long long)want, (unsigned long long)got);
	else
		ok(r == -1, "size '%s' rejected", s);
}

int
main(void)
{
	char out[32];

	dur("90s", 0, 90);
	dur("15m", 0, 900);
	dur("2h", 0, 7200);
	dur("1d", 0, 86400);
	dur("1w", 0, 7 * 86400);
	dur("1h30m", 0, 5400);
	dur("1h 30m", 0, 5400);
	dur("300", 0, 300);
	dur("0s", 0, 0);
	dur(" 5m", 0, 300);
	dur("", -1, 0);
	dur("m", -1, 0);
	dur("-5m", -1, 0);
	dur("5x", -1, 0);
	dur("5 m", -1, 0);
	dur("1h 30", -1, 0);
	dur("99999999999999999999s", -1, 0);
	dur("9223372036854775807d", -1, 0);

	size("512k", 0, 512 * 1024);
	size("10M", 0, 10 * 1024 * 1024);
	size("10MiB", 0, 10 * 1024 * 1024);
	size("10MB", 0, 10 * 1024 * 1024);
	size("1G", 0, 1024ULL * 1024 * 1024);
	size("4096", 0, 4096);
	size("", -1, 0);
	size("k", -1, 0);
	size("-1", -1, 0);
	size("10Q", -1, 0);
	size("18446744073709551615G", -1, 0);

	units_format_duration(5400, out, sizeof(out));
	is_str(out, "1h30m", "format 5400");
	units_format_duration(86400 + 61, out, sizeof(out));
	is_str(out, "1d1m1s", "format 1d1m1s");
	units_format_duration(0, out, sizeof(out));
	is_str(out, "0s", "format 0");
	return tap_done();
}
