import { randomBase62, sha256Hex } from "./crypto.ts";

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
  const key = `qr3_sk_${randomBase62(SECRET_LENGTH)}`;
  return { key, hash: await sha256Hex(key), prefix: key.slice(0, 11) };
}
