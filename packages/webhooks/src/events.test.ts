import { describe, expect, it } from "vitest";
import { scanEvent, scanEventId } from "./events.ts";

describe("qr.scanned event", () => {
  it("has exactly the documented payload", () => {
    const scan = {
      scan_id: "scn_01jd0000000000000000000000",
      code_id: "qr_a1b2c3d4",
      short_code: "r7f3Kx",
      country: "AT",
      device_type: "mobile",
      os: "iOS",
      scanned_at: "2026-05-12T14:32:11.000Z",
    };
    expect(JSON.parse(JSON.stringify(scanEvent(scan)))).toEqual({
      id: "evt_01jd0000000000000000000000",
      type: "qr.scanned",
      created: "2026-05-12T14:32:11.000Z",
      data: {
        code_id: "qr_a1b2c3d4",
        short_code: "r7f3Kx",
        scan_id: "scn_01jd0000000000000000000000",
        country: "AT",
        device_type: "mobile",
        os: "iOS",
      },
    });
    expect(scanEventId(scan.scan_id)).toBe(scanEvent(scan).id);
  });
});
