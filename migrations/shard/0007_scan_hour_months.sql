-- Scans by UTC month and UTC hour of the week, per scope: what the weekday-by-hour heat map of a
-- long window reads (a year of a busy code is some 2,000 of these rows, against 35,000 quarter
-- rows). Like scan_dim_months to scan_dims, a row is always the sum of its month's quarter rows
-- (scan_quarters): the fold adds to both, and the purge takes every expired quarter row it
-- deletes away from its month's row, so a month that the purge has cut into counts only the
-- quarters it kept, whatever the clock of the read that takes the month whole. A zone whose
-- offset is a whole number of hours shifts a month's hours as they are; any other, and the parts
-- of months a window holds, read quarter rows.
CREATE TABLE scan_hour_months (
  scope     TEXT NOT NULL,
  month     TEXT NOT NULL,    -- YYYY-MM, UTC
  how       INTEGER NOT NULL, -- UTC hour of the week: (ISO weekday - 1) * 24 + hour, 0 to 167
  scans     INTEGER NOT NULL DEFAULT 0,
  bot_scans INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, month, how)
) WITHOUT ROWID;

INSERT INTO scan_hour_months (scope, month, how, scans, bot_scans)
  SELECT scope, strftime('%Y-%m', quarter * 900, 'unixepoch') AS m, ((quarter / 96 + 3) % 7) * 24 + quarter % 96 / 4 AS h, sum(scans), sum(bot_scans)
  FROM scan_quarters GROUP BY scope, m, h HAVING sum(scans) > 0 OR sum(bot_scans) > 0;

-- The purge's working table for quarter rows, as scan_purge_dims is for day rows: filled and
-- emptied inside one transaction, so always empty between.
CREATE TABLE scan_purge_quarters (
  scope     TEXT NOT NULL,
  quarter   INTEGER NOT NULL,
  scans     INTEGER NOT NULL,
  bot_scans INTEGER NOT NULL
);
