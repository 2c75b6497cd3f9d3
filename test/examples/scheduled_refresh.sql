-- Scheduled refresh with pg_cron: daily CLV summaries in a materialized
-- view, refreshed every night, and a monthly report that rolls them up.
-- (docs/readme/scheduled_refresh.md; run by test/stages/30_pgcron.sh)
--
-- Needs: a table orders(customer_id, order_date, amount); pg_cron loaded
-- (postgresql.conf: shared_preload_libraries = 'pg_cron' and
-- cron.database_name = the name of this database).

CREATE EXTENSION IF NOT EXISTS clv;
CREATE EXTENSION IF NOT EXISTS pg_cron;

-- 1. One clv_summary per day of orders.
CREATE MATERIALIZED VIEW clv_daily AS
SELECT order_date AS day,
       clv_summary(customer_id, order_date, amount) AS summary
FROM orders
GROUP BY order_date;

-- REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index on plain columns.
CREATE UNIQUE INDEX clv_daily_day ON clv_daily (day);

-- 2. The monthly report: the days of each month merged with rollup (exact:
-- a customer who ordered on several days of the month counts once), as
-- flat columns that BI tools read as numbers and dates.
CREATE VIEW clv_monthly AS
SELECT month,
       customers(s) AS customers,
       orders(s) AS orders,
       revenue(s) AS revenue,
       aov(s) AS aov,
       clv(s) AS clv,
       repeat_rate(s) AS repeat_rate
FROM (SELECT date_trunc('month', day)::date AS month, rollup(summary) AS s
      FROM clv_daily
      GROUP BY 1) m;

-- 3. Refresh every night at 02:15 GMT (pg_cron 1.6 and later: in cron.timezone).
-- CONCURRENTLY: reports keep reading the old rows while the refresh runs.
SELECT cron.schedule('clv-daily-refresh', '15 2 * * *',
                     'REFRESH MATERIALIZED VIEW CONCURRENTLY clv_daily');
