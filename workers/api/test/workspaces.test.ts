import { utcDate } from "@qr3/core";
import { describe, expect, it } from "vitest";
import { describeAtClocks } from "../../../test/clocks.ts";
import { call, seedKey } from "./helpers.ts";

describeAtClocks("GET /v1/workspaces/:id: scans this month", ({ now }) => {
  it("shows the workspace with this UTC month's scans across its codes, not last month's or next month's", async () => {
    const { key, workspace } = await seedKey("business", "Flyer Co");
    const month = utcDate(now).slice(0, 7);
    const d = new Date(now);
    const monthOf = (offset: number) => utcDate(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1)).slice(0, 7);
    await workspace.db.prepare("INSERT INTO workspace_monthly_scans (workspace_id, month, scans) VALUES (?1, ?2, 42), (?1, ?3, 7), (?1, ?4, 5)")
      .bind(workspace.id, month, monthOf(-1), monthOf(1))
      .run();
    const res = await call(`/v1/workspaces/${workspace.id}`, { key });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({
      id: workspace.id,
      name: "Flyer Co",
      plan: "business",
      retention_days: 365,
      created_at: workspace.created_at,
      scans_this_month: 42,
    });
  });
});

describe("GET /v1/workspaces/:id", () => {

  it.each([
    ["free", 7],
    ["pro", 90],
    ["agency", 365],
    ["enterprise", 730],
  ] as const)("shows the %s plan's retention", async (plan, days) => {
    const { key, workspace } = await seedKey(plan);
    expect((await call(`/v1/workspaces/${workspace.id}`, { key })).json.data).toMatchObject({ plan, retention_days: days });
  });

  it("answers 0 scans for a month without any", async () => {
    const { key, workspace } = await seedKey("free");
    expect((await call(`/v1/workspaces/${workspace.id}`, { key })).json.data.scans_this_month).toBe(0);
  });

  it("answers as `current` for the key's own workspace, which is how a client learns its id", async () => {
    const { key, workspace } = await seedKey("pro", "Menu Co");
    const res = await call("/v1/workspaces/current", { key });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ id: workspace.id, name: "Menu Co", plan: "pro", retention_days: 90 });
    expect((await call("/v1/workspaces/current/scans?days=7", { key })).json.data.workspace_id).toBe(workspace.id);
    expect((await call("/v1/workspaces/current")).status).toBe(401);
  });
});
