import type { CodeRow } from "@qr3/db";
import { shortCodeOf } from "./present.ts";

// The names QR images are saved under: the code's name made safe for any file system, or its
// short code when it has none.

/** `name` as a file name's stem: letters, digits, ".", "-" and "_" only, at most 80 characters; "" when nothing is left. */
export function fileStem(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 80);
}

/** The file name of a code's image in `ext`. */
export const codeFileName = (code: Pick<CodeRow, "name" | "short_code">, ext: string) => `${(code.name && fileStem(code.name)) || shortCodeOf(code)}.${ext}`;

/** Names for many codes' images, each unique: a name met again gets -2, -3 and so on. */
export function uniqueFileNames(codes: ReadonlyArray<Pick<CodeRow, "name" | "short_code">>, ext: string): string[] {
  const taken = new Set<string>();
  return codes.map((code) => {
    const stem = codeFileName(code, ext).slice(0, -(ext.length + 1));
    let name = `${stem}.${ext}`;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${stem}-${n}.${ext}`;
    taken.add(name.toLowerCase());
    return name;
  });
}
