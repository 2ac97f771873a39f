import { Validator } from "@cfworker/json-schema";

// Checks an answer of the API against its OpenAPI document: that its route and method are
// documented, its status is one the operation declares, the headers declared required are there,
// its content type is declared, and its JSON body matches the declared schema. Used by the
// workers' integration tests (in workerd) and the end-to-end suite (in Node) on every answer.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface Exchange {
  method: string;
  /** The request's URL or its path and query. */
  url: string;
  status: number;
  headers: Headers;
  /** The body's text, "" for none. */
  body: string;
}

const BASE = "https://qr3.test/openapi.json";
const pointer = (...parts: string[]) => "#/" + parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");

interface Route {
  template: string;
  pattern: RegExp;
  params: number;
}

export class ContractChecker {
  private readonly routes: Route[];
  private readonly validators = new Map<string, Validator>();

  private readonly doc: Json;

  constructor(doc: Json) {
    this.doc = doc;
    this.routes = Object.keys(doc.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\w+\}/g, "[^/]+")}$`),
        params: (template.match(/\{/g) ?? []).length,
      }))
      // A literal segment wins over a parameter: /v1/keys/current before /v1/keys/{id}.
      .sort((a, b) => a.params - b.params);
  }

  /** The documented path of a request's path with this method, or null. */
  operationOf(method: string, path: string): { template: string; operation: Json } | null {
    const verb = method === "HEAD" ? "get" : method.toLowerCase();
    for (const route of this.routes) {
      if (route.pattern.test(path) && this.doc.paths[route.template][verb]) {
        return { template: route.template, operation: this.doc.paths[route.template][verb] };
      }
    }
    return null;
  }

  private resolve(node: Json): Json {
    while (node && typeof node.$ref === "string") {
      node = node.$ref
        .slice(2)
        .split("/")
        .map((p: string) => p.replaceAll("~1", "/").replaceAll("~0", "~"))
        .reduce((at: Json, key: string) => at?.[key], this.doc);
    }
    return node;
  }

  private validate(schemaPointer: string, value: unknown): string[] {
    let validator = this.validators.get(schemaPointer);
    if (!validator) {
      validator = new Validator({ $ref: BASE + schemaPointer }, "2020-12", false);
      validator.addSchema(this.doc, BASE);
      this.validators.set(schemaPointer, validator);
    }
    const result = validator.validate(value);
    // The innermost errors say what is wrong; the outer ones only that a subschema failed.
    return result.errors.filter((e) => e.error !== "A subschema had errors.").map((e) => `${e.instanceLocation}: ${e.error}`);
  }

  /** The problems of an answer, none when it matches the document. */
  problems(exchange: Exchange): string[] {
    const { method, status, headers, body } = exchange;
    const path = new URL(exchange.url, "https://qr3.test").pathname;
    const found = this.operationOf(method, path);
    if (!found) {
      // The router's own answers to a path or method no operation has.
      const routerAnswer = status === 404 || (status === 405 && headers.has("allow"));
      if (!routerAnswer) return [`${method} ${path} is not in the document (answered ${status})`];
      if (method === "HEAD") return body === "" ? [] : [`HEAD ${path}: a body where none is allowed`];
      return this.errorBodyProblems(body, status === 404 ? "NOT_FOUND" : "METHOD_NOT_ALLOWED");
    }
    const { template, operation } = found;
    const verb = method === "HEAD" ? "get" : method.toLowerCase();
    const where = `${method} ${template} ${status}`;
    const declared = operation.responses[String(status)];
    if (!declared) return [`${where}: status not declared (declared: ${Object.keys(operation.responses).join(", ")})`];
    const response = this.resolve(declared);
    const problems: string[] = [];
    for (const [name, ref] of Object.entries<Json>(response.headers ?? {})) {
      const header = this.resolve(ref);
      if (header.required && !headers.has(name)) problems.push(`${where}: header ${name} missing`);
    }
    const replayed = headers.get("idempotent-replayed");
    if (replayed !== null && replayed !== "true") problems.push(`${where}: idempotent-replayed is ${replayed}`);
    if (method === "HEAD" || status === 204 || status === 304) {
      if (body !== "") problems.push(`${where}: a body where none is allowed`);
      return problems;
    }
    const type = (headers.get("content-type") ?? "").split(";")[0]!.trim();
    const content = response.content ?? {};
    if (!content[type]) return [...problems, `${where}: content-type "${type}" not declared (declared: ${Object.keys(content).join(", ") || "none"})`];
    if (type === "application/json") {
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        return [...problems, `${where}: body is not JSON`];
      }
      const schemaPointer = declared.$ref
        ? `${declared.$ref}/content/application~1json/schema`
        : pointer("paths", template, verb, "responses", String(status), "content", "application/json", "schema");
      problems.push(...this.validate(schemaPointer, value).map((p) => `${where}: body ${p}`));
    }
    return problems;
  }

  private errorBodyProblems(body: string, code: string): string[] {
    try {
      const value = JSON.parse(body);
      if (value?.error?.code === code && typeof value.error.message === "string" && typeof value.meta?.request_id === "string") return [];
    } catch {
      // reported below
    }
    return [`the router's ${code} answer is not the error envelope: ${body.slice(0, 200)}`];
  }

  /** Throws, naming every problem, unless the answer matches the document. */
  assert(exchange: Exchange): void {
    const problems = this.problems(exchange);
    if (problems.length) throw new Error(`Answer does not match the OpenAPI document:\n  ${problems.join("\n  ")}`);
  }
}

/**
 * A fetch whose every answer is checked against the document (read whole, then handed on as an
 * equal Response). `documentUrl` is fetched once, unchecked.
 */
export function checkedFetch(fetcher: (url: string, init?: RequestInit) => Promise<Response>, documentUrl: string) {
  let checker: Promise<ContractChecker> | null = null;
  return async (url: string, init: RequestInit = {}): Promise<Response> => {
    checker ??= fetcher(documentUrl).then(async (r) => new ContractChecker(await r.json()));
    const response = await fetcher(url, init);
    // Read as bytes, so that an image or an archive is handed on as it came.
    const bytes = new Uint8Array(await response.arrayBuffer());
    const body = new TextDecoder().decode(bytes);
    (await checker).assert({ method: (init.method ?? "GET").toUpperCase(), url, status: response.status, headers: response.headers, body });
    return new Response(response.status === 204 || response.status === 304 || bytes.byteLength === 0 ? null : bytes, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
