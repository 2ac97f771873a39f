import { DELIVERY_TIMEOUT_MS, signedHeaders } from "@qr3/webhooks";

export interface SendResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

/**
 * One signed POST of an event. Redirects are not followed (a 3xx is a failure, like any status
 * outside 2xx), the response body is not read, and the attempt is abandoned after 10 seconds.
 */
export async function sendEvent(url: string, secrets: readonly string[], eventId: string, payload: string, now: number): Promise<SendResult> {
  const headers = {
    "content-type": "application/json",
    "user-agent": "qr3-webhooks/1.0",
    ...(await signedHeaders(secrets, eventId, Math.floor(now / 1000), payload)),
  };
  const started = Date.now();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 300;
    return { ok, status: response.status, error: ok ? null : `HTTP ${response.status}`, duration_ms: Date.now() - started };
  } catch (err) {
    const name = (err as Error)?.name;
    const error = name === "TimeoutError" || name === "AbortError" ? `timeout after ${DELIVERY_TIMEOUT_MS / 1000} s` : `network error: ${String((err as Error)?.message ?? err)}`;
    return { ok: false, status: null, error, duration_ms: Date.now() - started };
  }
}
