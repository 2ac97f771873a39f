// A typed qr3 client generated from the API's OpenAPI document: the types by openapi-typescript,
// the requests by openapi-fetch. With the local stack running (`pnpm dev`):
//
//   npx openapi-typescript http://127.0.0.1:8787/v1/openapi.json -o qr3.ts
//   npm install openapi-fetch
//   QR3_KEY=qr3_sk_... node list-codes.ts
import createClient from "openapi-fetch";
import type { paths } from "./qr3.ts";

const qr3 = createClient<paths>({
  baseUrl: process.env.QR3_URL ?? "http://127.0.0.1:8787",
  headers: { authorization: `Bearer ${process.env.QR3_KEY}` },
});

const { data, error } = await qr3.GET("/v1/codes", { params: { query: { limit: 10 } } });
if (error) throw new Error(`${error.error.code}: ${error.error.message}`);
for (const code of data.data) console.log(`${code.short_code}\t${code.total_scans} scans\t${code.url}`);
