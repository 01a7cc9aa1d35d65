// The student's journey in headless Chromium, run by tests/browser/test_web_journey.py against
// `next start` and a real platform. It needs the mailed verification link: it prints
// `@@mail {"to", "subject", "page"}` and reads `{"link"}` back on stdin.
//
// Then the student resets the password by the mailed link, a verified teacher creates a course in
// the studio, publishes it and finds it in search, and an admin verifies a waiting teacher, adds a
// category, hides a review and rebuilds a projection (tests/admin.mjs).
//
// Environment: WEB_URL, CHROMIUM_PATH, SCREENSHOT_DIR, PAID_COURSE_ID, STUDENT, TEACHER, ADMIN and
// PENDING_TEACHER (JSON: email, password, name), ACCESS_TOKEN_SECONDS (the platform's access-token
// lifetime). The last line printed on success is "journey complete"; a line "latency: …" gives
// the time from a command's answer to the bell's change.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

import { adminIsForbidden, adminJourney } from "./admin.mjs";

const WEB_URL = process.env.WEB_URL.replace(/\/$/, "");
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;
const PAID = process.env.PAID_COURSE_ID;
const STUDENT = JSON.parse(process.env.STUDENT);
const TEACHER = JSON.parse(process.env.TEACHER);
const ADMIN = JSON.parse(process.env.ADMIN);
const PENDING_TEACHER = JSON.parse(process.env.PENDING_TEACHER);
const PAID_TITLE = "Python for Data Analysis";
const TIMEOUT_MS = 20_000;
const ACCESS_TOKEN_SECONDS = Number(process.env.ACCESS_TOKEN_SECONDS ?? 900);
// The completion notification is made by the worker and announced as a live event.
const NOTIFICATION_TIMEOUT_MS = 20_000;
const ANSWER_TIMEOUT_MS = 30_000;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

const stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`ok  ${message}`);
}

async function askTest(request) {
  console.log(`@@mail ${JSON.stringify(request)}`);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("the test did not answer")), ANSWER_TIMEOUT_MS);
  });
  try {
    const { value } = await Promise.race([stdinLines.next(), timeout]);
    return JSON.parse(value);
  } finally {
    clearTimeout(timer);
  }
}

async function register(page) {
  await page.goto(`${WEB_URL}/register`);
  await page.getByLabel("Name").fill(STUDENT.name);
  await page.getByLabel("Email").fill(STUDENT.email);
  await page.getByLabel("Password").fill("short1");
  await page.getByRole("radio", { name: "Learn (student)" }).check();
  await page.getByRole("button", { name: "Create account" }).click();
  const fieldError = page.locator('[data-field-error="password"]');
  await fieldError.waitFor();
  check(/8 characters/.test(await fieldError.textContent()), "the API's password error shows under the password");
  await page.getByLabel("Password").fill(STUDENT.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Check your email" }).waitFor();
  check(true, "registered; asked to check the email");
}

async function verifyEmail(page) {
  const { link } = await askTest({ to: STUDENT.email, subject: "Confirm your email", page: "verify-email" });
  check(Boolean(link) && link.startsWith(`${WEB_URL}/verify-email?token=`), "the mail links to this app");
  await page.goto(link);
  await page.getByText("Your email address is confirmed.").waitFor();
  check(true, "the mailed link verified the email");
  await page.goto(`${WEB_URL}/verify-email?token=not-a-real-token-at-all`);
  await page.getByRole("alert").filter({ hasText: "invalid_token" }).waitFor();
  const resend = page.getByRole("form", { name: "Send a new verification link" });
  await resend.getByLabel("Email for a new link").fill(STUDENT.email);
  await resend.getByRole("button", { name: "Send a new link" }).click();
  await page.getByText("a new link is on its way").waitFor();
  check(true, "a bad link shows the API's error and offers a new link");
}

async function logIn(page, context) {
  await page.goto(`${WEB_URL}/login`);
  await page.getByLabel("Email").fill(STUDENT.email);
  await page.getByLabel("Password").fill("wrong-password-1");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").filter({ hasText: "invalid_credentials" }).waitFor();
  check(true, "a wrong password shows the API's error");
  await page.getByLabel("Password").fill(STUDENT.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/dashboard$/);
  await page.getByTestId("who").filter({ hasText: STUDENT.name }).waitFor();
  check(true, "logged in: the header names the student");

  const cookies = await context.cookies();
  const refresh = cookies.find((cookie) => cookie.name === "edu_refresh");
  check(
    refresh?.httpOnly === true && refresh.sameSite === "Strict" && refresh.path === "/api/auth",
    "the refresh token is in an httpOnly, SameSite=Strict cookie scoped to /api/auth",
  );
  check(!(await page.evaluate(() => document.cookie)).includes("edu_refresh"), "page scripts cannot read it");
  await page.reload();
  await page.getByTestId("who").filter({ hasText: STUDENT.name }).waitFor();
  check(true, "a reload restores the session silently from the cookie");
}

/** The test platform issues 30-second access tokens: the app renews them on its own. */
async function silentRefresh(page) {
  const isRefresh = (response) =>
    new URL(response.url()).pathname === "/api/auth/refresh" && response.request().method() === "POST";
  const renewed = await page.waitForResponse(isRefresh, { timeout: ACCESS_TOKEN_SECONDS * 1000 + TIMEOUT_MS });
  check(renewed.status() === 200, "the access token is renewed before it expires, without a reload");
  // The read API ends the live stream when the old token expires; the app reconnects at once.
  const stream = await page.waitForResponse(
    (response) => new URL(response.url()).pathname === "/api/me/events",
    { timeout: TIMEOUT_MS },
  );
  check(
    stream.status() === 200 && stream.request().headers()["last-event-id"] !== undefined,
    "the live stream reconnects with the renewed token and its Last-Event-ID",
  );
}

async function waitForResults(page) {
  await page.locator('[aria-busy="true"]').waitFor({ state: "detached" });
  return page.locator("main article").allTextContents();
}

async function searchAndFilter(page) {
  await page.getByRole("link", { name: "Catalog", exact: true }).click();
  await page.waitForURL(/\/search/);
  await page.getByLabel("Search by title, teacher or topic").pressSequentially("pyhton", { delay: 50 });
  await page.waitForURL((url) => url.searchParams.get("q") === "pyhton");
  await page.locator("#results-title").filter({ hasText: "2 courses found" }).waitFor();
  const found = await waitForResults(page);
  check(
    found.length === 2 && found.every((text) => text.includes("Python")),
    "the typo 'pyhton' finds both Python courses and nothing else",
  );
  await page.getByRole("group", { name: "Price" }).getByRole("radio", { name: /^Paid/ }).check();
  await page.waitForURL((url) => url.searchParams.get("price") === "paid");
  await page.locator("#results-title").filter({ hasText: "1 course found" }).waitFor();
  const paid = await waitForResults(page);
  check(paid.length === 1 && paid[0].includes(PAID_TITLE), "the Paid facet leaves the paid course");
  await Promise.all([page.waitForURL(`${WEB_URL}/courses/${PAID}`), page.locator("main article a").first().click()]);
  await page.getByRole("heading", { level: 1, name: PAID_TITLE }).waitFor();
  check(true, "the result opens the course page");
}

async function payDeclinedThenSucceeded(page) {
  const keys = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/api/payments") {
      keys.push(request.headers()["idempotency-key"]);
    }
  });
  await page.getByRole("link", { name: "Buy this course" }).click();
  await page.waitForURL(`${WEB_URL}/checkout/${PAID}`);
  await page.getByRole("radio", { name: "Test card that is declined" }).check();
  await page.getByRole("button", { name: /^Pay/ }).click();
  await page.getByRole("alert").filter({ hasText: "declined" }).waitFor();
  check(true, "the declined card is reported, with a retry");
  await page.getByRole("radio", { name: "Test card that is accepted" }).check();
  await page.getByRole("button", { name: "Try again" }).click();
  await page.getByText("Payment accepted").waitFor();
  check(keys.length === 2 && keys[0] && keys[1] && keys[0] !== keys[1], "each attempt has its own Idempotency-Key");
}

async function studyEveryLesson(page) {
  await page.getByRole("link", { name: "Start learning" }).click();
  await page.waitForURL(new RegExp(`/learn/${PAID}`));
  const heading = page.getByTestId("lesson-title");
  await heading.filter({ hasText: "Loading data" }).waitFor();
  const lesson = page.locator("main article");
  check((await lesson.locator("strong").first().textContent()) === "pandas", "the lesson's Markdown is rendered");
  check(
    (await page.evaluate(() => window.__injected)) === undefined && (await lesson.locator("script").count()) === 0,
    "HTML in the lesson's Markdown is not executed",
  );
  for (const [title, next] of [
    ["Loading data", "Cleaning data"],
    ["Cleaning data", "Plotting"],
    ["Plotting", null],
  ]) {
    await heading.filter({ hasText: title }).waitFor();
    if (title === "Cleaning data") {
      check((await page.locator('iframe[title="Lesson video"]').count()) === 1, "the lesson's video is embedded");
    }
    if (next === null) {
      await completeAndHearOfIt(page);
    } else {
      await page.getByRole("button", { name: "Mark complete" }).click();
    }
    await page.getByText("Completed ✓").waitFor();
    if (next) {
      await page.getByRole("button", { name: "Next →" }).click();
      await heading.filter({ hasText: next }).waitFor();
    }
  }
  await page.getByTestId("progress-percent").filter({ hasText: "100%" }).waitFor();
  await page.getByRole("status").filter({ hasText: "Course completed" }).waitFor();
  check(true, "every lesson done: progress 100%, course completed");
  await page.getByRole("button", { name: "← Previous" }).click();
  await heading.filter({ hasText: "Cleaning data" }).waitFor();
  check(true, "previous goes back a lesson");
  await page.getByRole("button", { name: "Next →" }).click();
  await heading.filter({ hasText: "Plotting" }).waitFor();
}

/** The last lesson's completion makes a notification: the bell's count rises with no reload and
 * no poll (the bell polls only while live events cannot flow). */
async function completeAndHearOfIt(page) {
  await page.locator('[data-testid="bell"][data-live="open"]').waitFor();
  const before = await page.evaluate(() => Number(document.querySelector('[data-testid="unread-count"]')?.textContent ?? 0));
  const answered = page.waitForResponse(
    (response) => /\/api\/lessons\/[^/]+\/complete$/.test(new URL(response.url()).pathname),
  );
  await page.getByRole("button", { name: "Mark complete" }).click();
  await answered;
  const committed = Date.now();
  await page.waitForFunction(
    (count) => Number(document.querySelector('[data-testid="unread-count"]')?.textContent ?? 0) > count,
    before,
    { timeout: NOTIFICATION_TIMEOUT_MS },
  );
  console.log(`latency: command answered -> bell updated in the browser: ${Date.now() - committed} ms`);
  check(true, `the bell's count rises from ${before} without a reload`);
}

async function completionNotification(page) {
  await page.getByTestId("unread-count").waitFor({ timeout: NOTIFICATION_TIMEOUT_MS });
  check(Number(await page.getByTestId("unread-count").textContent()) > 0, "the bell shows unread notifications");
  await page.getByTestId("bell").click();
  await page.waitForURL(/\/notifications$/);
  await page.locator('[data-kind="course_completed"]').waitFor({ timeout: NOTIFICATION_TIMEOUT_MS });
  check(
    /completed/i.test(await page.locator('[data-kind="course_completed"]').textContent()),
    "the completion notification is listed",
  );
  await page.getByRole("button", { name: "Mark all read" }).click();
  await page.getByTestId("unread-count").waitFor({ state: "detached" });
  check(true, "mark all read clears the bell");
}

async function dashboard(page) {
  await page.getByRole("link", { name: "My learning" }).click();
  await page.waitForURL(/\/dashboard$/);
  const done = page.locator('section[aria-labelledby="completed"] [data-testid="dashboard-course"]');
  await done.filter({ hasText: PAID_TITLE }).waitFor();
  check((await done.getByTestId("progress-percent").textContent()) === "100%", "the dashboard lists the course as completed, 100%");
  await adminIsForbidden(page, { WEB_URL }, check);
}

async function review(page) {
  await page.goto(`${WEB_URL}/courses/${PAID}`);
  const form = page.getByRole("form", { name: "Write a review" });
  await form.waitFor();
  await form.getByRole("radio", { name: "5★" }).check();
  await form.getByLabel("Comment").fill("Clear and useful");
  await form.getByRole("button", { name: "Post review" }).click();
  await page.getByTestId("review").filter({ hasText: "Clear and useful" }).waitFor();
  check(true, "the review is posted and listed");
  const edit = page.getByRole("form", { name: "Edit your review" });
  await edit.waitFor();
  check((await edit.getByLabel("Comment").inputValue()) === "Clear and useful", "the review opens for editing");
  await edit.getByRole("radio", { name: "4★" }).check();
  await edit.getByLabel("Comment").fill("Clear, useful, a little short");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await page.getByTestId("review").filter({ hasText: "a little short" }).waitFor();
  check((await page.getByTestId("review").count()) === 1, "the edited review replaces the first");
}

async function payments(page) {
  await page.goto(`${WEB_URL}/payments`);
  await page.getByTestId("payment").nth(1).waitFor();
  const statuses = (await page.getByTestId("payment").allTextContents()).map((text) =>
    text.includes("succeeded") ? "succeeded" : text.includes("declined") ? "declined" : text,
  );
  check(statuses.sort().join() === "declined,succeeded", "payments list the declined and the succeeded one");
  check((await page.getByRole("button", { name: "Refund" }).count()) === 1, "the succeeded one can be refunded");
}


async function teacherPublishes(page) {
  await page.goto(`${WEB_URL}/login?next=/studio`);
  await page.getByLabel("Email").fill(TEACHER.email);
  await page.getByLabel("Password").fill(TEACHER.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/studio$/);
  const form = page.getByRole("form", { name: "New course" });
  await form.waitFor();
  await page.getByTestId("studio-course").first().waitFor();
  check((await page.getByTestId("studio-course").count()) === 3, "the studio lists the teacher's three courses");
  await form.getByLabel("Title").fill("Rust for Beginners");
  await form.getByLabel("Price in USD").fill("cheap");
  await form.getByRole("button", { name: "Create draft" }).click();
  await form.locator('[data-field-error="price"]').waitFor();
  check(true, "an invalid price shows the API's message under the price");
  await form.getByLabel("Price in USD").fill("");
  await form.getByRole("button", { name: "Create draft" }).click();
  await page.waitForURL(/\/studio\/courses\/[0-9a-f-]+$/);
  await page.getByTestId("course-status").filter({ hasText: "draft" }).waitFor();
  await page.getByLabel("New module title").fill("Basics");
  await page.getByRole("button", { name: "Add module" }).click();
  const lessonForm = page.getByRole("form", { name: "Add a lesson to Basics" });
  await lessonForm.waitFor();
  await lessonForm.getByLabel("Lesson title").fill("Ownership");
  await lessonForm.getByLabel("Content (Markdown)").fill("Borrowing has **rules**.");
  await lessonForm.getByLabel("Free preview").check();
  await lessonForm.getByRole("button", { name: "Add lesson" }).click();
  await page.getByTestId("studio-lesson").filter({ hasText: "Ownership" }).waitFor();
  check(true, "a module and a lesson are added");
  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByTestId("course-status").filter({ hasText: "published" }).waitFor();
  check(true, "the course is published");
  await page.screenshot({ path: join(SCREENSHOT_DIR, "studio-course-phone.png"), fullPage: true });
  await page.goto(`${WEB_URL}/search?q=rust`);
  await page.locator("main article").filter({ hasText: "Rust for Beginners" }).waitFor();
  check(true, "the new course appears in search");
  await page.goto(`${WEB_URL}/studio`);
  await page.getByTestId("studio-course").filter({ hasText: "Rust for Beginners" }).filter({ hasText: "published" }).waitFor();
  await page.screenshot({ path: join(SCREENSHOT_DIR, "studio-phone.png"), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await page.reload();
  await page.getByTestId("studio-course").first().waitFor();
  await page.screenshot({ path: join(SCREENSHOT_DIR, "studio-desktop.png"), fullPage: true });
  check(true, "the studio lists it as published");
}

/** The student forgot the password: the mailed link sets a new one, the old one stops working. */
async function resetPassword(page) {
  await page.goto(`${WEB_URL}/login`);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await page.waitForURL(/\/forgot-password$/);
  await page.getByLabel("Email").fill(STUDENT.email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await page.getByText(`If an account uses ${STUDENT.email}`).waitFor();
  const { link } = await askTest({ to: STUDENT.email, subject: "Reset your EduPlatform password", page: "reset-password" });
  check(Boolean(link) && link.startsWith(`${WEB_URL}/reset-password?token=`), "the reset mail links to this app");
  await page.goto(link);
  await page.getByLabel("New password").fill(STUDENT.new_password);
  await page.getByRole("button", { name: "Set the password" }).click();
  await page.getByText("Your password is changed.").waitFor();
  await page.getByRole("main").getByRole("link", { name: "Log in" }).click();
  await page.getByLabel("Email").fill(STUDENT.email);
  await page.getByLabel("Password").fill(STUDENT.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").filter({ hasText: "invalid_credentials" }).waitFor();
  await page.getByLabel("Password").fill(STUDENT.new_password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/dashboard$/);
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Log in" }).waitFor();
  check(true, "the new password works and the old one no longer does");
}

const PAGES = [
  ["home", "/", () => "main h1"],
  ["search", "/search?q=python", () => "main article"],
  ["course", `/courses/${PAID}`, () => 'form[aria-label="Edit your review"]'],
  ["checkout", `/checkout/${PAID}`, () => "main form"],
  ["learn", `/learn/${PAID}`, () => '[data-testid="lesson-title"]'],
  ["dashboard", "/dashboard", () => '[data-testid="dashboard-course"]'],
  ["notifications", "/notifications", () => '[data-testid="notification"]'],
  ["payments", "/payments", () => '[data-testid="payment"]'],
  ["login", "/login", () => "main form"],
  ["register", "/register", () => "main form"],
];

async function shootAll(page, width) {
  for (const [name, path, ready] of PAGES) {
    await page.goto(`${WEB_URL}${path}`);
    await page.locator(ready()).first().waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${width}.png`), fullPage: true, animations: "disabled" });
  }
}

/** Screenshots at desktop width, then in a phone context holding the same session (the cookie
 * rotates there, so the journey goes on in the phone context). */
async function screenshots(browser, context, page, watch) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await shootAll(page, "desktop");
  const phone = await browser.newContext({
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    storageState: await context.storageState(),
  });
  phone.setDefaultTimeout(TIMEOUT_MS);
  await context.close();
  const phonePage = await phone.newPage();
  watch(phonePage);
  await shootAll(phonePage, "phone");
  check(true, `screenshots of ${PAGES.length} pages at 1280 and 390 px in ${SCREENSHOT_DIR}`);
  return phonePage;
}

async function logOut(page) {
  await page.goto(`${WEB_URL}/dashboard`);
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Log in" }).waitFor();
  const status = await page.evaluate(async () => (await fetch("/api/auth/refresh", { method: "POST" })).status);
  check(status === 401, "after logging out the session cannot be refreshed");
}

const BROWSER_START_TIMEOUT_MS = 30_000;

/**
 * Starts Chromium ourselves (a fresh profile, its own process group) so the test knows its pid
 * and can stop it whatever happens, then connects over the DevTools protocol.
 */
async function startChromium(profile) {
  const child = spawn(
    CHROMIUM_PATH,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Loopback only: every other host (a video embed's) fails to resolve, nothing is fetched.
      // (Request interception would do it too, but it upsets React's hydration timing.)
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
      `--user-data-dir=${profile}`,
      "--remote-debugging-address=127.0.0.1",
      "--remote-debugging-port=0",
      "about:blank",
    ],
    { detached: true, stdio: ["ignore", "ignore", "pipe"] },
  );
  console.log(`@@browser-pid ${child.pid}`);
  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("Chromium did not start")), BROWSER_START_TIMEOUT_MS);
    let seen = "";
    child.stderr.on("data", (chunk) => {
      seen += chunk.toString();
      const match = seen.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited with ${code}: ${seen.slice(-2000)}`));
    });
  });
  child.stderr.resume();
  return { child, browser: await chromium.connectOverCDP(endpoint) };
}

function stopChromium(child) {
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // already gone
  }
}

async function main() {
  const profile = await mkdtemp(join(tmpdir(), "edu-journey-"));
  const { child, browser } = await startChromium(profile);
  const pageErrors = [];
  try {
    const context = await browser.newContext({ viewport: DESKTOP });
    context.setDefaultTimeout(TIMEOUT_MS);
    const watch = (page) => {
      page.on("pageerror", (error) => {
        pageErrors.push(`${page.url()}: ${error.message}`);
        console.log(`page error at ${page.url()}: ${error.message}`); // where in the journey
      });
      page.on("dialog", (dialog) => void dialog.dismiss());
    };
    const page = await context.newPage();
    watch(page);

    await register(page);
    await verifyEmail(page);
    await logIn(page, context);
    await silentRefresh(page);
    await searchAndFilter(page);
    await payDeclinedThenSucceeded(page);
    await studyEveryLesson(page);
    await completionNotification(page);
    await dashboard(page);
    await review(page);
    await payments(page);
    const phonePage = await screenshots(browser, context, page, watch);
    await logOut(phonePage);
    await resetPassword(phonePage);
    await teacherPublishes(phonePage);
    await adminJourney(phonePage, { WEB_URL, ADMIN, PENDING_TEACHER, PAID_TITLE, SCREENSHOT_DIR }, check);
    check(pageErrors.length === 0, `no script error in any page ${pageErrors.join("; ")}`);
  } finally {
    await browser.close().catch(() => {});
    stopChromium(child);
    await rm(profile, { recursive: true, force: true }).catch(() => {});
  }
  console.log("journey complete");
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
