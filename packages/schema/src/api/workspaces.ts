import * as z from "zod/mini";
import { PLANS } from "../plans.ts";
import { Timestamp } from "./common.ts";

export const Workspace = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.enum(PLANS),
    retention_days: z.int(),
    created_at: Timestamp,
    scans_this_month: z.int(),
  })
  .register(z.globalRegistry, { id: "Workspace" });
export type Workspace = z.output<typeof Workspace>;
