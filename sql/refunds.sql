--
-- refunds: the one refund rule of the BTYD summaries (clv_rfm, the fits'
-- btyd_data, clv_predictions) and of repeat_rate, as in the core
-- (docs/readme/core.md): an amount < 0 is a refund, not an order or a
-- purchase; it lowers the customer's spend.  For clv_rfm: a refund makes no
-- purchase day and lowers the value of the purchase day it follows (the
-- latest purchase day on or before it); monetary_value = max(0, sum of the
-- amounts dated from the first repeat purchase day D_1 to the observation
-- end) / frequency.  Every expected value below is worked out by hand in
-- the comments.
--
CREATE SCHEMA test_refunds;
SET search_path = test_refunds, public;
SET extra_float_digits = 0;
CREATE TABLE o (customer_id text, ordered_at date, amount numeric);
INSERT INTO o VALUES
	-- r1: purchase days 01-01, 01-05, 01-10; the refund of 01-06 lowers 01-05:
	--     frequency 2, recency 9, T 30, monetary (20 - 5 + 30) / 2 = 22.5
	('r1', '2024-01-01', 10), ('r1', '2024-01-05', 20), ('r1', '2024-01-06', -5), ('r1', '2024-01-10', 30),
	-- r2: the refund of 01-02 follows the first purchase day, which monetary
	--     leaves out: frequency 1, recency 4, T 30, monetary 20
	('r2', '2024-01-01', 10), ('r2', '2024-01-02', -10), ('r2', '2024-01-05', 20),
	-- r3: a refund only: no purchase, no summary (NULL), not a customer
	('r3', '2024-01-03', -5),
	-- r4: a refund before the first order counts nowhere: frequency 1,
	--     recency 1, T 29, monetary 10
	('r4', '2023-12-31', -5), ('r4', '2024-01-02', 10), ('r4', '2024-01-03', 10),
	-- r5: refunds beyond the repeat purchases: frequency 1, recency 1, T 30,
	--     monetary max(0, 5 - 50) = 0
	('r5', '2024-01-01', 10), ('r5', '2024-01-02', 5), ('r5', '2024-01-03', -50),
	-- r6: an order and its refund on a repeat day: the day is a purchase
	--     day (it has an order) worth 0: frequency 1, recency 3, T 30, monetary 0
	('r6', '2024-01-01', 10), ('r6', '2024-01-04', 30), ('r6', '2024-01-04', -30),
	-- r7: a free order (amount 0) is an order: frequency 1, recency 2,
	--     T 30, monetary 0; the refund after observation_end is not read
	('r7', '2024-01-01', 10), ('r7', '2024-01-03', 0), ('r7', '2024-02-15', -10),
	-- r8: no refunds: frequency 1, recency 7, T 30, monetary 12.34
	('r8', '2024-01-01', 1), ('r8', '2024-01-08', 12.34);
SELECT customer_id, (clv_rfm(ordered_at, amount, '2024-01-31')).*
FROM o GROUP BY customer_id ORDER BY customer_id;
-- the same with double precision amounts and in weeks
SELECT customer_id, (clv_rfm(ordered_at, amount::float8, '2024-01-31', 'week')).*
FROM o WHERE customer_id IN ('r1', 'r3', 'r5') GROUP BY customer_id ORDER BY customer_id;
-- refund rows do not change a customer's summary when they follow the first
-- purchase day only (r2 without its refund gives the same)
SELECT (clv_rfm(ordered_at, amount, '2024-01-31')).* FROM o WHERE customer_id = 'r2' AND amount >= 0;

-- the fits' inputs: Gamma-Gamma reads the repeat buyers with a positive
-- monetary value (r1, r2, r4, r8); r5, r6 and r7 (monetary 0) are left out,
-- as every customer with monetary value 0 is
SELECT btyd_data_customers(btyd_data(frequency, recency, t)) AS purchase_customers,
	   btyd_data_customers(btyd_data(frequency, monetary_value)) AS spend_customers
FROM (SELECT (clv_rfm(ordered_at, amount, '2024-01-31')).* FROM o GROUP BY customer_id) s
WHERE frequency IS NOT NULL;
-- clv_predictions follows the same rule (its summaries are clv_rfm's)
SELECT customer_id, frequency, recency, t, monetary_value
FROM clv_predictions('SELECT customer_id, ordered_at, amount FROM o', '2024-01-31')
ORDER BY customer_id;

-- repeat_rate with an amount: customers are keys with an order (r1 .. r8
-- but r3: 7), repeat buyers those with 2 or more orders (all 7): 1; a
-- customer whose second row is a refund is no repeat buyer
SELECT repeat_rate(customer_id, ordered_at, amount) AS with_refund_rule,
	   repeat_rate(customer_id, ordered_at) AS every_row_an_order,
	   repeat_rate(customer_id, ordered_at) FILTER (WHERE amount >= 0) AS filtered
FROM o;
SELECT repeat_rate(customer_id, ordered_at, amount) AS one_of_two
FROM (VALUES ('a', '2024-01-01'::timestamptz, 10::numeric), ('a', '2024-01-02', -10),
			 ('b', '2024-01-01', 5), ('b', '2024-01-03', 5)) v(customer_id, ordered_at, amount);
-- and it equals the clv_summary accessor, which knows refunds
SELECT repeat_rate(customer_id, ordered_at, amount) = repeat_rate(clv_summary(customer_id, ordered_at, amount)) AS same_as_accessor
FROM o;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA test_refunds CASCADE;
RESET client_min_messages;
