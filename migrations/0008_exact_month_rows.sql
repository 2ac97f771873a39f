-- A month row of scan_dim_months is from now on always the sum of its month's day rows in
-- scan_dims: the purge subtracts each chunk of expired day rows from their months' rows in the
-- transaction that deletes them (packages/db/src/purge.ts). Before, a month row was kept whole
-- until all of its month had passed retention, so a read whose window took that month whole
-- counted scans the purge had already deleted.

-- The purge's working table: one chunk of expired day rows, filled and emptied inside one
-- transaction, so always empty between.
CREATE TABLE scan_purge_dims (
  scope     TEXT NOT NULL,
  dim       TEXT NOT NULL,
  day       TEXT NOT NULL,
  value     TEXT NOT NULL,
  scans     INTEGER NOT NULL,
  bot_scans INTEGER NOT NULL
);

-- Only a scope's oldest month can have lost days to the purge (older months went whole), so
-- its rows are counted again from the day rows.
CREATE TABLE scan_month_repairs (
  scope TEXT NOT NULL,
  month TEXT NOT NULL,
  PRIMARY KEY (scope, month)
) WITHOUT ROWID;
INSERT INTO scan_month_repairs (scope, month) SELECT scope, min(month) FROM scan_dim_months GROUP BY scope;
DELETE FROM scan_dim_months WHERE (scope, month) IN (SELECT scope, month FROM scan_month_repairs);
INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
  SELECT d.scope, d.dim, r.month, d.value, sum(d.scans), sum(d.bot_scans)
  FROM scan_month_repairs r JOIN scan_dims d ON d.scope = r.scope AND substr(d.day, 1, 7) = r.month
  GROUP BY d.scope, d.dim, r.month, d.value;
DROP TABLE scan_month_repairs;
