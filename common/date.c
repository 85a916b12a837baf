/*
 * date: feed dates to Unix seconds. Two readers: one for the ISO 8601
 * family (starts with four digits) and a token-based one for RFC 822 and
 * its relatives, which lets fields come in any of the orders real feeds use
 * but refuses any token it does not understand.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <time.h>

#include "date.h"
#include "feed.h"

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define DATE_MIN	(-62135596800LL)
#define DATE_MAX	(253402300799LL)

static int
days_in_month(int y, int m)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return mdays[m - 1];
}

/* Validates the fields and folds them into seconds; FEED_TIME_NONE if bad. */
static int64_t
make_time(int y, int mo, int d, int h, int mi, int s, int off_s)
{
	struct tm tm;
	int64_t t;

	if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || s < 0 || s > 60)
		return FEED_TIME_NONE;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = (int64_t)timegm(&tm) - off_s;
	/* Keep what date_format_iso can print. */
	if (t < DATE_MIN || t > DATE_MAX)
		return FEED_TIME_NONE;
	return t;
}

/* Reads exactly n digits. */
static bool
digits(const char **pp, int n, int *ret)
{
	const char *p = *pp;
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	*ret = v;
	return true;
}

static size_t
ndigits(const char *p)
{
	size_t n = 0;

	while (isdigit((unsigned char)p[n]))
		n++;
	return n;
}

/* "Z", "+hh:mm", "+hhmm", "+hh", optionally after one space; true if read. */
static bool
iso_zone(const char **pp, int *off_s)
{
	const char *p = *pp;
	int sign, h, m = 0;

	if (*p == ' ')
		p++;
	if (*p == 'Z' || *p == 'z') {
		*off_s = 0;
		*pp = p + 1;
		return true;
	}
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &h))
		return false;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, &m))
			return false;
	} else if (isdigit((unsigned char)*p) && !digits(&p, 2, &m))
		return false;
	if (h > 23 || m > 59)
		return false;
	*off_s = sign * (h * 3600 + m * 60);
	*pp = p;
	return true;
}

/* YYYY[-MM[-DD[(T| )hh:mm[:ss[.frac]][zone]]]], also the basic form. */
static int64_t
parse_iso(const char *p)
{
	int y, mo = 1, d = 1, h = 0, mi = 0, s = 0, off = 0;
	bool basic;

	if (!digits(&p, 4, &y))
		return FEED_TIME_NONE;
	basic = ndigits(p) == 4 && (p[4] == 'T' || p[4] == '\0');
	if (basic) {
		/* 20031231T101455Z */
		if (!digits(&p, 2, &mo) || !digits(&p, 2, &d))
			return FEED_TIME_NONE;
	} else if (*p == '-') {
		p++;
		if (!digits(&p, 2, &mo))
			return FEED_TIME_NONE;
		if (*p == '-') {
			p++;
			if (!digits(&p, 2, &d))
				return FEED_TIME_NONE;
		}
	}
	if ((*p == 'T' || *p == 't' || *p == ' ') &&
	    isdigit((unsigned char)p[1])) {
		p++;
		if (!digits(&p, 2, &h))
			return FEED_TIME_NONE;
		if (*p == ':')
			p++;
		else if (!basic)
			return FEED_TIME_NONE;
		if (!digits(&p, 2, &mi))
			return FEED_TIME_NONE;
		if (*p == ':' || (basic && isdigit((unsigned char)*p))) {
			if (*p == ':')
				p++;
			if (!digits(&p, 2, &s))
				return FEED_TIME_NONE;
			if (*p == '.' || *p == ',') {
				p++;
				if (ndigits(p) == 0)
					return FEED_TIME_NONE;
				p += ndigits(p);
			}
		}
		if (*p != '\0' && !iso_zone(&p, &off))
			return FEED_TIME_NONE;
	}
	if (*p != '\0')
		return FEED_TIME_NONE;
	return make_time(y, mo, d, h, mi, s, off);
}

static int
month_index(const char *tok, size_t len)
{
	static const char *months[] = { "january", "february", "march",
	    "april", "may", "june", "july", "august", "september", "october",
	    "november", "december" };
	int i;

	if (len < 3)
		return 0;
	for (i = 0; i < 12; i++) {
		/* "Jan", "January", and the common "Sept" */
		if (strncasecmp(tok, months[i], len) == 0 &&
		    (len == 3 || len == strlen(months[i]) ||
		    (i == 8 && len == 4)))
			return i + 1;
	}
	return 0;
}

static bool
is_weekday(const char *tok, size_t len)
{
	static const char *days[] = { "monday", "tuesday", "wednesday",
	    "thursday", "friday", "saturday", "sunday" };
	int i;

	if (len < 3)
		return false;
	for (i = 0; i < 7; i++) {
		if (strncasecmp(tok, days[i], len) == 0 &&
		    (len == 3 || len == strlen(days[i]) ||
		    (len == 4 && (i == 1 || i == 3))))	/* Tues, Thur */
			return true;
	}
	return false;
}

/*
 * Zone abbreviations seen in feeds. RFC 822 names plus the ones
 * feedparser and browsers accept; a timezone library would need an
 * Olson name, which feeds do not give.
 */
static const struct {
	const char *name;
	int	 min;
} zones[] = {
	{ "ACDT", 630 }, { "ACST", 570 }, { "ADT", -180 }, { "AEDT", 660 },
	{ "AEST", 600 }, { "AKDT", -480 }, { "AKST", -540 }, { "AST", -240 },
	{ "AT", -240 }, { "AWST", 480 }, { "BST", 60 }, { "CAT", 120 },
	{ "CDT", -300 }, { "CEST", 120 }, { "CET", 60 }, { "CST", -360 },
	{ "CT", -360 }, { "EAT", 180 }, { "EDT", -240 }, { "EEST", 180 },
	{ "EET", 120 }, { "EST", -300 }, { "ET", -300 }, { "GMT", 0 },
	{ "HDT", -540 }, { "HKT", 480 }, { "HST", -600 }, { "JST", 540 },
	{ "KST", 540 }, { "MDT", -360 }, { "MESZ", 120 }, { "MEST", 120 },
	{ "MET", 60 }, { "MEZ", 60 }, { "MSD", 240 }, { "MSK", 180 },
	{ "MST", -420 }, { "MT", -420 }, { "NZDT", 780 }, { "NZST", 720 },
	{ "PDT", -420 }, { "PST", -480 }, { "PT", -480 }, { "SAST", 120 },
	{ "SGT", 480 }, { "UT", 0 }, { "UTC", 0 }, { "WAT", 60 },
	{ "WEST", 60 }, { "WET", 0 }, { "Z", 0 },
};

/* Named zone, "+hhmm", "+hh:mm", "GMT+hh:mm", "Etc/GMT", military letter. */
static bool
rfc_zone(const char *tok, size_t len, int *off_s)
{
	const char *p;
	size_t i, n;
	int sign, h, m = 0;

	if (len > 4 && strncasecmp(tok, "Etc/", 4) == 0) {
		tok += 4;
		len -= 4;
	}
	for (n = 0; n < len && isalpha((unsigned char)tok[n]); n++)
		;
	if (n > 0) {
		bool found = false;

		if (n == 1 && tok[0] != 'J' && tok[0] != 'j') {
			/*
			 * RFC 2822 4.3: military zones were defined with the
			 * wrong sign and are to be read as -0000.
			 */
			*off_s = 0;
			found = true;
		}
		for (i = 0; !found && i < sizeof(zones) / sizeof(zones[0]);
		    i++) {
			if (strlen(zones[i].name) == n &&
			    strncasecmp(zones[i].name, tok, n) == 0) {
				*off_s = zones[i].min * 60;
				found = true;
			}
		}
		if (!found)
			return false;
		if (n == len)
			return true;
		/* "GMT+01:00", "UTC-5" */
		if (*off_s != 0)
			return false;
	}
	p = tok + n;
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	n = ndigits(p);
	if (n == 4) {
		h = (p[0] - '0') * 10 + (p[1] - '0');
		m = (p[2] - '0') * 10 + (p[3] - '0');
		p += 4;
	} else if (n == 1 || n == 2) {
		h = atoi(p);
		p += n;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &m))
				return false;
		}
	} else
		return false;
	if (p != tok + len || h > 23 || m > 59)
		return false;
	*off_s = sign * (h * 3600 + m * 60);
	return true;
}

/* "hh:mm[:ss[.frac]]" */
static bool
rfc_time(const char *tok, size_t len, int *h, int *mi, int *s)
{
	const char *p = tok;
	size_t n;

	n = ndigits(p);
	if (n < 1 || n > 2)
		return false;
	*h = atoi(p);
	p += n;
	if (*p++ != ':' || !digits(&p, 2, mi))
		return false;
	*s = 0;
	if (p < tok + len && *p == ':') {
		p++;
		if (!digits(&p, 2, s))
			return false;
		if (p < tok + len && *p == '.') {
			p++;
			p += ndigits(p);
		}
	}
	return p == tok + len;
}

static int64_t
parse_rfc822(const char *s)
{
	int nums[2], nlen[2], nnum = 0, mo = 0, h = 0, mi = 0, sec = 0, off = 0;
	int y, d, pm = -1;
	size_t ylen;
	bool have_time = false, have_zone = false;
	const char *p = s, *tok;
	size_t len;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',' || *p == '\r' ||
		    *p == '\n')
			p++;
		if (*p == '\0')
			break;
		if (*p == '(') {
			/* An RFC 822 comment: "+0000 (UTC)". */
			while (*p != '\0' && *p != ')')
				p++;
			if (*p == ')')
				p++;
			continue;
		}
		tok = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != ',' &&
		    *p != '\r' && *p != '\n')
			p++;
		len = p - tok;
		if (len > 32)
			return FEED_TIME_NONE;
		if (ndigits(tok) == len) {
			if (nnum == 2 || len > 4)
				return FEED_TIME_NONE;
			nlen[nnum] = len;
			nums[nnum++] = atoi(tok);
			continue;
		}
		if (!have_time && memchr(tok, ':', len) != NULL &&
		    isdigit((unsigned char)*tok)) {
			if (!rfc_time(tok, len, &h, &mi, &sec))
				return FEED_TIME_NONE;
			have_time = true;
			continue;
		}
		if (mo == 0 && (mo = month_index(tok, len)) != 0)
			continue;
		if (nnum == 0 && !have_time && is_weekday(tok, len))
			continue;
		if (have_time && pm == -1 && len == 2 &&
		    (strncasecmp(tok, "am", 2) == 0 ||
		    strncasecmp(tok, "pm", 2) == 0)) {
			pm = tolower((unsigned char)tok[0]) == 'p';
			continue;
		}
		if (have_time && !have_zone && rfc_zone(tok, len, &off)) {
			have_zone = true;
			continue;
		}
		return FEED_TIME_NONE;
	}
	if (mo == 0 || nnum != 2)
		return FEED_TIME_NONE;
	/* One number is the day, the other (3-4 digits if any) the year. */
	ylen = nlen[1];
	if (nlen[0] > 2) {
		y = nums[0];
		ylen = nlen[0];
		d = nums[1];
		if (nlen[1] > 2)
			return FEED_TIME_NONE;
	} else {
		d = nums[0];
		y = nums[1];
	}
	if (ylen == 3)
		y += 1900;
	else if (ylen <= 2)	/* RFC 2822 4.3 */
		y += y < 50 ? 2000 : 1900;
	if (pm != -1) {
		if (h < 1 || h > 12)
			return FEED_TIME_NONE;
		h = h % 12 + (pm ? 12 : 0);
	}
	return make_time(y, mo, d, h, mi, sec, off);
}

int64_t
date_parse(const char *s)
{
	char tmp[128];
	size_t len;

	if (s == NULL)
		return FEED_TIME_NONE;
	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof(tmp))
		return FEED_TIME_NONE;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if ((ndigits(tmp) == 4 && (tmp[4] == '\0' || tmp[4] == '-')) ||
	    ndigits(tmp) == 8)
		return parse_iso(tmp);
	return parse_rfc822(tmp);
}

/* n as exactly width digits at p. */
static char *
put_digits(char *p, unsigned n, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + n % 10);
		n /= 10;
	}
	return p + width;
}

bool
date_format_iso(int64_t t, char out[21])
{
	int64_t days, secs, era, doe, yoe, doy, mp, y, m, d;
	char *p = out;

	out[0] = '\0';
	if (t == FEED_TIME_NONE || t < DATE_MIN || t > DATE_MAX)
		return false;
	/*
	 * The proleptic Gregorian calendar by arithmetic (days to civil,
	 * eras of 400 years from 0000-03-01), not gmtime_r() and snprintf():
	 * a listing formats two or three dates per entry, and those calls
	 * were a fifth of its cost.
	 */
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	p = put_digits(p, (unsigned)y, 4);
	*p++ = '-';
	p = put_digits(p, (unsigned)m, 2);
	*p++ = '-';
	p = put_digits(p, (unsigned)d, 2);
	*p++ = 'T';
	p = put_digits(p, (unsigned)(secs / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)(secs / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)(secs % 60), 2);
	*p++ = 'Z';
	*p = '\0';
	return true;
}
