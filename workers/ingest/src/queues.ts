// Names of the queues this worker consumes, as in wrangler.ingest.toml.
export const QUEUES = { scans: "qr3-scans", webhooks: "qr3-webhooks" } as const;

// max_batch_size of the scans queue (wrangler.ingest.toml), in messages of up to 100 scans each:
// a smaller batch means the queue has caught up.
export const SCANS_BATCH_SIZE = 10;
