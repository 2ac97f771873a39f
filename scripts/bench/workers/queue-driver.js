// Hands prepared batches to a queue consumer through a service binding (the one named `consumer`),
// the way the local Queues broker delivers them, and times each delivery inside workerd: the
// benchmark's Node process and Miniflare's proxy stay out of the measurement. Clocks in workerd
// advance across I/O, so each time spans the consumer's whole invocation, D1 included. When asked,
// it then folds the scans still waiting into the summaries of each database named (the consumer
// does so once enough wait).
export default {
  async fetch(request, env) {
    const { consumer, queue, batches, inFlight, fold } = await request.json();
    const pending = batches.map((messages, index) => ({ index, messages: messages.map((m) => ({ ...m, timestamp: new Date(m.timestamp) })) }));
    const times = new Array(batches.length);
    const started = Date.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (let next = pending.shift(); next; next = pending.shift()) {
          const t = Date.now();
          const result = await env[consumer].queue(queue, next.messages);
          times[next.index] = Date.now() - t;
          if (result.outcome !== "ok" || result.explicitAcks.length !== next.messages.length) {
            throw new Error(`batch ${next.index} not fully acked: ${JSON.stringify(result)}`);
          }
        }
      }),
    );
    // The summaries of the scans still waiting, folded as a read would fold them, so that the
    // figures include every scan's share of the fold.
    let foldMs = 0;
    if (fold) {
      const t = Date.now();
      await Promise.all(fold.databases.map((name) => env[name].batch(fold.sql.map((sql) => env[name].prepare(sql)))));
      foldMs = Date.now() - t;
    }
    return Response.json({ times, foldMs, elapsed: Date.now() - started });
  },
};
