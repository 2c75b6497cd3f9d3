#!/usr/bin/env bash
# test/stages/83_shop.sh: the synthetic shop (test/shop/shop.sql) is what it
# says it is: its plain-SQL checks pass (test/shop/check.sql: structure,
# the latent draws and the realized behaviour against the process), the
# same arguments give the same rows whatever the session settings and the
# plan, another seed gives other rows, and clv's BG/NBD and Gamma-Gamma fits
# on it find the true parameters (test/shop/check_fit.sql).
# Run by test/run.sh (see test/lib/stage.sh for the environment).

. "$CLV_ROOT/test/lib/stage.sh"

customers=${CLV_SHOP_CUSTOMERS:-25000}

# md5 of every table, rows in key order, as text in UTC
tables_md5() {
	clv_psql -At <<-'EOF'
		SET TimeZone = 'UTC';
		SET extra_float_digits = 3;
		SELECT string_agg(t || ' ' || h, ' ' ORDER BY t) FROM (
			SELECT 'settings' AS t, md5(string_agg(s::text, E'\n')) AS h FROM shop.settings AS s
			UNION ALL SELECT 'channels', md5(string_agg(c::text, E'\n' ORDER BY channel)) FROM shop.channels AS c
			UNION ALL SELECT 'customers', md5(string_agg(c::text, E'\n' ORDER BY customer_id)) FROM shop.customers AS c
			UNION ALL SELECT 'latent', md5(string_agg(l::text, E'\n' ORDER BY customer_id)) FROM shop.latent AS l
			UNION ALL SELECT 'orders', md5(string_agg(o::text, E'\n' ORDER BY order_id)) FROM shop.orders AS o
			UNION ALL SELECT 'order_lines', md5(string_agg(l::text, E'\n' ORDER BY order_id, line_no)) FROM shop.order_lines AS l
			UNION ALL SELECT 'marketing_spend', md5(string_agg(m::text, E'\n' ORDER BY month, channel)) FROM shop.marketing_spend AS m
		) AS x;
	EOF
}

generate() {
	clv_psql -c 'CREATE EXTENSION IF NOT EXISTS clv' -f test/shop/shop.sql \
		-c "SELECT * FROM shop.generate($customers)" || return 1
	tables_md5 >"$CLV_TMP/md5.1" && cat "$CLV_TMP/md5.1"
}
clv_check "shop.generate($customers) runs" generate

checks() {
	clv_psql -f test/shop/check.sql >"$CLV_TMP/check.out" || { cat "$CLV_TMP/check.out"; return 1; }
	cat "$CLV_TMP/check.out"
	# the last column is ok (t/f); every row must say t
	awk -F'|' 'NF >= 6 && $1 ~ /^ *[0-9]+ *$/ { n++; gsub(/ /, "", $6); if ($6 != "t") bad++ }
		END { print n + 0 " checks, " bad + 0 " failed"; exit (n < 40 || bad > 0) }' "$CLV_TMP/check.out"
}
clv_check "test/shop/check.sql: the data follow the documented process" checks

# the same rows under other settings: another time zone, parallel plans
# forced, tiny work_mem (sorts and hashes spill), no hash joins
same_rows() {
	PGOPTIONS="-c TimeZone=America/New_York -c max_parallel_workers_per_gather=4 -c parallel_setup_cost=0 -c parallel_tuple_cost=0 -c min_parallel_table_scan_size=0 -c work_mem=64kB -c enable_hashjoin=off -c extra_float_digits=0" \
		clv_psql -c "SELECT * FROM shop.generate($customers)" >/dev/null || return 1
	tables_md5 >"$CLV_TMP/md5.2"
	diff "$CLV_TMP/md5.1" "$CLV_TMP/md5.2"
}
clv_check "deterministic: the same rows under other settings and plans" same_rows

other_seed() {
	clv_psql -c "SELECT * FROM shop.generate($customers, seed => 2)" >/dev/null || return 1
	tables_md5 >"$CLV_TMP/md5.3"
	# the parameters are the same, the data differ
	local same
	same=$(join <(tr ' ' '\n' <"$CLV_TMP/md5.1" | paste - -) <(tr ' ' '\n' <"$CLV_TMP/md5.3" | paste - -) |
		awk '$2 == $3 { print $1 }' | tr '\n' ' ')
	[ "$same" = "channels " ] || { echo "tables equal to seed 1's: $same(expected: channels)"; return 1; }
	clv_psql -c "SELECT * FROM shop.generate($customers)" >/dev/null
}
clv_check "another seed gives other rows" other_seed

fits() {
	clv_psql -f test/shop/check_fit.sql >"$CLV_TMP/fit.out" || { cat "$CLV_TMP/fit.out"; return 1; }
	cat "$CLV_TMP/fit.out"
	# columns: channel, converged, BG/NBD LR, bg_ok, bg_ll_same, GG LR, gg_ok, gg_ll_same
	awk -F'|' 'NF == 8 && $2 ~ /^ *[tf] *$/ { n++; for (i = 2; i <= 8; i++) if (i != 3 && i != 6) { v = $i; gsub(/ /, "", v); if (v != "t") bad++ } }
		END { print n + 0 " channels, " bad + 0 " failures"; exit (n != 5 || bad > 0) }' "$CLV_TMP/fit.out"
}
clv_check "test/shop/check_fit.sql: bgnbd_fit and gamma_gamma_fit find the true parameters" fits

clv_stage_done
