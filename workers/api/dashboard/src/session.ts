// The API key lives in sessionStorage only: it is gone when the browser session ends.
const STORAGE_KEY = "qr3.apiKey";

export function getKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Throws when the browser refuses storage (e.g. storage disabled): sign-in reports it. */
export function setKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function clearKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored, nothing to clear.
  }
}
