// The page's CSV: sections of fields written as the API's scan export writes them.

import { csvField, type CsvCell as Cell } from "@qr3/schema/csv";

export type { Cell };

export interface CsvSection {
  title: string;
  header: string[];
  rows: Cell[][];
}

/** Sections one after another in one file: a title line, a header line, the rows, a blank line. */
export function csvDocument(sections: CsvSection[]): string {
  const line = (cells: Cell[]) => `${cells.map(csvField).join(",")}\r\n`;
  return sections.map((s) => line([s.title]) + line(s.header) + s.rows.map(line).join("")).join("\r\n");
}
