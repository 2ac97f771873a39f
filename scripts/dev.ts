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

// A second demo code that shows redirect rules: iPhones to the App Store, German speakers to the
// German page, weekday lunchtime in Vienna to the lunch menu, everyone else split A/B, all tagged.
const RULES_DEMO = "demo-rules";
const rulesDemo = await fetch(`${origin}/v1/codes`, {
  method: "POST",
  headers: { authorization: `Bearer ${demo.api_key}`, "content-type": "application/json" },
  body: JSON.stringify({
    url: "https://example.com/",
    short_code: RULES_DEMO,
    name: "Demo: redirect rules",
    rules: [
      { when: { os: ["iOS"] }, url: "https://apps.apple.com/" },
      { when: { language: ["de"] }, url: "https://example.com/de" },
      { when: { weekday: [1, 2, 3, 4, 5], time: { from: "11:30", to: "14:00" }, tz: "Europe/Vienna" }, url: "https://example.com/lunch" },
    ],
    variants: [
      { url: "https://example.com/a", weight: 50 },
      { url: "https://example.com/b", weight: 50 },
    ],
    utm: { source: "qr3-demo", medium: "qr" },
  }),
});
// 409: made by an earlier run on the same local state.
if (rulesDemo.status !== 201 && rulesDemo.status !== 409) console.error(`  the redirect-rules demo code was not created: ${rulesDemo.status} ${await rulesDemo.text()}`);

// Two print-ready demo codes tagged "flyer": a banner with a call to action and a logo, and an
// inverted box; their images come in every format, and the tag's as one ZIP.
const PRINT_DEMOS = [
  {
    short_code: "demo-menu",
    name: "Demo: menu flyer",
    qr_style: { foreground: "#1a237e", background: "#fff8e1", modules: "dots", eyes: "rounded", frame: "banner", cta: "Scan for the menu" },
    logo: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#c62828"/><path d="M20 18v14a6 6 0 0 0 4 5.7V48h4V37.7a6 6 0 0 0 4-5.7V18h-3v12h-2V18h-3v12h-2V18zM40 18c-3 0-5 5-5 12v6h4v12h4V18z" fill="#ffffff"/></svg>`,
  },
  {
    short_code: "demo-poster",
    name: "Demo: poster",
    qr_style: { foreground: "#ffffff", background: "#0b3d2e", inverted: true, modules: "rounded", eyes: "circle", frame: "box", cta: "Scan me" },
    logo: null,
  },
];
for (const { logo, ...code } of PRINT_DEMOS) {
  const res = await fetch(`${origin}/v1/codes`, {
    method: "POST",
    headers: { authorization: `Bearer ${demo.api_key}`, "content-type": "application/json" },
    body: JSON.stringify({ url: "https://example.com/menu", tags: ["flyer"], ...code }),
  });
  if (res.status === 409) continue; // made by an earlier run on the same local state
  if (res.status !== 201) {
    console.error(`  the demo code ${code.short_code} was not created: ${res.status} ${await res.text()}`);
    continue;
  }
  if (!logo) continue;
  const { data } = (await res.json()) as { data: { id: string } };
  const put = await fetch(`${origin}/v1/codes/${data.id}/logo`, { method: "PUT", headers: { authorization: `Bearer ${demo.api_key}`, "content-type": "image/svg+xml" }, body: logo });
  if (put.status !== 200) console.error(`  the logo of ${code.short_code} was not stored: ${put.status} ${await put.text()}`);
}
const flyers = (await (await fetch(`${origin}/v1/codes?tag=flyer`, { headers: { authorization: `Bearer ${demo.api_key}` } })).json()) as { data: Array<{ id: string; short_code: string }> };
const menuId = flyers.data.find((c) => c.short_code === PRINT_DEMOS[0]!.short_code)?.id ?? "<id>";

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

  Redirect rules: ${origin}/${RULES_DEMO} goes to the App Store from an iPhone, to a German page
  for German speakers, to a lunch menu at weekday lunchtime in Vienna, else to variant A or B:
    curl -i ${origin}/${RULES_DEMO} -H "User-Agent: ${PHONE}"
    curl -i ${origin}/${RULES_DEMO} -H "Accept-Language: de-AT"

  Print-ready QR codes: the codes tagged "flyer" (a banner with a logo, an inverted box), in any format:
    curl -s -o menu.svg ${origin}/v1/codes/${menuId}/qr.svg -H "Authorization: Bearer ${demo.api_key}"
    curl -s -o menu.png "${origin}/v1/codes/${menuId}/qr.png?size_mm=50&dpi=300" -H "Authorization: Bearer ${demo.api_key}"
    curl -s -o menu.pdf "${origin}/v1/codes/${menuId}/qr.pdf?size_mm=50&bleed_mm=3" -H "Authorization: Bearer ${demo.api_key}"
    curl -s -o flyer.zip "${origin}/v1/tags/flyer/qr.zip?format=pdf" -H "Authorization: Bearer ${demo.api_key}"
  or open a code's page in the dashboard to design it and download SVG, PNG (pixels or mm at a dpi) and PDF (mm, bleed).

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
