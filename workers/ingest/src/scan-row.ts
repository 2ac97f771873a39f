import type { IntakeRow } from "@qr3/db";
import type { ScanMessage } from "@qr3/schema";
import { isBotScan, parseUserAgent } from "@qr3/ua";

/**
 * A validated scan message as the row to store: the raw user agent becomes its three fields,
 * and the bot signals become is_bot.
 */
export function toScanRow(message: ScanMessage): IntakeRow {
  const { device_type, os, browser } = parseUserAgent(message.user_agent);
  return {
    id: message.scan_id,
    code_id: message.code_id,
    workspace_id: message.workspace_id,
    country: message.country,
    region: message.region,
    city: message.city,
    device_type,
    os,
    browser,
    referer: message.referer,
    language: message.language,
    redirected_to: message.redirected_to,
    ip_hash: message.ip_hash,
    scanned_at: message.scanned_at,
    is_bot: isBotScan(message) ? 1 : 0,
    destination: message.destination ?? null,
  };
}
