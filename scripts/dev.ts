// `pnpm dev`: the whole local stack on http://127.0.0.1:8787 (the control database and every shard
// of config/shards.json) with a demo workspace, key and code on each shard, and the local DNS for
// branded domains' verification on http://127.0.0.1:8788.
import { watch } from "node:fs";
import { buildDashboard, DASHBOARD } from "./build-dashboard.ts";
import { startStack } from "./lib/stack.ts";

const stack = await startStack();
const { origin, demo, demos } = stack;
const scanUrl = `${origin}/${demo.short_code}`;
const PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

console.log(`
  qr3 is running on ${origin}

  Dashboard      ${origin}/  (sign in with the demo API key)
  API reference  ${origin}/reference/  (the OpenAPI document: ${origin}/v1/openapi.json)
  Demo API key   ${demo.api_key}
  Scan the demo  ${scanUrl}
                 (open it in a browser, or from a terminal as a phone would:
                  curl -i ${scanUrl} -H "User-Agent: ${PHONE}"
                  a plain curl is counted as a bot: add ?include_bots=true below to see it)

  Then see the scan (ingestion takes about a second):
    curl -s ${origin}/v1/codes/${demo.code_id}/scans -H "Authorization: Bearer ${demo.api_key}"

  Every shard holds a demo workspace with a code (the one above is on shard 0):
${demos.map((d) => `    shard ${d.shard}  ${origin}/${d.short_code}  key ${d.api_key}`).join("\n")}

  Branded domains: a request for another host is a scan on that domain, e.g. the code "menu" of go.example.com:
    curl -i -H "Host: go.example.com" ${origin}/menu
  Their verification lookups go to the local DNS (${stack.dns.url}); answer one with
    curl -X PUT ${stack.dns.origin}/records -d '{"name":"_qr3-verify.go.example.com","type":"TXT","value":"qr3-verify=<token>"}'
  (list them with curl ${stack.dns.origin}/records, remove one with curl -X DELETE "${stack.dns.origin}/records?name=...")

  Pretend to scan from elsewhere: add -H "x-dev-country: AT" -H "x-dev-city: Vienna" -H "x-dev-ip: 203.0.113.7"
  Run the daily cron:             curl "${origin}/cdn-cgi/handler/scheduled?cron=5+0+*+*+*"
  Stop with Ctrl+C.
`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void stack.stop().then(() => process.exit(0)));
}
stack.process.on("exit", (code) => process.exit(code ?? 0));

// Edits to the dashboard are rebuilt at once; wrangler dev serves the new files on the next load.
let rebuild: ReturnType<typeof setTimeout> | undefined;
watch(DASHBOARD, { recursive: true }, (_event, file) => {
  if (!file || file.startsWith("dist")) return;
  clearTimeout(rebuild);
  rebuild = setTimeout(() => {
    try {
      buildDashboard();
      console.log("  dashboard rebuilt");
    } catch (err) {
      console.error(`  dashboard build failed: ${(err as Error).message}`);
    }
  }, 150);
});
