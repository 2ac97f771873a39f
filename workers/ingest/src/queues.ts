// Names of the queues this worker consumes, as in wrangler.ingest.toml.
export const QUEUES = { scans: "qr3-scans", webhooks: "qr3-webhooks", maintenance: "qr3-maintenance" } as const;

// max_batch_size of the scans queue (wrangler.ingest.toml), in messages of up to 100 scans each:
// a smaller batch means the queue has caught up.
export const SCANS_BATCH_SIZE = 10;

// The daily cron of wrangler.ingest.toml's [triggers] (00:05 UTC): the run that also purges by retention.
export const DAILY_CRON = "5 0 * * *";
