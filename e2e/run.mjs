// Browser journeys against a running Rapport: `node e2e/run.mjs`.
// Env: E2E_BASE_URL (default http://localhost:3000), E2E_EMAIL, E2E_PASSWORD,
//      E2E_CHROMIUM (default /usr/bin/chromium), E2E_SPECS (optional: comma-separated spec files to run,
//      e.g. `wallboard.spec.ts,xss.spec.ts`; default: all).
// Loads every e2e/*.spec.ts (through tsx), runs each journey in a fresh browser context,
// saves screenshots to e2e/artifacts/ and ends with `e2e: <n> passed, <m> failed`.
import { mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { register } from "tsx/esm/api";

register();

const e2eDir = dirname(fileURLToPath(import.meta.url));
const artifactsDir = join(e2eDir, "artifacts");
const journeyTimeoutMs = 30_000;
const actionTimeoutMs = 10_000;

function fail(message) {
  console.error(`e2e: ${message}`);
  process.exit(1);
}

const baseUrl = process.env.E2E_BASE_URL ?? "http://localhost:3000";
const email = process.env.E2E_EMAIL;
const password = process.env.E2E_PASSWORD;
if (!email || !password) fail("set E2E_EMAIL and E2E_PASSWORD to the credentials of a seeded user");

function slugify(text) {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function withTimeout(promise, ms, label) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function loadJourneys() {
  const only = process.env.E2E_SPECS?.split(",")
    .map((file) => file.trim())
    .filter(Boolean);
  const specFiles = (await readdir(e2eDir))
    .filter((file) => file.endsWith(".spec.ts") && (!only?.length || only.includes(file)))
    .sort();
  const loaded = [];
  for (const file of specFiles) {
    const module = await import(pathToFileURL(join(e2eDir, file)).href);
    if (!Array.isArray(module.journeys)) fail(`${file} must export a "journeys" array`);
    for (const journey of module.journeys) loaded.push({ file, ...journey });
  }
  return loaded;
}

await rm(artifactsDir, { recursive: true, force: true });
await mkdir(artifactsDir, { recursive: true });
const journeys = await loadJourneys();
if (journeys.length === 0) fail("no journeys found in e2e/*.spec.ts");

let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.E2E_CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
} catch (error) {
  fail(`could not launch Chromium: ${error instanceof Error ? error.message : String(error)}`);
}

let passed = 0;
let failed = 0;
for (const journey of journeys) {
  const label = `${journey.file} › ${journey.name}`;
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(actionTimeoutMs);
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(`console: ${message.text()}`);
  });
  const screenshot = async (name) => {
    const path = join(artifactsDir, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  };
  const startedAt = Date.now();
  try {
    await withTimeout(
      journey.run({ page, baseUrl, email, password, screenshot }),
      journey.timeoutMs ?? journeyTimeoutMs,
      label,
    );
    passed += 1;
    console.log(`  ✓ ${label} (${Date.now() - startedAt} ms)`);
  } catch (error) {
    failed += 1;
    console.log(`  ✗ ${label} (${Date.now() - startedAt} ms)`);
    console.log(`    ${(error instanceof Error ? error.message : String(error)).split("\n").join("\n    ")}`);
    console.log(`    page url: ${page.url()}`);
    for (const alert of await page
      .getByRole("alert")
      .all()
      .catch(() => [])) {
      const text = (await alert.textContent().catch(() => "")) ?? "";
      if (text.trim()) console.log(`    alert on page: ${text.trim().split("\n").join(" — ")}`);
    }
    for (const message of pageErrors) console.log(`    browser: ${message}`);
    try {
      const path = await screenshot(`${slugify(journey.name)}-failure`);
      console.log(`    screenshot: ${path}`);
    } catch (screenshotError) {
      console.log(
        `    (no failure screenshot: ${screenshotError instanceof Error ? screenshotError.message : screenshotError})`,
      );
    }
  } finally {
    await context.close();
  }
}

await browser.close();
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
