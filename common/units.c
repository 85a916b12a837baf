#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

int
units_parse_duration(const char *s, int64_t *ret_seconds)
{
	int64_t total = 0;
	bool any = false;

	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	while (*s != '\0') {
		char *end;
		unsigned long long n;
		int64_t mult;

		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		n = strtoull(s, &end, 10);
		if (errno != 0 || n > INT64_MAX / 86400)
			return -1;
		switch (*end) {
		case 's': mult = 1; end++; break;
		case 'm': mult = 60; end++; break;
		case 'h': mult = 3600; end++; break;
		case 'd': mult = 86400; end++; break;
		case 'w': mult = 7 * 86400; end++; break;
		case '\0': case ' ': case '\t':
			/* A bare number only stands alone. */
			if (any)
				return -1;
			mult = 1;
			break;
		default:
			return -1;
		}
		if ((int64_t)n > (INT64_MAX - total) / mult)
			return -1;
		total += (int64_t)n * mult;
		any = true;
		s = end;
		while (isspace((unsigned char)*s))
			s++;
	}
	if (!any)
		return -1;
	*ret_seconds = total;
	return 0;
}

int
units_parse_size(const char *s, uint64_t *ret_bytes)
{
	char *end;
	unsigned long long n;
	uint64_t mult = 1;

	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': mult = 1024ULL; end++; break;
	case 'm': case 'M': mult = 1024ULL * 1024; end++; break;
	case 'g': case 'G': mult = 1024ULL * 1024 * 1024; end++; break;
	case 'b': case 'B': end++; break;
	default: break;
	}
	/* Accept "10MB", "10MiB" as well as "10M". */
	if (mult != 1 && (*end == 'i' || *end == 'I'))
		end++;
	if (mult != 1 && (*end == 'b' || *end == 'B'))
		end++;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	if (n > UINT64_MAX / mult)
		return -1;
	*ret_bytes = n * mult;
	return 0;
}

void
units_format_duration(int64_t seconds, char *out, size_t len)
{
	static const struct { char unit; int64_t s; } parts[] = {
		{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
	};
	size_t used = 0;

	if (len == 0)
		return;
	out[0] = '\0';
	if (seconds <= 0) {
		snprintf(out, len, "0s");
		return;
	}
	for (size_t i = 0; i < 4 && used < len; i++) {
		int64_t n = seconds / parts[i].s;

		if (n == 0)
			continue;
		seconds -= n * parts[i].s;
		used += (size_t)snprintf(out + used, len - used, "%lld%c",
		    (long long)n, parts[i].unit);
	}
}
