export const PLANS = ["free", "pro", "business", "agency", "enterprise"] as const;
export type Plan = (typeof PLANS)[number];
