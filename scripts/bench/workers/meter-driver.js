// Runs the ingest worker's own production bundle (imported as ./ingest.js) inside workerd, the
// way the Queues broker and the cron trigger call it, with every D1 binding metered (CONTROL and
// each SHARD_<n>): each statement's meta (rows read and written, duration) is added up per
// statement text, per database and per kind of invocation, so that a benchmark can tell what
// storing, folding and purging scans costs D1. The metering wraps the bindings and changes
// nothing the worker sees: `first()` and `raw()` are answered from `all()`, which D1 runs alike.
//
// A job is a list of steps, run in order:
//   { kind: "queue", queue, messages: [{ id, timestamp, attempts, body }] }  one consumer invocation
//   { kind: "scheduled", cron, time }  the cron's invocation, then each maintenance message it sent,
//                                      in an invocation of its own, as the qr3-maintenance consumer
//                                      (max_batch_size 1) runs them
import ingest from "./ingest.js";

const MAINTENANCE_QUEUE = "qr3-maintenance";

/** Per statement text, database and kind of invocation: what D1 reported. */
class Meter {
  constructor() {
    this.statements = new Map();
    this.category = "none";
    this.invocationQueries = 0;
  }
  add(binding, sql, result) {
    const m = result.meta ?? {};
    const key = `${this.category}\u0000${binding}\u0000${sql}`;
    const s = this.statements.get(key) ?? { category: this.category, binding, sql, queries: 0, rows_read: 0, rows_written: 0, changes: 0, ms: 0, max_ms: 0 };
    s.queries++;
    s.changes += m.changes ?? 0;
    s.rows_read += m.rows_read ?? 0;
    s.rows_written += m.rows_written ?? 0;
    s.ms += m.duration ?? 0;
    s.max_ms = Math.max(s.max_ms, m.duration ?? 0);
    this.statements.set(key, s);
    this.invocationQueries++;
    return result;
  }
}

class MeteredStatement {
  constructor(db, sql, real) {
    this.db = db;
    this.sql = sql;
    this.real = real;
  }
  bind(...values) {
    return new MeteredStatement(this.db, this.sql, this.real.bind(...values));
  }
  async run() {
    return this.db.add(this.sql, await this.real.run());
  }
  async all() {
    return this.db.add(this.sql, await this.real.all());
  }
  async first(column) {
    const row = (await this.all()).results[0];
    if (row === undefined) return null;
    return column === undefined ? row : row[column];
  }
  async raw(options) {
    const { results } = await this.all();
    const rows = results.map((r) => Object.values(r));
    return options?.columnNames ? [Object.keys(results[0] ?? {}), ...rows] : rows;
  }
}

class MeteredDatabase {
  constructor(meter, binding, real) {
    this.meter = meter;
    this.binding = binding;
    this.real = real;
  }
  add(sql, result) {
    return this.meter.add(this.binding, sql, result);
  }
  prepare(sql) {
    return new MeteredStatement(this, sql, this.real.prepare(sql));
  }
  async batch(statements) {
    const results = await this.real.batch(statements.map((s) => s.real));
    results.forEach((r, i) => this.add(statements[i].sql, r));
    return results;
  }
  async exec() {
    throw new Error("meter: exec() is not metered");
  }
  withSession() {
    throw new Error("meter: withSession() is not metered");
  }
}

function memoryKv() {
  const map = new Map();
  return {
    get: async (key) => map.get(key) ?? null,
    put: async (key, value) => void map.set(key, value),
    delete: async (key) => void map.delete(key),
  };
}

/** A producer that counts what is sent and keeps it for the driver (nothing reaches a real queue). */
function countingQueue(sent, name) {
  const kept = [];
  return {
    kept,
    send: async (body) => {
      sent[name] = (sent[name] ?? 0) + 1;
      kept.push(body);
    },
    sendBatch: async (messages) => {
      sent[name] = (sent[name] ?? 0) + messages.length;
      for (const m of messages) kept.push(m.body);
    },
  };
}

/** An ExecutionContext whose waitUntil work is awaited before the invocation counts as done. */
function context() {
  const pending = [];
  return { ctx: { waitUntil: (p) => pending.push(p), passThroughOnException() {}, props: {} }, settle: () => Promise.all(pending) };
}

function messageBatch(queue, messages, outcome) {
  return {
    queue,
    messages: messages.map((m) => ({
      id: m.id,
      timestamp: new Date(m.timestamp),
      attempts: m.attempts ?? 1,
      body: m.body,
      ack: () => outcome.acked++,
      retry: () => outcome.retried++,
    })),
    ackAll: () => (outcome.acked += messages.length),
    retryAll: () => (outcome.retried += messages.length),
  };
}

export default {
  async fetch(request, env) {
    const job = await request.json();
    const meter = new Meter();
    const outcome = { acked: 0, retried: 0, delivered: {}, sent: {}, max_queries: {}, wall_ms: {}, logs: [], errors: [] };
    const databases = Object.fromEntries(
      Object.keys(env)
        .filter((k) => k === "CONTROL" || /^SHARD_\d+$/.test(k))
        .map((k) => [k, new MeteredDatabase(meter, k, env[k])]),
    );
    const maintenance = countingQueue(outcome.sent, "MAINTENANCE");
    // Salts are KV's business, not D1's: the simulated days lie in the past, where KV refuses
    // the expiry the cron gives each day's salt.
    const workerEnv = {
      ...env,
      ...databases,
      SALTS: memoryKv(),
      MAINTENANCE: maintenance,
      WEBHOOKS: countingQueue(outcome.sent, "WEBHOOKS"),
      SCANS: countingQueue(outcome.sent, "SCANS"),
    };
    /** One invocation: its queries are counted apart, as D1's budget per invocation is. */
    const invoke = async (category, call) => {
      meter.category = category;
      meter.invocationQueries = 0;
      const { ctx, settle } = context();
      const started = Date.now();
      await call(ctx);
      await settle();
      outcome.wall_ms[category] = (outcome.wall_ms[category] ?? 0) + Date.now() - started;
      outcome.max_queries[category] = Math.max(outcome.max_queries[category] ?? 0, meter.invocationQueries);
    };
    const deliver = (category, queue, messages) => {
      outcome.delivered[queue] = (outcome.delivered[queue] ?? 0) + messages.length;
      return invoke(category, (ctx) => ingest.queue(messageBatch(queue, messages, outcome), workerEnv, ctx));
    };
    const log = console.log;
    const error = console.error;
    // The worker reports what it did in JSON log lines: keep them for the benchmark.
    console.log = (line, ...rest) => {
      if (typeof line === "string" && line.startsWith("{")) outcome.logs.push(line);
      else log(line, ...rest);
    };
    console.error = (line, ...rest) => {
      outcome.errors.push(String(line));
      error(line, ...rest);
    };
    let sequence = 0;
    try {
      for (const step of job.steps) {
        if (step.kind === "queue") {
          await deliver(step.queue === MAINTENANCE_QUEUE ? "maintenance" : "ingest", step.queue, step.messages);
        } else if (step.kind === "scheduled") {
          await invoke("cron", () => ingest.scheduled({ cron: step.cron, scheduledTime: step.time, noRetry() {} }, workerEnv));
          for (const body of maintenance.kept.splice(0)) {
            await deliver("maintenance", MAINTENANCE_QUEUE, [{ id: `mnt${sequence++}`, timestamp: step.time, attempts: 1, body }]);
          }
        } else {
          return new Response(`unknown step ${step.kind}`, { status: 400 });
        }
      }
    } finally {
      console.log = log;
      console.error = error;
    }
    return Response.json({ statements: [...meter.statements.values()], ...outcome });
  },
};
