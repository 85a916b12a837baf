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

/* ---- names of months and weekdays ---------------------------------- */

/*
 * The names feeds write dates with. Besides English, the languages whose
 * feeds carry localized RFC 822 dates (a server's strftime in the site's
 * locale): glibc's abbreviations, the full names, and the genitive forms
 * Slavic dates use ("12 marca 2019"); and feedparser's Greek and
 * Hungarian. All lower case (name_fold() folds a token the same way);
 * a trailing dot ("févr.", "Sept.") is dropped before the lookup.
 */
static const struct name {
	const char *s;
	int	 v;
} month_names[] = {
	/* Portuguese */
	{ "fev", 2 }, { "abr", 4 }, { "mai", 5 }, { "ago", 8 }, { "set", 9 },
	{ "out", 10 }, { "dez", 12 }, { "janeiro", 1 }, { "fevereiro", 2 },
	{ "março", 3 }, { "marco", 3 }, { "abril", 4 }, { "maio", 5 },
	{ "junho", 6 }, { "julho", 7 }, { "agosto", 8 }, { "setembro", 9 },
	{ "outubro", 10 }, { "novembro", 11 }, { "dezembro", 12 },
	/* Spanish */
	{ "ene", 1 }, { "dic", 12 }, { "enero", 1 }, { "febrero", 2 },
	{ "marzo", 3 }, { "mayo", 5 }, { "junio", 6 }, { "julio", 7 },
	{ "septiembre", 9 }, { "setiembre", 9 }, { "octubre", 10 },
	{ "noviembre", 11 }, { "diciembre", 12 },
	/* French */
	{ "janv", 1 }, { "févr", 2 }, { "fevr", 2 }, { "mars", 3 },
	{ "avr", 4 }, { "juin", 6 }, { "juil", 7 }, { "août", 8 },
	{ "aout", 8 }, { "déc", 12 }, { "janvier", 1 }, { "février", 2 },
	{ "fevrier", 2 }, { "avril", 4 }, { "juillet", 7 },
	{ "septembre", 9 }, { "octobre", 10 }, { "novembre", 11 },
	{ "décembre", 12 }, { "decembre", 12 },
	/* German */
	{ "mär", 3 }, { "märz", 3 }, { "mrz", 3 }, { "okt", 10 },
	{ "januar", 1 }, { "jänner", 1 }, { "februar", 2 }, { "juni", 6 },
	{ "juli", 7 }, { "oktober", 10 }, { "dezember", 12 },
	/* Italian */
	{ "gen", 1 }, { "mag", 5 }, { "giu", 6 }, { "lug", 7 }, { "ott", 10 },
	{ "gennaio", 1 }, { "febbraio", 2 }, { "aprile", 4 }, { "maggio", 5 },
	{ "giugno", 6 }, { "luglio", 7 }, { "settembre", 9 }, { "ottobre", 10 },
	{ "dicembre", 12 },
	/* Dutch */
	{ "mrt", 3 }, { "mei", 5 }, { "januari", 1 }, { "februari", 2 },
	{ "maart", 3 }, { "augustus", 8 },
	/* Polish */
	{ "sty", 1 }, { "lut", 2 }, { "kwi", 4 }, { "maj", 5 }, { "cze", 6 },
	{ "lip", 7 }, { "sie", 8 }, { "wrz", 9 }, { "paź", 10 }, { "paz", 10 },
	{ "lis", 11 }, { "gru", 12 }, { "styczeń", 1 }, { "luty", 2 },
	{ "marzec", 3 }, { "kwiecień", 4 }, { "czerwiec", 6 }, { "lipiec", 7 },
	{ "sierpień", 8 }, { "wrzesień", 9 }, { "październik", 10 },
	{ "listopad", 11 }, { "grudzień", 12 }, { "stycznia", 1 },
	{ "lutego", 2 }, { "marca", 3 }, { "kwietnia", 4 }, { "maja", 5 },
	{ "czerwca", 6 }, { "lipca", 7 }, { "sierpnia", 8 }, { "września", 9 },
	{ "października", 10 }, { "listopada", 11 }, { "grudnia", 12 },
	/* Czech */
	{ "led", 1 }, { "úno", 2 }, { "bře", 3 }, { "dub", 4 }, { "kvě", 5 },
	{ "čen", 6 }, { "čvn", 6 }, { "čec", 7 }, { "čvc", 7 }, { "srp", 8 },
	{ "zář", 9 }, { "říj", 10 }, { "pro", 12 }, { "leden", 1 },
	{ "únor", 2 }, { "březen", 3 }, { "duben", 4 }, { "květen", 5 },
	{ "červen", 6 }, { "červenec", 7 }, { "srpen", 8 }, { "září", 9 },
	{ "říjen", 10 }, { "prosinec", 12 }, { "ledna", 1 }, { "února", 2 },
	{ "března", 3 }, { "dubna", 4 }, { "května", 5 }, { "června", 6 },
	{ "července", 7 }, { "srpna", 8 }, { "října", 10 },
	{ "listopadu", 11 }, { "prosince", 12 },
	/* Ukrainian */
	{ "січ", 1 }, { "лют", 2 }, { "бер", 3 }, { "кві", 4 }, { "квіт", 4 },
	{ "тра", 5 }, { "трав", 5 }, { "чер", 6 }, { "черв", 6 }, { "лип", 7 },
	{ "сер", 8 }, { "серп", 8 }, { "вер", 9 }, { "жов", 10 },
	{ "жовт", 10 }, { "лис", 11 }, { "лист", 11 }, { "гру", 12 },
	{ "груд", 12 }, { "січень", 1 }, { "лютий", 2 }, { "березень", 3 },
	{ "квітень", 4 }, { "травень", 5 }, { "червень", 6 }, { "липень", 7 },
	{ "серпень", 8 }, { "вересень", 9 }, { "жовтень", 10 },
	{ "листопад", 11 }, { "грудень", 12 }, { "січня", 1 }, { "лютого", 2 },
	{ "березня", 3 }, { "квітня", 4 }, { "травня", 5 }, { "червня", 6 },
	{ "липня", 7 }, { "серпня", 8 }, { "вересня", 9 }, { "жовтня", 10 },
	{ "листопада", 11 }, { "грудня", 12 },
	/* Russian */
	{ "янв", 1 }, { "фев", 2 }, { "мар", 3 }, { "апр", 4 }, { "май", 5 },
	{ "мая", 5 }, { "июн", 6 }, { "июл", 7 }, { "авг", 8 }, { "сен", 9 },
	{ "сент", 9 }, { "окт", 10 }, { "ноя", 11 }, { "нояб", 11 },
	{ "дек", 12 }, { "январь", 1 }, { "февраль", 2 }, { "март", 3 },
	{ "апрель", 4 }, { "июнь", 6 }, { "июль", 7 }, { "август", 8 },
	{ "сентябрь", 9 }, { "октябрь", 10 }, { "ноябрь", 11 },
	{ "декабрь", 12 }, { "января", 1 }, { "февраля", 2 }, { "марта", 3 },
	{ "апреля", 4 }, { "июня", 6 }, { "июля", 7 }, { "августа", 8 },
	{ "сентября", 9 }, { "октября", 10 }, { "ноября", 11 },
	{ "декабря", 12 },
	/* Greek (feedparser's, from ISO-8859-7 feeds) */
	{ "ιαν", 1 }, { "φεβ", 2 }, { "μάώ", 3 }, { "μαώ", 3 }, { "μαρ", 3 },
	{ "απρ", 4 }, { "μάι", 5 }, { "μαϊ", 5 }, { "μαι", 5 }, { "ιούν", 6 },
	{ "ιον", 6 }, { "ιουν", 6 }, { "ιούλ", 7 }, { "ιολ", 7 }, { "ιουλ", 7 },
	{ "αύγ", 8 }, { "αυγ", 8 }, { "σεπ", 9 }, { "οκτ", 10 }, { "νοέ", 11 },
	{ "νοε", 11 }, { "δεκ", 12 },
	/* Hungarian */
	{ "febr", 2 }, { "márc", 3 }, { "ápr", 4 }, { "máj", 5 }, { "jún", 6 },
	{ "júl", 7 }, { "szept", 9 }, { "január", 1 }, { "február", 2 },
	{ "március", 3 }, { "április", 4 }, { "május", 5 }, { "június", 6 },
	{ "július", 7 }, { "augusztus", 8 }, { "szeptember", 9 },
	{ "október", 10 },
}, weekday_names[] = {
	/* Portuguese */
	{ "dom", 0 }, { "seg", 1 }, { "ter", 2 }, { "qua", 3 }, { "qui", 4 },
	{ "sex", 5 }, { "sáb", 6 }, { "sab", 6 }, { "domingo", 0 },
	{ "segunda", 1 }, { "terça", 2 }, { "terca", 2 }, { "quarta", 3 },
	{ "quinta", 4 }, { "sexta", 5 }, { "sábado", 6 }, { "sabado", 6 },
	{ "segunda-feira", 1 }, { "terça-feira", 2 }, { "terca-feira", 2 },
	{ "quarta-feira", 3 }, { "quinta-feira", 4 }, { "sexta-feira", 5 },
	/* Spanish */
	{ "lun", 1 }, { "mar", 2 }, { "mié", 3 }, { "mie", 3 }, { "jue", 4 },
	{ "vie", 5 }, { "lunes", 1 }, { "martes", 2 }, { "miércoles", 3 },
	{ "miercoles", 3 }, { "jueves", 4 }, { "viernes", 5 },
	/* French */
	{ "mer", 3 }, { "jeu", 4 }, { "ven", 5 }, { "sam", 6 }, { "dim", 0 },
	{ "lundi", 1 }, { "mardi", 2 }, { "mercredi", 3 }, { "jeudi", 4 },
	{ "vendredi", 5 }, { "samedi", 6 }, { "dimanche", 0 },
	/* German */
	{ "mo", 1 }, { "di", 2 }, { "mi", 3 }, { "do", 4 }, { "fr", 5 },
	{ "sa", 6 }, { "so", 0 }, { "die", 2 }, { "mit", 3 }, { "don", 4 },
	{ "fre", 5 }, { "son", 0 }, { "montag", 1 }, { "dienstag", 2 },
	{ "mittwoch", 3 }, { "donnerstag", 4 }, { "freitag", 5 },
	{ "samstag", 6 }, { "sonnabend", 6 }, { "sonntag", 0 },
	/* Italian */
	{ "gio", 4 }, { "lunedì", 1 }, { "lunedi", 1 }, { "martedì", 2 },
	{ "martedi", 2 }, { "mercoledì", 3 }, { "mercoledi", 3 },
	{ "giovedì", 4 }, { "giovedi", 4 }, { "venerdì", 5 }, { "venerdi", 5 },
	{ "sabato", 6 }, { "domenica", 0 },
	/* Dutch */
	{ "ma", 1 }, { "wo", 3 }, { "vr", 5 }, { "za", 6 }, { "zo", 0 },
	{ "din", 2 }, { "woe", 3 }, { "vri", 5 }, { "zat", 6 }, { "zon", 0 },
	{ "maandag", 1 }, { "dinsdag", 2 }, { "woensdag", 3 },
	{ "donderdag", 4 }, { "vrijdag", 5 }, { "zaterdag", 6 },
	{ "zondag", 0 },
	/* Polish */
	{ "pon", 1 }, { "wto", 2 }, { "śro", 3 }, { "sro", 3 }, { "czw", 4 },
	{ "pią", 5 }, { "pia", 5 }, { "sob", 6 }, { "nie", 0 }, { "ndz", 0 },
	{ "pn", 1 }, { "wt", 2 }, { "śr", 3 }, { "cz", 4 }, { "pt", 5 },
	{ "sb", 6 }, { "nd", 0 }, { "poniedziałek", 1 }, { "wtorek", 2 },
	{ "środa", 3 }, { "czwartek", 4 }, { "piątek", 5 }, { "sobota", 6 },
	{ "niedziela", 0 },
	/* Ukrainian */
	{ "пн", 1 }, { "вт", 2 }, { "ср", 3 }, { "чт", 4 }, { "пт", 5 },
	{ "сб", 6 }, { "нд", 0 }, { "понеділок", 1 }, { "вівторок", 2 },
	{ "середа", 3 }, { "четвер", 4 }, { "п'ятниця", 5 },
	{ "п’ятниця", 5 }, { "субота", 6 }, { "неділя", 0 },
	/* Russian */
	{ "вс", 0 }, { "понедельник", 1 }, { "вторник", 2 }, { "среда", 3 },
	{ "четверг", 4 }, { "пятница", 5 }, { "суббота", 6 },
	{ "воскресенье", 0 },
	/* Czech */
	{ "po", 1 }, { "út", 2 }, { "st", 3 }, { "čt", 4 }, { "pá", 5 },
	{ "ne", 0 }, { "pondělí", 1 }, { "úterý", 2 }, { "středa", 3 },
	{ "čtvrtek", 4 }, { "pátek", 5 }, { "neděle", 0 },
	/* Greek */
	{ "κυρ", 0 }, { "δευ", 1 }, { "τρι", 2 }, { "τετ", 3 }, { "πεμ", 4 },
	{ "παρ", 5 }, { "σαβ", 6 },
};

/* Words that may stand between the parts of a localized date. */
static const char *const filler_words[] = { "de", "del", "à", "às", "um",
    "г", "в", "o", "le", "den", NULL };

/* Appends code point cp as UTF-8; false when out is full. */
static bool
put_cp(char *out, size_t outlen, size_t *n, unsigned cp)
{
	unsigned char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 2;
	} else {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		k = 3;
	}
	if (*n + k >= outlen)
		return false;
	memcpy(out + *n, b, k);
	*n += k;
	return true;
}

/* Lower case of the letters date names use (Latin, Greek, Cyrillic). */
static unsigned
lower_cp(unsigned c)
{
	if (c < 0x80)
		return (unsigned)tolower((int)c);
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 0x20;
	/* Latin Extended-A: pairs, upper case first, in two runs. */
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
		return c | 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return c & 1 ? c + 1 : c;
	if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)
		return c + 0x20;
	switch (c) {
	case 0x386: return 0x3ac;
	case 0x388: return 0x3ad;
	case 0x389: return 0x3ae;
	case 0x38a: return 0x3af;
	case 0x38c: return 0x3cc;
	case 0x38e: return 0x3cd;
	case 0x38f: return 0x3ce;
	case 0x490: return 0x491;
	default: break;
	}
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	return c;
}

/*
 * tok[0..len) folded to lower case into out, without a trailing '.';
 * false if it is not UTF-8 or too long for out.
 */
static bool
name_fold(const char *tok, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)tok;
	const unsigned char *end = p + len;
	size_t n = 0;
	unsigned c;

	if (len > 0 && tok[len - 1] == '.')
		end--;
	while (p < end) {
		if (*p < 0x80)
			c = *p++;
		else if ((*p & 0xe0) == 0xc0 && end - p >= 2 &&
		    (p[1] & 0xc0) == 0x80) {
			c = (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else if ((*p & 0xf0) == 0xe0 && end - p >= 3 &&
		    (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
			c = (unsigned)(p[0] & 0x0f) << 12 |
			    (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			p += 3;
		} else
			return false;
		if (!put_cp(out, outlen, &n, lower_cp(c)))
			return false;
	}
	out[n] = '\0';
	return n > 0;
}

static int
name_lookup(const struct name *t, size_t n, const char *folded)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].s, folded) == 0)
			return t[i].v;
	return -1;
}

/* 1..12 for a month's name in any of the languages above, else 0. */
static int
month_index(const char *tok, size_t len)
{
	static const char *months[] = { "january", "february", "march",
	    "april", "may", "june", "july", "august", "september", "october",
	    "november", "december" };
	char f[64];
	size_t flen;
	int i;

	if (!name_fold(tok, len, f, sizeof(f)))
		return 0;
	flen = strlen(f);
	if (flen >= 3) {
		for (i = 0; i < 12; i++) {
			/* "Jan", "January", and the common "Sept" */
			if (strncmp(f, months[i], flen) == 0 && (flen == 3 ||
			    flen == strlen(months[i]) || (i == 8 && flen == 4)))
				return i + 1;
		}
	}
	i = name_lookup(month_names, sizeof(month_names) /
	    sizeof(month_names[0]), f);
	return i > 0 ? i : 0;
}

static bool
is_weekday(const char *tok, size_t len)
{
	static const char *days[] = { "monday", "tuesday", "wednesday",
	    "thursday", "friday", "saturday", "sunday" };
	char f[64];
	size_t flen;
	int i;

	if (!name_fold(tok, len, f, sizeof(f)))
		return false;
	flen = strlen(f);
	for (i = 0; flen >= 3 && i < 7; i++) {
		if (strncmp(f, days[i], flen) == 0 && (flen == 3 ||
		    flen == strlen(days[i]) ||
		    (flen == 4 && (i == 1 || i == 3)) ||	/* Tues, Thur */
		    (flen == 5 && i == 3)))			/* Thurs */
			return true;
	}
	return name_lookup(weekday_names, sizeof(weekday_names) /
	    sizeof(weekday_names[0]), f) >= 0;
}

static bool
is_filler(const char *tok, size_t len)
{
	char f[64];

	if (!name_fold(tok, len, f, sizeof(f)))
		return false;
	for (const char *const *w = filler_words; *w != NULL; w++)
		if (strcmp(f, *w) == 0)
			return true;
	return false;
}

/* A two-digit year, as RFC 2822 4.3 reads it. */
static int
two_digit_year(int y)
{
	return y + (y < 50 ? 2000 : 1900);
}

/* ---- ISO 8601 and relatives ------------------------------------------ */

/*
 * YYYY[-MM[-DD[(T| )hh:mm[:ss[.frac]][zone]]]], also the basic form, a
 * month written with a stray leading zero (Google's "2003-012-31") and
 * a month's name (feedparser's Hungarian "2004-július-13T9:15-05:00",
 * whose hour may have one digit).
 */
static int64_t
parse_iso(const char *p)
{
	int y, mo = 1, d = 1, h = 0, mi = 0, s = 0, off = 0;
	bool basic, named = false;
	const char *name;

	if (!digits(&p, 4, &y))
		return FEED_TIME_NONE;
	basic = ndigits(p) == 4 && (p[4] == 'T' || p[4] == '\0');
	if (basic) {
		/* 20031231T101455Z */
		if (!digits(&p, 2, &mo) || !digits(&p, 2, &d))
			return FEED_TIME_NONE;
	} else if (*p == '-') {
		p++;
		if ((unsigned char)*p >= 0x80 || isalpha((unsigned char)*p)) {
			for (name = p; *p != '\0' && *p != '-'; p++)
				;
			if ((mo = month_index(name, p - name)) == 0 ||
			    *p != '-')
				return FEED_TIME_NONE;
			named = true;
		} else {
			if (ndigits(p) == 3 && *p == '0')
				p++;
			if (!digits(&p, 2, &mo))
				return FEED_TIME_NONE;
		}
		if (*p == '-') {
			p++;
			if (!digits(&p, 2, &d))
				return FEED_TIME_NONE;
		}
	}
	if ((*p == 'T' || *p == 't' || *p == ' ') &&
	    isdigit((unsigned char)p[1])) {
		p++;
		if (named && ndigits(p) == 1)
			h = *p++ - '0';
		else if (!digits(&p, 2, &h))
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

/*
 * The truncated ISO 8601:1988 forms with two-digit years that feedparser
 * reads: "03-12-31", "031231", "-03-12", "-0312". (Its ordinal "03335"
 * is not read: five digits are as likely to be anything else.)
 */
static int64_t
parse_iso_short(const char *p)
{
	int y, mo, d = 1;

	if (*p == '-') {
		p++;
		if (!digits(&p, 2, &y))
			return FEED_TIME_NONE;
		if (*p == '-')
			p++;
		if (!digits(&p, 2, &mo) || *p != '\0')
			return FEED_TIME_NONE;
	} else {
		if (!digits(&p, 2, &y))
			return FEED_TIME_NONE;
		if (*p == '-')
			p++;
		if (!digits(&p, 2, &mo))
			return FEED_TIME_NONE;
		if (*p == '-')
			p++;
		if (!digits(&p, 2, &d) || *p != '\0')
			return FEED_TIME_NONE;
	}
	return make_time(two_digit_year(y), mo, d, 0, 0, 0, 0);
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

/* Korean date units (feedparser's OnBlog and Nate formats), in UTF-8. */
#define KO_YEAR		"\xeb\x85\x84"		/* 년 */
#define KO_MONTH	"\xec\x9b\x94"		/* 월 */
#define KO_DAY		"\xec\x9d\xbc"		/* 일 */
#define KO_AM		"\xec\x98\xa4\xec\xa0\x84"	/* 오전 */
#define KO_PM		"\xec\x98\xa4\xed\x9b\x84"	/* 오후 */
#define KST_S		(9 * 3600)

/* What the token reader of parse_rfc822 has found so far. */
struct rfc {
	int	 nums[2], nlen[2], nnum;
	int	 y, mo, d;	/* from a whole-date token, or Korean units */
	int	 maybe_mo;	/* a weekday that is also a month ("mar") */
	int	 h, mi, sec, off, pm;
	bool	 have_date, have_time, have_zone, korean;
};

static bool
token_is(const char *tok, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(tok, s, len) == 0;
}

/*
 * A token that is a whole date: "2006/09/15" (Perforce), "2004-05-25"
 * (Nate), or RFC 850's "03-Sep-2025" / "03-Sep-25". False if it is not.
 */
static bool
date_token(struct rfc *r, const char *tok, size_t len)
{
	const char *p = tok, *end = tok + len, *name;
	int a, b, c;
	char sep;

	if (ndigits(p) == 4 && (p[4] == '-' || p[4] == '/')) {
		sep = p[4];
		if (!digits(&p, 4, &a) || *p++ != sep || !digits(&p, 2, &b) ||
		    *p++ != sep || !digits(&p, 2, &c) || p != end)
			return false;
		r->y = a;
		r->mo = b;
		r->d = c;
		return r->have_date = true;
	}
	if (ndigits(p) < 1 || ndigits(p) > 2)
		return false;
	a = atoi(p);
	p += ndigits(p);
	if (*p++ != '-')
		return false;
	for (name = p; p < end && *p != '-'; p++)
		;
	if (p >= end || (b = month_index(name, p - name)) == 0)
		return false;
	p++;
	if ((ndigits(p) != 2 && ndigits(p) != 4) || p + ndigits(p) != end)
		return false;
	c = atoi(p);
	r->y = ndigits(p) == 2 ? two_digit_year(c) : c;
	r->mo = b;
	r->d = a;
	return r->have_date = true;
}

/* "2004년", "05월", "28일": a number with its Korean unit. */
static bool
korean_unit(struct rfc *r, const char *tok, size_t len)
{
	size_t n = ndigits(tok);

	if (n == 0 || n > 4 || len != n + 3)
		return false;
	if (memcmp(tok + n, KO_YEAR, 3) == 0 && n == 4)
		r->y = atoi(tok);
	else if (memcmp(tok + n, KO_MONTH, 3) == 0 && n <= 2)
		r->mo = atoi(tok);
	else if (memcmp(tok + n, KO_DAY, 3) == 0 && n <= 2)
		r->d = atoi(tok);
	else
		return false;
	return r->korean = true;
}

/* One token of an RFC 822-like date; false if it cannot be one. */
static bool
rfc_token(struct rfc *r, const char *tok, size_t len)
{
	size_t n = ndigits(tok);
	bool wd;
	int m;

	/* "12." (German), "2019." */
	if (n > 0 && n + 1 == len && tok[n] == '.')
		len--;
	if (n == len) {
		if (r->nnum == 2 || len > 4)
			return false;
		r->nlen[r->nnum] = (int)len;
		r->nums[r->nnum++] = atoi(tok);
		return true;
	}
	if (!r->have_time && memchr(tok, ':', len) != NULL &&
	    isdigit((unsigned char)*tok)) {
		if (!rfc_time(tok, len, &r->h, &r->mi, &r->sec))
			return false;
		return r->have_time = true;
	}
	if (n > 0 && !r->have_date && r->nnum == 0 && r->mo == 0 &&
	    date_token(r, tok, len))
		return true;
	if (n > 0 && korean_unit(r, tok, len))
		return true;
	if (r->pm == -1 && (token_is(tok, len, KO_AM) ||
	    token_is(tok, len, KO_PM))) {
		r->pm = token_is(tok, len, KO_PM);
		return r->korean = true;
	}
	m = r->mo == 0 && !r->have_date ? month_index(tok, len) : 0;
	wd = r->nnum == 0 && !r->have_time && !r->have_date && r->mo == 0 &&
	    r->maybe_mo == 0 && is_weekday(tok, len);
	if (wd && m != 0) {
		/*
		 * "mar" is Tuesday in Italian, Spanish and French, and March:
		 * a weekday, unless no other month follows.
		 */
		r->maybe_mo = m;
		return true;
	}
	if (m != 0) {
		r->mo = m;
		return true;
	}
	if (wd)
		return true;
	if (r->have_time && r->pm == -1 && len == 2 &&
	    (strncasecmp(tok, "am", 2) == 0 ||
	    strncasecmp(tok, "pm", 2) == 0)) {
		r->pm = tolower((unsigned char)tok[0]) == 'p';
		return true;
	}
	if (r->have_time && !r->have_zone && rfc_zone(tok, len, &r->off))
		return r->have_zone = true;
	return is_filler(tok, len);
}

static int64_t
parse_rfc822(const char *s)
{
	struct rfc r;
	const char *p = s, *tok;
	size_t len, ylen;
	int y, d;

	memset(&r, 0, sizeof(r));
	r.pm = -1;
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
		if (len > 32 || !rfc_token(&r, tok, len))
			return FEED_TIME_NONE;
	}
	if (r.mo == 0 && !r.korean)
		r.mo = r.maybe_mo;
	if (r.korean) {
		/* OnBlog, Nate: Korean sites, Korean time unless told. */
		if (r.y == 0 || r.mo == 0 || r.d == 0 || r.nnum != 0)
			return FEED_TIME_NONE;
		y = r.y;
		d = r.d;
		if (!r.have_zone)
			r.off = KST_S;
	} else if (r.have_date) {
		if (r.nnum != 0 || r.maybe_mo != 0)
			return FEED_TIME_NONE;
		y = r.y;
		d = r.d;
	} else {
		if (r.mo == 0 || r.nnum != 2)
			return FEED_TIME_NONE;
		/* One number is the day, the other (3-4 digits if any) the year. */
		ylen = (size_t)r.nlen[1];
		if (r.nlen[0] > 2) {
			y = r.nums[0];
			ylen = (size_t)r.nlen[0];
			d = r.nums[1];
			if (r.nlen[1] > 2)
				return FEED_TIME_NONE;
		} else {
			d = r.nums[0];
			y = r.nums[1];
		}
		if (ylen == 3)
			y += 1900;
		else if (ylen <= 2)	/* RFC 2822 4.3 */
			y = two_digit_year(y);
	}
	if (r.pm != -1) {
		if (r.h < 1 || r.h > 12)
			return FEED_TIME_NONE;
		r.h = r.h % 12 + (r.pm ? 12 : 0);
	}
	return make_time(y, r.mo, d, r.h, r.mi, r.sec, r.off);
}

static bool
all_digits(const char *s, size_t n)
{
	return ndigits(s) == n && s[n] == '\0';
}

int64_t
date_parse(const char *s)
{
	char tmp[128];
	size_t len;
	int64_t t;

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
	if (all_digits(tmp, 6) || (len == 8 && ndigits(tmp) == 2 &&
	    tmp[2] == '-' && ndigits(tmp + 3) == 2 && tmp[5] == '-' &&
	    all_digits(tmp + 6, 2)) || (tmp[0] == '-' && (all_digits(tmp + 1,
	    4) || (ndigits(tmp + 1) == 2 && tmp[3] == '-' &&
	    all_digits(tmp + 4, 2)))))
		return parse_iso_short(tmp);
	if ((ndigits(tmp) == 4 && (tmp[4] == '\0' || tmp[4] == '-')) ||
	    ndigits(tmp) == 8) {
		/*
		 * Not ISO after all ("2004-05-25 오후 11:23:17",
		 * "2003-12-31 10:14:55 PST"): the token reader may know it.
		 */
		if ((t = parse_iso(tmp)) != FEED_TIME_NONE)
			return t;
	}
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
