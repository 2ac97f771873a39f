import { shortCodeOf } from "../present.ts";
import { exportPage, type ExportCursor } from "@qr3/db";
import type { ApiRequest } from "../context.ts";
import { FORMATS } from "../export/formats.ts";
import { exportRange } from "../export/range.ts";
import { ExportQuery } from "@qr3/schema/api";
import { parseWith } from "../validation.ts";
import { findCode } from "./codes.ts";

const PAGE_SIZE = 1000;

/**
 * GET /v1/codes/:id/scans/export?format=csv|ndjson&from=&to=: the raw scans, streamed in
 * scanned_at order, a page of rows read at a time, so memory stays flat however many there are.
 */
export async function exportScansRoute(request: ApiRequest, env: Env): Promise<Response> {
  // The code first: another workspace's code (or none) is a 404 whatever the query says.
  const code = await findCode(request);
  const query = parseWith(ExportQuery, request.query);
  const range = exportRange(query, request.auth.retentionDays, Date.now());

  const format = FORMATS[query.format];
  const encoder = new TextEncoder();
  let cursor: ExportCursor | null = null;
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const rows = await exportPage(request.db, code.id, range.from, range.to, cursor, PAGE_SIZE);
        let chunk = started ? "" : format.header;
        started = true;
        for (const row of rows) chunk += format.row(row);
        if (chunk) controller.enqueue(encoder.encode(chunk));
        if (rows.length < PAGE_SIZE) controller.close();
        else cursor = { scanned_at: rows.at(-1)!.scanned_at!, id: rows.at(-1)!.id! };
      } catch (err) {
        // The status is already sent: end the stream with an error so the client sees it broken.
        console.error(JSON.stringify({ event: "export_failed", request_id: request.requestId, error: String(err) }));
        controller.error(err);
      }
    },
  });
  return new Response(body, {
    headers: {
      "content-type": format.contentType,
      "content-disposition": `attachment; filename="qr3-scans-${shortCodeOf(code)}-${range.label}.${format.extension}"`,
      "cache-control": "no-store",
    },
  });
}
