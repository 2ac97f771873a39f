// What a short code may be. Free of imports, so that the dashboard may use it too.

// Short codes are the path of the printed link (https://qr3.app/r7f3Kx). The redirector rejects
// anything outside this pattern without a KV read, so the pattern is the single source of truth.
export const SHORT_CODE_LENGTH = { min: 3, max: 64 } as const;
export const SHORT_CODE_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${SHORT_CODE_LENGTH.min},${SHORT_CODE_LENGTH.max}}$`);

// Paths the public origin routes elsewhere; a code may never shadow them.
export const RESERVED_SHORT_CODES: ReadonlySet<string> = new Set(["v1", "api", "app", "assets", "dashboard", "reference", "static"]);
