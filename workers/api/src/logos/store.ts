import type { CodeLogo } from "@qr3/schema/api";
import type { QrLogoImage } from "../qr/types.ts";
import { retried } from "../retry.ts";

// Logos in R2: one object per logo, keyed by workspace, code and digest. A new logo is a new
// object, so the code's row (which names the digest) never points at bytes it does not describe;
// the objects it no longer names are removed after the row has moved on. Every R2 call is tried
// again after a passing failure (retried): a tag's ZIP reads logos after its answer has begun,
// when a failure can no longer be an error answer.

const prefix = (workspaceId: string, codeId: string) => `logos/${workspaceId}/${codeId}/`;
export const logoKey = (workspaceId: string, codeId: string, sha256: string) => `${prefix(workspaceId, codeId)}${sha256}`;

export async function putLogo(bucket: R2Bucket, workspaceId: string, codeId: string, logo: CodeLogo, bytes: Uint8Array): Promise<void> {
  await retried(() =>
    bucket.put(logoKey(workspaceId, codeId, logo.sha256), bytes, {
      httpMetadata: { contentType: logo.type },
      sha256: logo.sha256,
    }),
  );
}

/** The code's logo, as the renderers take it; null when the code has none (or its object is gone). */
export async function readLogoImage(bucket: R2Bucket, workspaceId: string, codeId: string, logo: CodeLogo | null): Promise<QrLogoImage | null> {
  if (!logo) return null;
  const bytes = await retried(async () => {
    const object = await bucket.get(logoKey(workspaceId, codeId, logo.sha256));
    return object ? new Uint8Array(await object.arrayBuffer()) : null;
  });
  return bytes && { type: logo.type, bytes, width: logo.width, height: logo.height };
}

/** Removes the code's logo objects but the one `keep` names (all of them without). */
export async function pruneLogos(bucket: R2Bucket, workspaceId: string, codeId: string, keep: string | null): Promise<void> {
  const listed = await retried(() => bucket.list({ prefix: prefix(workspaceId, codeId) }));
  const stale = listed.objects.map((o) => o.key).filter((key) => keep === null || key !== logoKey(workspaceId, codeId, keep));
  if (stale.length > 0) await retried(() => bucket.delete(stale));
}
