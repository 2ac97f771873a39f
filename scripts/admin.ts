// Self-hosting administration: workspaces and API keys (there is no sign-up flow).
//   pnpm admin create-workspace --name <name> --plan <free|pro|business|agency|enterprise> [--retention-days N]
//   pnpm admin set-plan --workspace <ws_id> --plan <plan> [--retention-days N]
//   pnpm admin create-key --workspace <ws_id>
//   pnpm admin revoke-key --key <key_id>
//   pnpm admin delete-workspace --workspace <ws_id>
// --retention-days is for enterprise only (the other plans' retention is fixed).
// Local D1 by default; --remote for the deployed database; --persist-to <dir> for another local state.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createKey, createWorkspace, deleteWorkspace, revokeKey, setPlan } from "./lib/accounts.ts";
import { ROOT, applyLocalMigrations, openLocal, openRemote } from "./lib/d1.ts";

const COMMANDS = ["create-workspace", "set-plan", "create-key", "revoke-key", "delete-workspace"];
const USAGE = `usage: pnpm admin <command> [--remote] [--persist-to DIR]
  create-workspace --name N --plan P [--retention-days D]
  set-plan --workspace ID --plan P [--retention-days D]
  create-key --workspace ID
  revoke-key --key ID
  delete-workspace --workspace ID`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      plan: { type: "string" },
      workspace: { type: "string" },
      key: { type: "string" },
      "retention-days": { type: "string" },
      remote: { type: "boolean", default: false },
      "persist-to": { type: "string" },
    },
  });
  const command = positionals[0];
  if (!command || !COMMANDS.includes(command)) throw new Error(USAGE);

  let target;
  if (values.remote) {
    target = openRemote();
  } else {
    const persistTo = values["persist-to"] ?? join(ROOT, ".wrangler/state");
    applyLocalMigrations(persistTo);
    target = await openLocal(persistTo);
  }
  try {
    let result: unknown;
    if (command === "create-workspace") result = await createWorkspace(target.db, values.name, values.plan, values["retention-days"]);
    else if (command === "set-plan") result = await setPlan(target.db, values.workspace, values.plan, values["retention-days"]);
    else if (command === "create-key") result = await createKey(target.db, values.workspace);
    else if (command === "revoke-key") result = await revokeKey(target.db, values.key);
    else result = await deleteWorkspace(target, values.workspace);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await target.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
