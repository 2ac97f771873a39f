// The shapes the qr3 API answers with (see README, "API").

export interface Envelope<T> {
  data: T;
}

export interface Page<T> {
  data: T[];
  pagination: { has_more: boolean; next_cursor: string | null };
}

export type CodeStatus = "active" | "disabled";

export interface Code {
  id: string;
  short_code: string;
  short_url: string;
  url: string;
  status: CodeStatus;
  total_scans: number;
  created_at: string;
  updated_at: string;
}

export interface DayCount {
  date: string;
  count: number;
  unique: number;
}

/** An entry of a top list; `value` null means unknown. */
export interface TopEntry {
  value: string | null;
  count: number;
}

/** The aggregation of one code, or of a whole workspace (which adds `top_codes`). */
export interface ScanStats {
  total_scans: number;
  period_days: number;
  tz: string;
  period_scans: number;
  period_unique_scans: number;
  bot_scans: number;
  scans_by_day: DayCount[];
  top_countries: TopEntry[];
  top_devices: TopEntry[];
  top_os: TopEntry[];
  top_browsers: TopEntry[];
  top_referers: TopEntry[];
  top_languages: TopEntry[];
  top_cities: TopEntry[];
}

export type TopListField = Extract<keyof ScanStats, `top_${string}`>;

/** A code among the workspace's most scanned. */
export interface TopCode {
  value: string; // the code's id
  short_code: string;
  count: number;
}

export interface WorkspaceScanStats extends ScanStats {
  workspace_id: string;
  top_codes: TopCode[];
}

export interface Workspace {
  id: string;
  name: string;
  plan: string;
  retention_days: number;
  created_at: string;
  scans_this_month: number;
}

export type WebhookStatus = "enabled" | "disabled";

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  status: WebhookStatus;
  disabled_reason: "manual" | "failing" | "endpoint_gone" | null;
  created_at: string;
  updated_at: string;
  /** Only in the answer that created the webhook, when qr3 generated the secret. */
  secret?: string;
}

export interface Attempt {
  attempt: number;
  response_status: number | null;
  error: string | null;
  duration_ms: number | null;
  started_at: string;
}

export interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  state: "pending" | "succeeded" | "failed";
  attempt_count: number;
  response_status: number | null;
  error: string | null;
  duration_ms: number | null;
  next_attempt_at: string | null;
  redelivery_of: string | null;
  created_at: string;
  updated_at: string;
  attempts: Attempt[];
}
