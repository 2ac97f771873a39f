import { showError } from "../alerts.ts";
import { busy, h } from "../dom.ts";

/**
 * A modal confirmation (a native <dialog>: focus stays inside, Escape cancels). `action` runs on
 * "confirm"; the dialog closes when it is done, and an error is shown in the alert area.
 */
export function confirmDialog(options: { title: string; message: string; confirm: string; action: () => Promise<void> }): void {
  const titleId = `dialog-title-${Date.now()}`;
  const cancel = h("button", { type: "button", class: "secondary", autofocus: true }, "Cancel");
  const confirm = h("button", { type: "button", class: "danger" }, options.confirm);
  const dialog = h(
    "dialog",
    { "aria-labelledby": titleId, class: "confirm" },
    h("h2", { id: titleId }, options.title),
    h("p", null, options.message),
    h("div", { class: "actions" }, confirm, cancel),
  );
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener?.isConnected) opener.focus();
  });
  confirm.addEventListener("click", () =>
    void busy(confirm, async () => {
      try {
        await options.action();
      } catch (err) {
        showError(err);
      } finally {
        if (dialog.open) dialog.close();
      }
    }),
  );
  document.body.append(dialog);
  dialog.showModal();
}
