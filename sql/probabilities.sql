--
-- probabilities: how many purchases a customer will make, for BG/NBD and
-- Pareto/NBD (MBG/NBD: sql/mbgnbd.sql): P(X(t) = n) of a new customer,
-- P(Y(t) = n | x, t_x, T) and P(Y(t) >= 1 | x, t_x, T) of a customer with a
-- history, and Pareto/NBD's P(alive) a horizon after the observation end.
--
-- Reference values:
--  * BG/NBD P(X(t) = n) at r 0.243, alpha 4.414, a 0.793, b 2.426: the R
--    package BTYD's bgnbd.pmf, as pinned by lifetimes' test
--    test_probability_of_n_purchases_up_to_time_same_as_R_BTYD
--    (P(X(2) = 10) = 1.07869e-07, P(X(39) = 0) = 0.5737864, P(X(30) = n),
--    n = 11..20, to 5 decimals);
--  * everything else: test/models_reference_more.py, which integrates the
--    individual-level probability (given the purchase rate lambda and the
--    dropout probability p or rate mu: Poisson counts, geometric or
--    exponential lifetimes) numerically over the mixing distributions and
--    the customer's posterior (scipy dblquad), instead of the closed forms
--    (negative binomial sums, 2F1) used here.  Tolerance 1e-9 (the
--    quadrature's accuracy, 1e-10 to 1e-13).
--  * properties: the probabilities add up to 1 and their mean is the
--    expected number of purchases of the scorers.
--
-- every regress file shares one database: keep this file's tables in its own schema
CREATE SCHEMA test_probabilities;
SET search_path = test_probabilities, public;
SET extra_float_digits = 0;
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

\set M1 'ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model'
\set P1 'ROW(0.553, 10.578, 0.606, 11.669, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model'
\set P2 'ROW(0.5, 5, 0.8, 20, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model'

-- BG/NBD, a new customer: R BTYD's values
SELECT abs(bgnbd_probability_purchases_new(:M1, 2, 10) - 1.07869e-07) < 1e-12 AS btyd_2_10,
	   abs(bgnbd_probability_purchases_new(:M1, 39, 0) - 0.5737864) < 1e-7 AS btyd_39_0;
SELECT n, abs(bgnbd_probability_purchases_new(:M1, 30, n) - btyd) < 5e-6 AS btyd_30_n
FROM (VALUES (11, 0.0019995214), (12, 0.0015170236), (13, 0.0011633150), (14, 0.0009003148),
			 (15, 0.0007023638), (16, 0.0005517902), (17, 0.0004361913), (18, 0.0003467171),
			 (19, 0.0002769613), (20, 0.0002222260)) v(n, btyd) ORDER BY 1;
-- and the integrals
SELECT abs(bgnbd_probability_purchases_new(:M1, 39, 0) - 0.57378635209601) < 1e-9 AS i1,
	   abs(bgnbd_probability_purchases_new(:M1, 30, 11) - 0.00199952144747888) < 1e-9 AS i2,
	   abs(bgnbd_probability_purchases_new(:M1, 30, 20) - 0.000222226048006637) < 1e-9 AS i3,
	   abs(bgnbd_probability_purchases_new(:M1, 78, 3) - 0.0550466155214591) < 1e-9 AS i4;
-- BG/NBD, a customer with a history (horizon, n, x, t_x, T)
SELECT abs(bgnbd_probability_purchases(:M1, 39, 0, 2, 30.43, 38.86) - 0.445372862083021) < 1e-9 AS c1,
	   abs(bgnbd_probability_purchases(:M1, 39, 1, 2, 30.43, 38.86) - 0.239318937435077) < 1e-9 AS c2,
	   abs(bgnbd_probability_purchases(:M1, 39, 3, 10, 35, 38.86) - 0.0628729987452322) < 1e-9 AS c3,
	   abs(bgnbd_probability_purchases(:M1, 39, 0, 0, 0, 38.86) - 0.855449459216682) < 1e-9 AS c4,
	   abs(bgnbd_probability_purchases(:M1, 10, 2, 0, 0, 38.86) - 0.00393162552091266) < 1e-9 AS c5;

-- Pareto/NBD, a new customer (horizon, n)
SELECT abs(pareto_nbd_probability_purchases_new(:P1, 39, 0) - 0.593625031602384) < 1e-9 AS p1,
	   abs(pareto_nbd_probability_purchases_new(:P1, 39, 1) - 0.165562947277176) < 1e-9 AS p2,
	   abs(pareto_nbd_probability_purchases_new(:P1, 39, 3) - 0.0490399536428142) < 1e-9 AS p3,
	   abs(pareto_nbd_probability_purchases_new(:P1, 78, 2) - 0.079076918226048) < 1e-9 AS p4,
	   abs(pareto_nbd_probability_purchases_new(:P2, 39, 0) - 0.487172061584039) < 1e-9 AS p5,
	   abs(pareto_nbd_probability_purchases_new(:P2, 39, 1) - 0.15632069674345) < 1e-9 AS p6,
	   abs(pareto_nbd_probability_purchases_new(:P2, 39, 3) - 0.0579922327974336) < 1e-9 AS p7,
	   abs(pareto_nbd_probability_purchases_new(:P2, 78, 2) - 0.0814887546528923) < 1e-9 AS p8;
-- Pareto/NBD, a customer with a history: P(Y(t) = n), and P(alive) 39 weeks after T
SELECT abs(pareto_nbd_probability_purchases(:P1, 39, 0, 2, 30.43, 38.86) - 0.408062723606448) < 1e-9 AS c1,
	   abs(pareto_nbd_probability_purchases(:P1, 39, 2, 2, 30.43, 38.86) - 0.151756520757309) < 1e-9 AS c2,
	   abs(pareto_nbd_probability_purchases(:P1, 39, 0, 0, 0, 38.86) - 0.93071481594568) < 1e-9 AS c3,
	   abs(pareto_nbd_probability_purchases(:P1, 52, 5, 10, 35, 38.86) - 0.0522099169081043) < 1e-9 AS c4,
	   abs(pareto_nbd_probability_purchases(:P2, 39, 0, 2, 30.43, 38.86) - 0.411554051780611) < 1e-9 AS c5,
	   abs(pareto_nbd_probability_purchases(:P2, 39, 2, 2, 30.43, 38.86) - 0.14614924197135) < 1e-9 AS c6,
	   abs(pareto_nbd_probability_purchases(:P2, 39, 0, 0, 0, 38.86) - 0.933624447985142) < 1e-9 AS c7,
	   abs(pareto_nbd_probability_purchases(:P2, 52, 5, 10, 35, 38.86) - 0.0446586634601279) < 1e-9 AS c8;
SELECT abs(pareto_nbd_p_alive(:P1, 2, 30.43, 38.86, 39) - 0.614552729605078) < 1e-9 AS a1,
	   abs(pareto_nbd_p_alive(:P1, 0, 0, 38.86, 39) - 0.208785046073235) < 1e-9 AS a2,
	   abs(pareto_nbd_p_alive(:P1, 10, 35, 38.86, 39) - 0.655678482419347) < 1e-9 AS a3,
	   abs(pareto_nbd_p_alive(:P2, 2, 30.43, 38.86, 39) - 0.566951710524423) < 1e-9 AS a4,
	   abs(pareto_nbd_p_alive(:P2, 10, 35, 38.86, 39) - 0.608500724605499) < 1e-9 AS a5,
	   pareto_nbd_p_alive(:P1, 2, 30.43, 38.86, 0) = pareto_nbd_p_alive(:P1, 2, 30.43, 38.86) AS horizon_0_is_now;

-- properties over a grid of customers: the probabilities add up to 1, their
-- mean is the expectation, at least one purchase is one minus none
CREATE TABLE customers AS
SELECT x::float8 AS x, tx::float8 AS tx, 38.86::float8 AS t
FROM (VALUES (0, 0), (1, 5), (2, 30.43), (5, 38), (10, 35), (20, 38.5)) v(x, tx);
SELECT x, tx,
	   abs(sum(bgnbd_probability_purchases(:M1, 52, n, x, tx, t)) - 1) < 1e-10 AS bg_sum,
	   abs(sum(n * bgnbd_probability_purchases(:M1, 52, n, x, tx, t)) - bgnbd_expected_purchases(:M1, 52, x, tx, t)) < 1e-8 AS bg_mean,
	   abs(sum(pareto_nbd_probability_purchases(:P1, 52, n, x, tx, t)) - 1) < 1e-10 AS pn_sum,
	   abs(sum(n * pareto_nbd_probability_purchases(:P1, 52, n, x, tx, t)) - pareto_nbd_expected_purchases(:P1, 52, x, tx, t)) < 1e-8 AS pn_mean
FROM customers, generate_series(0, 150) n GROUP BY x, tx, t ORDER BY 1;
SELECT abs(sum(bgnbd_probability_purchases_new(:M1, 78, n)) - 1) < 1e-10 AS bg_new_sum,
	   abs(sum(n * bgnbd_probability_purchases_new(:M1, 78, n)) - bgnbd_expected_purchases_new(:M1, 78)) < 1e-8 AS bg_new_mean
FROM generate_series(0, 1500) n;
SELECT abs(sum(pareto_nbd_probability_purchases_new(:P2, 20, n)) - 1) < 1e-10 AS pn_new_sum,
	   abs(sum(n * pareto_nbd_probability_purchases_new(:P2, 20, n)) - pareto_nbd_expected_purchases_new(:P2, 20)) < 1e-8 AS pn_new_mean
FROM generate_series(0, 250) n;
SELECT bool_and(abs(bgnbd_probability_any_purchase(:M1, 30, x, tx, t) - (1 - bgnbd_probability_purchases(:M1, 30, 0, x, tx, t))) < 1e-12
				AND abs(pareto_nbd_probability_any_purchase(:P1, 30, x, tx, t) - (1 - pareto_nbd_probability_purchases(:P1, 30, 0, x, tx, t))) < 1e-12) AS any_is_one_minus_none,
	   bool_and(abs(bgnbd_probability_any_purchase(:M1, 30, x, tx, t)
					- bgnbd_p_alive(:M1, x, tx, t) * (1 - ((4.414 + t) / (4.414 + t + 30)) ^ (0.243 + x))) < 1e-12) AS bg_any_closed_form
FROM customers;
-- a longer horizon: more chance of a purchase, less of being alive
SELECT bool_and(bgnbd_probability_any_purchase(:M1, h + 1, x, tx, t) > bgnbd_probability_any_purchase(:M1, h, x, tx, t)
				AND pareto_nbd_p_alive(:P1, x, tx, t, h + 1) < pareto_nbd_p_alive(:P1, x, tx, t, h)) AS monotone
FROM customers, generate_series(1, 100, 7) h;
-- horizon 0: no purchase for certain
SELECT bgnbd_probability_purchases(:M1, 0, 0, 2, 30.43, 38.86) AS bg_none,
	   pareto_nbd_probability_purchases(:P1, 0, 0, 2, 30.43, 38.86) AS pn_none,
	   pareto_nbd_probability_purchases_new(:P1, 0, 1) AS pn_new_one;
-- long horizons and many purchases: probabilities stay in [0, 1]
SELECT bool_and(v BETWEEN 0 AND 1) AS in_range FROM (
	SELECT bgnbd_probability_purchases_new(:M1, 1e6, n) AS v FROM generate_series(0, 2000, 250) n
	UNION ALL SELECT bgnbd_probability_purchases(:M1, 1e5, n, 50, 38, 38.86) FROM generate_series(0, 2000, 250) n
	UNION ALL SELECT pareto_nbd_probability_purchases(:P1, 1e4, n, 50, 38, 38.86) FROM generate_series(0, 200, 50) n
	UNION ALL SELECT pareto_nbd_probability_purchases_new(:P2, 1e5, n) FROM generate_series(0, 200, 50) n) x;

-- errors and NULLs
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_probability_purchases_new(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, 10, -1)$$);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_probability_any_purchase(ROW(0.243, 4.414, 0.793, 2.426, NULL, NULL, NULL, NULL, NULL, NULL)::bgnbd_model, -10, 1, 2, 3)$$);
SELECT pg_temp.sqlstate_of($$SELECT pareto_nbd_probability_purchases(ROW(0.553, 10.578, 0.606, 11.669, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model, 10, 1, 2, 40, 38)$$);
SELECT pg_temp.sqlstate_of($$SELECT pareto_nbd_p_alive(ROW(0.553, 10.578, 0.606, 11.669, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model, 2, 30, 38, 'Infinity')$$);
SELECT bgnbd_probability_purchases(NULL, 10, 1, 2, 30, 38) IS NULL AS strict_null,
	   pareto_nbd_p_alive(ROW(0.553, 10.578, 0.606, 11.669, NULL, NULL, NULL, NULL, NULL, NULL)::pareto_nbd_model, 2, 30, 38, NULL) IS NULL AS strict_null_horizon;

-- The scorers remember the last model composite of a call site and compare
-- it byte for byte (model_composite.c): a column of two alternating models
-- scores each row with its own model, equal to scoring the rows of each
-- model alone; an invalid model after valid ones is still an error.
CREATE TABLE two_models AS
SELECT i, (i % 5)::float8 AS x, CASE WHEN i % 5 = 0 THEN 0 ELSE 10.0 + i END AS tx, 40.0 + i AS t, 20.0 + i AS m,
	   CASE WHEN i % 2 = 0 THEN ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model
			ELSE ROW(0.525, 6.183, 0.891, 1.614, 0, true, 1, NULL, NULL, NULL)::bgnbd_model END AS bg,
	   CASE WHEN i % 2 = 0 THEN ROW(0.553, 10.578, 0.606, 11.669, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model
			ELSE ROW(0.7, 8.0, 0.4, 9.0, 0, true, 1, NULL, NULL, NULL)::pareto_nbd_model END AS pn,
	   CASE WHEN i % 2 = 0 THEN ROW(6.25, 3.74, 15.44, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model
			ELSE ROW(4.0, 2.5, 10.0, 0, true, 1, NULL, NULL, NULL)::gamma_gamma_model END AS gg
FROM generate_series(1, 20) i;
WITH mixed AS (
	SELECT i, bgnbd_p_alive(bg, x, tx, t) AS a, bgnbd_expected_purchases(bg, 30, x, tx, t) AS e,
		   pareto_nbd_p_alive(pn, x, tx, t) AS pa, gamma_gamma_expected_spend(gg, x, m) AS s
	FROM two_models),
alone AS (
	SELECT i, bgnbd_p_alive(bg, x, tx, t) AS a, bgnbd_expected_purchases(bg, 30, x, tx, t) AS e,
		   pareto_nbd_p_alive(pn, x, tx, t) AS pa, gamma_gamma_expected_spend(gg, x, m) AS s
	FROM two_models WHERE i % 2 = 0
	UNION ALL
	SELECT i, bgnbd_p_alive(bg, x, tx, t), bgnbd_expected_purchases(bg, 30, x, tx, t),
		   pareto_nbd_p_alive(pn, x, tx, t), gamma_gamma_expected_spend(gg, x, m)
	FROM two_models WHERE i % 2 = 1)
SELECT count(*) AS rows, count(*) FILTER (WHERE x.a = y.a AND x.e = y.e AND x.pa = y.pa AND x.s = y.s) AS equal,
	   count(DISTINCT x.a) AS distinct_p_alive
FROM mixed x JOIN alone y USING (i);
SELECT pg_temp.sqlstate_of($$SELECT bgnbd_p_alive(bg, 1, 10, 40) FROM (VALUES
	(1, ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model),
	(2, ROW(0.243, 4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model),
	(3, ROW(0.243, -4.414, 0.793, 2.426, 0, true, 1, NULL, NULL, NULL)::bgnbd_model)) v(i, bg)$$) AS invalid_after_valid;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_probabilities CASCADE;
RESET client_min_messages;
