-- clv--0.2.0--0.3.0.sql: update script from 0.2.0 to 0.3.0 (written by hand;
-- stage 70 checks that an updated database equals a fresh install)

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION clv UPDATE TO '0.3.0'" to load this file. \quit

-- combine functions are named _combine (docs/design.md, "Naming"); the C
-- functions have the new names too (the old ones stay for 0.2.0 catalogs)
ALTER FUNCTION clv_summary_merge(clv_summary, clv_summary) RENAME TO clv_summary_combine;
CREATE OR REPLACE FUNCTION clv_summary_combine(clv_summary, clv_summary) RETURNS clv_summary
	AS 'MODULE_PATHNAME', 'clv_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
ALTER FUNCTION clv_horizon_merge(clv_horizon_state, clv_horizon_state) RENAME TO clv_horizon_combine;
CREATE OR REPLACE FUNCTION clv_horizon_combine(clv_horizon_state, clv_horizon_state) RETURNS clv_horizon_state
	AS 'MODULE_PATHNAME', 'clv_horizon_combine' LANGUAGE C STABLE PARALLEL SAFE;
