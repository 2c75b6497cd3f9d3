'use strict';
// clv from Node.js with node-postgres (`pg` from npm): the README's headline
// queries, checked.
//
// Run by test/stages/20_clients.sh (npm ci, then node clv_client_test.js)
// against a database holding the CDNOW sample as the table `orders`
// (customer_id int, order_date date, quantity int, amount numeric(10,2)) and
// the extension clv.  Connects with the libpq environment variables (PGHOST,
// PGPORT, PGUSER, PGDATABASE), which node-postgres reads too.
//
// node-postgres hands numeric and bigint values over as strings (exact:
// a JavaScript number cannot hold every numeric or int8), float8 and
// integer as numbers, and date as a JavaScript Date at local midnight.  The
// checks below cover both the defaults and the usual type parsers.
//
// Prints one line per check and exits 1 if any check failed.

const pg = require('pg');

let checksOk = 0;
let checksFailed = 0;

function check(desc, cond, detail) {
  if (cond) {
    checksOk++;
    console.log('ok    ' + desc);
  } else {
    checksFailed++;
    console.log('FAIL  ' + desc + (detail !== undefined ? ': ' + detail : ''));
  }
}

// the JavaScript types of a row's values, in column order
function typesOf(row) {
  return Object.values(row).map((v) => (v instanceof Date ? 'Date' : typeof v));
}

const near = (a, b, tol) => Math.abs(a - b) < tol;

// The queries of docs/readme/clients.md -------------------------------------

const HEADLINE = `
SELECT clv_agg(customer_id, order_date, amount) AS clv,
       repeat_rate(customer_id, order_date) AS repeat_rate
FROM orders`;

const RETENTION = `
SELECT retention_rate(customer_id, order_date, $1) AS retention
FROM orders
WHERE order_date >= $2 AND order_date < $3`;

const SUMMARY = `
SELECT customers(s), orders(s), revenue(s), aov(s), clv(s), clv(s, 0.3) AS clv_margin,
       purchase_frequency(s), lifespan(s), repeat_rate(s), retention_rate(s, $1) AS retention
FROM (SELECT clv_summary(customer_id, order_date, amount) AS s
      FROM orders WHERE order_date < $2) t`;

const COHORTS = 'SELECT * FROM clv_cohorts($1, $2, $3)';

const RFM = `
SELECT customer_id, (r).*
FROM (SELECT customer_id, clv_rfm(order_date, amount, $1, 'week') AS r
      FROM orders GROUP BY customer_id) t
ORDER BY customer_id`;

async function main() {
  const client = new pg.Client();
  await client.connect();
  try {
    // date columns are read as midnight in the session TimeZone: pin it
    await client.query("SET TimeZone = 'UTC'");
    const ver = (await client.query('SHOW server_version')).rows[0].server_version;
    console.log(`node ${process.version}, pg ${require('pg/package.json').version}, server ${ver}`);

    // one-step aggregates --------------------------------------------------
    let r = await client.query(HEADLINE);
    let row = r.rows[0];
    check('clv_agg -> string (numeric, exact), repeat_rate -> number (float8)',
      typesOf(row).join() === 'string,number', typesOf(row).join());
    check('clv_agg = "103.5604327535002121" (244091.94 / 2357)',
      row.clv === '103.5604327535002121', row.clv);
    let plain = (await client.query(`
      SELECT (sum(amount) / count(DISTINCT customer_id))::text AS clv,
             (SELECT count(*) FILTER (WHERE n >= 2)::float8 / count(*)
              FROM (SELECT count(*) AS n FROM orders GROUP BY customer_id) c) AS repeat_rate
      FROM orders`)).rows[0];
    check('clv_agg equals plain SQL sum(amount) / count(DISTINCT customer_id)', row.clv === plain.clv,
      `${row.clv} vs ${plain.clv}`);
    check('repeat_rate equals plain SQL share of customers with 2+ orders (0.488757)',
      row.repeat_rate === plain.repeat_rate && row.repeat_rate.toFixed(6) === '0.488757',
      `${row.repeat_rate} vs ${plain.repeat_rate}`);

    // the same query, numeric parsed into a JavaScript number for this query only
    r = await client.query({
      text: HEADLINE,
      types: {
        getTypeParser: (oid, format) =>
          oid === pg.types.builtins.NUMERIC ? parseFloat : pg.types.getTypeParser(oid, format),
      },
    });
    check('with a numeric type parser: clv_agg -> number 103.56043275350021',
      typeof r.rows[0].clv === 'number' && near(r.rows[0].clv, 244091.94 / 2357, 1e-12), r.rows[0].clv);

    // prepared statements (named) with parameters -------------------------------
    r = await client.query({
      name: 'clv_retention',
      text: RETENTION,
      values: ['1998-01-01', '1997-07-01', '1998-07-01'],
    });
    row = r.rows[0];
    check('retention_rate (prepared, parameters) -> number', typesOf(row).join() === 'number', typesOf(row).join());
    plain = (await client.query(`
      SELECT (count(*) FILTER (WHERE e) - count(*) FILTER (WHERE e AND NOT s))::float8
             / count(*) FILTER (WHERE s) AS crr
      FROM (SELECT customer_id, bool_or(order_date < '1998-01-01') AS s, bool_or(order_date >= '1998-01-01') AS e
            FROM orders WHERE order_date >= '1997-07-01' AND order_date < '1998-07-01' GROUP BY 1) c`)).rows[0];
    check('retention_rate at 1998-01-01 over 1997-07..1998-06 equals plain SQL (E - N) / S (0.520194)',
      row.retention === plain.crr && row.retention.toFixed(6) === '0.520194', `${row.retention} vs ${plain.crr}`);

    r = await client.query({ name: 'clv_summary', text: SUMMARY, values: ['1998-01-01', '1998-07-01'] });
    row = r.rows[0];
    check('clv_summary accessors -> string x6 (bigint, numeric), number x4 (float8)',
      typesOf(row).join() === 'string,string,string,string,string,string,number,number,number,number',
      typesOf(row).join());
    plain = (await client.query(`
      SELECT count(*)::text AS customers, sum(n)::text AS orders, sum(revenue)::text AS revenue,
             round(sum(revenue) / sum(n), 16)::text AS aov,
             avg(CASE WHEN n > 1 THEN (last - first) * n / (n - 1.0) ELSE 0 END)::float8 / 365.25 AS lifespan
      FROM (SELECT customer_id, count(*) AS n, min(order_date) AS first, max(order_date) AS last,
                   sum(amount) AS revenue
            FROM orders GROUP BY 1) c`)).rows[0];
    check('customers, orders, revenue equal plain SQL ("2357", "6919", "244091.94")',
      row.customers === plain.customers && row.orders === plain.orders && row.revenue === plain.revenue &&
        [row.customers, row.orders, row.revenue].join() === '2357,6919,244091.94',
      [row.customers, row.orders, row.revenue].join());
    check('aov = round(revenue / orders, 16), clv = "103.5604327535002121", clv(s, 0.3) = 0.3 * clv',
      row.aov === plain.aov && row.clv === '103.5604327535002121' &&
        near(Number(row.clv_margin), 0.3 * Number(row.clv), 1e-9), `${row.aov} vs ${plain.aov}`);
    check('lifespan equals plain SQL (0.5037 years), purchase_frequency = orders / customers / lifespan',
      near(row.lifespan, plain.lifespan, 1e-12) && row.lifespan.toFixed(4) === '0.5037' &&
        near(row.purchase_frequency, 6919 / 2357 / plain.lifespan, 1e-9),
      `${row.lifespan} vs ${plain.lifespan}`);
    check('repeat_rate(s) = 0.488757', row.repeat_rate.toFixed(6) === '0.488757', row.repeat_rate);

    // the cohort table: query text, period and time zone as parameters; dates
    // kept as 'YYYY-MM-DD' strings (pg's default makes a Date at local midnight)
    const dateAsText = {
      getTypeParser: (oid, format) =>
        oid === pg.types.builtins.DATE ? (v) => v : pg.types.getTypeParser(oid, format),
    };
    const ordersQuery = 'SELECT customer_id, order_date, amount FROM orders';
    r = await client.query({ name: 'clv_cohorts', text: COHORTS, values: [ordersQuery, 'quarter', 'UTC'], types: dateAsText });
    const names = r.fields.map((f) => f.name).join();
    check('clv_cohorts columns', names ===
      'cohort,period_offset,cohort_customers,active_customers,retention,orders,revenue,cumulative_revenue_per_customer',
      names);
    const oids = r.fields.map((f) => f.dataTypeID).join();
    const B = pg.types.builtins;
    check('clv_cohorts column types: date, int4, int8, int8, float8, int8, numeric, numeric',
      oids === [B.DATE, B.INT4, B.INT8, B.INT8, B.FLOAT8, B.INT8, B.NUMERIC, B.NUMERIC].join(), oids);
    let rows = r.rows;
    check('clv_cohorts -> string (date as text), number, string x2, number, string x3',
      rows.every((x) => typesOf(x).join() === 'string,number,string,string,number,string,string,string'),
      rows.length ? typesOf(rows[0]).join() : 'no rows');
    check('quarterly cohorts: 6 rows of cohort 1997-01-01 (every CDNOW customer starts in 1997-Q1)',
      rows.length === 6 && rows.every((x, i) => x.cohort === '1997-01-01' && x.period_offset === i), rows.length);
    row = rows[0];
    check('offset 0: 2357 customers, all active, 3267 orders, revenue 112498.61, retention 1',
      [row.cohort_customers, row.active_customers, row.retention, row.orders, row.revenue].join() ===
        '2357,2357,1,3267,112498.61', JSON.stringify(row));
    // exact sum of numeric strings in cents
    const cents = rows.reduce((a, x) => a + BigInt(x.revenue.replace('.', '')), 0n);
    check('revenue sums to 244091.94; last cumulative revenue per customer = clv_agg',
      cents === 24409194n && rows[5].cumulative_revenue_per_customer === '103.5604327535002121',
      `${cents} ${rows[5].cumulative_revenue_per_customer}`);
    check('offset 5: 300 active customers, 513 orders, revenue 17980.54',
      [rows[5].active_customers, rows[5].orders, rows[5].revenue].join() === '300,513,17980.54',
      JSON.stringify(rows[5]));

    // the same prepared statement again with another period, default date parsing
    r = await client.query({ name: 'clv_cohorts', text: COHORTS, values: [ordersQuery, 'month', 'UTC'] });
    rows = r.rows;
    check('default date parsing: cohort -> Date at local midnight of 1997-01-01',
      rows[0].cohort instanceof Date && rows[0].cohort.getFullYear() === 1997 &&
        rows[0].cohort.getMonth() === 0 && rows[0].cohort.getDate() === 1, String(rows[0].cohort));
    const last = new Map();
    for (const x of rows) last.set(`${x.cohort.getMonth() + 1}`, x.cumulative_revenue_per_customer);
    plain = (await client.query(`
      SELECT extract(month FROM f.first)::int AS m, (sum(o.amount) / count(DISTINCT o.customer_id))::text AS clv
      FROM orders o JOIN (SELECT customer_id, min(order_date) AS first FROM orders GROUP BY 1) f USING (customer_id)
      GROUP BY 1`)).rows;
    check('monthly cohorts (same prepared statement, new parameters): 3 cohorts, final cumulative ' +
      'revenue per customer = plain SQL CLV per cohort',
      last.size === 3 && plain.length === 3 && plain.every((p) => last.get(String(p.m)) === p.clv),
      JSON.stringify([...last]));
    const n = (await client.query(
      "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name = 'clv_cohorts' AND NOT from_sql")).rows[0].n;
    check('the cohort query ran as a server-side prepared statement', n === 1, n);

    // composites: clv_rfm returns rfm_summary; flatten it with (r).* ----------
    const hasRfm = (await client.query("SELECT EXISTS (SELECT FROM pg_proc WHERE proname = 'clv_rfm') AS x")).rows[0].x;
    if (!hasRfm) {
      console.log('skip  clv_rfm not in this version of clv: composite flattening not tested');
    } else {
      r = await client.query({ name: 'clv_rfm', text: RFM, values: ['1997-09-30'] });
      const rfmNames = r.fields.map((f) => f.name).join();
      check('(clv_rfm(...)).* flattens to customer_id, frequency, recency, t, monetary_value',
        rfmNames === 'customer_id,frequency,recency,t,monetary_value', rfmNames);
      check('rfm columns -> number x4, string (numeric)',
        r.rows.every((x) => typesOf(x).join() === 'number,number,number,number,string'), typesOf(r.rows[0]).join());
      const c1 = r.rows[0];
      check('customer 1: frequency 2, recency 213/7, T 272/7 weeks, monetary 22.345 ' +
        '(lifetimes: 2, 30.43, 38.86, 22.35)',
        c1.customer_id === 1 && c1.frequency === 2 && near(c1.recency, 213 / 7, 1e-9) &&
          near(c1.t, 272 / 7, 1e-9) && Number(c1.monetary_value) === 22.345, JSON.stringify(c1));
      plain = (await client.query(`
        SELECT count(*)::int AS customers, sum(n - 1)::int AS frequency FROM (SELECT count(DISTINCT order_date) AS n
        FROM orders WHERE order_date <= '1997-09-30' GROUP BY customer_id) c`)).rows[0];
      const total = r.rows.reduce((a, x) => a + x.frequency, 0);
      check('2357 customers, total frequency = plain SQL repeat purchase days',
        r.rows.length === plain.customers && total === plain.frequency, `${r.rows.length} ${total}`);
      const raw = (await client.query(
        "SELECT clv_rfm(order_date, amount, '1997-09-30', 'week') AS r FROM orders WHERE customer_id = 1")).rows[0].r;
      check(`without (r).* the composite arrives as text ${JSON.stringify(raw)}: flatten it for BI tools`,
        typeof raw === 'string' && raw.startsWith('(2,'), raw);
    }
  } finally {
    await client.end();
  }
  console.log(`node: ${checksOk} checks ok, ${checksFailed} failed`);
  return checksFailed ? 1 : 0;
}

main().then(
  (rc) => process.exit(rc),
  (err) => {
    console.log('FAIL  ' + (err && err.stack ? err.stack : err));
    console.log(`node: ${checksOk} checks ok, ${checksFailed + 1} failed`);
    process.exit(1);
  },
);
