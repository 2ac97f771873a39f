-- Campaign summaries: each tag of a workspace is a scope of its own, 'tag:<workspace id>:<tag>'
-- (packages/db/src/stats-scope.ts, tagScope), whose rows are the sums of the rows of the codes that
-- carry the tag now, in every summary table but scan_visitors: its unique counts are its codes',
-- summed (a visitor who scans two of them on one day counts for each). A tag's answer then reads as
-- few rows as a code's, whatever the number of its codes.
--
-- The fold adds each scan to its code's tags as it adds it to its code (packages/db/src/
-- summaries.ts), and these triggers move a code's rows into a tag when the code comes to carry it
-- and out when it stops (a change of its tags, or its deletion), in the very statement that
-- changes code_tags: a tag's rows never disagree with its codes'. Its scans still waiting to be
-- folded are counted at the fold, under the tags the code carries then. Moving a code costs a write
-- per summary row of the code (a year of a busy code: some 60,000).

-- The fold finds the tags of the codes it folds by code.
CREATE INDEX code_tags_code ON code_tags (code_id, tag);

CREATE TRIGGER code_tags_summaries_in AFTER INSERT ON code_tags
BEGIN
  INSERT INTO scan_days (scope, day, scans, bot_scans, uniques)
    SELECT 'tag:' || NEW.workspace_id || ':' || NEW.tag, day, scans, bot_scans, uniques FROM scan_days WHERE scope = NEW.code_id AND true
    ON CONFLICT (scope, day) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans, uniques = uniques + excluded.uniques;
  INSERT INTO scan_quarters (scope, quarter, scans, bot_scans, first_visits, last_visits)
    SELECT 'tag:' || NEW.workspace_id || ':' || NEW.tag, quarter, scans, bot_scans, first_visits, last_visits FROM scan_quarters WHERE scope = NEW.code_id AND true
    ON CONFLICT (scope, quarter) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans,
      first_visits = first_visits + excluded.first_visits, last_visits = last_visits + excluded.last_visits;
  INSERT INTO scan_hour_months (scope, month, how, scans, bot_scans)
    SELECT 'tag:' || NEW.workspace_id || ':' || NEW.tag, month, how, scans, bot_scans FROM scan_hour_months WHERE scope = NEW.code_id AND true
    ON CONFLICT (scope, month, how) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans;
  INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
    SELECT 'tag:' || NEW.workspace_id || ':' || NEW.tag, dim, day, value, scans, bot_scans FROM scan_dims WHERE scope = NEW.code_id AND true
    ON CONFLICT (scope, dim, day, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans;
  INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
    SELECT 'tag:' || NEW.workspace_id || ':' || NEW.tag, dim, month, value, scans, bot_scans FROM scan_dim_months WHERE scope = NEW.code_id AND true
    ON CONFLICT (scope, dim, month, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans;
  INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
    SELECT 'tag:' || NEW.workspace_id || ':' || NEW.tag, 'code', day, NEW.code_id, scans, bot_scans FROM scan_days WHERE scope = NEW.code_id AND (scans > 0 OR bot_scans > 0);
  INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
    SELECT 'tag:' || NEW.workspace_id || ':' || NEW.tag, 'code', substr(day, 1, 7) AS m, NEW.code_id, sum(scans), sum(bot_scans) FROM scan_days WHERE scope = NEW.code_id GROUP BY m HAVING sum(scans) > 0 OR sum(bot_scans) > 0;
END;

CREATE TRIGGER code_tags_summaries_out AFTER DELETE ON code_tags
BEGIN
  UPDATE scan_days SET scans = scan_days.scans - c.scans, bot_scans = scan_days.bot_scans - c.bot_scans, uniques = scan_days.uniques - c.uniques
    FROM scan_days c WHERE c.scope = OLD.code_id AND scan_days.scope = 'tag:' || OLD.workspace_id || ':' || OLD.tag AND scan_days.day = c.day;
  DELETE FROM scan_days WHERE scope = 'tag:' || OLD.workspace_id || ':' || OLD.tag AND scans = 0 AND bot_scans = 0 AND uniques = 0;
  UPDATE scan_quarters SET scans = scan_quarters.scans - c.scans, bot_scans = scan_quarters.bot_scans - c.bot_scans,
      first_visits = scan_quarters.first_visits - c.first_visits, last_visits = scan_quarters.last_visits - c.last_visits
    FROM scan_quarters c WHERE c.scope = OLD.code_id AND scan_quarters.scope = 'tag:' || OLD.workspace_id || ':' || OLD.tag AND scan_quarters.quarter = c.quarter;
  DELETE FROM scan_quarters WHERE scope = 'tag:' || OLD.workspace_id || ':' || OLD.tag AND scans = 0 AND bot_scans = 0 AND first_visits = 0 AND last_visits = 0;
  UPDATE scan_hour_months SET scans = scan_hour_months.scans - c.scans, bot_scans = scan_hour_months.bot_scans - c.bot_scans
    FROM scan_hour_months c WHERE c.scope = OLD.code_id AND scan_hour_months.scope = 'tag:' || OLD.workspace_id || ':' || OLD.tag AND scan_hour_months.month = c.month AND scan_hour_months.how = c.how;
  DELETE FROM scan_hour_months WHERE scope = 'tag:' || OLD.workspace_id || ':' || OLD.tag AND scans = 0 AND bot_scans = 0;
  UPDATE scan_dims SET scans = scan_dims.scans - c.scans, bot_scans = scan_dims.bot_scans - c.bot_scans
    FROM scan_dims c WHERE c.scope = OLD.code_id AND scan_dims.scope = 'tag:' || OLD.workspace_id || ':' || OLD.tag AND scan_dims.dim = c.dim AND scan_dims.day = c.day AND scan_dims.value = c.value;
  UPDATE scan_dim_months SET scans = scan_dim_months.scans - c.scans, bot_scans = scan_dim_months.bot_scans - c.bot_scans
    FROM scan_dim_months c WHERE c.scope = OLD.code_id AND scan_dim_months.scope = 'tag:' || OLD.workspace_id || ':' || OLD.tag AND scan_dim_months.dim = c.dim AND scan_dim_months.month = c.month AND scan_dim_months.value = c.value;
  DELETE FROM scan_dims WHERE scope = 'tag:' || OLD.workspace_id || ':' || OLD.tag AND ((scans = 0 AND bot_scans = 0) OR (dim = 'code' AND value = OLD.code_id));
  DELETE FROM scan_dim_months WHERE scope = 'tag:' || OLD.workspace_id || ':' || OLD.tag AND ((scans = 0 AND bot_scans = 0) OR (dim = 'code' AND value = OLD.code_id));
END;

-- The tags carried today, from their codes' rows.
INSERT INTO scan_days (scope, day, scans, bot_scans, uniques)
  SELECT 'tag:' || t.workspace_id || ':' || t.tag AS s, d.day, sum(d.scans), sum(d.bot_scans), sum(d.uniques) FROM code_tags t JOIN scan_days d ON d.scope = t.code_id GROUP BY s, d.day;
INSERT INTO scan_quarters (scope, quarter, scans, bot_scans, first_visits, last_visits)
  SELECT 'tag:' || t.workspace_id || ':' || t.tag AS s, q.quarter, sum(q.scans), sum(q.bot_scans), sum(q.first_visits), sum(q.last_visits) FROM code_tags t JOIN scan_quarters q ON q.scope = t.code_id GROUP BY s, q.quarter;
INSERT INTO scan_hour_months (scope, month, how, scans, bot_scans)
  SELECT 'tag:' || t.workspace_id || ':' || t.tag AS s, h.month, h.how, sum(h.scans), sum(h.bot_scans) FROM code_tags t JOIN scan_hour_months h ON h.scope = t.code_id GROUP BY s, h.month, h.how;
INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
  SELECT 'tag:' || t.workspace_id || ':' || t.tag AS s, d.dim, d.day, d.value, sum(d.scans), sum(d.bot_scans) FROM code_tags t JOIN scan_dims d ON d.scope = t.code_id GROUP BY s, d.dim, d.day, d.value;
INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
  SELECT 'tag:' || t.workspace_id || ':' || t.tag AS s, d.dim, d.month, d.value, sum(d.scans), sum(d.bot_scans) FROM code_tags t JOIN scan_dim_months d ON d.scope = t.code_id GROUP BY s, d.dim, d.month, d.value;
INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
  SELECT 'tag:' || t.workspace_id || ':' || t.tag, 'code', d.day, t.code_id, d.scans, d.bot_scans FROM code_tags t JOIN scan_days d ON d.scope = t.code_id WHERE d.scans > 0 OR d.bot_scans > 0;
INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
  SELECT 'tag:' || t.workspace_id || ':' || t.tag AS s, 'code', substr(d.day, 1, 7) AS m, t.code_id, sum(d.scans), sum(d.bot_scans) FROM code_tags t JOIN scan_days d ON d.scope = t.code_id
  GROUP BY s, m, t.code_id HAVING sum(d.scans) > 0 OR sum(d.bot_scans) > 0;
