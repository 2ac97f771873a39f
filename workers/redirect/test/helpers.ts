import { env } from "cloudflare:workers";
import { linkAddress, linkKey, newId, type LinkRecord } from "@qr3/core";
import type { ScanMessage, ScanPack } from "@qr3/schema";

/** Our own short domain's origin, as production serves it (PRIMARY_HOST). */
export const OWN_ORIGIN = `https://${env.PRIMARY_HOST}`;

/** Stores an active code's record: on our own domain, or on the branded `domain`. */
export async function putLink(shortCode: string, overrides: Partial<LinkRecord> = {}, domain: string | null = null): Promise<LinkRecord> {
  const link: LinkRecord = {
    code_id: newId("qr"),
    workspace_id: newId("ws"),
    url: "https://example.com/landing",
    status: "active",
    ...overrides,
  };
  await env.LINKS.put(linkKey(linkAddress(domain, shortCode)), JSON.stringify(link));
  return link;
}

/** The real bindings, with the KV reads and queue sends recorded as they pass through. */
export function recordingEnv(options: { failSend?: boolean } = {}) {
  const sent: ScanMessage[] = [];
  const packs: ScanPack[] = [];
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
    async send(pack: ScanPack, sendOptions?: QueueSendOptions) {
      if (options.failSend) throw new Error("queue unavailable");
      packs.push(pack);
      sent.push(...pack.scans);
      await env.SCANS.send(pack, sendOptions);
    },
  } as unknown as Queue;
  return { env: { ...env, LINKS: links, SCANS: scans } as Env, sent, packs, kvReads };
}
