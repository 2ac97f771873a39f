// Headless Chromium for the browser tests, with nothing to install beyond `pnpm install`: by
// default the build that @sparticuz/chromium ships inside its npm package; CHROMIUM_PATH, when
// set, names another browser to use instead.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";
import { watchPageAnswers } from "./contract.ts";

const run = promisify(execFile);

// Launched with Playwright's own switches alone: the package's `args` are tuned for AWS Lambda
// (one process, so closing a context kills the browser; web security off; a --disable-features
// list that replaces Playwright's), and a test of the dashboard wants the browser's usual security.
export async function launchChromium(): Promise<Browser> {
  const own = process.env.CHROMIUM_PATH;
  if (own) {
    if (!existsSync(own)) throw new Error(`CHROMIUM_PATH is set, but there is no browser at ${own}`);
    return chromium.launch({ executablePath: own });
  }
  const dir = await unpacked();
  return chromium.launch({ executablePath: join(dir, "chromium"), env: packagedEnv(dir) });
}

function packagedEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Its own NSS and fontconfig setup, so that a slim image without libnss3 or fonts runs it too.
    LD_LIBRARY_PATH: [join(dir, "al2023", "lib"), process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
    FONTCONFIG_PATH: join(dir, "fonts"),
  };
  // Under the C or POSIX locale (C.UTF-8 on most images) this build, which ships no locale files,
  // reports navigator.language as "en-US@posix", which is no valid language tag: uPlot's
  // `new Intl.NumberFormat(navigator.language)` throws on it and the dashboard never starts.
  if (/^(C|POSIX)?([._@]|$)/.test(env.LC_ALL || env.LC_MESSAGES || env.LANG || "")) {
    delete env.LC_ALL;
    delete env.LC_MESSAGES;
    env.LANG = "en_US.UTF-8";
  }
  return env;
}

/**
 * The package's browser, decompressed once per version (about 1.2 s) into a directory of its own.
 * The package would unpack into the bare temp directory and reuse whatever `chromium` it finds
 * there, even an older version's or one cut short by an interrupted run: here a complete
 * unpacking is renamed into place, so a directory that exists is whole.
 */
async function unpacked(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve("@sparticuz/chromium");
  const { version } = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  const dir = join(tmpdir(), `qr3-chromium-${version}`);
  if (existsSync(join(dir, "chromium"))) return dir;

  const partial = `${dir}.${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    // In a child process: the package unpacks into tmpdir() and, on import, rewrites this
    // process's environment (LD_LIBRARY_PATH, FONTCONFIG_PATH), which the local stack's
    // processes would inherit. AWS_LAMBDA_JS_RUNTIME makes it unpack its own NSS libraries too.
    await run(process.execPath, ["--input-type=module", "-e", `await (await import(${JSON.stringify(pathToFileURL(entry).href)})).default.executablePath();`], {
      env: { ...process.env, TMPDIR: partial, AWS_LAMBDA_JS_RUNTIME: "nodejs22.x" },
    });
    // The package's fonts.conf names /tmp/fonts: point it at this directory, and keep the
    // machine's own fonts where it has any.
    writeFileSync(
      join(partial, "fonts", "fonts.conf"),
      `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${join(dir, "fonts", "fonts")}</dir>
  <cachedir>${join(dir, "fonts-cache")}</cachedir>
</fontconfig>
`,
    );
    renameSync(partial, dir);
  } catch (err) {
    // Another run may have renamed its complete copy into place first.
    if (!existsSync(join(dir, "chromium"))) throw err;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return dir;
}

/**
 * What a dashboard page must not do, collected for a test to expect empty: script errors and CSP
 * violations (failed API calls log "Failed to load resource" by design, and are not counted), and
 * API answers that do not match the contract (see contract.ts).
 */
export function watchPage(page: Page, origin: string): { pageErrors: string[]; contractProblems: string[] } {
  const pageErrors: string[] = [];
  page.on("pageerror", (err) => pageErrors.push(String(err)));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) pageErrors.push(message.text());
  });
  return { pageErrors, contractProblems: watchPageAnswers(page, origin) };
}

/** Opens the dashboard and signs in with `key`. */
export async function signIn(page: Page, origin: string, key: string): Promise<void> {
  await page.goto(origin);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}
