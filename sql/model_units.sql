--
-- model_units: models carry the time unit of their summaries and the
-- observation end, and clv_predict uses the model's unit (the unit trap of
-- issue 13: a weekly model scored with daily months looks 7 times too far
-- ahead).  A time_unit argument that contradicts the model is an error; a
-- model without a unit (stored by 0.2.0, or fitted by the one-step
-- aggregates) takes the argument, 'day' by default, as 0.2.0 did.
--
-- Reference values: clv_predict's definition (docs/readme/models.md),
-- recomputed in plain SQL from bgnbd_expected_purchases and
-- gamma_gamma_expected_spend with the month lengths 30 days, 4.345 weeks,
-- 1 month, 1/12 year.
--
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_model_units;
SET search_path = test_model_units, public;
SET extra_float_digits = 0;
SET TimeZone = 'UTC';
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- 500 customers in weeks (a deterministic pattern), observed until 2024-06-30
CREATE TABLE summary AS
SELECT i AS id, x::float8 AS frequency, CASE WHEN x = 0 THEN 0 ELSE least(40, x * 3 + i % 11)::float8 END AS recency,
	   40::float8 AS t, (10 + i % 17)::float8 AS spend
FROM generate_series(1, 500) i, LATERAL (SELECT (i * i) % 7 % 4 AS x) v;

-- the function forms record the unit (canonical lower case) and the observation end
CREATE TABLE models AS
SELECT bgnbd_fit(btyd_data(frequency, recency, t), 'Week', '2024-06-30') AS bg,
	   mbgnbd_fit(btyd_data(frequency, recency, t), 'week', '2024-06-30') AS mbg,
	   pareto_nbd_fit(btyd_data(frequency, recency, t), 'week', '2024-06-30') AS pn,
	   gamma_gamma_fit(btyd_data(frequency, spend), 'week', '2024-06-30') AS gg,
	   bgnbd_fit(frequency, recency, t) AS bg_plain
FROM summary;
SELECT (bg).time_unit AS bg_unit, (mbg).time_unit AS mbg_unit, (pn).time_unit AS pn_unit, (gg).time_unit AS gg_unit,
	   (bg).observation_end AS bg_end, (bg_plain).time_unit IS NULL AS plain_no_unit,
	   (bg_plain).observation_end IS NULL AS plain_no_end
FROM models;
-- the unit changes nothing else: the same parameters as the one-step aggregate
SELECT (bg).r = (bg_plain).r AND (bg).alpha = (bg_plain).alpha AND (bg).a = (bg_plain).a AND (bg).b = (bg_plain).b
	   AND (bg).log_likelihood = (bg_plain).log_likelihood AS same_fit,
	   (bgnbd_fit(btyd_data(frequency, recency, t), NULL)).time_unit IS NULL AS null_unit_records_none,
	   (bgnbd_fit(btyd_data(frequency, recency, t), 'week')).observation_end IS NULL AS end_optional
FROM models, summary GROUP BY bg, bg_plain;

-- scoring: the published CDNOW models (weeks), with the unit and without
CREATE TABLE cdnow_models AS
SELECT ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, 'week', NULL, NULL)::bgnbd_model AS bg,
	   ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model AS bg_plain,
	   ROW(0.553, 10.578, 0.606, 11.669, NULL, NULL, NULL, 'week', NULL, NULL)::pareto_nbd_model AS pn,
	   ROW(0.525, 6.183, 0.891, 1.614, NULL, NULL, NULL, 'week', NULL, NULL)::mbgnbd_model AS mbg,
	   ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model AS gg;
-- scoring a weekly model needs no unit: months of 4.345 weeks (plain SQL sum)
SELECT bool_and(abs(clv_predict(bg, gg, frequency, recency, t, spend, 12, 0.01) - v) <= 1e-10 * v) AS weekly_months
FROM (SELECT s.id, s.frequency, s.recency, s.t, s.spend, m.bg, m.gg,
			 gamma_gamma_expected_spend(m.gg, s.frequency, s.spend)
			 * sum((bgnbd_expected_purchases(m.bg, i * 4.345, s.frequency, s.recency, s.t)
					- bgnbd_expected_purchases(m.bg, (i - 1) * 4.345, s.frequency, s.recency, s.t)) / 1.01 ^ i) AS v
	  FROM summary s, cdnow_models m, generate_series(1, 12) i WHERE s.id % 25 = 0
	  GROUP BY 1, 2, 3, 4, 5, 6, 7) x;
-- naming the model's unit is allowed, in any case; naming another is an error
SELECT clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01, 'WEEK') = clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01) AS same_unit_ok
FROM cdnow_models;
SELECT pg_temp.sqlstate_of($$SELECT clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01, 'day') FROM test_model_units.cdnow_models$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_predict(pn, gg, 2, 30, 40, 25, 12, 0.01, 'month') FROM test_model_units.cdnow_models$$);
SELECT pg_temp.sqlstate_of($$SELECT clv_predict(mbg, gg, 2, 30, 40, 25, 12, 0.01, 'year') FROM test_model_units.cdnow_models$$);
-- the 7x trap, no longer silent: the weekly model scored with daily months
-- (30 weeks a month instead of 4.345) would have looked much further ahead
SELECT clv_predict(bg_plain, gg, 2, 30, 40, 25, 12, 0.01, 'day')
	   > 3 * clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01) AS daily_months_look_much_further
FROM cdnow_models;

-- a model without a unit (as stored by 0.2.0) takes the argument, 'day' by default
SELECT clv_predict(bg_plain, gg, 2, 30, 40, 25, 12, 0.01) = clv_predict(bg_plain, gg, 2, 30, 40, 25, 12, 0.01, 'day') AS default_day,
	   clv_predict(bg_plain, gg, 2, 30, 40, 25, 12, 0.01, 'week') = clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01) AS argument_week,
	   clv_predict(bg_plain, gg, 2, 30, 40, 25, 12, 0.01, NULL) = clv_predict(bg_plain, gg, 2, 30, 40, 25, 12, 0.01, 'day') AS null_is_day
FROM cdnow_models;
-- a degenerate fit (a and b run off towards infinity on this data) still scores
SELECT clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01) > 0 AS degenerate_scores,
	   abs(clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01)
		   - gamma_gamma_expected_spend(gg, 2, 25) * sum((bgnbd_expected_purchases(bg, i * 4.345, 2, 30, 40)
														  - bgnbd_expected_purchases(bg, (i - 1) * 4.345, 2, 30, 40)) / 1.01 ^ i))
	   <= 1e-10 * clv_predict(bg, gg, 2, 30, 40, 25, 12, 0.01) AS degenerate_same
FROM models, generate_series(1, 12) i GROUP BY bg, gg;

-- months of 1 for 'month' and 1/12 for 'year' models (plain SQL sums)
\set MM 'ROW(0.243, 1.016, 0.793, 2.426, NULL, NULL, NULL, ''month'', NULL, NULL)::bgnbd_model'
\set MY 'ROW(0.243, 0.0847, 0.793, 2.426, NULL, NULL, NULL, ''year'', NULL, NULL)::bgnbd_model'
\set GG 'ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model'
SELECT abs(clv_predict(:MM, :GG, 2, 7, 9, 22.35, 24, 0.01)
		   - gamma_gamma_expected_spend(:GG, 2, 22.35)
			 * sum((bgnbd_expected_purchases(:MM, i, 2, 7, 9) - bgnbd_expected_purchases(:MM, i - 1, 2, 7, 9)) / 1.01 ^ i)) < 1e-10 AS monthly,
	   abs(clv_predict(:MY, :GG, 2, 0.6, 0.75, 22.35, 24, 0.01)
		   - gamma_gamma_expected_spend(:GG, 2, 22.35)
			 * sum((bgnbd_expected_purchases(:MY, i / 12.0, 2, 0.6, 0.75)
					- bgnbd_expected_purchases(:MY, (i - 1) / 12.0, 2, 0.6, 0.75)) / 1.01 ^ i)) < 1e-10 AS yearly
FROM generate_series(1, 24) i;

-- a model whose stored unit is not one clv knows, bad units and observation ends
SELECT pg_temp.sqlstate_of($$SELECT clv_predict(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, 'fortnight', NULL, NULL)::bgnbd_model, ROW(6.25, 3.74, 15.44, NULL, NULL, NULL, NULL, NULL, NULL)::gamma_gamma_model, 2, 30, 38, 22, 12, 0.01)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_fit(btyd_data(frequency, recency, t), 'days') FROM test_model_units.summary$$);
SELECT pg_temp.sqlstate_of($$SELECT pareto_nbd_fit(btyd_data(frequency, recency, t), 'week', '-infinity') FROM test_model_units.summary$$);
SELECT pg_temp.sqlstate_of($$SELECT gamma_gamma_fit(btyd_data(frequency, recency, t), 'week') FROM test_model_units.summary$$);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_model_units CASCADE;
RESET client_min_messages;
