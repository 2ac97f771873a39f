// A real webhook endpoint on 127.0.0.1 that verifies every request with the standardwebhooks
// library, as a subscriber would, and can be told to fail for a while.
import { createServer, type Server } from "node:http";
import { Webhook } from "standardwebhooks";

export interface Received {
  id: string;
  headers: Record<string, string>;
  event: { id: string; type: string; created: string; data: Record<string, unknown> };
  answered: number;
}

export class Receiver {
  readonly received: Received[] = [];
  readonly rejected: string[] = [];
  /** Status to answer with; anything but 2xx makes the sender retry. */
  status = 200;
  private server: Server | undefined;
  private verifier: Webhook | undefined;
  port = 0;

  setSecret(secret: string): void {
    this.verifier = new Webhook(secret);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/webhooks/qr3`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        try {
          const event = this.verifier!.verify(body, headers) as Received["event"];
          const answered = this.status;
          this.received.push({ id: headers["webhook-id"]!, headers, event, answered });
          res.writeHead(answered).end();
        } catch (err) {
          this.rejected.push(String(err));
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server!.address() as { port: number }).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Events answered with 2xx, one per event id. */
  accepted(): Map<string, Received> {
    return new Map(this.received.filter((r) => r.answered < 300).map((r) => [r.id, r]));
  }
}
