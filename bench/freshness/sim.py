#!/usr/bin/env python3
"""Freshness: how long after a story is published does a topic hear of it,
and what does that cost in requests and bytes, for five polling strategies
side by side on one simulated world (a compressed clock: 14 days in a few
seconds).

  bench/freshness/sim.py [--feeds 2000] [--days 14] [--seed 1 | 1-10]
                         [--push-ms FILE]      # measured WebSub delays

Several seeds (1-10, or 1,3,5) are several worlds: the table pools their
items (a median of a few hundred topic items moves by 10-20% from one
world to the next), and each seed's ratios follow it.

The world (every number a flag): hourly news feeds that sleep at night,
feeds that publish a few times a day, weekly blogs; stories that break in
several feeds at once (the topic's matches); some publishers with a WebSub
hub. The first half of the run only builds each feed's history (what the
adaptive schedules learn from); the second half is measured.

The strategies, as their code computes intervals:
  (a) cron      every 30 min (newsboat or sfeed_update from cron)
  (b) miniflux  entry frequency: 7 days / entries of the last week, within
                [5 min, 24 h]; its refresh job runs every POLLING_FREQUENCY
                (60 min by default) and takes the feeds that are due
  (c) feedd     daemon/poll/sched.c plan_interval: the same formula, within
                [min_interval 5 min, max_interval 24 h], kept on a 304,
                up to 5% more (jitter()), a due feed polled when due
  (d) +topics   (c) with topic_step(): polled 1 + W/4 times as often (at
                most 8) where W is the feed's topic hits of the last 30
                days, each weighing half as much a week later; a feed
                without any, a week after it was subscribed, 3 times less
                often (at most 24 h) (SCHED_TOPIC_*); and burst mode: a
                topic's first match in 30 min brings the feeds that
                carried it in the 30 days before (the most recent first,
                none polled within 5 min, at most 200 an hour) forward to
                within 3 min (SCHED_BURST_*)
  (e) +WebSub   (d), and for publishers with a hub the item arrives when
                pushed (the delay measured by websub_delay.py on the real
                daemon, or 0.5 s); the feed is polled as a safety net, 6
                hours apart, twice as far after each poll that found
                nothing the hub had not pushed (up to 24 h), and no burst
                polls it (SCHED_PUSHED_INTERVAL_S, store_topic_burst_feeds)

Every strategy uses conditional GET: a poll with nothing new is a 304
(HEADERS bytes), one with news sends the feed (its last 20 items).
Prints one Markdown table, and (d)'s and (e)'s ratios to (b).
"""
import argparse
import bisect
import heapq
import json
import math
import random
import statistics

DAY = 86400
WEEK = 7 * DAY
HEADERS = 350                # a 304's request and answer, bytes
ITEM_BYTES = 1200            # one item in a feed document
DOC_BYTES = 1500             # the rest of the document
KEEP = 20                    # items a feed document carries


def world(a, rng):
    """Feeds: {"kind", "hub", "items": [(t, topic)]}, sorted by time."""
    feeds = []
    kinds = ([("news", a.news_rate)] * a.news +
             [("daily", a.daily_rate)] * a.daily)
    kinds += [("blog", a.blog_rate)] * (a.feeds - len(kinds))
    hub_share = {"news": 0.5, "daily": 0.2, "blog": 0.1}
    for kind, per_day in kinds:
        items, t = [], rng.uniform(0, DAY / per_day)
        while t < a.days * DAY:
            hour = (t % DAY) / 3600
            # News sleeps at night; the others publish at any hour.
            if kind != "news" or 6 <= hour < 24:
                items.append((t, False))
            t += rng.expovariate(per_day / DAY)
        feeds.append({"kind": kind, "hub": rng.random() < hub_share[kind],
                      "items": items})
    # The topic: covered by the news feeds and some of the others; its
    # stories break in several of them within minutes.
    covering = [i for i, f in enumerate(feeds) if f["kind"] == "news"]
    others = [i for i, f in enumerate(feeds) if f["kind"] != "news"]
    covering += rng.sample(others, a.covering - len(covering))
    weights = [4 if feeds[i]["kind"] == "news" else 1 for i in covering]
    stories = 0
    t = rng.uniform(0, DAY / a.stories)
    while t < a.days * DAY:
        k = rng.randint(a.min_copies, a.max_copies)
        chosen = set()
        while len(chosen) < k:
            chosen.add(rng.choices(covering, weights)[0])
        for i in chosen:
            feeds[i]["items"].append((t + rng.expovariate(1 / a.spread), True))
        stories += 1
        t += rng.expovariate(a.stories / DAY)
    for f in feeds:
        f["items"].sort()
        f["times"] = [x[0] for x in f["items"]]
    return feeds, stories


def clamp(v, lo, hi):
    return max(lo, min(hi, v))


def adaptive(f, now, lo=300, hi=DAY):
    """Entry frequency: 7 days / the items dated in the week before now."""
    n = bisect.bisect_right(f["times"], now) - \
        bisect.bisect_right(f["times"], now - WEEK)
    return hi if n == 0 else clamp(WEEK / n, lo, hi)


def simulate(feeds, strategy, a, rng, push_delays):
    """Every feed under one strategy, on one clock (burst mode couples the
    feeds). Returns, per feed, (polls, bytes, [(delay, topic)], pushes) of
    the items published in the measured half."""
    start, end = a.days * DAY / 2, a.days * DAY
    topical = strategy in ("d", "e")
    st = []
    heap = []
    for i, f in enumerate(feeds):
        hub = strategy == "e" and f["hub"]
        x = {"seen": 0, "base": 1800, "fetched_topic": [], "polls": 0,
             "bytes": 0, "delays": [], "pushes": 0, "hub": hub,
             "due": rng.uniform(0, 1800), "last": -DAY}
        st.append(x)
        heapq.heappush(heap, (x["due"], 0, i))
        if hub:
            # The hub pushes each item as it is published.
            for k, (pt, topic) in enumerate(f["items"]):
                heapq.heappush(heap, (pt + rng.choice(push_delays), 1, i, k))
    last_match = -DAY               # the topic's last match
    carried = {}                    # feed -> when it last carried the topic
    burst_at = []                   # when the last hour's burst polls were

    def matched(i, t):
        """A topic match at t from feed i: burst mode (SCHED_BURST_*)."""
        nonlocal last_match
        if topical and t - last_match >= a.burst_quiet:
            while burst_at and burst_at[0] <= t - 3600:
                burst_at.pop(0)
            budget = a.burst_per_hour - len(burst_at)
            # store_topic_burst_feeds: good standing, not polled within
            # min_interval, the most recent carriers first, at most budget.
            recent = sorted(((w, g) for g, w in carried.items()
                             if g != i and w >= t - a.burst_history
                             and st[g]["last"] < t - 300
                             and not (a.burst_skips_pushed and
                                      st[g]["hub"])), reverse=True)
            for w, g in recent[:budget]:
                at = t + rng.uniform(0, 180)
                if at < st[g]["due"]:
                    st[g]["due"] = at
                    heapq.heappush(heap, (at, 0, g))
                    burst_at.append(t)
        last_match = t
        carried[i] = t

    while heap:
        ev = heapq.heappop(heap)
        t, kind, i = ev[0], ev[1], ev[2]
        if t >= end:
            break
        f, x = feeds[i], st[i]
        if kind == 1:
            pt, topic = f["items"][ev[3]]
            if pt >= start:
                x["delays"].append((t - pt, topic))
                x["pushes"] += 1
                x["bytes"] += DOC_BYTES + ITEM_BYTES
            if topic:
                x["fetched_topic"].append(t)
                matched(i, t)
            continue
        if t != x["due"]:
            continue                # a plan since brought forward
        x["last"] = t
        times, items = f["times"], f["items"]
        new_end = bisect.bisect_right(times, t)
        if t >= start:
            x["polls"] += 1
        parsed = new_end > x["seen"]
        if parsed:
            if t >= start:
                x["bytes"] += DOC_BYTES + ITEM_BYTES * min(KEEP, new_end)
            topic_now = False
            for pt, topic in items[x["seen"]:new_end]:
                if x["hub"]:
                    continue        # pushed already
                if topic:
                    x["fetched_topic"].append(t)
                    topic_now = True
                if pt >= start:
                    x["delays"].append((t - pt, topic))
            x["seen"] = new_end
        elif t >= start:
            x["bytes"] += HEADERS
        # The next poll.
        if strategy == "a":
            interval = 1800
        elif strategy == "b":
            interval = adaptive(f, t)
        else:
            if parsed:              # a 304 keeps the plan
                x["base"] = adaptive(f, t)
            interval = x["base"]
            if topical and not x["hub"]:
                # sched.c topic_step(): the hits of the last 30 days,
                # weighed by age; none, on a feed a week old: relaxed.
                # This poll's count too: feedd plans the feed again once
                # their matches are stored (replan_hits(), always sooner).
                ft = x["fetched_topic"]
                k = bisect.bisect_left(ft, t - a.topic_history)
                if k < len(ft):
                    w = sum(0.5 ** ((t - h) / a.half_life) for h in ft[k:])
                    interval /= min(1 + w / a.weight_step, 8)
                elif t >= a.relax_after:
                    interval = min(DAY, interval * a.relax)
            if x["hub"]:
                # sched.c: SCHED_PUSHED_INTERVAL_S, doubled after each
                # safety poll that found nothing the hub had not pushed
                # (here the hub pushes everything), up to max_interval.
                safety = 6 * 3600
                if a.pushed_grows and x.get("safety"):
                    safety = min(DAY, 2 * x["safety"])
                x["safety"] = safety
                interval = max(interval, safety)
            interval = clamp(interval, 300, DAY)
            # sched.c jitter(): up to 5% more, less if that passes the max
            j = rng.uniform(0, interval / 20)
            if interval + j <= DAY:
                interval += j
            elif interval - j >= 300:
                interval -= j
        nxt = t + interval
        if strategy == "b":
            # Miniflux's job wakes every POLLING_FREQUENCY, takes the due.
            nxt = math.ceil(nxt / a.miniflux_tick) * a.miniflux_tick
        x["due"] = nxt
        heapq.heappush(heap, (nxt, 0, i))
        if parsed and topic_now:
            matched(i, t)
    out = []
    for f, x in zip(feeds, st):
        # Items of the measured half not fetched by its end count with
        # the delay they have so far (a lower bound).
        if not x["hub"]:
            for pt, topic in f["items"][x["seen"]:]:
                if start <= pt < end:
                    x["delays"].append((end - pt, topic))
        out.append((x["polls"], x["bytes"], x["delays"], x["pushes"]))
    return out


def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100 * len(v)))]


def fmt_s(s):
    if s != s:
        return "-"
    if s < 60:
        return "%.1f s" % s
    if s < 3600:
        return "%.1f min" % (s / 60)
    return "%.1f h" % (s / 3600)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--news", type=int, default=40)
    ap.add_argument("--daily", type=int, default=400)
    ap.add_argument("--news-rate", type=float, default=24.0)
    ap.add_argument("--daily-rate", type=float, default=3.0)
    ap.add_argument("--blog-rate", type=float, default=1 / 7)
    ap.add_argument("--covering", type=int, default=200)
    ap.add_argument("--stories", type=float, default=4.0, help="per day")
    ap.add_argument("--min-copies", type=int, default=3)
    ap.add_argument("--max-copies", type=int, default=8)
    ap.add_argument("--spread", type=float, default=1200,
                    help="mean seconds between a story's copies")
    ap.add_argument("--days", type=float, default=14)
    ap.add_argument("--miniflux-tick", type=float, default=3600)
    ap.add_argument("--push-ms", help="JSON list of measured push delays "
                    "(websub_delay.py); default 500 ms")
    ap.add_argument("--burst-quiet", type=float, default=1800,
                    help="SCHED_BURST_QUIET_S")
    ap.add_argument("--topic-history", type=float, default=30 * DAY,
                    help="SCHED_TOPIC_HISTORY_S")
    ap.add_argument("--half-life", type=float, default=7 * DAY,
                    help="SCHED_TOPIC_HALF_LIFE_S")
    ap.add_argument("--weight-step", type=float, default=4,
                    help="SCHED_TOPIC_WEIGHT_STEP")
    ap.add_argument("--relax", type=float, default=3,
                    help="SCHED_TOPIC_RELAX")
    ap.add_argument("--relax-after", type=float, default=7 * DAY,
                    help="SCHED_TOPIC_RELAX_AFTER_S (the world starts at 0)")
    ap.add_argument("--burst-history", type=float, default=30 * DAY,
                    help="SCHED_BURST_HISTORY_S")
    ap.add_argument("--burst-per-hour", type=int, default=200,
                    help="SCHED_BURST_PER_HOUR")
    ap.add_argument("--pushed-grows", type=int, default=1,
                    help="1: a pushed feed's safety poll interval doubles "
                    "while its polls find nothing the hub missed")
    ap.add_argument("--burst-skips-pushed", type=int, default=1,
                    help="1: a burst polls no feed whose hub pushes")
    ap.add_argument("--strategies", default="abcde",
                    help="which to run (b and d for the ratio)")
    ap.add_argument("--seed", default="1",
                    help="a seed, or seeds (1,2,5 or 1-10): one table of "
                    "all the seeds' items pooled, and each seed's ratios")
    a = ap.parse_args()
    push = [0.5]
    if a.push_ms:
        with open(a.push_ms) as fp:
            push = [x / 1000 for x in json.load(fp)]
    seeds = []
    for part in a.seed.split(","):
        lo, _, hi = part.partition("-")
        seeds += range(int(lo), int(hi or lo) + 1)
    names = {"a": "(a) cron every 30 min", "b": "(b) Miniflux entry "
             "frequency", "c": "(c) feedd adaptive", "d": "(d) feedd + "
             "topic-aware", "e": "(e) feedd + topic-aware + WebSub"}
    # Per strategy: polls, bytes, pushes, topic delays, hub publishers'
    # topic delays, items; pooled over the seeds.
    rows = {s: [0, 0, 0, [], [], 0] for s in a.strategies}
    per_seed = []
    nfeeds = nhub = nstories = 0
    for seed in seeds:
        rng = random.Random(seed)
        feeds, stories = world(a, rng)
        nfeeds += len(feeds)
        nhub += sum(f["hub"] for f in feeds)
        nstories += stories
        one = {}
        for s in a.strategies:
            srng = random.Random(seed * 100 + ord(s))
            r = [0, 0, 0, [], [], 0]
            for f, (p, b, d, pu) in zip(feeds, simulate(feeds, s, a, srng,
                                                         push)):
                r[0] += p
                r[1] += b
                r[2] += pu
                r[5] += len(d)
                r[3] += [x for x, topic in d if topic]
                if f["hub"]:
                    r[4] += [x for x, topic in d if topic]
            one[s] = r
            for k in range(6):
                rows[s][k] += r[k]
        per_seed.append((seed, one))
    first = rows[a.strategies[0]]
    print("%s%d feeds (%d with a hub), %.0f days (the second half "
          "measured), %d stories, %d new items measured, %d of them topic "
          "matches\n" % ("%d seeds pooled: " % len(seeds) if len(seeds) > 1
                         else "", nfeeds, nhub, a.days, nstories, first[5],
                         len(first[3])))
    print("| strategy | topic delay median | topic delay p95 | hub "
          "publishers' topic delay median (p95) | requests per new item | "
          "bytes per new item |")
    print("|---|---|---|---|---|---|")
    for s in a.strategies:
        polls, nbytes, pushes, td, hd, n = rows[s]
        req = "%.2f" % (polls / n)
        if pushes:
            req += " + %.2f pushed" % (pushes / n)
        print("| %s | %s | %s | %s (%s) | %s | %.0f |"
              % (names[s], fmt_s(statistics.median(td)), fmt_s(pct(td, 95)),
                 fmt_s(statistics.median(hd)) if hd else "-",
                 fmt_s(pct(hd, 95)), req, nbytes / n))
    if "b" not in rows:
        return
    for other in "de":
        if other not in rows:
            continue
        print()
        for seed, one in per_seed if len(seeds) > 1 else ():
            b, x = one["b"], one[other]
            print("seed %d: (%s) vs (b): median topic delay %.1fx lower, "
                  "%.2fx the requests" % (seed, other,
                                          statistics.median(b[3]) /
                                          statistics.median(x[3]),
                                          x[0] / b[0]))
        b, x = rows["b"], rows[other]
        print("(%s) vs (b)%s: median topic delay %.1fx lower, %.2fx the "
              "requests" % (other, ", pooled" if len(seeds) > 1 else "",
                            statistics.median(b[3]) /
                            statistics.median(x[3]), x[0] / b[0]))


if __name__ == "__main__":
    main()
