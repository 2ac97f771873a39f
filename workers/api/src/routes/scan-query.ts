import { isTimeZone } from "../analytics/timezone.ts";
import { badRequest } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { ScanStatsQuery } from "@qr3/schema/api";
import { parseWith } from "../validation.ts";

/** days, tz and include_bots of the aggregation endpoints. */
export function parseScanQuery(request: ApiRequest) {
  const query = parseWith(ScanStatsQuery, request.query);
  if (!isTimeZone(query.tz)) throw badRequest("tz", "must be an IANA time zone name such as Europe/Vienna");
  return query;
}
