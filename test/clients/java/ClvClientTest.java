// clv from Java with the PostgreSQL JDBC driver: the README's headline
// queries, checked.
//
// Run by test/stages/20_clients.sh (javac, then java -cp
// /usr/share/java/postgresql.jar:.) against a database holding the CDNOW
// sample as the table `orders` (customer_id int, order_date date, quantity
// int, amount numeric(10,2)) and the extension clv.  Connection: the JDBC
// URL in the environment variable CLV_JDBC_URL (TCP, e.g.
// jdbc:postgresql://127.0.0.1:5432/shop), user PGUSER, password PGPASSWORD.
//
// JDBC delivers numeric as BigDecimal, double precision as Double, bigint
// as Long, integer as Integer, date as java.sql.Date (read it as a
// java.time.LocalDate with getObject(i, LocalDate.class)).
//
// Prints one line per check and exits 1 if any check failed.

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

public class ClvClientTest {
	static int checksOk = 0;
	static int checksFailed = 0;

	/* Count and print one check */
	static void check(String desc, boolean cond, Object detail) {
		if (cond) {
			checksOk++;
			System.out.println("ok    " + desc);
		} else {
			checksFailed++;
			System.out.println("FAIL  " + desc + ": " + detail);
		}
	}

	/* The Java classes of the values of the current row, comma separated */
	static String classesOf(ResultSet rs) throws SQLException {
		StringBuilder sb = new StringBuilder();
		int n = rs.getMetaData().getColumnCount();
		for (int i = 1; i <= n; i++) {
			Object v = rs.getObject(i);
			if (i > 1)
				sb.append(',');
			sb.append(v == null ? "null" : v.getClass().getSimpleName());
		}
		return sb.toString();
	}

	static boolean near(double a, double b, double tol) {
		return Math.abs(a - b) < tol;
	}

	// The queries of docs/readme/clients.md ---------------------------------

	static final String HEADLINE =
		"SELECT clv_agg(customer_id, order_date, amount) AS clv,\n"
		+ "       repeat_rate(customer_id, order_date) AS repeat_rate\n"
		+ "FROM orders";

	static final String RETENTION =
		"SELECT retention_rate(customer_id, order_date, ?) AS retention\n"
		+ "FROM orders\n"
		+ "WHERE order_date >= ? AND order_date < ?";

	static final String SUMMARY =
		"SELECT customers(s), orders(s), revenue(s), aov(s), clv(s), clv(s, 0.3) AS clv_margin,\n"
		+ "       purchase_frequency(s), lifespan(s), repeat_rate(s), retention_rate(s, ?) AS retention\n"
		+ "FROM (SELECT clv_summary(customer_id, order_date, amount) AS s\n"
		+ "      FROM orders WHERE order_date < ?) t";

	static final String COHORTS = "SELECT * FROM clv_cohorts(?, ?, ?)";

	static final String RFM =
		"SELECT customer_id, (r).*\n"
		+ "FROM (SELECT customer_id, clv_rfm(order_date, amount, ?, 'week') AS r\n"
		+ "      FROM orders GROUP BY customer_id) t\n"
		+ "ORDER BY customer_id";

	public static void main(String[] args) throws Exception {
		String url = System.getenv("CLV_JDBC_URL");
		Properties props = new Properties();
		props.setProperty("user", System.getenv().getOrDefault("PGUSER", "postgres"));
		if (System.getenv("PGPASSWORD") != null)
			props.setProperty("password", System.getenv("PGPASSWORD"));
		// prepare on the server from the first execution (the default is the fifth)
		props.setProperty("prepareThreshold", "1");

		try (Connection conn = DriverManager.getConnection(url, props); Statement st = conn.createStatement()) {
			// date columns are read as midnight in the session TimeZone: pin it
			// (the driver sets the session TimeZone to the JVM's time zone)
			st.execute("SET TimeZone = 'UTC'");
			System.out.println("java " + System.getProperty("java.version") + ", "
				+ conn.getMetaData().getDriverName() + " " + conn.getMetaData().getDriverVersion()
				+ ", server " + conn.getMetaData().getDatabaseProductVersion());

			// one-step aggregates -----------------------------------------
			try (ResultSet rs = st.executeQuery(HEADLINE)) {
				rs.next();
				check("clv_agg -> BigDecimal, repeat_rate -> Double", classesOf(rs).equals("BigDecimal,Double"),
					classesOf(rs));
				BigDecimal clv = rs.getBigDecimal("clv");
				double repeat = rs.getDouble("repeat_rate");
				check("clv_agg = 103.5604327535002121 (244091.94 / 2357)",
					clv.equals(new BigDecimal("103.5604327535002121")), clv);
				try (ResultSet p = conn.createStatement().executeQuery(
					"SELECT sum(amount) / count(DISTINCT customer_id),"
					+ " (SELECT count(*) FILTER (WHERE n >= 2)::float8 / count(*)"
					+ "  FROM (SELECT count(*) AS n FROM orders GROUP BY customer_id) c) FROM orders")) {
					p.next();
					check("clv_agg equals plain SQL sum(amount) / count(DISTINCT customer_id)",
						clv.equals(p.getBigDecimal(1)), clv + " vs " + p.getBigDecimal(1));
					check("repeat_rate equals plain SQL share of customers with 2+ orders (0.488757)",
						repeat == p.getDouble(2) && String.format("%.6f", repeat).equals("0.488757"), repeat);
				}
			}

			// prepared statements with parameters -----------------------------
			try (PreparedStatement ps = conn.prepareStatement(RETENTION)) {
				ps.setObject(1, LocalDate.of(1998, 1, 1));
				ps.setObject(2, LocalDate.of(1997, 7, 1));
				ps.setObject(3, LocalDate.of(1998, 7, 1));
				try (ResultSet rs = ps.executeQuery()) {
					rs.next();
					check("retention_rate (prepared, LocalDate parameters) -> Double",
						classesOf(rs).equals("Double"), classesOf(rs));
					double crr = rs.getDouble(1);
					try (ResultSet p = conn.createStatement().executeQuery(
						"SELECT (count(*) FILTER (WHERE e) - count(*) FILTER (WHERE e AND NOT s))::float8"
						+ " / count(*) FILTER (WHERE s)"
						+ " FROM (SELECT customer_id, bool_or(order_date < '1998-01-01') AS s,"
						+ " bool_or(order_date >= '1998-01-01') AS e FROM orders"
						+ " WHERE order_date >= '1997-07-01' AND order_date < '1998-07-01' GROUP BY 1) c")) {
						p.next();
						check("retention_rate at 1998-01-01 over 1997-07..1998-06 equals plain SQL (E - N) / S "
							+ "(0.520194)", crr == p.getDouble(1) && String.format("%.6f", crr).equals("0.520194"),
							crr + " vs " + p.getDouble(1));
					}
				}
			}

			try (PreparedStatement ps = conn.prepareStatement(SUMMARY)) {
				ps.setObject(1, LocalDate.of(1998, 1, 1));
				ps.setObject(2, LocalDate.of(1998, 7, 1));
				try (ResultSet rs = ps.executeQuery();
					ResultSet p = conn.createStatement().executeQuery(
						"SELECT count(*), sum(n), sum(revenue), round(sum(revenue) / sum(n), 16),"
						+ " avg(CASE WHEN n > 1 THEN (last - first) * n / (n - 1.0) ELSE 0 END)::float8 / 365.25"
						+ " FROM (SELECT customer_id, count(*) AS n, min(order_date) AS first,"
						+ " max(order_date) AS last, sum(amount) AS revenue FROM orders GROUP BY 1) c")) {
					rs.next();
					p.next();
					check("clv_summary accessors -> Long x2, BigDecimal x4, Double x4",
						classesOf(rs).equals("Long,Long,BigDecimal,BigDecimal,BigDecimal,BigDecimal,Double,Double,Double,Double"),
						classesOf(rs));
					check("customers, orders, revenue equal plain SQL (2357, 6919, 244091.94)",
						rs.getLong(1) == p.getLong(1) && rs.getLong(2) == p.getLong(2)
							&& rs.getBigDecimal(3).equals(p.getBigDecimal(3)) && rs.getLong(1) == 2357
							&& rs.getLong(2) == 6919 && rs.getBigDecimal(3).equals(new BigDecimal("244091.94")),
						rs.getLong(1) + " " + rs.getLong(2) + " " + rs.getBigDecimal(3));
					check("aov = round(revenue / orders, 16), clv = 103.5604327535002121, clv(s, 0.3) = 0.3 * clv",
						rs.getBigDecimal("aov").equals(p.getBigDecimal(4))
							&& rs.getBigDecimal("clv").equals(new BigDecimal("103.5604327535002121"))
							&& rs.getBigDecimal("clv_margin").subtract(new BigDecimal("0.3").multiply(rs.getBigDecimal("clv")))
								.abs().compareTo(new BigDecimal("1e-12")) < 0,
						rs.getBigDecimal("aov") + " vs " + p.getBigDecimal(4));
					double lifespan = p.getDouble(5);
					check("lifespan equals plain SQL (0.5037 years), purchase_frequency = orders / customers / lifespan",
						near(rs.getDouble("lifespan"), lifespan, 1e-12)
							&& String.format("%.4f", rs.getDouble("lifespan")).equals("0.5037")
							&& near(rs.getDouble("purchase_frequency"), 6919.0 / 2357 / lifespan, 1e-9),
						rs.getDouble("lifespan") + " vs " + lifespan);
					check("repeat_rate(s) = 0.488757", String.format("%.6f", rs.getDouble("repeat_rate")).equals("0.488757"),
						rs.getDouble("repeat_rate"));
				}
			}

			// the cohort table: query text, period and time zone as parameters
			try (PreparedStatement ps = conn.prepareStatement(COHORTS)) {
				ps.setString(1, "SELECT customer_id, order_date, amount FROM orders");
				ps.setString(2, "quarter");
				ps.setString(3, "UTC");
				List<Object[]> rows = new ArrayList<>();
				String classes = null;
				boolean sameClasses = true;
				try (ResultSet rs = ps.executeQuery()) {
					ResultSetMetaData md = rs.getMetaData();
					StringBuilder names = new StringBuilder();
					StringBuilder types = new StringBuilder();
					for (int i = 1; i <= md.getColumnCount(); i++) {
						names.append(i > 1 ? "," : "").append(md.getColumnName(i));
						types.append(i > 1 ? "," : "").append(md.getColumnTypeName(i));
					}
					check("clv_cohorts columns", names.toString().equals("cohort,period_offset,cohort_customers,"
						+ "active_customers,retention,orders,revenue,cumulative_revenue_per_customer"), names);
					check("clv_cohorts column types: date, int4, int8, int8, float8, int8, numeric, numeric",
						types.toString().equals("date,int4,int8,int8,float8,int8,numeric,numeric"), types);
					while (rs.next()) {
						String c = classesOf(rs);
						if (classes == null)
							classes = c;
						sameClasses &= c.equals(classes);
						rows.add(new Object[] {rs.getObject(1, LocalDate.class), rs.getInt(2), rs.getLong(3), rs.getLong(4),
							rs.getDouble(5), rs.getLong(6), rs.getBigDecimal(7), rs.getBigDecimal(8)});
					}
				}
				check("clv_cohorts -> Date, Integer, Long x2, Double, Long, BigDecimal x2",
					sameClasses && "Date,Integer,Long,Long,Double,Long,BigDecimal,BigDecimal".equals(classes), classes);
				boolean shape = rows.size() == 6;
				for (int i = 0; shape && i < 6; i++)
					shape = rows.get(i)[0].equals(LocalDate.of(1997, 1, 1)) && (Integer) rows.get(i)[1] == i;
				check("quarterly cohorts: 6 rows of cohort 1997-01-01 (every CDNOW customer starts in 1997-Q1)",
					shape, rows.size());
				if (shape) {
					Object[] r0 = rows.get(0);
					check("offset 0: 2357 customers, all active, 3267 orders, revenue 112498.61, retention 1.0",
						(Long) r0[2] == 2357 && (Long) r0[3] == 2357 && (Double) r0[4] == 1.0 && (Long) r0[5] == 3267
							&& r0[6].equals(new BigDecimal("112498.61")), java.util.Arrays.toString(r0));
					BigDecimal sum = BigDecimal.ZERO;
					for (Object[] r : rows)
						sum = sum.add((BigDecimal) r[6]);
					Object[] r5 = rows.get(5);
					check("revenue sums to 244091.94; last cumulative revenue per customer = clv_agg",
						sum.equals(new BigDecimal("244091.94")) && r5[7].equals(new BigDecimal("103.5604327535002121")),
						sum + " " + r5[7]);
					check("offset 5: 300 active customers, 513 orders, revenue 17980.54",
						(Long) r5[3] == 300 && (Long) r5[5] == 513 && r5[6].equals(new BigDecimal("17980.54")),
						java.util.Arrays.toString(r5));
				}

				// the same prepared statement again with another period
				ps.setString(2, "month");
				Map<LocalDate, BigDecimal> last = new HashMap<>();
				try (ResultSet rs = ps.executeQuery()) {
					while (rs.next())
						last.put(rs.getObject("cohort", LocalDate.class), rs.getBigDecimal("cumulative_revenue_per_customer"));
				}
				boolean same = last.size() == 3;
				try (ResultSet p = conn.createStatement().executeQuery(
					"SELECT date_trunc('month', f.first)::date, sum(o.amount) / count(DISTINCT o.customer_id)"
					+ " FROM orders o JOIN (SELECT customer_id, min(order_date) AS first FROM orders GROUP BY 1) f"
					+ " USING (customer_id) GROUP BY 1")) {
					int n = 0;
					while (p.next()) {
						n++;
						same &= p.getBigDecimal(2).equals(last.get(p.getObject(1, LocalDate.class)));
					}
					same &= n == 3;
				}
				check("monthly cohorts (same prepared statement, new parameters): 3 cohorts, final cumulative "
					+ "revenue per customer = plain SQL CLV per cohort", same, last);
			}
			try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_prepared_statements"
				+ " WHERE statement LIKE '%clv_cohorts%' AND NOT from_sql")) {
				rs.next();
				check("the cohort query ran as a server-side prepared statement", rs.getLong(1) >= 1, rs.getLong(1));
			}

			// composites: clv_rfm returns rfm_summary; flatten it with (r).* -----
			boolean hasRfm;
			try (ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT FROM pg_proc WHERE proname = 'clv_rfm')")) {
				rs.next();
				hasRfm = rs.getBoolean(1);
			}
			if (!hasRfm) {
				System.out.println("skip  clv_rfm not in this version of clv: composite flattening not tested");
			} else {
				try (PreparedStatement ps = conn.prepareStatement(RFM)) {
					ps.setObject(1, LocalDate.of(1997, 9, 30));
					try (ResultSet rs = ps.executeQuery()) {
						ResultSetMetaData md = rs.getMetaData();
						StringBuilder names = new StringBuilder();
						for (int i = 1; i <= md.getColumnCount(); i++)
							names.append(i > 1 ? "," : "").append(md.getColumnName(i));
						check("(clv_rfm(...)).* flattens to customer_id, frequency, recency, t, monetary_value",
							names.toString().equals("customer_id,frequency,recency,t,monetary_value"), names);
						int n = 0;
						long total = 0;
						boolean classesOk = true;
						String c1 = null;
						boolean c1ok = false;
						while (rs.next()) {
							n++;
							total += rs.getInt("frequency");
							String c = classesOf(rs);
							classesOk &= c.equals("Integer,Integer,Double,Double,BigDecimal");
							if (n == 1) {
								c1 = c;
								c1ok = rs.getInt(1) == 1 && rs.getInt(2) == 2 && near(rs.getDouble(3), 213.0 / 7, 1e-9)
									&& near(rs.getDouble(4), 272.0 / 7, 1e-9)
									&& rs.getBigDecimal(5).compareTo(new BigDecimal("22.345")) == 0;
							}
						}
						check("rfm columns -> Integer x2, Double x2, BigDecimal", classesOk, c1);
						check("customer 1: frequency 2, recency 213/7, T 272/7 weeks, monetary 22.345 "
							+ "(lifetimes: 2, 30.43, 38.86, 22.35)", c1ok, c1);
						try (ResultSet p = conn.createStatement().executeQuery(
							"SELECT count(*), sum(n - 1) FROM (SELECT count(DISTINCT order_date) AS n FROM orders"
							+ " WHERE order_date <= '1997-09-30' GROUP BY customer_id) c")) {
							p.next();
							check("2357 customers, total frequency = plain SQL repeat purchase days",
								n == p.getLong(1) && total == p.getLong(2), n + " " + total);
						}
					}
				}
				try (ResultSet rs = st.executeQuery("SELECT clv_rfm(order_date, amount, '1997-09-30', 'week')"
					+ " FROM orders WHERE customer_id = 1")) {
					rs.next();
					Object raw = rs.getObject(1);
					check("without (r).* the composite arrives as a PGobject holding text " + raw
						+ ": flatten it for BI tools",
						raw instanceof org.postgresql.util.PGobject && raw.toString().startsWith("(2,"), raw.getClass());
				}
			}
		}
		System.out.println("java: " + checksOk + " checks ok, " + checksFailed + " failed");
		System.exit(checksFailed == 0 ? 0 : 1);
	}
}
