export interface CountEntry {
  value: string;
  count: number;
}

export interface DayCount {
  date: string;
  count: number;
}

export interface CodeScanStats {
  scans_by_day: DayCount[];
  top_countries: CountEntry[];
  top_devices: CountEntry[];
  top_os: CountEntry[];
}

export const TOP_LIMITS = { country: 8, device_type: 5, os: 5 } as const;

type Dimension = keyof typeof TOP_LIMITS;

// Ties are broken by value so that equal counts always come back in the same order.
function topQuery(db: D1Database, dimension: Dimension, codeId: string, since: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT ${dimension} AS value, count(*) AS count FROM scans
       WHERE code_id = ?1 AND scanned_at >= ?2 AND ${dimension} IS NOT NULL
       GROUP BY ${dimension} ORDER BY count DESC, value COLLATE NOCASE ASC LIMIT ?3`,
    )
    .bind(codeId, since, TOP_LIMITS[dimension]);
}

/** Scans of one code since an ISO instant: per UTC day and the top values of each dimension. */
export async function codeScanStats(db: D1Database, codeId: string, since: string): Promise<CodeScanStats> {
  const [days, countries, devices, os] = await db.batch<DayCount | CountEntry>([
    db
      .prepare(
        `SELECT substr(scanned_at, 1, 10) AS date, count(*) AS count FROM scans
         WHERE code_id = ?1 AND scanned_at >= ?2 GROUP BY date ORDER BY date`,
      )
      .bind(codeId, since),
    topQuery(db, "country", codeId, since),
    topQuery(db, "device_type", codeId, since),
    topQuery(db, "os", codeId, since),
  ]);
  return {
    scans_by_day: days!.results as DayCount[],
    top_countries: countries!.results as CountEntry[],
    top_devices: devices!.results as CountEntry[],
    top_os: os!.results as CountEntry[],
  };
}
