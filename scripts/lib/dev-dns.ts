// The local stack's DNS: a DNS-over-HTTPS resolver in the JSON format of
// https://cloudflare-dns.com/dns-query, answering from records a developer (or a test) sets, so
// that a branded domain's verification lookup (a TXT record) can be answered without a real zone.
// The API worker's DOH_URL points at its /dns-query. `pnpm dev` runs it on 127.0.0.1:8788 and
// keeps its records in the local state (.wrangler/state/dns.json); tests run one per stack.
//
//   GET    /dns-query?name=_qr3-verify.go.example.com&type=TXT   as cloudflare-dns.com answers
//   GET    /records                                              every record, as JSON
//   PUT    /records  {"name": "...", "type": "TXT", "value": "..."}     adds a value to a name
//   PUT    /records  {"name": "...", "type": "TXT", "values": [...]}    sets a name's values ([] removes it)
//   DELETE /records?name=...                                     removes a name's records
//   DELETE /records                                              removes every record
//
// Only TXT records are held. A name with no records answers Status 3 (NXDOMAIN) and no Answer,
// as a real resolver does for a name that does not exist; a name that has TXT records answers
// any other type with Status 0 and no Answer.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";

/** The port `pnpm dev` runs the DNS server on (wrangler.api.toml's DOH_URL names it). */
export const DEV_DNS_PORT = 8788;
const TTL = 60;
const TXT = 16;
/** Record types by name, for queries that name them (`type=TXT`) or give their number (`type=16`). */
const TYPES: Record<string, number> = { A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT, AAAA: 28, CAA: 257 };
const MAX_BODY = 64 * 1024;

export interface TxtRecords {
  name: string;
  type: "TXT";
  values: string[];
}

export interface DevDns {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** The resolver's URL, for DOH_URL. */
  url: string;
  port: number;
  /** Sets a name's TXT values, replacing any it had; no values removes the name. */
  setTxt(name: string, values: string[]): void;
  /** Adds one TXT value to a name. */
  addTxt(name: string, value: string): void;
  /** Removes a name's records, or every record. */
  clear(name?: string): void;
  records(): TxtRecords[];
  close(): Promise<void>;
}

export interface DevDnsOptions {
  host?: string;
  /** 0 (the default) takes a free port. */
  port?: number;
  /** Where the records are kept between runs; in memory only when absent. */
  file?: string;
}

/** A name as a resolver compares it: lower case, without the root's trailing dot. */
export function dnsName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

function nameProblem(name: unknown): string | null {
  if (typeof name !== "string") return "name must be a string";
  const n = dnsName(name);
  if (n === "" || n.length > 253) return "name must have 1 to 253 characters";
  if (!/^[a-z0-9_.*-]+$/.test(n) || n.split(".").some((label) => label === "" || label.length > 63)) return `"${name}" is not a DNS name`;
  return null;
}

/**
 * A TXT value as DoH JSON shows it: one or more quoted character strings of at most 255 bytes
 * each (a longer value is split, as in the zone itself), `"` and `\` escaped.
 */
export function txtData(value: string): string {
  const chunks: string[] = [];
  let chunk = "";
  let bytes = 0;
  for (const char of value) {
    const size = Buffer.byteLength(char);
    if (bytes + size > 255) {
      chunks.push(chunk);
      chunk = "";
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  chunks.push(chunk);
  return chunks.map((c) => `"${c.replace(/["\\]/g, (m) => `\\${m}`)}"`).join(" ");
}

function typeNumber(type: string | null): number | null {
  if (type === null || type === "") return TYPES.A!;
  if (/^\d+$/.test(type)) return Number(type) <= 65535 ? Number(type) : null;
  return TYPES[type.toUpperCase()] ?? null;
}

function send(res: ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
  const text = body === null ? "" : JSON.stringify(body);
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_BODY) throw new Error("the body is too large");
    parts.push(part);
  }
  return JSON.parse(Buffer.concat(parts).toString("utf8"));
}

function load(file: string | undefined): Map<string, string[]> {
  const records = new Map<string, string[]>();
  if (!file || !existsSync(file)) return records;
  try {
    const saved = JSON.parse(readFileSync(file, "utf8")) as { records?: TxtRecords[] };
    for (const r of saved.records ?? []) {
      if (nameProblem(r.name) === null && Array.isArray(r.values) && r.values.length) records.set(dnsName(r.name), r.values.map(String));
    }
  } catch (err) {
    console.warn(`dev DNS: ignoring ${file}: ${(err as Error).message}`);
  }
  return records;
}

export async function startDevDns(options: DevDnsOptions = {}): Promise<DevDns> {
  const host = options.host ?? "127.0.0.1";
  const { file } = options;
  const txt = load(file);

  const list = (): TxtRecords[] => [...txt].sort(([a], [b]) => a.localeCompare(b)).map(([name, values]) => ({ name, type: "TXT", values: [...values] }));
  const save = () => {
    if (!file) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ records: list() }, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  };
  const setTxt = (name: string, values: string[]) => {
    const problem = nameProblem(name);
    if (problem) throw new Error(problem);
    if (values.length) txt.set(dnsName(name), [...new Set(values)]);
    else txt.delete(dnsName(name));
    save();
  };
  const addTxt = (name: string, value: string) => setTxt(name, [...(txt.get(dnsName(name)) ?? []), value]);
  const clear = (name?: string) => {
    if (name === undefined) txt.clear();
    else txt.delete(dnsName(name));
    save();
  };

  function query(url: URL, res: ServerResponse): void {
    const name = url.searchParams.get("name");
    const problem = nameProblem(name);
    const type = typeNumber(url.searchParams.get("type"));
    if (problem) return send(res, 400, { error: problem });
    if (type === null) return send(res, 400, { error: `unknown type "${url.searchParams.get("type")}"` });
    const n = dnsName(name!);
    const values = txt.get(n);
    const answer = {
      Status: values ? 0 : 3,
      TC: false,
      RD: true,
      RA: true,
      AD: false,
      CD: false,
      Question: [{ name: `${n}.`, type }],
      ...(values && type === TXT ? { Answer: values.map((v) => ({ name: `${n}.`, type: TXT, TTL, data: txtData(v) })) } : {}),
    };
    send(res, 200, answer, "application/dns-json");
  }

  async function admin(req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    if (req.method === "GET") return send(res, 200, { records: list() });
    if (req.method === "DELETE") {
      const name = url.searchParams.get("name");
      if (name !== null && nameProblem(name)) return send(res, 400, { error: nameProblem(name) });
      clear(name ?? undefined);
      return send(res, 200, { records: list() });
    }
    if (req.method !== "PUT" && req.method !== "POST") {
      res.setHeader("allow", "GET, PUT, POST, DELETE");
      return send(res, 405, { error: "method not allowed" });
    }
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      return send(res, 400, { error: `the body must be JSON: ${(err as Error).message}` });
    }
    const { name, type = "TXT", value, values } = (body ?? {}) as Record<string, unknown>;
    const problem = nameProblem(name);
    if (problem) return send(res, 400, { error: problem });
    if (typeof type !== "string" || type.toUpperCase() !== "TXT") return send(res, 400, { error: "only TXT records are held" });
    if (values !== undefined) {
      if (!Array.isArray(values) || !values.every((v) => typeof v === "string")) return send(res, 400, { error: "values must be an array of strings" });
      setTxt(name as string, values);
    } else if (typeof value === "string") {
      addTxt(name as string, value);
    } else {
      return send(res, 400, { error: 'give "value" (a string to add) or "values" (the strings to set)' });
    }
    send(res, 200, { records: list() });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://dns.local");
    if (url.pathname === "/dns-query") {
      if (req.method === "GET" || req.method === "HEAD") return query(url, res);
      // RFC 8484's wire format (application/dns-message) is not spoken here.
      return send(res, 415, { error: "only GET /dns-query?name=...&type=... (application/dns-json) is supported" });
    }
    if (url.pathname === "/records") {
      admin(req, url, res).catch((err: unknown) => send(res, 500, { error: String(err) }));
      return;
    }
    send(res, 404, { error: "GET /dns-query?name=...&type=TXT, or GET/PUT/DELETE /records" });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? new Error(`the dev DNS server cannot listen on ${host}:${options.port}: the port is in use`) : err),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host}:${port}`;
  return {
    origin,
    url: `${origin}/dns-query`,
    port,
    setTxt,
    addTxt,
    clear,
    records: list,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
