#!/usr/bin/env bash
# test/stages/87_evaluation.sh: the holdout evaluation on the CDNOW sample
# against an independent implementation of lifetimes' definitions
# (test/evaluation_reference.py, Python standard library only, reading
# lifetimes' own CDNOW_sample.txt):
#   * clv_holdout_summary (calibration end 1997-09-30, holdout end
#     1998-06-30, in days and in weeks) equals lifetimes'
#     calibration_and_holdout_data in every column for all 2,357 customers
#     (monetary_value_holdout the mean over the holdout rows, as lifetimes;
#     49 customers have two rows on one holdout day, where it is not the
#     mean per purchase day);
#   * the tracking curve of BG/NBD, MBG/NBD and Pareto/NBD models fitted on
#     the weekly calibration summary (weekly points, 78 weeks as in Fader,
#     Hardie & Lee 2005, figure 2): actual cumulative repeat purchases
#     equal, expected ones to 1e-9 relative (the reference sums the closed
#     forms with the model's parameters; clv's fits only supply them).
# Skipped without the CDNOW data.
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

clv_need_data
data=$(clv_data_dir)
[ -r "$data/CDNOW_sample.txt" ] || clv_skip_stage "CDNOW_sample.txt not found in $data"
ref() { CLV_DATA_DIR=$data python3 test/evaluation_reference.py "$@"; }

setup() {
	clv_psql -c 'CREATE EXTENSION clv' \
		-c 'CREATE TABLE orders (customer_id integer, order_date date, quantity integer, amount numeric)' \
		-c "\\copy orders FROM '$data/cdnow_sample_orders.csv' WITH (FORMAT csv, HEADER)"
}
clv_check "load the CDNOW orders" setup

summary_is_lifetimes() {
	local unit=$1
	clv_psql -c 'SET extra_float_digits = 3' -c "\\copy (SELECT * FROM clv_holdout_summary('SELECT customer_id, order_date, amount FROM orders', '1997-09-30', '1998-06-30', '$unit')) TO '$CLV_TMP/summary_$unit.csv' WITH (FORMAT csv, HEADER)" &&
		ref summary 1997-09-30 1998-06-30 "$unit" <"$CLV_TMP/summary_$unit.csv"
}
clv_check "clv_holdout_summary in days equals lifetimes' calibration_and_holdout_data in every column (2,357 customers)" summary_is_lifetimes day
clv_check "clv_holdout_summary in weeks equals lifetimes' calibration_and_holdout_data in every column (freq_multiplier 7)" summary_is_lifetimes week

fit() {
	clv_psql <<-'EOF'
		CREATE TABLE calibration AS
		SELECT * FROM clv_holdout_summary('SELECT customer_id, order_date, amount FROM orders', '1997-09-30', '1998-06-30', 'week');
		CREATE TABLE models AS
		SELECT bgnbd_fit(btyd_data(frequency_cal, recency_cal, t_cal), 'week', '1997-09-30') AS bgnbd,
			   mbgnbd_fit(btyd_data(frequency_cal, recency_cal, t_cal), 'week', '1997-09-30') AS mbgnbd,
			   pareto_nbd_fit(btyd_data(frequency_cal, recency_cal, t_cal), 'week', '1997-09-30') AS pareto_nbd
		FROM calibration;
	EOF
	[ "$(clv_psql -At -c 'SELECT (bgnbd).converged AND (mbgnbd).converged AND (pareto_nbd).converged FROM models')" = t ]
}
clv_check "fit BG/NBD, MBG/NBD and Pareto/NBD on the weekly calibration summary" fit

tracking_is_reference() {
	local model=$1 params
	params=$(clv_psql -At -F ' ' -c 'SET extra_float_digits = 3' -c "SELECT ($model).* FROM models" | cut -d' ' -f1-4) &&
		clv_psql -c 'SET extra_float_digits = 3' -c "\\copy (SELECT t.* FROM models AS m, clv_holdout_tracking(m.$model, 'SELECT customer_id, order_date, amount FROM orders', '1997-09-30', '1998-06-30') AS t) TO '$CLV_TMP/tracking_$model.csv' WITH (FORMAT csv, HEADER)" &&
		echo "parameters: $params" &&
		ref tracking 1997-09-30 1998-06-30 week week "$model" $params <"$CLV_TMP/tracking_$model.csv"
}
for model in bgnbd mbgnbd pareto_nbd; do
	clv_check "clv_holdout_tracking ($model): 78 weekly points equal the closed-form sums (lifetimes' expected_cumulative_transactions)" \
		tracking_is_reference $model
done

# the same figures whatever the plan: parallel plans forced, tiny work_mem
# (sorts and hashes spill), no hash aggregation
same_figures() {
	local q="SET extra_float_digits = 3;
		SELECT x::text FROM models AS m, clv_holdout_metrics(m.bgnbd, 'SELECT customer_id, order_date, amount FROM orders', '1997-09-30', '1998-06-30') AS x;
		SELECT d::text FROM models AS m, clv_holdout_deciles(m.pareto_nbd, 'SELECT customer_id, order_date, amount FROM orders', '1997-09-30', '1998-06-30') AS d;
		SELECT t::text FROM models AS m, clv_holdout_tracking(m.mbgnbd, 'SELECT customer_id, order_date, amount FROM orders', '1997-09-30', '1998-06-30') AS t;
		SELECT md5(string_agg(h::text, ',' ORDER BY h.customer_id)) FROM clv_holdout_summary('SELECT customer_id, order_date, amount FROM orders', '1997-09-30', '1998-06-30') AS h;"
	clv_psql -At -c "$q" >"$CLV_TMP/plain.out" &&
		PGOPTIONS="-c max_parallel_workers_per_gather=4 -c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0 -c work_mem=64kB -c enable_hashagg=off" \
			clv_psql -At -c "$q" >"$CLV_TMP/parallel.out" &&
		diff "$CLV_TMP/plain.out" "$CLV_TMP/parallel.out" && wc -l <"$CLV_TMP/plain.out"
}
clv_check "metrics, deciles, tracking and summary are the same with parallel plans, spilling sorts and no hash aggregation" same_figures

clv_stage_done
