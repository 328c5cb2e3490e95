-- The six reports in DuckDB SQL: the one SQL of the DuckDB oracle (test/helpers/duckdb-oracle.ts)
-- and of both DuckDB engines of `npm run bench -- --compare` (Node and Python). Sections start
-- with `-- @<kind> <name>`; {{DIR}} is the dataset folder (as the inside of a quoted SQL string).
-- A `source` section defines the src_* views over one input format; `setup` runs the notebook's
-- inner joins over them once; each `report` is one SELECT, its rows in the documented order.
-- Money is DECIMAL end to end (never a DOUBLE sum), so every figure is the exact decimal.

-- @source ndjson
-- money read as text and cast to DECIMAL, so no binary float is ever involved
CREATE TEMP VIEW src_events AS SELECT * FROM read_json('{{DIR}}/events.ndjson', format = 'newline_delimited',
  columns = {event_id: 'VARCHAR', user_id: 'VARCHAR', artist_id: 'VARCHAR', genre: 'VARCHAR', region: 'VARCHAR',
             duration_sec: 'BIGINT', completed: 'BOOLEAN', device: 'VARCHAR', event_date: 'DATE'});
CREATE TEMP VIEW src_subscriptions AS SELECT * FROM read_json('{{DIR}}/subscriptions.ndjson', format = 'newline_delimited',
  columns = {user_id: 'VARCHAR', plan: 'VARCHAR', monthly_price: 'VARCHAR', country: 'VARCHAR'});
CREATE TEMP VIEW src_ad_rates AS SELECT * FROM read_json('{{DIR}}/ad_rates.ndjson', format = 'newline_delimited',
  columns = {ad_genre: 'VARCHAR', ad_device: 'VARCHAR', cpm: 'VARCHAR'});
CREATE TEMP VIEW src_payouts AS SELECT * FROM read_json('{{DIR}}/payouts.ndjson', format = 'newline_delimited',
  columns = {artist_id: 'VARCHAR', per_stream_rate: 'VARCHAR', label_type: 'VARCHAR'});

-- @source parquet
-- the bench's Parquet copy (the notebook layout: one folder per table, DATE event_date, money as
-- DOUBLE); a DOUBLE cast to DECIMAL rounds to the nearest, which is the exact decimal written
CREATE TEMP VIEW src_events AS SELECT * FROM read_parquet('{{DIR}}/parquet/events/*.parquet');
CREATE TEMP VIEW src_subscriptions AS SELECT * FROM read_parquet('{{DIR}}/parquet/subscriptions/*.parquet');
CREATE TEMP VIEW src_ad_rates AS SELECT * FROM read_parquet('{{DIR}}/parquet/ad_rates/*.parquet');
CREATE TEMP VIEW src_payouts AS SELECT * FROM read_parquet('{{DIR}}/parquet/payouts/*.parquet');

-- @setup revenue
-- the notebook's build_revenue(): events ⋈ subscriptions ⋈ ad_rates ⋈ payouts, all inner,
-- materialized once for the six reports
CREATE TEMP TABLE revenue AS
  SELECT e.user_id, e.artist_id, e.genre, e.region, e.duration_sec, e.device, e.event_date,
         s.plan, s.country, p.label_type,
         CAST(a.cpm AS DECIMAL(18, 4)) * CAST('0.001' AS DECIMAL(4, 3)) AS ad_revenue,
         CAST(p.per_stream_rate AS DECIMAL(18, 6)) AS stream_payout
  FROM src_events e
  JOIN src_subscriptions s ON e.user_id = s.user_id
  JOIN src_ad_rates a ON e.genre = a.ad_genre AND e.device = a.ad_device
  JOIN src_payouts p ON e.artist_id = p.artist_id;

-- DuckDB's default collation compares UTF-8 bytes, i.e. code points; for the BMP-only text of
-- these datasets that is the same order as JS code units.

-- @report genre_revenue
SELECT genre, SUM(ad_revenue) AS total_ad_rev, COUNT(DISTINCT user_id) AS unique_listeners
FROM revenue GROUP BY genre ORDER BY genre;

-- @report regional_breakdown
SELECT region, country, COUNT(*) AS streams, SUM(ad_revenue) AS ad_rev
FROM revenue GROUP BY region, country ORDER BY region, country;

-- @report subscription_analysis
-- avg_duration is computed by the reader as Σ duration / count, one double division of integers
SELECT plan, COUNT(DISTINCT user_id) AS users, COUNT(*) AS total_streams, SUM(duration_sec) AS duration_sum
FROM revenue GROUP BY plan ORDER BY plan;

-- @report ad_performance
SELECT device, genre, SUM(ad_revenue) AS total_ad_rev, COUNT(*) AS impressions
FROM revenue GROUP BY device, genre ORDER BY device, genre;

-- @report artist_payouts
SELECT artist_id, label_type, SUM(stream_payout) AS total_payout, COUNT(*) AS total_streams
FROM revenue GROUP BY artist_id, label_type
ORDER BY total_payout DESC, artist_id ASC, label_type ASC LIMIT 100;

-- @report daily_summary
SELECT CAST(event_date AS VARCHAR) AS event_date, COUNT(*) AS streams, SUM(ad_revenue) AS ad_rev,
       COUNT(DISTINCT user_id) AS unique_users
FROM revenue GROUP BY event_date ORDER BY event_date;
