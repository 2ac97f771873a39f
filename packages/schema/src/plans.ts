export const PLANS = ["free", "pro", "business", "agency", "enterprise"] as const;
export type Plan = (typeof PLANS)[number];

/** Days of scans each plan keeps (UTC days, today included). Enterprise sets its own. */
export const PLAN_RETENTION_DAYS = {
  free: 7,
  pro: 90,
  business: 365,
  agency: 365,
  enterprise: null,
} as const satisfies Record<Plan, number | null>;

export const MAX_RETENTION_DAYS = 3650;

/**
 * The retention of a workspace on `plan`. Enterprise needs a custom number of days; the other
 * plans have theirs fixed and take no custom value.
 */
export function retentionDaysFor(plan: Plan, custom?: number): number {
  const fixed = PLAN_RETENTION_DAYS[plan];
  if (fixed !== null) {
    if (custom !== undefined && custom !== fixed) throw new RangeError(`the ${plan} plan keeps scans for ${fixed} days; only enterprise takes a custom retention`);
    return fixed;
  }
  if (custom === undefined || !Number.isInteger(custom) || custom < 1 || custom > MAX_RETENTION_DAYS) {
    throw new RangeError(`the enterprise plan needs a retention of 1 to ${MAX_RETENTION_DAYS} days`);
  }
  return custom;
}
