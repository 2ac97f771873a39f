// The characters no URL we store may hold: C0 controls (NUL, tab, LF, CR, ...), DEL, C1 controls
// and the Unicode line and paragraph separators. The URL parser drops some of them silently (tab,
// LF, CR) and percent-encodes the others, so a URL holding one is never quite what its owner
// typed; and one sent raw in a `Location` header breaks the response. Zod-free, so that any worker
// may import it.
export const URL_CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Why `raw` may not be stored as a URL for the characters it holds, or null when it may. */
export function urlCharacterProblem(raw: string): string | null {
  return URL_CONTROL_CHARACTERS.test(raw) ? "must not contain control characters" : null;
}
