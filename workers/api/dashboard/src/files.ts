// Saving files and copying text from the page.
import { h } from "./dom.ts";

/** Saves a blob under `filename` through a temporary blob URL. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; give slow browsers a generous moment anyway.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * A "copy" button and the visible status beside it ("Copied", or how to copy by hand when the
 * browser refuses). `onFail` may select the text for the user.
 */
export function copyControl(label: string, text: () => string, onFail?: () => void): { button: HTMLButtonElement; status: HTMLElement } {
  const status = h("span", { class: "copy-status", role: "status" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const button = h("button", {
    type: "button",
    class: "secondary",
    onclick: async () => {
      clearTimeout(timer);
      try {
        await navigator.clipboard.writeText(text());
        status.textContent = "Copied";
        status.className = "copy-status ok";
        timer = setTimeout(() => (status.textContent = ""), 4000);
      } catch {
        onFail?.();
        status.textContent = "Could not copy automatically. Select the text and press Ctrl+C (⌘C on a Mac).";
        status.className = "copy-status failed";
      }
    },
  }, label);
  return { button, status };
}
