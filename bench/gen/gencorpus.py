#!/usr/bin/env python3
"""Write a benchmark corpus of N news feeds with real-world shape.

    gencorpus.py --out DIR -n N [--seed S]              base corpus
    gencorpus.py --out DIR -n N [--seed S] --mutate [--round R]
                                                        incremental poll
    gencorpus.py --out DIR -n 100000 --items 10 --no-content
                                                        many small feeds

The base corpus is DIR/f/NNNNN.xml (plus NNNNN.xml.gz, for nginx's
gzip_static), DIR/feeds.txt (one path per line), DIR/entries.tsv (every item
as a parser should yield it: the store floor's input) and DIR/manifest.json
(counts: items, bytes, formats, encodings, malformed feeds, items carrying the
topic phrase).

--mutate writes into DIR only the feeds that change in round R (about 10%,
each gaining 1-3 new items on top of the base items and of rounds < R), with
mtime = base mtime + R hours, and DIR/manifest.json for that round. Point
--out at an empty directory and copy the files over the served corpus, or at
the served corpus itself to change it in place.

--items K gives every feed K items (default: 10-100, median 30) and
--no-content leaves out the full HTML content, so that a feed is about
10 KB: the shape of bench/scale/run.py's 100,000-feed corpus.

Everything is a function of (seed, feed number, round): the same arguments
give byte-identical files. Python 3 standard library only.
"""

import argparse
import gzip
import hashlib
import json
import math
import multiprocessing
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone

NOW = datetime(2025, 9, 3, 12, 0, 0, tzinfo=timezone.utc)
BASE_MTIME = int(NOW.timestamp())

TOPIC = {"en": "coalition of the willing", "uk": "коаліція охочих",
         "ru": "коалиция желающих", "fr": "coalition des volontaires",
         "de": "Koalition der Willigen"}
TOPIC_FRACTION = 0.02          # of items, in every language

WORDS = {
    "en": """government minister president parliament talks ceasefire army
    troops border city region officials said report reports sources according
    to the a an of in on for with from by after before during over under
    against between economy market prices inflation energy gas oil grid
    attack drone drones missile strike strikes air defence defense support
    allies summit leaders security guarantees sanctions package vote votes
    election campaign court ruling law bill budget tax spending bank rates
    interest growth jobs workers strike union company shares investors deal
    agreement negotiations peace plan proposal week month year Monday
    Tuesday Wednesday Thursday Friday weekend morning night early late
    Kyiv Kharkiv Odesa Lviv Dnipro Brussels Washington London Paris Berlin
    Warsaw Ankara Geneva Rome Madrid Vienna Helsinki Tallinn Riga Vilnius
    Europe European Union NATO United Nations Ukraine Ukrainian Russia
    Russian Poland Germany France Britain Turkey China Chinese American
    officials spokesperson analysts experts residents civilians children
    hospital school power station bridge railway port grain exports imports
    aid humanitarian reconstruction funding billion million thousand percent
    new major first last latest second third key top senior former acting
    announced confirmed denied warned called urged pledged agreed rejected
    launched opened closed signed approved blocked delayed expected planned
    continue continued remain remains still also however while because
    although despite amid across around near along toward climate storm
    flood heat wildfire weather science research study health vaccine
    technology data privacy online platform software chips artificial
    intelligence football match season cup final tournament coach player""",
    "uk": """уряд міністр президент парламент переговори перемир'я армія війська
    кордон місто область посадовці заявили повідомили джерела за даними у в
    на з із до після під час над проти між економіка ринок ціни інфляція
    енергетика газ нафта мережа атака дрони ракета удар удари ППО підтримка
    союзники саміт лідери безпека гарантії санкції пакет голосування вибори
    суд рішення закон бюджет податки банк ставка зростання робота компанія
    угода мир план пропозиція тиждень місяць рік понеділок вівторок середа
    четвер пʼятниця ранок ніч Київ Харків Одеса Львів Дніпро Брюссель
    Вашингтон Лондон Париж Берлін Варшава Європа Євросоюз НАТО ООН Україна
    українські Росія Польща Німеччина Франція Британія лікарня школа
    електростанція міст залізниця порт зерно експорт допомога відбудова
    фінансування мільярд мільйон відсотків новий перший останній ключовий
    оголосив підтвердив заперечив попередив закликав пообіцяв погодився
    відхилив запустив підписав схвалив заблокував очікується продовжує
    також однак тоді через попри біля вздовж погода наука дослідження""",
    "ru": """правительство министр президент парламент переговоры перемирие
    армия войска граница город область чиновники заявили сообщили источники
    по данным в на с из до после во время над против между экономика рынок
    цены инфляция энергетика газ нефть сеть атака дроны ракета удар удары
    поддержка союзники саммит лидеры безопасность гарантии санкции пакет
    голосование выборы суд решение закон бюджет налоги банк ставка рост
    работа компания сделка мир план предложение неделя месяц год утро ночь
    Киев Харьков Одесса Брюссель Вашингтон Лондон Париж Берлин Варшава
    Европа Евросоюз НАТО ООН больница школа электростанция мост железная
    дорога порт зерно экспорт помощь восстановление финансирование миллиард
    миллион процентов новый первый последний ключевой объявил подтвердил""",
    "fr": """gouvernement ministre président parlement négociations cessez-le-feu
    armée troupes frontière ville région responsables ont déclaré selon les
    la le des du de dans sur pour avec après avant pendant contre entre
    économie marché prix inflation énergie gaz pétrole réseau attaque drones
    missile frappes défense aérienne soutien alliés sommet dirigeants
    sécurité garanties sanctions élection tribunal décision loi budget impôt
    banque taux croissance emploi entreprise accord paix plan proposition
    semaine mois année lundi mardi mercredi jeudi vendredi matin soir Kyiv
    Bruxelles Washington Londres Paris Berlin Varsovie Europe européenne
    OTAN Nations unies Ukraine ukrainien Russie russe Pologne Allemagne
    hôpital école centrale pont chemin fer port céréales exportations aide
    reconstruction financement milliard million pour cent nouveau premier
    dernier clé annoncé confirmé démenti averti appelé promis été déjà très
    où ça réfugiés élèves député sénat télévision météo sécheresse forêt""",
    "de": """Regierung Minister Präsident Parlament Verhandlungen Waffenruhe
    Armee Truppen Grenze Stadt Region Behörden sagten laut Quellen der die
    das des dem den in auf für mit nach vor während gegen zwischen Wirtschaft
    Markt Preise Inflation Energie Gas Öl Netz Angriff Drohnen Rakete
    Luftabwehr Unterstützung Verbündete Gipfel Sicherheit Garantien
    Sanktionen Wahl Gericht Urteil Gesetz Haushalt Steuern Bank Zinsen
    Wachstum Arbeit Unternehmen Abkommen Frieden Plan Vorschlag Woche Monat
    Jahr Montag Dienstag Mittwoch Donnerstag Freitag Morgen Abend Kiew
    Brüssel Washington London Paris Berlin Warschau Europa Europäische NATO
    Vereinte Nationen Ukraine ukrainische Russland russische Polen
    Deutschland Frankreich Krankenhaus Schule Kraftwerk Brücke Bahn Hafen
    Getreide Export Hilfe Wiederaufbau Milliarden Millionen Prozent neue
    erste letzte wichtige kündigte bestätigte dementierte warnte forderte
    versprach größte Straße Bürger Bürgermeister Gespräche Flüchtlinge""",
}
WORDS = {k: v.split() for k, v in WORDS.items()}

AUTHORS = ["Olena Kovalenko", "James Whitaker", "Marta Nowak", "Pierre Lefèvre",
           "Anna Schäfer", "Іван Петренко", "Daria Shevchenko", "Tom Ellis",
           "Newsroom", "AP", "Reuters Staff", "Sofia Bondar", "Luca Rossi",
           "Kateryna Melnyk", "Oksana Hrytsenko", "Jean-Marc Dubois"]

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


def xesc(s, quote=False):
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        s = s.replace('"', "&quot;")
    return s


def rfc822(dt, style):
    if style == 0:
        return "%s, %02d %s %04d %02d:%02d:%02d +0000" % (
            DAYS[dt.weekday()], dt.day, MONTHS[dt.month - 1], dt.year,
            dt.hour, dt.minute, dt.second)
    if style == 1:
        return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
            DAYS[dt.weekday()], dt.day, MONTHS[dt.month - 1], dt.year,
            dt.hour, dt.minute, dt.second)
    if style == 2:      # local time with an offset, single-digit day
        lt = dt - timedelta(hours=4)
        return "%s, %d %s %04d %02d:%02d:%02d -0400" % (
            DAYS[lt.weekday()], lt.day, MONTHS[lt.month - 1], lt.year,
            lt.hour, lt.minute, lt.second)
    lt = dt + timedelta(hours=3)            # style 3: +0300, no weekday
    return "%02d %s %04d %02d:%02d:%02d +0300" % (
        lt.day, MONTHS[lt.month - 1], lt.year, lt.hour, lt.minute, lt.second)


def rfc3339(dt, style):
    if style == 0:
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == 1:
        return (dt + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S+03:00")
    if style == 2:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.second * 7 % 1000)
    return (dt - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S-05:00")


class Text:
    """News-like text from a language's vocabulary, drawn by a seeded RNG."""

    def __init__(self, rng, lang):
        self.r = rng
        self.lang = lang
        self.words = WORDS[lang]

    def words_n(self, n):
        r, w = self.r, self.words
        k = len(w)
        return [w[int(k * r.random() ** 1.7)] for _ in range(n)]

    def sentence(self, topic=False):
        ws = self.words_n(self.r.randint(8, 24))
        if topic:
            ws.insert(self.r.randint(0, len(ws)), TOPIC[self.lang])
        s = " ".join(ws)
        return s[0].upper() + s[1:] + self.r.choice(".....?!")

    def title(self, topic=False):
        ws = self.words_n(self.r.randint(6, 12))
        if topic:
            ws.insert(self.r.randint(0, len(ws)), TOPIC[self.lang])
        s = " ".join(ws)
        return s[0].upper() + s[1:]


class Feed:
    """One feed's fixed traits, all drawn from rng(seed, feed number)."""

    def __init__(self, seed, i):
        self.i = i
        r = self.r = random.Random("%s:feed:%d" % (seed, i))
        x = r.random()
        self.fmt = "rss2" if x < 0.70 else ("atom" if x < 0.92 else "rss1")
        x = r.random()
        if x < 0.03:
            self.enc, self.lang = "windows-1251", r.choice(["uk", "ru"])
        elif x < 0.06:
            self.enc, self.lang = "iso-8859-1", r.choice(["fr", "de"])
        else:
            self.enc = "utf-8"
            y = r.random()
            self.lang = "en" if y < 0.75 else ("uk" if y < 0.90 else
                                                r.choice(["fr", "de"]))
        self.full = r.random() < 0.35
        x = r.random()
        self.guid = ("opaque" if x < 0.50 else "url" if x < 0.75 else
                     "url-explicit" if x < 0.90 else "none")
        self.podcast = r.random() < 0.08
        self.cdata = r.random() < 0.40
        self.cats = r.random() < 0.60
        self.author = r.random() < 0.70
        self.datestyle = r.randrange(4)
        self.xmlbase = self.fmt == "atom" and r.random() < 0.10
        self.atom_noid = self.fmt == "atom" and r.random() < 0.03
        x = r.random()
        self.malformed = (None if x >= 0.02 else
                          r.choice(["truncated", "undefined-entity",
                                    "bare-ampersand", "bad-utf8"]))
        if self.malformed == "bad-utf8" and self.enc != "utf-8":
            self.malformed = "truncated"
        self.nitems = max(10, min(100, int(round(math.exp(r.gauss(math.log(30), 0.55))))))
        self.site = "news%04d.example.com" % i
        self.title = "%s %d" % (r.choice(["Daily", "World", "Evening", "Free",
                                          "City", "National", "Open"]) +
                                " " + r.choice(["News", "Post", "Herald",
                                                "Times", "Wire", "Review"]), i)
        self.interval = r.choice([600, 900, 1800, 3600, 7200, 21600])


class Item:
    pass


def make_item(feed, seed, n, when, r):
    """Item number n of a feed, published at `when`, text from rng r."""
    t = Text(r, feed.lang)
    it = Item()
    it.n = n
    it.topic = r.random() < TOPIC_FRACTION
    topic_in_title = it.topic and r.random() < 0.5
    it.title = t.title(topic_in_title)
    slug = "-".join(w.lower() for w in it.title.split()[:5]
                    if w.isascii() and w.isalnum()) or "story"
    path = "/%04d/%02d/%02d/%s-%d" % (when.year, when.month, when.day, slug, n)
    it.link = "https://%s%s" % (feed.site, path)
    it.relpath = path
    if r.random() < 0.15:
        it.link += "?utm_source=rss&utm_medium=feed"
    it.when = when
    it.author = r.choice(AUTHORS) if feed.author else None
    it.cats = r.sample(WORDS[feed.lang], r.randint(1, 4)) if feed.cats else []
    # Summary: 1-3 HTML paragraphs, with links, emphasis, entities.
    paras = []
    body_topic = it.topic and not topic_in_title
    for p in range(r.randint(1, 3)):
        ss = [t.sentence(body_topic and p == 0 and k == 0)
              for k in range(r.randint(1, 4))]
        s = " ".join(ss)
        if r.random() < 0.3:
            s = s.replace(" ", "&nbsp;", 1)
        if r.random() < 0.3:
            s += " &#8220;%s&#8221; &mdash; %s" % (t.title(), r.choice(AUTHORS))
        if r.random() < 0.4:
            w = s.split(" ")
            k = r.randrange(len(w))
            w[k] = '<a href="https://%s/tag/%d">%s</a>' % (feed.site, r.randrange(999), w[k])
            s = " ".join(w)
        if r.random() < 0.2:
            s = "<strong>%s</strong> %s" % (r.choice(WORDS[feed.lang]), s)
        paras.append("<p>%s</p>" % s)
    if r.random() < 0.25:
        paras.insert(0, '<img src="https://%s/img/%d.jpg" alt="%s" width="640" height="360">'
                     % (feed.site, n, xesc(t.title(), True)))
    it.summary = "".join(paras)
    if feed.full:
        body = [it.summary]
        for p in range(r.randint(2, 9)):
            body.append("<p>%s</p>" % " ".join(t.sentence() for _ in range(r.randint(2, 5))))
            if r.random() < 0.15:
                body.append("<blockquote>%s</blockquote>" % t.sentence())
            if r.random() < 0.1:
                body.append("<h2>%s</h2>" % t.title())
        it.content = "\n".join(body)
    else:
        it.content = None
    h = hashlib.sha1(("%s:%d:%d" % (seed, feed.i, n)).encode()).hexdigest()
    it.opaque = h[:24]
    if feed.podcast:
        it.enclosure = ("https://cdn.%s/audio/%s.mp3" % (feed.site, h[:12]),
                        "audio/mpeg", 5_000_000 + int(h[12:18], 16) * 37)
    else:
        it.enclosure = None
    return it


def feed_items(feed, seed, rounds):
    """Base items, newest first, plus the items added by mutation rounds
    1..rounds (for the feeds each round picks)."""
    r = feed.r
    items = []
    when = NOW - timedelta(seconds=r.randint(0, feed.interval))
    for k in range(feed.nitems):
        n = feed.nitems - k
        items.append(make_item(feed, seed, n, when, r))
        when -= timedelta(seconds=int(feed.interval * r.expovariate(1.0)) + 60)
    for rnd in range(1, rounds + 1):
        if not mutated_in(seed, feed.i, rnd):
            continue
        mr = random.Random("%s:mutate:%d:%d" % (seed, feed.i, rnd))
        extra = mr.randint(1, 3)
        for k in range(extra):
            n = 1000 * rnd + extra - k + feed.nitems
            w = NOW + timedelta(hours=rnd) - timedelta(minutes=10 * k)
            items.insert(0, make_item(feed, seed, n, w, mr))
    return items


def mutated_in(seed, i, rnd):
    return random.Random("%s:pick:%d:%d" % (seed, i, rnd)).random() < 0.10


def guid_of(feed, it):
    """The identity a parser should report, as in the neutral model."""
    if feed.fmt == "rss2":
        return None if feed.guid == "none" else (
            it.opaque if feed.guid == "opaque" else it.link)
    if feed.fmt == "atom":
        return None if feed.atom_noid else "tag:%s,2025:%s" % (feed.site, it.opaque)
    return it.link          # rss1: rdf:about


def cdata(s):
    return "<![CDATA[" + s.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def html_field(feed, s):
    return cdata(s) if feed.cdata else xesc(s)


def render(feed, items, seed, rnd):
    url = "http://127.0.0.1/f/%05d.xml" % feed.i
    updated = items[0].when if items else NOW
    ds = feed.datestyle
    o = []
    decl = feed.enc if feed.enc != "utf-8" else ("UTF-8" if feed.i % 2 else "utf-8")
    o.append('<?xml version="1.0" encoding="%s"?>\n' % decl)
    if feed.fmt == "rss2":
        o.append('<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
                 ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
                 ' xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>\n')
        o.append("<title>%s</title>\n<link>https://%s/</link>\n" % (xesc(feed.title), feed.site))
        o.append("<description>%s</description>\n<language>%s</language>\n"
                 % (xesc("Latest news from " + feed.title), feed.lang))
        o.append("<lastBuildDate>%s</lastBuildDate>\n" % rfc822(updated, ds))
        o.append('<atom:link href="%s" rel="self" type="application/rss+xml"/>\n' % url)
        o.append("<generator>feedd-bench-gen</generator>\n<ttl>%d</ttl>\n" % (feed.interval // 60))
        for it in items:
            o.append("<item>\n<title>%s</title>\n<link>%s</link>\n" % (xesc(it.title), xesc(it.link)))
            if feed.guid == "opaque":
                o.append('<guid isPermaLink="false">%s</guid>\n' % it.opaque)
            elif feed.guid == "url":
                o.append("<guid>%s</guid>\n" % xesc(it.link))
            elif feed.guid == "url-explicit":
                o.append('<guid isPermaLink="true">%s</guid>\n' % xesc(it.link))
            o.append("<pubDate>%s</pubDate>\n" % rfc822(it.when, ds))
            if it.author:
                o.append("<dc:creator>%s</dc:creator>\n" % cdata(it.author))
            for c in it.cats:
                o.append("<category>%s</category>\n" % xesc(c))
            o.append("<description>%s</description>\n" % html_field(feed, it.summary))
            if it.content:
                o.append("<content:encoded>%s</content:encoded>\n" % cdata(it.content))
            if it.enclosure:
                o.append('<enclosure url="%s" length="%d" type="%s"/>\n'
                         % (it.enclosure[0], it.enclosure[2], it.enclosure[1]))
            o.append("</item>\n")
        o.append("</channel>\n</rss>\n")
    elif feed.fmt == "atom":
        base = ' xml:base="https://%s/"' % feed.site if feed.xmlbase else ""
        o.append('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="%s"%s>\n' % (feed.lang, base))
        o.append("<title>%s</title>\n<subtitle>%s</subtitle>\n"
                 % (xesc(feed.title), xesc("Latest news from " + feed.title)))
        o.append('<link rel="alternate" type="text/html" href="https://%s/"/>\n' % feed.site)
        o.append('<link rel="self" type="application/atom+xml" href="%s"/>\n' % url)
        o.append("<id>tag:%s,2025:feed</id>\n<updated>%s</updated>\n"
                 % (feed.site, rfc3339(updated, ds)))
        for it in items:
            o.append("<entry>\n<title type=\"html\">%s</title>\n" % xesc(xesc(it.title)))
            href = it.relpath if feed.xmlbase else it.link
            o.append('<link rel="alternate" type="text/html" href="%s"/>\n' % xesc(href, True))
            if not feed.atom_noid:
                o.append("<id>tag:%s,2025:%s</id>\n" % (feed.site, it.opaque))
            o.append("<published>%s</published>\n<updated>%s</updated>\n"
                     % (rfc3339(it.when, ds), rfc3339(it.when + timedelta(minutes=5), ds)))
            if it.author:
                o.append("<author><name>%s</name></author>\n" % xesc(it.author))
            for c in it.cats:
                o.append('<category term="%s"/>\n' % xesc(c, True))
            o.append('<summary type="html">%s</summary>\n' % xesc(it.summary))
            if it.content:
                o.append('<content type="html">%s</content>\n' % xesc(it.content))
            if it.enclosure:
                o.append('<link rel="enclosure" href="%s" length="%d" type="%s"/>\n'
                         % (it.enclosure[0], it.enclosure[2], it.enclosure[1]))
            o.append("</entry>\n")
        o.append("</feed>\n")
    else:
        o.append('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
                 ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
                 ' xmlns:content="http://purl.org/rss/1.0/modules/content/">\n')
        o.append('<channel rdf:about="%s">\n<title>%s</title>\n<link>https://%s/</link>\n'
                 % (url, xesc(feed.title), feed.site))
        o.append("<description>%s</description>\n<dc:date>%s</dc:date>\n<items>\n<rdf:Seq>\n"
                 % (xesc("Latest news from " + feed.title), rfc3339(updated, ds)))
        for it in items:
            o.append('<rdf:li rdf:resource="%s"/>\n' % xesc(it.link, True))
        o.append("</rdf:Seq>\n</items>\n</channel>\n")
        for it in items:
            o.append('<item rdf:about="%s">\n<title>%s</title>\n<link>%s</link>\n'
                     % (xesc(it.link, True), xesc(it.title), xesc(it.link)))
            o.append("<description>%s</description>\n" % xesc(it.summary))
            if it.content:
                o.append("<content:encoded>%s</content:encoded>\n" % cdata(it.content))
            if it.author:
                o.append("<dc:creator>%s</dc:creator>\n" % xesc(it.author))
            for c in it.cats:
                o.append("<dc:subject>%s</dc:subject>\n" % xesc(c))
            o.append("<dc:date>%s</dc:date>\n</item>\n" % rfc3339(it.when, ds))
        o.append("</rdf:RDF>\n")

    # Malformations, at a point 60% into the items.
    cut = 1 + (len(o) * 3) // 5
    while cut < len(o) - 1 and "<title" not in o[cut]:
        cut += 1
    if feed.malformed == "undefined-entity":
        o[cut] = o[cut].replace("</title>", " Caf&eacute;&nbsp;</title>", 1)
    elif feed.malformed == "bare-ampersand":
        o[cut] = o[cut].replace("</title>", " Q&A: R&D</title>", 1)
    text = "".join(o)
    data = text.encode(feed.enc, errors="xmlcharrefreplace")
    if feed.malformed == "truncated":
        data = data[: int(len(data) * 0.6)]
    elif feed.malformed == "bad-utf8":
        pre = "".join(o[:cut]).encode("utf-8")
        data = pre + b"\xc3\x28\xff" + data[len(pre):]
    return data


def tsv(s):
    if s is None:
        return ""
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def gen_one(args):
    seed, i, rnd, outdir, only_changed, nitems, content = args
    feed = Feed(seed, i)
    if nitems:
        feed.nitems = nitems
    if not content:
        feed.full = False
    if only_changed and not mutated_in(seed, i, rnd):
        return None
    items = feed_items(feed, seed, rnd)
    data = render(feed, items, seed, rnd)
    rel = "f/%05d.xml" % i
    path = os.path.join(outdir, rel)
    mtime = BASE_MTIME + 3600 * rnd
    for p, d in ((path, data), (path + ".gz", gzip.compress(data, 6, mtime=0))):
        tmp = p + ".tmp"
        with open(tmp, "wb") as f:
            f.write(d)
        os.utime(tmp, (mtime, mtime))
        os.replace(tmp, p)      # a new inode: never writes through a hard link
    rows = []
    topic_items = sum(1 for it in items if it.topic)
    if not only_changed:
        for it in items:
            rows.append("\t".join([
                str(i), tsv(guid_of(feed, it)), tsv(it.title), tsv(it.link),
                it.when.strftime("%Y-%m-%dT%H:%M:%SZ"), tsv(it.author),
                tsv(it.summary), tsv(it.content)]))
    return dict(i=i, path=rel, fmt=feed.fmt, enc=feed.enc, lang=feed.lang,
                malformed=feed.malformed, items=len(items), bytes=len(data),
                topic_items=topic_items, rows="\n".join(rows))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("-n", "--feeds", type=int, required=True)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--mutate", action="store_true",
                    help="write only the feeds that change in --round")
    ap.add_argument("--round", type=int, default=1)
    ap.add_argument("--items", type=int, default=0,
                    help="items a feed (default: 10-100, median 30)")
    ap.add_argument("--no-content", action="store_true",
                    help="no full HTML content in any feed")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    rnd = a.round if a.mutate else 0
    os.makedirs(os.path.join(a.out, "f"), exist_ok=True)
    t0 = time.time()
    tasks = [(a.seed, i, rnd, a.out, a.mutate, a.items, not a.no_content)
             for i in range(1, a.feeds + 1)]
    man = dict(seed=a.seed, feeds=a.feeds, round=rnd, now=NOW.isoformat(),
               topic_phrases=TOPIC, topic_fraction=TOPIC_FRACTION,
               changed_feeds=0, new_items=0, items=0, items_wellformed=0,
               bytes=0, topic_items=0, formats={}, encodings={},
               malformed={})
    ent = None if a.mutate else open(os.path.join(a.out, "entries.tsv"), "w",
                                     encoding="utf-8")
    paths = []
    with multiprocessing.Pool(a.jobs) as pool:
        for res in pool.imap(gen_one, tasks, chunksize=16):
            if res is None:
                continue
            paths.append(res["path"])
            man["changed_feeds"] += 1
            man["items"] += res["items"]
            man["bytes"] += res["bytes"]
            man["topic_items"] += res["topic_items"]
            if not res["malformed"]:
                man["items_wellformed"] += res["items"]
            for k, v in (("formats", res["fmt"]), ("encodings", res["enc"]),
                         ("malformed", res["malformed"])):
                if v:
                    man[k][v] = man[k].get(v, 0) + 1
            if ent and res["rows"]:
                ent.write(res["rows"] + "\n")
    if ent:
        ent.close()
    if a.mutate:
        man["new_items"] = sum(
            random.Random("%s:mutate:%d:%d" % (a.seed, i, r)).randint(1, 3)
            for r in range(1, rnd + 1) for i in range(1, a.feeds + 1)
            if mutated_in(a.seed, i, r) and r == rnd)
    else:
        man["changed_feeds"] = 0
    with open(os.path.join(a.out, "feeds.txt" if not a.mutate else
                           "changed-%d.txt" % rnd), "w") as f:
        f.write("".join(p + "\n" for p in paths))
    man["seconds"] = round(time.time() - t0, 2)
    with open(os.path.join(a.out, "manifest.json" if not a.mutate else
                           "manifest-%d.json" % rnd), "w") as f:
        json.dump(man, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(json.dumps({k: man[k] for k in ("feeds", "round", "changed_feeds",
                                          "new_items", "items", "bytes",
                                          "seconds")}))


if __name__ == "__main__":
    sys.exit(main())
