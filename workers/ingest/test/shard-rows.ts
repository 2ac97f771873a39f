import { env } from "cloudflare:workers";
import { shardDb, shardNumbers } from "@qr3/core";

/** The sum over every shard of `sql`'s `n`: a row in a shard where it does not belong counts too. */
export async function countOnShards(sql: string, ...params: unknown[]): Promise<number> {
  let n = 0;
  for (const shard of shardNumbers(env)) n += (await shardDb(env, shard).prepare(sql).bind(...params).first<{ n: number }>())?.n ?? 0;
  return n;
}

/** Each shard's `n` of `sql`, by shard number. */
export async function countPerShard(sql: string, ...params: unknown[]): Promise<number[]> {
  return Promise.all(shardNumbers(env).map(async (shard) => (await shardDb(env, shard).prepare(sql).bind(...params).first<{ n: number }>())?.n ?? 0));
}
