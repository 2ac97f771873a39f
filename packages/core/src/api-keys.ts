import { sha256Hex } from "./crypto.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SECRET_LENGTH = 40; // about 238 bits

export interface NewApiKey {
  /** Shown once to its owner, never stored. */
  key: string;
  /** What is stored: hex SHA-256 of the key. */
  hash: string;
  /** The first characters, stored so that people can tell their keys apart. */
  prefix: string;
}

export async function newApiKey(): Promise<NewApiKey> {
  let secret = "";
  while (secret.length < SECRET_LENGTH) {
    for (const b of crypto.getRandomValues(new Uint8Array(SECRET_LENGTH))) {
      if (b < 248 && secret.length < SECRET_LENGTH) secret += BASE62[b % 62];
    }
  }
  const key = `qr3_sk_${secret}`;
  return { key, hash: await sha256Hex(key), prefix: key.slice(0, 11) };
}
