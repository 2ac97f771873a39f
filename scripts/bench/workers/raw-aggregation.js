// The aggregation benchmark's reference: the answer of GET /v1/codes/:id/scans or
// GET /v1/tags/:tag/scans counted straight from the raw scans rows with SQL, in workerd like the
// API, so that both are timed alike (scripts/bench/aggregation.ts). It knows nothing of the
// summaries. UTC only: a local date is a UTC date, a weekday strftime('%w') of the scan's time.
//
// Body: { code } or { workspace, tag }, from and to (YYYY-MM-DD, both included), granularity
// (day | week | month), compare (boolean), filters ({ dim: [values] }, referer by host),
// retentionStart (ISO: nothing before it is counted). Bindings: DIMS ({ dim: top list length }),
// TOP_CODES (the length of top_codes).

const DAY_MS = 86_400_000;
const dateOf = (ms) => new Date(ms).toISOString().slice(0, 10);
const nextDate = (date) => dateOf(Date.parse(`${date}T00:00:00.000Z`) + DAY_MS);
const daysBetween = (from, to) => Math.round((Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / DAY_MS) + 1;

/** The column of scans each filter is matched on; a referer filter names hosts (see below). */
const FILTER_COLUMNS = {
  country: "country", region: "region", city: "city", device_type: "device_type", os: "os", browser: "browser",
  language: "language", referer: "referer", destination: "redirected_to",
};

function hostOf(referer) {
  try {
    return new URL(referer).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

/** (cur - prev) / prev to 4 decimals, null when prev is 0. */
const change = (cur, prev) => (prev === 0 ? null : Math.round(((cur - prev) / prev) * 10_000) / 10_000);

export default {
  async fetch(request, env) {
    const q = await request.json();
    const DIMS = env.DIMS;
    const db = env.DB;
    const isTag = q.tag !== undefined;
    const codes = isTag
      ? (await db.prepare("SELECT code_id FROM code_tags WHERE workspace_id = ?1 AND tag = ?2").bind(q.workspace, q.tag).all()).results.map((r) => r.code_id)
      : [q.code];
    if (!codes.length) return Response.json({ error: "no code carries the tag" }, { status: 404 });
    const codeList = JSON.stringify(codes);

    const days = daysBetween(q.from, q.to);
    const prevTo = dateOf(Date.parse(`${q.from}T00:00:00.000Z`) - DAY_MS);
    const prevFrom = dateOf(Date.parse(`${q.from}T00:00:00.000Z`) - days * DAY_MS);
    const bounds = (from, to) => {
      const start = `${from}T00:00:00.000Z`;
      return [start < q.retentionStart ? q.retentionStart : start, `${nextDate(to)}T00:00:00.000Z`];
    };
    const current = bounds(q.from, q.to);
    const previous = bounds(prevFrom, prevTo);

    // Filters, bound from ?4 on as JSON arrays. A referer filter names hosts: the stored referers
    // of either window whose host is one of them (hosts are taken from URLs in JS, as SQL cannot).
    const filters = { ...q.filters };
    if (filters.referer) {
      const hosts = new Set(filters.referer);
      const { results } = await db
        .prepare("SELECT DISTINCT referer FROM scans WHERE code_id IN (SELECT value FROM json_each(?1)) AND scanned_at >= ?2 AND scanned_at < ?3 AND referer IS NOT NULL")
        .bind(codeList, previous[0], current[1])
        .all();
      filters.referer = results.map((r) => r.referer).filter((r) => hosts.has(hostOf(r)));
    }
    const given = Object.keys(FILTER_COLUMNS).filter((d) => filters[d] !== undefined);
    const W = `code_id IN (SELECT value FROM json_each(?1)) AND scanned_at >= ?2 AND scanned_at < ?3${given.map((d, i) => ` AND ${FILTER_COLUMNS[d]} IN (SELECT value FROM json_each(?${i + 4}))`).join("")}`;
    const next = given.length + 4; // the first parameter after the filters
    const stmt = (sql, range, ...more) => db.prepare(sql).bind(codeList, range[0], range[1], ...given.map((d) => JSON.stringify(filters[d])), ...more);

    // Per code and date: people's scans, their distinct visitors (so that a tag's are summed over
    // its codes), bots.
    const perCodeDay = `SELECT substr(scanned_at, 1, 10) AS date, sum(is_bot = 0) AS n, count(DISTINCT CASE WHEN is_bot = 0 THEN ip_hash END) AS u, sum(is_bot) AS b FROM scans WHERE ${W} GROUP BY code_id, date`;
    const byDay = `SELECT date, sum(n) AS count, sum(u) AS "unique", sum(b) AS bots FROM (${perCodeDay}) GROUP BY date ORDER BY date`;
    const periodStart = { day: "date", week: "date(date, '-6 days', 'weekday 1')", month: "substr(date, 1, 7) || '-01'" }[q.granularity];
    const series = `SELECT max(${periodStart}, ?${next}) AS start, sum(n) AS count, sum(u) AS "unique" FROM (${perCodeDay}) GROUP BY 1 HAVING sum(n) > 0 ORDER BY 1`;
    const byHour = `SELECT (CAST(strftime('%w', scanned_at) AS INTEGER) + 6) % 7 + 1 AS weekday, CAST(strftime('%H', scanned_at) AS INTEGER) AS hour, count(*) AS count FROM scans WHERE ${W} AND is_bot = 0 GROUP BY 1, 2 ORDER BY 1, 2`;
    const dims = Object.keys(DIMS).filter((d) => d !== "referer");
    // Destinations are the URLs sent (these scans forwarded no query string).
    const top = (d) => {
      const c = d === "destination" ? "redirected_to" : d;
      return `SELECT ${c} AS value, count(*) AS count FROM scans WHERE ${W} AND is_bot = 0 AND ${c} IS NOT NULL GROUP BY value ORDER BY count DESC, value COLLATE NOCASE LIMIT ${DIMS[d]}`;
    };
    const referers = `SELECT referer, count(*) AS count FROM scans WHERE ${W} AND is_bot = 0 AND referer IS NOT NULL GROUP BY referer`;
    const topCodes = `SELECT t.value, c.short_code, t.count FROM (SELECT code_id AS value, count(*) AS count FROM scans WHERE ${W} AND is_bot = 0 GROUP BY code_id) t
      JOIN codes c ON c.id = t.value ORDER BY t.count DESC, t.value COLLATE NOCASE LIMIT ${env.TOP_CODES}`;

    const statements = [
      db.prepare("SELECT coalesce(sum(total_scans), 0) AS total, min(short_code) AS short_code FROM codes WHERE id IN (SELECT value FROM json_each(?1))").bind(codeList),
      stmt(byDay, current),
      stmt(series, current, q.from),
      stmt(byHour, current),
      ...dims.map((d) => stmt(top(d), current)),
      stmt(referers, current),
      ...(isTag ? [stmt(topCodes, current)] : []),
      ...(q.compare ? [stmt(byDay, previous)] : []),
    ];
    const results = (await db.batch(statements)).map((r) => r.results);
    const [[totals], dayRows, seriesRows, hourRows] = results;
    const dimRows = results.slice(4, 4 + dims.length);
    const refererRows = results[4 + dims.length];
    const codeRows = isTag ? results[5 + dims.length] : null;
    const prevRows = q.compare ? results.at(-1) : null;

    const daysOf = (rows) => rows.filter((d) => d.count > 0).map(({ date, count, unique }) => ({ date, count, unique }));
    const scans_by_day = daysOf(dayRows);
    const sum = (list, f) => list.reduce((s, d) => s + d[f], 0);
    const hosts = new Map();
    for (const r of refererRows) {
      const h = hostOf(r.referer);
      if (h) hosts.set(h, (hosts.get(h) ?? 0) + r.count);
    }
    const tops = Object.fromEntries(dims.map((d, i) => [d, dimRows[i]]));
    tops.referer = [...hosts].sort(([a, x], [b, y]) => y - x || a.toLowerCase().localeCompare(b.toLowerCase())).slice(0, DIMS.referer).map(([value, count]) => ({ value, count }));

    const answer = {
      ...(isTag ? { tag: q.tag, code_count: codes.length } : { code_id: q.code, short_code: totals.short_code }),
      total_scans: totals.total,
      period_days: days,
      from: q.from,
      to: q.to,
      tz: "UTC",
      granularity: q.granularity,
      filters: q.filters,
      period_scans: sum(scans_by_day, "count"),
      period_unique_scans: sum(scans_by_day, "unique"),
      bot_scans: sum(dayRows, "bots"),
      scans_by_day,
      series: seriesRows,
      scans_by_hour: hourRows,
      top: tops,
      ...(isTag ? { top_codes: codeRows } : {}),
    };
    if (prevRows) {
      const prevDays = daysOf(prevRows);
      answer.previous = { from: prevFrom, to: prevTo, period_scans: sum(prevDays, "count"), period_unique_scans: sum(prevDays, "unique"), scans_by_day: prevDays };
      answer.change = {
        period_scans: change(answer.period_scans, answer.previous.period_scans),
        period_unique_scans: change(answer.period_unique_scans, answer.previous.period_unique_scans),
      };
    }
    return Response.json(answer);
  },
};
