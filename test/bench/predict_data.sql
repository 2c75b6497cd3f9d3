-- test/bench/predict_data.sql: customers simulated from the BG/NBD and
-- Gamma-Gamma models for test/bench/predict.sh.
--
-- psql variables: customers, seed.  The same variables always give the same
-- table (random() is seeded; one backend, serial plan).
--
-- Each customer follows the BG/NBD story (Fader, Hardie & Lee 2005) with the
-- CDNOW estimates in days: purchase rate lambda ~ gamma(r = 0.243, rate
-- alpha = 4.414 * 7), dropout probability p ~ beta(a = 0.793, b = 2.426);
-- after the first purchase, purchases come at rate lambda and after each
-- one the customer drops out with probability p.  The first purchase falls
-- on a uniform day of the 3 years before the observation end, so T is a
-- whole number of days from 0 to 1095; t_x is the day of the last repeat
-- purchase (a later purchase on the same day as the previous one is not
-- counted, as clv_rfm merges same-day orders).  Spend: nu ~ gamma(q = 3.74,
-- rate v = 15.44), the mean of x purchases gamma(p x = 6.25 x, rate x nu).
--
--   table sim(frequency, recency, t, monetary_value double precision)
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
DROP TABLE IF EXISTS sim;

-- gamma(shape, rate 1): Marsaglia & Tsang (2000), with the boost
-- U^(1/shape) for shape < 1; normal deviates by Box-Muller
CREATE FUNCTION pg_temp.rgamma(shape float8) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	boost float8 := 1;
	d float8;
	c float8;
	z float8;
	v float8;
	u float8;
BEGIN
	IF shape < 1 THEN
		boost := (1 - random()) ^ (1 / shape);
		shape := shape + 1;
	END IF;
	d := shape - 1.0 / 3;
	c := 1 / sqrt(9 * d);
	LOOP
		LOOP
			z := sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random());
			v := 1 + c * z;
			EXIT WHEN v > 0;
		END LOOP;
		v := v * v * v;
		u := 1 - random();
		IF u < 1 - 0.0331 * z ^ 4 OR ln(u) < 0.5 * z * z + d * (1 - v + ln(v)) THEN
			RETURN d * v * boost;
		END IF;
	END LOOP;
END $$;

CREATE FUNCTION pg_temp.customer(i int, OUT frequency float8, OUT recency float8, OUT t float8,
								 OUT monetary_value float8) LANGUAGE plpgsql AS $$
DECLARE
	lambda float8 := pg_temp.rgamma(0.243) / (4.414 * 7);
	ga float8 := pg_temp.rgamma(0.793);
	p float8 := ga / (ga + pg_temp.rgamma(2.426));
	nu float8 := pg_temp.rgamma(3.74) / 15.44;
	now float8 := 0;
	day float8;
BEGIN
	t := floor(1096 * random());
	frequency := 0;
	recency := 0;
	LOOP
		now := now - ln(1 - random()) / lambda;
		EXIT WHEN now > t;
		day := floor(now);
		IF day > recency THEN
			frequency := frequency + 1;
			recency := day;
		END IF;
		EXIT WHEN random() < p;
	END LOOP;
	monetary_value := CASE WHEN frequency > 0
		THEN pg_temp.rgamma(6.25 * frequency) / (frequency * nu) ELSE 0 END;
END $$;

SELECT setseed(:seed);
CREATE TABLE sim AS SELECT c.* FROM generate_series(1, :customers) i, LATERAL pg_temp.customer(i) c;
VACUUM (FREEZE, ANALYZE) sim;
