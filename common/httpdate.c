#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "httpdate.h"

int64_t
httpdate_parse(const char *s)
{
	time_t t;

	if (s == NULL || *s == '\0')
		return -1;
	t = curl_getdate(s, NULL);
	return t == -1 ? -1 : (int64_t)t;
}

/* A run of digits and nothing else (but surrounding blanks) as seconds. */
static int64_t
parse_seconds(const char *s, const char **ret_end)
{
	char *end;
	long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE || v < 0)
		return -1;
	*ret_end = end;
	return v;
}

int64_t
httpdate_retry_after(const char *value, int64_t now)
{
	const char *end;
	int64_t v, t;

	if (value == NULL)
		return -1;
	if ((v = parse_seconds(value, &end)) >= 0) {
		while (*end == ' ' || *end == '\t')
			end++;
		return *end == '\0' ? v : -1;
	}
	if ((t = httpdate_parse(value)) == -1)
		return -1;
	return t > now ? t - now : 0;
}

int64_t
httpdate_max_age(const char *cc)
{
	const char *p, *end;
	size_t n;

	if (cc == NULL)
		return -1;
	for (p = cc; *p != '\0'; p += n) {
		p += strspn(p, " \t,");
		n = strcspn(p, ",");
		if (n > 8 && strncasecmp(p, "max-age=", 8) == 0) {
			const char *v = p + 8;
			int64_t s;

			if (*v == '"')
				v++;
			if ((s = parse_seconds(v, &end)) >= 0)
				return s;
			return -1;
		}
	}
	return -1;
}
