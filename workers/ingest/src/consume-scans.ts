import { controlDb, isShard, newId, shardDb } from "@qr3/core";
import { FOLD_AT, foldScans, stageScanEvents, storeScans, workspaceShards, type IntakeRow, type OutboxGroup } from "@qr3/db";
import { ScanMessageSchema, scansOf } from "@qr3/schema";
import { syncAddresses } from "./link-sweep.ts";
import { enqueueDispatch } from "@qr3/webhooks";
import { retryDelaySeconds } from "./retry.ts";
import { toScanRow } from "./scan-row.ts";

interface Valid {
  message: Message<unknown>;
  row: IntakeRow;
  /** From the message; null when it names none this deployment has (the workspace's is looked up). */
  shard: number | null;
}

/** The qr.scanned events of one shard's scans, one outbox group per workspace. */
function outboxGroups(valid: readonly Valid[]): OutboxGroup[] {
  const groups = new Map<string, OutboxGroup>();
  for (const { row } of valid) {
    const group = groups.get(row.workspace_id) ?? { id: newId("obx"), workspace_id: row.workspace_id, scan_keys: [] };
    group.scan_keys.push([row.code_id, row.scanned_at, row.id]);
    groups.set(row.workspace_id, group);
  }
  return [...groups.values()];
}

/**
 * The valid scans of each message, as rows: a message is a pack of scans (or, from before
 * packing, one scan), and each scan is validated on its own, so an invalid one is logged and
 * dropped without sinking its siblings. A message with nothing valid in it is acked: it could
 * never succeed.
 */
function validScans(batch: MessageBatch<unknown>, env: Env): { valid: Valid[]; holding: Array<Message<unknown>> } {
  const valid: Valid[] = [];
  const holding: Array<Message<unknown>> = [];
  for (const message of batch.messages) {
    const scans = scansOf(message.body);
    let kept = 0;
    for (const [index, scan] of (scans ?? [message.body]).entries()) {
      const parsed = scans === null ? null : ScanMessageSchema.safeParse(scan);
      if (parsed?.success) {
        valid.push({ message, row: toScanRow(parsed.data), shard: isShard(env, parsed.data.shard) ? parsed.data.shard : null });
        kept++;
        continue;
      }
      // Field paths and issue codes only: a body of unknown origin may hold anything.
      const issues = parsed ? parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.code}`) : ["(body): not a scan pack"];
      console.error(JSON.stringify({ event: "scan_message_invalid", message_id: message.id, index, issues }));
    }
    if (kept > 0) holding.push(message);
    else message.ack();
  }
  return { valid, holding };
}

/**
 * The shard of scans whose message names none (from before sharding, or naming a shard this
 * deployment lacks): their workspaces' shards, in one read of the control database. A scan of a
 * workspace that no longer exists is dropped, as is one of a deleted code. A workspace whose shard
 * this worker is not bound to (a config deployed to the API before ingest) is a state that passes:
 * its scans come back in `unbound`, for their messages to be retried.
 */
async function resolveShards(env: Env, valid: Valid[]): Promise<{ resolved: Valid[]; unbound: Valid[] }> {
  const unknown = [...new Set(valid.filter((v) => v.shard === null).map((v) => v.row.workspace_id))];
  if (unknown.length === 0) return { resolved: valid, unbound: [] };
  const shards = await workspaceShards(controlDb(env), unknown);
  const resolved: Valid[] = [];
  const unbound: Valid[] = [];
  let dropped = 0;
  for (const v of valid) {
    const shard = v.shard ?? shards.get(v.row.workspace_id) ?? null;
    if (shard === null) dropped++;
    else if (!isShard(env, shard)) unbound.push(v);
    else resolved.push({ ...v, shard });
  }
  if (dropped > 0) console.warn(JSON.stringify({ event: "scans_of_unknown_workspace", scans: dropped }));
  if (unbound.length > 0) {
    const shardsNamed = [...new Set(unbound.map((v) => shards.get(v.row.workspace_id)))];
    console.error(JSON.stringify({ event: "scans_of_unbound_shard", scans: unbound.length, shards: shardsNamed }));
  }
  return { resolved, unbound };
}

interface Stored {
  shard: number;
  staged: string[];
  waiting: number;
  /** Addresses of codes the batch brought to their scan cap. */
  capped: string[];
}

/** Stores one shard's scans, their counters and the webhook events that announce them, in one D1 transaction. */
async function storeShard(env: Env, shard: number, valid: readonly Valid[]): Promise<Stored> {
  const db = shardDb(env, shard);
  const stage = stageScanEvents(db, outboxGroups(valid), new Date().toISOString());
  const stored = await storeScans<{ id: string }>(db, valid.map((v) => v.row), [stage]);
  return { shard, staged: stored.after[0]!.results.map((r) => r.id), waiting: stored.waiting, capped: stored.capped };
}

/**
 * Stores the valid scans of the batch, grouped by shard: one D1 transaction per shard, all at
 * once. Nothing is acked before it is stored: a message holding a scan of a shard whose write
 * failed is retried whole, with backoff, while the other messages are acked (a message holding
 * scans of a failed and a healthy shard comes again, and the healthy shard's scans are then
 * skipped as already stored: nothing counts twice). Should the control database fail to say the
 * shard of scans whose message names none, the messages holding them are retried.
 *
 * Once stored, each shard's staged events go on to the dispatch step and its summaries are folded
 * in once FOLD_AT scans wait (within the invocation, through waitUntil); the daily cron folds whatever
 * still waits, and reads count it without folding.
 */
export async function consumeScans(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const { valid, holding } = validScans(batch, env);
  if (valid.length === 0) return;

  const failed = new Set<Message<unknown>>();
  let placed: Valid[];
  try {
    const { resolved, unbound } = await resolveShards(env, valid);
    for (const v of unbound) failed.add(v.message);
    placed = resolved;
  } catch (err) {
    console.error(JSON.stringify({ event: "scan_shard_lookup_failed", scans: valid.filter((v) => v.shard === null).length, error: String(err) }));
    for (const v of valid) if (v.shard === null) failed.add(v.message);
    placed = valid.filter((v) => v.shard !== null);
  }
  const byShard = Map.groupBy(placed, (v) => v.shard!);
  const outcomes = await Promise.allSettled([...byShard].map(([shard, scans]) => storeShard(env, shard, scans)));
  const stored: Stored[] = [];
  [...byShard].forEach(([shard, scans], i) => {
    const outcome = outcomes[i]!;
    if (outcome.status === "fulfilled") return void stored.push(outcome.value);
    const messages = new Set(scans.map((v) => v.message));
    console.error(JSON.stringify({ event: "scan_store_failed", shard, messages: messages.size, scans: scans.length, error: String(outcome.reason) }));
    for (const message of messages) failed.add(message);
  });
  for (const message of holding) {
    if (failed.has(message)) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    else message.ack();
  }

  // What follows needs no answer before the batch is acked, and each part is retried elsewhere.
  ctx.waitUntil(Promise.all(stored.flatMap((s) => [dispatch(env, s), fold(env, s), cap(env, s)])));
}

/** Sends the staged events on to the dispatch step; should this fail, the cron's sweep sends them. */
async function dispatch(env: Env, { shard, staged }: Stored): Promise<void> {
  if (staged.length === 0) return;
  try {
    await enqueueDispatch(env.WEBHOOKS, shard, staged);
  } catch (err) {
    console.error(JSON.stringify({ event: "dispatch_enqueue_failed", shard, outbox_rows: staged.length, error: String(err) }));
  }
}

/**
 * Folds a shard's waiting scans into its summaries once FOLD_AT wait, which bounds what a read
 * counts beside the summaries; below that the daily cron folds them. Should this fail, the next
 * batch or cron run folds them (reads count them meanwhile).
 */
async function fold(env: Env, { shard, waiting }: Stored): Promise<void> {
  if (waiting < FOLD_AT) return;
  try {
    await foldScans(shardDb(env, shard));
  } catch (err) {
    console.error(JSON.stringify({ event: "summary_fold_failed", shard, waiting, error: String(err) }));
  }
}

/**
 * Writes the KV records of codes the batch brought to their scan cap, so that their scans go to
 * the fallback from now on. Should this fail, the link sweep writes them within minutes: the cap
 * moved each code's version, which marked its short code in the same transaction.
 */
async function cap(env: Env, { shard, capped }: Stored): Promise<void> {
  if (capped.length === 0) return;
  try {
    await syncAddresses(env, capped);
  } catch (err) {
    console.error(JSON.stringify({ event: "scan_cap_sync_deferred", shard, codes: capped.length, error: String(err) }));
  }
}
