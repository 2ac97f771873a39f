// Setup file of the workerd test projects that use D1: brings the per-file databases up to date,
// the control database with the control schema and every shard with the shard schema.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { shardDb, shardNumbers, type Databases } from "@qr3/core";

type Migrations = Parameters<typeof applyD1Migrations>[1];
const testEnv = env as unknown as Databases & { TEST_MIGRATIONS_CONTROL: Migrations; TEST_MIGRATIONS_SHARD: Migrations };
await applyD1Migrations(testEnv.CONTROL, testEnv.TEST_MIGRATIONS_CONTROL);
for (const n of shardNumbers(testEnv)) await applyD1Migrations(shardDb(testEnv, n), testEnv.TEST_MIGRATIONS_SHARD);
