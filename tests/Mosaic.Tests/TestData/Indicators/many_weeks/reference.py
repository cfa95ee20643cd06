#!/usr/bin/python3
"""Independent reference for `mosaic indicators` on a simulated user with many weeks.

Writes `records/sim.csv` and `antennas.csv` (a seeded random user over 30 ISO weeks, some of
them empty) and `expected.json`: every indicator key of a default-option run (groupby week,
summary default, no splits) and of an extended run with both splits, computed here from bandicoot's published definitions
(docs.bandicoot.mit.edu and docs/indicators.md) with the standard library only. Nothing is
shared with the C# implementation. Run: /usr/bin/python3 reference.py (from this folder).
"""
import csv
import datetime as dt
import json
import math
import os
import random
from collections import Counter, OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
random.seed(20261123)

# ---------------------------------------------------------------- the simulated user
ANTENNAS = OrderedDict((str(100 + i), (42.30 + 0.013 * i * i, -71.10 + 0.021 * i)) for i in range(7))
CONTACTS = ["c%02d" % i for i in range(14)]
WEIGHTS = [1.0 / (i + 1) for i in range(len(CONTACTS))]
START = dt.datetime(2025, 11, 3)  # a Monday; 30 weeks, across the new year (ISO week 2026-W01)
EMPTY_WEEKS = {4, 11, 12, 23}

rows = []
for week in range(30):
    if week in EMPTY_WEEKS:
        continue
    for _ in range(random.randint(3, 45)):
        t = START + dt.timedelta(weeks=week, seconds=random.randrange(7 * 86400))
        contact = random.choices(CONTACTS, WEIGHTS)[0]
        antenna = random.choices(list(ANTENNAS), [5, 3, 2, 2, 1, 1, 1])[0]
        if random.random() < 0.45:
            rows.append((t, "call", random.choice(["in", "out"]), contact, random.choice([0, 5, 30, 60, 61, 125, 300, 1800]), antenna))
        else:
            # A short text exchange: replies within minutes, sometimes after more than an hour.
            direction = random.choice(["in", "out"])
            for _ in range(random.randint(1, 4)):
                rows.append((t, "text", direction, contact, None, antenna))
                t += dt.timedelta(seconds=random.choice([20, 90, 600, 1799, 3599, 3600, 5000]))
                direction = random.choice(["in", "out", direction])
                if random.random() < 0.3:
                    antenna = random.choice(list(ANTENNAS))

# Unique times: the order is then the same however ties are broken.
seen = set()
records = []
for r in sorted(rows, key=lambda r: r[0]):
    if r[0] in seen:
        continue
    seen.add(r[0])
    records.append(r)

os.makedirs(os.path.join(HERE, "records"), exist_ok=True)
with open(os.path.join(HERE, "records", "sim.csv"), "w", newline="") as f:
    f.write("interaction,direction,correspondent_id,datetime,call_duration,antenna_id\n")
    for t, kind, direction, contact, duration, antenna in records:
        f.write("%s,%s,%s,%s,%s,%s\n" % (kind, direction, contact, t.strftime("%Y-%m-%d %H:%M:%S"), "" if duration is None else duration, antenna))
with open(os.path.join(HERE, "antennas.csv"), "w", newline="") as f:
    f.write("antenna_id,latitude,longitude\n")
    for a, (lat, lon) in ANTENNAS.items():
        f.write("%s,%r,%r\n" % (a, lat, lon))


class R:
    def __init__(self, t, kind, direction, contact, duration, antenna):
        self.t, self.kind, self.direction, self.contact, self.duration, self.antenna = t, kind, direction, contact, duration, antenna


recs = [R(*r) for r in records]


# ---------------------------------------------------------------- helpers (bandicoot's definitions)
def mean(xs):
    return sum(xs) / len(xs)


def pstd(xs):
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / len(xs))


def night(r):
    # Night is 19:00-07:00, both boundaries at night.
    return not (dt.time(7, 0) < r.t.time() < dt.time(19, 0))


def entropy(counts):
    n = sum(counts)
    return -sum(c / n * math.log(c / n) for c in counts if c > 0)


def isoweek(r):
    y, w, _ = r.t.isocalendar()
    return (y, w)


def weeks(records):
    groups = OrderedDict()
    for r in records:
        groups.setdefault(isoweek(r), []).append(r)
    return list(groups.values())


def by_contact(records):
    groups = OrderedDict()
    for r in records:
        groups.setdefault(r.contact, []).append(r)
    return groups


def conversations(records):
    """One contact's records in time order -> text conversations: texts less than an hour apart; a call or a gap ends one."""
    result, current, last = [], [], None
    for r in records:
        if r.kind == "call":
            if current:
                result.append(current)
            current, last = [], None
            continue
        if last is not None and (r.t - last).total_seconds() >= 3600:
            result.append(current)
            current = []
        current.append(r)
        last = r.t
    if current:
        result.append(current)
    return result


def pareto(counts, total_records):
    target = math.ceil(sum(counts) * 0.8)
    needed = 0
    for c in sorted(counts, reverse=True):
        if target <= 0:
            break
        target -= c
        needed += 1
    return needed / total_records


def binned(records):
    """bandicoot's 30-minute bins: consecutive records sharing (year, day of month, hour, half hour); a bin's most frequent antenna, the first on a tie."""
    result, key, bucket = [], None, []
    for r in records:
        k = (r.t.year, r.t.day, r.t.hour, r.t.minute // 30)
        if k != key and bucket:
            result.append(Counter(bucket).most_common(1)[0][0])
            bucket = []
        key = k
        bucket.append(r.antenna)
    if bucket:
        result.append(Counter(bucket).most_common(1)[0][0])
    return result


def haversine(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


# ---------------------------------------------------------------- indicators on one week's records
def scalar(name, filters, f):
    return ("scalar", name, filters, f)


def distribution(name, filters, f):
    return ("distribution", name, filters, f)


def select(records, flt):
    return [r for r in records if flt == "callandtext" or r.kind == flt]


def percent_initiated_conversations(rs):
    convs = [c for g in by_contact(rs).values() for c in conversations(g)]
    return sum(1 for c in convs if c[0].direction == "out") / len(convs) if convs else 0.0


def response_rate_text(rs):
    convs = [c for g in by_contact(rs).values() for c in conversations(g) if c[0].direction == "in"]
    if not convs:
        return None
    return sum(1 for c in convs if any(r.direction == "out" for r in c)) / len(convs)


def response_delay_text(rs):
    delays = []
    for g in by_contact(rs).values():
        for c in conversations(g):
            for a, b in zip(c, c[1:]):
                d = (b.t - a.t).total_seconds()
                if a.direction == "in" and b.direction == "out" and d > 0:
                    delays.append(d)
    return delays


def balance_of_contacts(rs):
    n = len(rs)
    return [sum(1 for r in g if r.direction == "out") / n for g in by_contact(rs).values()]


INDIVIDUAL = [
    scalar("active_days", ["callandtext"], lambda rs: len({r.t.date() for r in rs})),
    scalar("number_of_contacts", ["call", "text"], lambda rs: len({r.contact for r in rs})),
    distribution("call_duration", ["call"], lambda rs: [r.duration for r in rs]),
    scalar("percent_nocturnal", ["call", "text"], lambda rs: sum(1 for r in rs if night(r)) / len(rs)),
    scalar("percent_initiated_conversations", ["callandtext"], percent_initiated_conversations),
    scalar("percent_initiated_interactions", ["call"], lambda rs: sum(1 for r in rs if r.direction == "out") / len(rs)),
    distribution("response_delay_text", ["callandtext"], response_delay_text),
    scalar("response_rate_text", ["callandtext"], response_rate_text),
    scalar("entropy_of_contacts", ["call", "text"], lambda rs: entropy(list(Counter(r.contact for r in rs).values()))),
    distribution("balance_of_contacts", ["call", "text"], balance_of_contacts),
    distribution("interactions_per_contact", ["call", "text"], lambda rs: list(Counter(r.contact for r in rs).values())),
    distribution("interevent_time", ["call", "text"], lambda rs: [(b.t - a.t).total_seconds() for a, b in zip(rs, rs[1:])]),
    scalar("percent_pareto_interactions", ["call", "text"], lambda rs: pareto(list(Counter(r.contact for r in rs).values()), len(rs))),
    scalar("percent_pareto_durations", ["call"], lambda rs: pareto([sum(r.duration for r in g) for g in by_contact(rs).values()], len(rs))),
    scalar("number_of_interactions", ["call", "text"], len),
    scalar("number_of_interaction_in", ["call", "text"], lambda rs: sum(1 for r in rs if r.direction == "in")),
    scalar("number_of_interaction_out", ["call", "text"], lambda rs: sum(1 for r in rs if r.direction == "out")),
]

home_counts = Counter(binned([r for r in recs if night(r)]))
HOME = home_counts.most_common(1)[0][0] if home_counts else None


def radius_of_gyration(positions):
    counts = Counter(positions)
    n = len(positions)
    bary = (sum(ANTENNAS[p][0] * c for p, c in counts.items()) / n, sum(ANTENNAS[p][1] * c for p, c in counts.items()) / n)
    return math.sqrt(sum(c / n * haversine(ANTENNAS[p], bary) ** 2 for p, c in counts.items()))


def frequent_antennas(positions):
    counts = sorted(Counter(positions).values(), reverse=True)
    target = math.ceil(len(positions) * 0.8)
    needed = 0
    for c in counts:
        if target <= 0:
            break
        target -= c
        needed += 1
    return needed


SPATIAL = [
    ("number_of_antennas", lambda ps: len(set(ps))),
    ("entropy_of_antennas", lambda ps: entropy(list(Counter(ps).values()))),
    ("percent_at_home", lambda ps: None if HOME is None else sum(1 for p in ps if p == HOME) / len(ps)),
    ("radius_of_gyration", radius_of_gyration),
    ("frequent_antennas", frequent_antennas),
]


def reduce(values):
    values = [v for v in values if v is not None]
    return (mean(values), pstd(values)) if values else (None, None)


def moments(xs):
    """Central moments; a single value has every moment 0, and skewness/kurtosis are 0 when m2 = 0."""
    m = mean(xs)
    m2, m3, m4 = (sum((x - m) ** k for x in xs) / len(xs) for k in (2, 3, 4))
    return m2, m3, m4


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


EXTENDED = [
    ("mean", mean),
    ("std", pstd),
    ("median", median),
    ("skewness", lambda xs: 0.0 if moments(xs)[0] == 0 else moments(xs)[1] / moments(xs)[0] ** 1.5),
    ("kurtosis", lambda xs: 0.0 if moments(xs)[0] == 0 else moments(xs)[2] / moments(xs)[0] ** 2),
    ("min", min),
    ("max", max),
]

WEEK_PARTS = {"allweek": lambda r: True, "weekday": lambda r: r.t.isoweekday() <= 5, "weekend": lambda r: r.t.isoweekday() >= 6}
DAY_PARTS = {"allday": lambda r: True, "day": lambda r: not night(r), "night": night}


def compute(split_week, split_day, extended):
    stats = EXTENDED if extended else EXTENDED[:2]
    cells = [(w, d) for w in (WEEK_PARTS if split_week else ["allweek"]) for d in (DAY_PARTS if split_day else ["allday"])]
    out = OrderedDict()
    for kind, name, filters, f in INDIVIDUAL:
        for pw, pd in cells:
            for flt in filters:
                key = "%s__%s__%s__%s" % (name, pw, pd, flt)
                per_week = [[r for r in select(w, flt) if WEEK_PARTS[pw](r) and DAY_PARTS[pd](r)] for w in weeks(recs)]
                per_week = [w for w in per_week if w]  # weeks without records for the cell do not count
                if kind == "scalar":
                    out[key + "__mean"], out[key + "__std"] = reduce([f(w) for w in per_week])
                else:
                    lists = [x for x in (f(w) for w in per_week) if x]
                    for stat, g in stats:
                        out["%s__%s__mean" % (key, stat)], out["%s__%s__std" % (key, stat)] = reduce([g(x) for x in lists])

    for name, f in SPATIAL:
        for pw, pd in cells:
            per_week = [[r for r in w if WEEK_PARTS[pw](r) and DAY_PARTS[pd](r)] for w in weeks(recs)]
            out["%s__%s__%s__mean" % (name, pw, pd)], out["%s__%s__%s__std" % (name, pw, pd)] = reduce([f(binned(w)) for w in per_week if w])

    # churn_rate (always all week, all day): cosine distance between consecutive weeks' antenna frequency vectors.
    frequencies = []
    for w in weeks(recs):
        counts = Counter(binned(w))
        total = sum(counts.values())
        frequencies.append({a: c / total for a, c in counts.items()})
    distances = []
    for a, b in zip(frequencies, frequencies[1:]):
        dot = sum(a.get(k, 0) * b.get(k, 0) for k in set(a) | set(b))
        norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
        distances.append(1 - dot / norm)
    out["churn_rate__mean"], out["churn_rate__std"] = reduce(distances)
    return out


expected = OrderedDict()
expected["default"] = compute(False, False, False)
expected["extended_split_week_split_day"] = compute(True, True, True)

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump({"records": len(recs), "weeks_with_records": len(weeks(recs)), "home": HOME, "expected": expected}, f, indent=1)
print(len(recs), "records,", len(weeks(recs)), "weeks,", [len(v) for v in expected.values()], "keys")
