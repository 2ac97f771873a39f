// Event payloads, exactly as documented. One place builds each, for the consumer and the API alike.
import { EVENT_TYPES } from "@qr3/schema/webhook-facts";

export { EVENT_TYPES };
export type EventType = (typeof EVENT_TYPES)[number] | "webhook.test";

export interface ScanEventSource {
  scan_id: string;
  code_id: string;
  short_code: string;
  country: string | null;
  device_type: string | null;
  os: string | null;
  scanned_at: string;
}

/** A scan's event id: derived from the scan id, so a redelivered scan message yields the same event. */
export function scanEventId(scanId: string): string {
  return `evt_${scanId.slice("scn_".length)}`;
}

export function scanEvent(scan: ScanEventSource) {
  return {
    id: scanEventId(scan.scan_id),
    type: "qr.scanned" as const,
    created: scan.scanned_at,
    data: {
      code_id: scan.code_id,
      short_code: scan.short_code,
      scan_id: scan.scan_id,
      country: scan.country,
      device_type: scan.device_type,
      os: scan.os,
    },
  };
}

export function testEvent(id: string, webhookId: string, created: string) {
  return {
    id,
    type: "webhook.test" as const,
    created,
    data: { webhook_id: webhookId, message: "This is a test event from qr3." },
  };
}
