// Self-hosting administration: workspaces and API keys (there is no sign-up flow).
//   pnpm admin create-workspace --name <name> --plan <free|pro|business|agency|enterprise>
//   pnpm admin create-key --workspace <ws_id>
//   pnpm admin revoke-key --key <key_id>
// Local D1 by default; --remote for the deployed database; --persist-to <dir> for another local state.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createKey, createWorkspace, revokeKey } from "./lib/accounts.ts";
import { ROOT, applyLocalMigrations, openLocal, openRemote } from "./lib/d1.ts";

const USAGE = `usage: pnpm admin <create-workspace --name N --plan P | create-key --workspace ID | revoke-key --key ID> [--remote] [--persist-to DIR]`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      plan: { type: "string" },
      workspace: { type: "string" },
      key: { type: "string" },
      remote: { type: "boolean", default: false },
      "persist-to": { type: "string" },
    },
  });
  const command = positionals[0];
  if (!command || !["create-workspace", "create-key", "revoke-key"].includes(command)) throw new Error(USAGE);

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
    if (command === "create-workspace") result = await createWorkspace(target.db, values.name, values.plan);
    else if (command === "create-key") result = await createKey(target.db, values.workspace);
    else result = await revokeKey(target.db, values.key);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await target.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
