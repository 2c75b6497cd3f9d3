-- clv--0.2.0--0.3.0.sql: update script from 0.2.0 to 0.3.0 (written by hand;
-- stage 70 checks that an updated database equals a fresh install)

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION clv UPDATE TO '0.3.0'" to load this file. \quit
