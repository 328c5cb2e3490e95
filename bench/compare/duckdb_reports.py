"""The Python DuckDB engine of `npm run bench -- --compare`, as its own process.

Runs the six reports of test/helpers/six-reports.sql (the same file the Node engine and the
tests' oracle read, parsed the same way) over a dataset's NDJSON files or its Parquet copy with
`SET threads`, and writes {"reports": ...} with the same figures as the Node engine: a DECIMAL
becomes the nearest double (float(Decimal) rounds correctly, as the Node unscaled / 10^scale
does), avg_duration is one double division of two exact integers.

usage: duckdb_reports.py <six-reports.sql> <dataset dir> <ndjson|parquet> <threads> <out.json>
"""
import json
import re
import sys

import duckdb

REPORTS = {
    "genre_revenue": (("genre", "text"), ("total_ad_rev", "money"), ("unique_listeners", "int")),
    "regional_breakdown": (("region", "text"), ("country", "text"), ("streams", "int"), ("ad_rev", "money")),
    "subscription_analysis": (("plan", "text"), ("users", "int"), ("total_streams", "int"), ("duration_sum", "int")),
    "ad_performance": (("device", "text"), ("genre", "text"), ("total_ad_rev", "money"), ("impressions", "int")),
    "artist_payouts": (("artist_id", "text"), ("label_type", "text"), ("total_payout", "money"), ("total_streams", "int")),
    "daily_summary": (("event_date", "text"), ("streams", "int"), ("ad_rev", "money"), ("unique_users", "int")),
}
HEADER = re.compile(r"^-- @(source|setup|report) (\S+)\s*$")


def sections(template, folder):
    found, current = {}, None
    for line in template.split("\n"):
        header = HEADER.match(line)
        if header:
            current = found.setdefault(f"{header.group(1)} {header.group(2)}", [])
        elif current is not None:
            current.append(line)
    literal = folder.replace("'", "''")
    return {key: "\n".join(lines).replace("{{DIR}}", literal).strip() for key, lines in found.items()}


def value(raw, kind):
    if kind == "money":
        return float(raw)
    if kind == "int":
        return int(raw)
    if not isinstance(raw, str):
        raise TypeError(f"expected text, got {raw!r}")
    return raw


def main():
    sql_path, folder, source, threads, out = sys.argv[1:6]
    sql = sections(open(sql_path, encoding="utf-8").read(), folder)
    db = duckdb.connect(":memory:")
    db.execute(f"SET threads = {int(threads)}")
    db.execute(sql[f"source {source}"])
    for key in [k for k in sql if k.startswith("setup ")]:
        db.execute(sql[key])
    reports = {}
    for name, columns in REPORTS.items():
        rows = [dict(zip([c for c, _ in columns], (value(raw, kind) for raw, (_, kind) in zip(row, columns)))) for row in db.execute(sql[f"report {name}"]).fetchall()]
        if name == "subscription_analysis":
            rows = [{"plan": r["plan"], "users": r["users"], "total_streams": r["total_streams"], "avg_duration": r["duration_sum"] / r["total_streams"]} for r in rows]
        reports[name] = rows
    db.close()
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"reports": reports}, f)


main()
