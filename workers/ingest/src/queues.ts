// Names of the queues this worker consumes, as in wrangler.ingest.toml.
export const QUEUES = { scans: "qr3-scans", webhooks: "qr3-webhooks" } as const;
