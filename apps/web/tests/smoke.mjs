// Browser smoke test of the catalog pages against a running web app and platform.
//
//   WEB_URL=http://localhost:3001 SCREENSHOT_DIR=screenshots node tests/smoke.mjs
//
// CHROMIUM_PATH points at a Chromium binary (Debian's package by default).
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";

const WEB_URL = (process.env.WEB_URL ?? "http://localhost:3001").replace(/\/$/, "");
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? "screenshots";
// A typo of "python": the search must still find the demo Python courses.
const TYPO_QUERY = process.env.SMOKE_QUERY ?? "pyhton";
const EXPECTED_IN_RESULTS = /python/i;
const TIMEOUT_MS = 15_000;

const VIEWPORTS = [
  { name: "desktop", viewport: { width: 1280, height: 900 }, isMobile: false },
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true },
];

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`  ok  ${message}`);
}

async function screenshot(page, viewportName, pageName) {
  const path = join(SCREENSHOT_DIR, `${pageName}-${viewportName}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`  saved ${path}`);
}

async function home(page, viewportName) {
  const response = await page.goto(`${WEB_URL}/`);
  check(response?.status() === 200, "home answers 200");
  await page.getByRole("heading", { level: 1 }).waitFor();
  check((await page.getByRole("heading", { name: "Categories" }).count()) === 1, "home shows categories");
  for (const list of ["Popular", "Newest", "Top rated"]) {
    check((await page.getByRole("heading", { name: list, exact: true }).count()) === 1, `home shows the ${list} list`);
  }
  check((await page.locator('main a[href^="/courses/"]').count()) > 0, "home links to course pages");
  await screenshot(page, viewportName, "home");
}

async function searchWithTypo(page, viewportName, isMobile) {
  await page.getByRole("link", { name: "Catalog" }).click();
  await page.waitForURL(/\/search/);
  const box = page.getByLabel("Search by title, teacher or topic");
  await box.waitFor();
  const answered = page.waitForResponse(
    (response) =>
      new URL(response.url()).pathname === "/api/courses" &&
      new URL(response.url()).searchParams.get("q") === TYPO_QUERY,
  );
  await box.pressSequentially(TYPO_QUERY, { delay: 60 });
  await page.waitForURL((url) => url.searchParams.get("q") === TYPO_QUERY);
  check(true, `typing "${TYPO_QUERY}" put q=${TYPO_QUERY} in the URL`);
  check((await answered).status() === 200, "the search API answered through the /api proxy");
  // Earlier results stay on screen, dimmed and aria-busy, until the new answer is shown.
  await page.locator('[aria-busy="true"]').waitFor({ state: "detached" });
  const firstResult = page.locator('main a[href^="/courses/"]').first();
  const heading = await page.locator("#results-title").textContent();
  check(/\d+ courses? found/.test(heading ?? ""), `results heading says "${heading}"`);
  check(EXPECTED_IN_RESULTS.test((await firstResult.textContent()) ?? ""), "the typo still finds a Python course");

  if (isMobile) {
    const toggle = page.getByRole("button", { name: "Show filters" });
    check(await toggle.isVisible(), "filters are folded away at phone width");
    await toggle.click();
  }
  check(await page.getByRole("group", { name: "Level" }).isVisible(), "the level facet is shown");
  await screenshot(page, viewportName, "search");

  // A facet narrows the results and lands in the URL; the back button undoes it.
  const narrowed = page.waitForResponse(
    (response) => new URL(response.url()).searchParams.get("level") === "advanced",
  );
  await page.getByRole("radio", { name: /^Advanced/ }).check();
  await page.waitForURL((url) => url.searchParams.get("level") === "advanced");
  await narrowed;
  await page.locator('[aria-busy="true"]').waitFor({ state: "detached" });
  const levels = await page.locator("main article").allTextContents();
  check(
    levels.length > 0 && levels.every((text) => text.includes("Advanced")),
    `the Advanced facet leaves ${levels.length} advanced course(s)`,
  );
  await page.goBack();
  await page.waitForURL((url) => !url.searchParams.has("level"));
  check(page.url().includes(`q=${TYPO_QUERY}`), "back removes the facet and keeps the query");

  // Reloading the shared URL gives the same search.
  await page.reload();
  await page.getByLabel("Search by title, teacher or topic").waitFor();
  check(
    (await page.getByLabel("Search by title, teacher or topic").inputValue()) === TYPO_QUERY,
    "a reload keeps the query from the URL",
  );
  return firstResult;
}

async function coursePage(page, viewportName, firstResult) {
  const title = ((await firstResult.textContent()) ?? "").trim();
  await Promise.all([page.waitForURL(/\/courses\/[0-9a-f-]+$/), firstResult.click()]);
  const h1 = page.getByRole("heading", { level: 1 });
  await h1.waitFor();
  check((await h1.textContent())?.trim() === title, `the course page is "${title}"`);
  // After a client-side navigation the metadata is streamed in after the page's content.
  await page.waitForFunction((expected) => document.title.startsWith(expected), title);
  check(true, `the <title> is "${await page.title()}"`);
  const description = await page.locator('meta[name="description"]').getAttribute("content");
  check(Boolean(description), "the page has a meta description");
  const ogTitle = await page.locator('meta[property="og:title"]').getAttribute("content");
  check(ogTitle === title, "the page has an og:title");
  check(await page.getByRole("heading", { name: "Course outline" }).isVisible(), "the outline is shown");
  check((await page.getByText(/Taught by/).count()) === 1, "the teacher is named");
  await screenshot(page, viewportName, "course");
}

async function unknownCourse(page, viewportName) {
  const response = await page.goto(`${WEB_URL}/courses/00000000-0000-0000-0000-000000000000`);
  check(response?.status() === 404, "an unknown course answers 404");
  check(await page.getByRole("heading", { name: "Course not found" }).isVisible(), "with a not-found page");
  await screenshot(page, viewportName, "course-not-found");
}

async function main() {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    for (const { name, viewport, isMobile } of VIEWPORTS) {
      console.log(`${name} (${viewport.width}x${viewport.height})`);
      const context = await browser.newContext({ viewport, isMobile, hasTouch: isMobile });
      context.setDefaultTimeout(TIMEOUT_MS);
      const page = await context.newPage();
      const pageErrors = [];
      page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`));
      await home(page, name);
      const firstResult = await searchWithTypo(page, name, isMobile);
      await coursePage(page, name, firstResult);
      await unknownCourse(page, name);
      check(pageErrors.length === 0, `no script errors in the page${pageErrors.length ? `: ${pageErrors.join("; ")}` : ""}`);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  console.log("smoke test passed");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
