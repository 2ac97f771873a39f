// The dashboard's CSV import (dashboard/src/csv-import.ts): RFC 4180 reading, the header, each
// row checked as the API checks it, and the API's refusal mapped back to rows.
import { describe, expect, it } from "vitest";
import { chunks, parseCsv, problemsFromDetails, problemText, readImport, splitTags } from "../dashboard/src/csv-import.ts";

const cells = (text: string) => parseCsv(text).map((r) => r.cells);

describe("parseCsv", () => {
  it("reads plain cells with LF, CRLF or CR between records, without an empty last record", () => {
    expect(cells("a,b\nc,d\n")).toEqual([["a", "b"], ["c", "d"]]);
    expect(cells("a,b\r\nc,d\r\n")).toEqual([["a", "b"], ["c", "d"]]);
    expect(cells("a,b\rc,d")).toEqual([["a", "b"], ["c", "d"]]);
    expect(cells("a,,\n")).toEqual([["a", "", ""]]);
    expect(cells("")).toEqual([]);
  });

  it("reads quoted cells with commas, escaped quotes and line breaks, counting lines", () => {
    const records = parseCsv('url,name\r\n"https://example.com/?a=1,2","Say ""hi""\r\nthere"\r\nhttps://example.com/x,""\r\n');
    expect(records.map((r) => r.cells)).toEqual([
      ["url", "name"],
      ["https://example.com/?a=1,2", 'Say "hi"\r\nthere'],
      ["https://example.com/x", ""],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(records.every((r) => r.problem === undefined)).toBe(true);
  });

  it("takes a quote inside an unquoted cell as it is", () => {
    expect(cells('a"b,c')).toEqual([['a"b', "c"]]);
  });

  it("names a quoted cell never closed, and text after a closing quote", () => {
    const open = parseCsv('a,b\n"never closed,x\ny');
    expect(open).toHaveLength(2);
    expect(open[1]!.problem).toMatch(/never closed/);
    const after = parseCsv('"a"b,c\nd');
    expect(after[0]).toMatchObject({ cells: ["ab", "c"], problem: expect.stringMatching(/closing quote/) });
    expect(after[1]!.cells).toEqual(["d"]);
  });
});

describe("readImport", () => {
  it("reads a file's rows as codes: empty cells left out, tags split on |, a BOM and blank lines ignored", () => {
    const file = readImport("\uFEFFURL, Short_Code ,name,tags,external_id\n\nhttps://example.com/a,spring-a,Spring A, Menu | spring |menu,sku-1\nhttps://example.com/b,,,,\n,,,,\n");
    expect(file.problems).toEqual([]);
    expect(file.columns).toEqual(["url", "short_code", "name", "tags", "external_id"]);
    expect(file.rows.map((r) => [r.row, r.item, r.problems])).toEqual([
      [3, { url: "https://example.com/a", short_code: "spring-a", name: "Spring A", tags: ["menu", "spring"], external_id: "sku-1" }, []],
      [4, { url: "https://example.com/b" }, []],
    ]);
  });

  it("takes the columns in any order, and rows shorter than the header", () => {
    const file = readImport("name,url\nOnly a name\n");
    expect(file.rows[0]!.item).toEqual({ url: "", name: "Only a name" });
    expect(file.rows[0]!.problems.map(problemText)).toEqual(["URL: is missing: every code needs a destination."]);
  });

  it("refuses a header without url, with unknown or repeated columns, and an empty file", () => {
    expect(readImport("short_code,name\nabc,x").problems.join(" ")).toMatch(/no url column/);
    expect(readImport("url,shortcode\nhttps://example.com,x").problems.join(" ")).toMatch(/“shortcode”/);
    expect(readImport("url,url\nhttps://example.com,x").problems.join(" ")).toMatch(/“url” more than once/);
    expect(readImport("\n\n").problems.join(" ")).toMatch(/empty/);
    expect(readImport("url\n").problems.join(" ")).toMatch(/no rows/);
  });

  it("names each row's problems as the API would refuse them", () => {
    const long = "x".repeat(201);
    const file = readImport(
      [
        "url,short_code,name,tags,external_id",
        "ftp://example.com/a,ab,,,",
        `https://example.com/b,api,${long},,`,
        `not a url,ok-code,,${Array.from({ length: 21 }, (_, i) => `t${i}`).join("|")},`,
        "https://example.com/c,good_1,,,,extra",
      ].join("\n"),
    );
    const texts = file.rows.map((r) => r.problems.map(problemText));
    expect(texts[0]).toEqual(["URL: must be an http or https URL.", "Short code: must be 3 to 64 letters, digits, - or _."]);
    expect(texts[1]).toEqual(["Short code: is reserved for qr3's own pages.", "Name: must be at most 200 characters."]);
    expect(texts[2]![0]).toMatch(/^URL: must be a full http or https URL/);
    expect(texts[2]![1]).toMatch(/^Tags: must be at most 20 tags/);
    expect(texts[3]).toEqual(["Row: has 6 cells, but the header names 5 columns."]);
  });

  it("marks a short code (per domain) or an external ID given twice", () => {
    const file = readImport("url,short_code,external_id,domain\nhttps://a.example,same,e1,\nhttps://b.example,same,e1,\nhttps://c.example,same,e2,go.example.com\n");
    expect(file.rows.map((r) => r.problems.map(problemText))).toEqual([[], ["Short code: is also on row 2.", "External ID: is also on row 2."], []]);
    expect(file.rows[2]!.item.domain).toBe("go.example.com");
  });

  it("refuses more rows than one import takes", () => {
    const text = `url\n${"https://example.com\n".repeat(10_001)}`;
    expect(readImport(text).problems.join(" ")).toMatch(/at most 10000/);
  });
});

describe("splitTags and chunks", () => {
  it("splits, trims, lower-cases and drops repeats and empty tags", () => {
    expect(splitTags(" A |b||a | ")).toEqual(["a", "b"]);
  });

  it("cuts a list into requests of at most the bulk size", () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks(Array.from({ length: 2500 }, (_, i) => i)).map((c) => c.length)).toEqual([1000, 1000, 500]);
  });
});

describe("problemsFromDetails", () => {
  it("maps the API's details to the rows sent, by index, naming rows instead of items", () => {
    const file = readImport("url,short_code\nhttps://a.example,one\nhttps://b.example,two\nhttps://c.example,three\n");
    const sent = file.rows.slice(1);
    const mapped = problemsFromDetails(sent, [
      { index: 1, field: "short_code", message: "is already taken" },
      { index: 0, field: "tags[2]", message: "tags[2]: is too long" },
      { index: 1, field: "external_id", message: "is also given by item 0" },
      { index: 7, field: "url", message: "out of range" },
    ]);
    expect([...mapped.keys()].map((r) => r.row)).toEqual([4, 3]);
    expect(mapped.get(sent[1]!)!.map(problemText)).toEqual(["Short code: is already taken.", "External ID: is also given by row 3."]);
    expect(mapped.get(sent[0]!)!.map(problemText)).toEqual(["Tags: is too long."]);
  });
});
