import { controlDb } from "@qr3/core";
import { deadLettersToReplay, markDeadLettersReplayed, purgeReplayedDeadLetters, unmarkDeadLetters, type DeadLetter } from "@qr3/db";
import { QUEUES } from "../queues.ts";
import { replayBody } from "./body.ts";

// Each cron run sends at most ROUNDS x ROUND marked rows back: about 60,000 an hour, within the
// run's budget of D1 queries and subrequests.
const ROUND = 100;
const ROUNDS = 50;
// A message holds at most 128 KB; a sendBatch takes at most 100 messages and 256 KB in all.
const MAX_MESSAGE_BYTES = 128_000;
const MAX_SEND_MESSAGES = 100;
const MAX_SEND_BYTES = 200_000;
// Replayed rows are kept this long, to answer what was replayed when, then deleted.
const KEEP_REPLAYED_MS = 30 * 86_400_000;
const PURGE_LIMIT = 5000;

function producerFor(env: Env, queue: string): Queue | null {
  if (queue === QUEUES.scans) return env.SCANS;
  if (queue === QUEUES.webhooks) return env.WEBHOOKS;
  return null;
}

const encoder = new TextEncoder();

/** About what the row's message weighs on the queue. */
function messageBytes(row: DeadLetter): number {
  const bytes = encoder.encode(row.body).byteLength;
  return row.format === "bytes" ? Math.ceil((bytes * 3) / 4) : bytes;
}

/** Groups rows into sends of one queue each, within sendBatch's limits. */
function sends(rows: ReadonlyArray<{ row: DeadLetter; bytes: number }>): DeadLetter[][] {
  const out: DeadLetter[][] = [];
  const open = new Map<string, { rows: DeadLetter[]; bytes: number }>();
  for (const { row, bytes } of rows) {
    let send = open.get(row.queue);
    if (!send || send.rows.length >= MAX_SEND_MESSAGES || send.bytes + bytes > MAX_SEND_BYTES) {
      send = { rows: [], bytes: 0 };
      open.set(row.queue, send);
      out.push(send.rows);
    }
    send.rows.push(row);
    send.bytes += bytes;
  }
  return out;
}

/**
 * Rows no queue would take (their message would be too large, or their queue is unknown to this
 * deploy) lose their mark, logged by message id, so that they hold up no other; the rest go on.
 */
async function setAside(env: Env, rows: readonly DeadLetter[]): Promise<Array<{ row: DeadLetter; bytes: number }>> {
  const sendable: Array<{ row: DeadLetter; bytes: number }> = [];
  const refused: DeadLetter[] = [];
  for (const row of rows) {
    const bytes = messageBytes(row);
    if (bytes > MAX_MESSAGE_BYTES || !producerFor(env, row.queue)) refused.push(row);
    else sendable.push({ row, bytes });
  }
  if (refused.length > 0) {
    console.error(JSON.stringify({ event: "dead_letter_not_replayable", message_ids: refused.map((r) => r.message_id) }));
    await unmarkDeadLetters(controlDb(env), refused);
  }
  return sendable;
}

/**
 * Sends the rows marked for replay back to their queue, oldest first, and marks each send's rows
 * replayed once it was accepted. A send that fails ends the run, its rows still marked, for the
 * next run to try again; should a run end between a send and its marking, the next sends those
 * rows again, which the consumers take in their stride (a scan is stored once by its id). Then
 * deletes rows replayed more than 30 days ago.
 */
export async function replayDeadLetters(env: Env, now: number): Promise<{ replayed: number; purged: number }> {
  const at = new Date(now).toISOString();
  let replayed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const rows = await deadLettersToReplay(controlDb(env), ROUND);
    for (const send of sends(await setAside(env, rows))) {
      await producerFor(env, send[0]!.queue)!.sendBatch(send.map(replayBody));
      await markDeadLettersReplayed(controlDb(env), send, at);
      replayed += send.length;
    }
    if (rows.length < ROUND) break;
  }
  const purged = await purgeReplayedDeadLetters(controlDb(env), new Date(now - KEEP_REPLAYED_MS).toISOString(), PURGE_LIMIT);
  if (replayed > 0 || purged > 0) console.log(JSON.stringify({ event: "dead_letters_replayed", replayed, purged }));
  return { replayed, purged };
}
