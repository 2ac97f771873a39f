import { env } from "cloudflare:workers";
import { linkKey, newId, type LinkRecord } from "@qr3/core";
import type { ScanMessage } from "@qr3/schema";

export async function putLink(shortCode: string, overrides: Partial<LinkRecord> = {}): Promise<LinkRecord> {
  const link: LinkRecord = {
    code_id: newId("qr"),
    workspace_id: newId("ws"),
    url: "https://example.com/landing",
    status: "active",
    ...overrides,
  };
  await env.LINKS.put(linkKey(shortCode), JSON.stringify(link));
  return link;
}

/** The real bindings, with the KV reads and queue sends recorded as they pass through. */
export function recordingEnv(options: { failSend?: boolean } = {}) {
  const sent: ScanMessage[] = [];
  const kvReads: string[] = [];
  const links = new Proxy(env.LINKS, {
    get(target, prop) {
      if (prop === "get") {
        return (key: string, type: "json") => {
          kvReads.push(key);
          return target.get(key, type);
        };
      }
      return Reflect.get(target, prop, target);
    },
  });
  const scans = {
    async sendBatch(messages: Iterable<MessageSendRequest<ScanMessage>>) {
      if (options.failSend) throw new Error("queue unavailable");
      const list = [...messages];
      sent.push(...list.map((m) => m.body));
      await env.SCANS.sendBatch(list);
    },
  } as unknown as Queue;
  return { env: { ...env, LINKS: links, SCANS: scans } as Env, sent, kvReads };
}
