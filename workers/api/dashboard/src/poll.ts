// Periodic refreshes that run only while the tab is visible and stop with the page.

/**
 * Runs `task` every `ms` while the document is visible, never two at once, until `signal` aborts.
 * A tick missed while the tab was hidden runs as soon as it is visible again.
 */
export function poll(ms: number, task: () => Promise<void>, signal: AbortSignal): void {
  let running = false;
  let missed = false;
  const run = async () => {
    if (running || signal.aborted) return;
    running = true;
    try {
      await task();
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => {
    if (document.visibilityState === "visible") void run();
    else missed = true;
  }, ms);
  const onVisibility = () => {
    if (document.visibilityState === "visible" && missed) {
      missed = false;
      void run();
    }
  };
  document.addEventListener("visibilitychange", onVisibility);
  signal.addEventListener(
    "abort",
    () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    },
    { once: true },
  );
}
