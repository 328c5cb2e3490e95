#!/usr/bin/env python3
"""The Spark notebook's revenue pipeline, run on the files StreamPulse reads, for `npm run bench -- --compare`.

    python notebook_pipeline.py --input DIR --mode baseline|optimized --out RESULT.json

--input is the notebook's `revenue_data` folder: DIR/<table>/part-*.parquet for events,
subscriptions, ad_rates and payouts (`npm run bench -- --compare` writes it from the NDJSON files).

--mode baseline is the notebook's Part 2: SparkSession local[*] with 200 shuffle partitions, AQE off,
broadcast joins off, build_revenue() rebuilt for each of the six reports, nothing cached.
--mode optimized is the notebook's "FULLY OPTIMIZED PIPELINE": 8 shuffle partitions, broadcast
joins for ad_rates and payouts, column pruning, one cached enriched DataFrame for all six reports.

Timing runs from just before the SparkSession is created until the sixth report is collected.
Progress goes to stderr; stdout stays empty. RESULT.json:
  {"engine": "spark-baseline"|"spark-optimized", "seconds", "session_seconds", "report_seconds",
   "reports": {six report names: [rows with the notebook's column names]}, ...}
Rows are sorted like StreamPulse sorts them, so the two outputs can be compared row by row.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
from pathlib import Path
from typing import NoReturn

HERE = Path(__file__).resolve().parent
TABLES = ("events", "subscriptions", "ad_rates", "payouts")
REPORTS = (
    "genre_revenue",
    "regional_breakdown",
    "subscription_analysis",
    "ad_performance",
    "artist_payouts",
    "daily_summary",
)
TOP_ARTISTS = 100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fail(message: str) -> NoReturn:
    log(f"notebook_pipeline: {message}")
    sys.exit(2)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Run the Spark notebook's six revenue reports and write them as JSON.")
    p.add_argument("--input", required=True, help="the notebook's revenue_data folder: <table>/part-*.parquet")
    p.add_argument("--mode", required=True, choices=("baseline", "optimized"))
    p.add_argument("--out", required=True, help="where to write RESULT.json")
    p.add_argument("--master", default="local[*]", help="Spark master (default local[*])")
    p.add_argument("--driver-memory", default="4g", help="spark.driver.memory (default 4g)")
    return p.parse_args()


def input_paths(root: Path) -> dict[str, str]:
    paths = {t: root / t for t in TABLES}
    missing = [str(p) for p in paths.values() if not (p.is_dir() and any(p.glob("*.parquet")))]
    if missing:
        fail(f"missing Parquet input: {', '.join(missing)}")
    return {t: str(p) for t, p in paths.items()}


def peak_rss_mb(pid: int | None) -> float | None:
    """VmHWM (peak resident set) of a live process, from /proc; None where that is not available."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def main() -> None:
    args = parse_args()
    root = Path(args.input).resolve()
    paths = input_paths(root)
    out = Path(args.out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)

    # Python workers are never started (no UDFs), but if one were it should be this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # Local mode only: bind the driver to loopback instead of the first non-loopback interface.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

    from pyspark import __version__ as pyspark_version
    from pyspark.sql import SparkSession
    from pyspark.sql.functions import avg, broadcast, col, count, countDistinct, desc, month, round as sround, when
    from pyspark.sql.functions import sum as ssum

    baseline = args.mode == "baseline"
    conf = {
        "spark.master": args.master,
        "spark.driver.memory": args.driver_memory,
        "spark.ui.enabled": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.adaptive.enabled": "false",
        # Notebook Part 1 (baseline) vs the "FULLY OPTIMIZED PIPELINE" reset config.
        "spark.sql.shuffle.partitions": "200" if baseline else "8",
        "spark.sql.autoBroadcastJoinThreshold": "-1" if baseline else "10485760",
        "spark.driver.extraJavaOptions": f"-Dlog4j.configurationFile=file:{HERE / 'log4j2.properties'}",
    }

    total_start = time.time()
    builder = SparkSession.builder.appName(f"StreamPulse-Revenue-{args.mode}")
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    session_seconds = time.time() - total_start
    log(f"spark {spark.version} session ({args.mode}, {args.master}) started in {session_seconds:.1f} s")

    # ---- the four tables, as the notebook's `spark.read.parquet("revenue_data/...")` has them ----
    read_start = time.time()
    frames = {t: spark.read.parquet(paths[t]) for t in TABLES}

    def with_types(df, types):
        # Cast only where the file's type differs (e.g. DECIMAL money, a string date), so the sums are
        # doubles as in the notebook; a column already of the right type is left as it is.
        current = dict(df.dtypes)
        for name, spark_type in types.items():
            if name in current and current[name] != spark_type:
                df = df.withColumn(name, col(name).cast(spark_type))
        return df

    events = with_types(frames["events"], {"duration_sec": "bigint", "event_date": "date"})
    if "month" not in events.columns:  # the notebook's events table carries month(event_date)
        events = events.withColumn("month", month(col("event_date")))
    subscriptions = with_types(frames["subscriptions"], {"monthly_price": "double"})
    ad_rates = with_types(frames["ad_rates"], {"cpm": "double"})
    payouts = with_types(frames["payouts"], {"per_stream_rate": "double"})
    read_seconds = time.time() - read_start  # lazy reads: schemas and file listing only

    # ---- the six reports (notebook aggregates and aliases; deterministic order for comparison) ----
    def genre_revenue(revenue):
        return revenue.groupBy("genre").agg(
            ssum("ad_revenue").alias("total_ad_rev"), countDistinct("user_id").alias("unique_listeners")
        )

    def regional_breakdown(revenue):
        return revenue.groupBy("region", "country").agg(
            count("*").alias("streams"), ssum("ad_revenue").alias("ad_rev")
        )

    def subscription_analysis(revenue):
        return revenue.groupBy("plan").agg(
            countDistinct("user_id").alias("users"),
            count("*").alias("total_streams"),
            avg("duration_sec").alias("avg_duration"),
        )

    def ad_performance(revenue):
        return revenue.groupBy("device", "genre").agg(
            ssum("ad_revenue").alias("total_ad_rev"), count("*").alias("impressions")
        )

    def artist_payouts(revenue):
        # The notebook orders by total_payout desc only; ties are broken by artist_id then label_type
        # as StreamPulse does. The payout is rounded for the order only (rates have 4 decimals), so
        # sums equal in decimal but a last bit apart in double still tie.
        return (
            revenue.groupBy("artist_id", "label_type")
            .agg(ssum("stream_payout").alias("total_payout"), count("*").alias("total_streams"))
            .orderBy(desc(sround(col("total_payout"), 8)), col("artist_id"), col("label_type"))
            .limit(TOP_ARTISTS)
        )

    def daily_summary(revenue):
        return (
            revenue.groupBy("event_date")
            .agg(
                count("*").alias("streams"),
                ssum("ad_revenue").alias("ad_rev"),
                countDistinct("user_id").alias("unique_users"),
            )
            .orderBy("event_date")
        )

    queries = {
        "genre_revenue": genre_revenue,
        "regional_breakdown": regional_breakdown,
        "subscription_analysis": subscription_analysis,
        "ad_performance": ad_performance,
        "artist_payouts": artist_payouts,
        "daily_summary": daily_summary,
    }
    columns = {
        "genre_revenue": ["genre", "total_ad_rev", "unique_listeners"],
        "regional_breakdown": ["region", "country", "streams", "ad_rev"],
        "subscription_analysis": ["plan", "users", "total_streams", "avg_duration"],
        "ad_performance": ["device", "genre", "total_ad_rev", "impressions"],
        "artist_payouts": ["artist_id", "label_type", "total_payout", "total_streams"],
        "daily_summary": ["event_date", "streams", "ad_rev", "unique_users"],
    }

    # ---- the enriched revenue DataFrame ----
    def build_revenue():
        """Notebook Part 2: every table whole, shuffle joins (broadcast disabled by config)."""
        return (
            events.join(subscriptions, "user_id")
            .join(ad_rates, (events.genre == ad_rates.ad_genre) & (events.device == ad_rates.ad_device))
            .join(payouts, "artist_id")
            .withColumn("ad_revenue", col("cpm") / 1000)
            .withColumn("stream_payout", col("per_stream_rate"))
            .withColumn("is_premium", when(col("plan") != "free", True).otherwise(False))
        )

    cache_seconds = None
    enriched_rows = None
    collected = {}
    report_seconds = {}
    if baseline:
        for i, name in enumerate(REPORTS, 1):
            revenue = build_revenue()  # rebuilt, not cached, for every report
            start = time.time()
            collected[name] = queries[name](revenue).collect()
            report_seconds[name] = time.time() - start
            log(f"report {i}/6 {name} done in {report_seconds[name]:.1f} s")
    else:
        revenue_opt = (
            events.select(
                "event_id", "user_id", "artist_id", "genre", "region",
                "duration_sec", "completed", "device", "event_date", "month",
            )
            .join(subscriptions.select("user_id", "plan", "country"), "user_id")
            .join(broadcast(ad_rates), (col("genre") == col("ad_genre")) & (col("device") == col("ad_device")))
            .join(broadcast(payouts), "artist_id")
            .withColumn("ad_revenue", col("cpm") / 1000)
            .withColumn("stream_payout", col("per_stream_rate"))
            .drop("ad_genre", "ad_device")
        )
        revenue_opt.cache()
        start = time.time()
        enriched_rows = revenue_opt.count()
        cache_seconds = time.time() - start
        log(f"cached {enriched_rows} enriched rows in {cache_seconds:.1f} s")
        for i, name in enumerate(REPORTS, 1):
            start = time.time()
            collected[name] = queries[name](revenue_opt).collect()
            report_seconds[name] = time.time() - start
            log(f"report {i}/6 {name} done in {report_seconds[name]:.1f} s")

    seconds = time.time() - total_start
    log(f"{args.mode}: six reports in {seconds:.1f} s (session {session_seconds:.1f} s)")

    jvm_pid = None
    try:
        jvm_pid = spark.sparkContext._gateway.proc.pid  # the spark-submit JVM that pyspark launched
    except AttributeError:
        pass
    jvm_peak = peak_rss_mb(jvm_pid)
    python_peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    spark.stop()

    # ---- rows as JSON, ordered as StreamPulse orders them ----
    def plain(value):
        if hasattr(value, "isoformat"):  # DATE → 'YYYY-MM-DD'
            return value.isoformat()
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    reports = {
        name: [{c: plain(row[c]) for c in columns[name]} for row in collected[name]] for name in REPORTS
    }
    sort_keys = {
        "genre_revenue": lambda r: r["genre"],
        "regional_breakdown": lambda r: (r["region"], r["country"]),
        "subscription_analysis": lambda r: r["plan"],
        "ad_performance": lambda r: (r["device"], r["genre"]),
        "daily_summary": lambda r: r["event_date"],
    }
    for name, key in sort_keys.items():
        reports[name].sort(key=key)
    # artist_payouts keeps Spark's order: payout desc, artist_id asc, label_type asc, top 100.

    result = {
        "engine": f"spark-{args.mode}",
        "seconds": round(seconds, 3),
        "session_seconds": round(session_seconds, 3),
        "report_seconds": {name: round(report_seconds[name], 3) for name in REPORTS},
        "read_seconds": round(read_seconds, 3),
        "cache_seconds": None if cache_seconds is None else round(cache_seconds, 3),
        "enriched_rows": enriched_rows,
        "peak_rss_mb": {"jvm": jvm_peak, "python": python_peak},
        "spark_version": pyspark_version,
        "input": str(root),
        "config": conf,
        "reports": reports,
    }
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    tmp.replace(out)
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
