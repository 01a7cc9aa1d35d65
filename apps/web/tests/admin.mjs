// The admin's part of the browser journey (run from journey.mjs): verify a teacher, add a
// category, hide a review, rebuild a projection and watch its progress arrive as live events.
import { join } from "node:path";

const REBUILT = "categories";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const REBUILD_TIMEOUT_MS = 60_000;

async function logInAsAdmin(page, { WEB_URL, ADMIN }) {
  await page.goto(`${WEB_URL}/login?next=/admin`);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/admin$/);
  await page.getByRole("heading", { name: "Users" }).waitFor();
}

async function verifyTeacher(page, { PENDING_TEACHER }, check) {
  await page.getByLabel("Teachers awaiting verification").check();
  const row = page.locator(`[data-testid="admin-user"][data-email="${PENDING_TEACHER.email}"]`);
  await row.getByText("awaiting verification").waitFor();
  check((await page.getByTestId("admin-user").count()) === 1, "the filter lists the one teacher awaiting verification");
  await row.getByRole("button", { name: "Verify teacher" }).click();
  await page.getByTestId("users-total").filter({ hasText: /^0 users$/ }).waitFor();
  await page.getByLabel("Teachers awaiting verification").uncheck();
  await page.getByLabel("Name or email starts with").fill(PENDING_TEACHER.email.slice(0, 6));
  await row.getByText("verified teacher").waitFor();
  check(true, "the admin verifies the teacher: the filter no longer lists them, their row says verified");
}

async function addCategory(page, { WEB_URL }, check) {
  await page.goto(`${WEB_URL}/admin/categories`);
  const form = page.getByRole("form", { name: "New category" });
  await form.getByLabel("Name").fill("Design");
  await form.getByRole("button", { name: "Create category" }).click();
  await page.getByTestId("admin-category").filter({ hasText: "/design" }).waitFor();
  check(true, "the admin adds a category");
}

async function hideReview(page, { WEB_URL, PAID_TITLE }, check) {
  await page.goto(`${WEB_URL}/admin/reviews`);
  await page.getByLabel("Find a course by title").fill(PAID_TITLE.split(" ")[0]);
  await page.getByRole("button", { name: new RegExp(PAID_TITLE) }).click();
  const review = page.getByTestId("admin-review").first();
  await review.waitFor();
  await review.getByRole("button", { name: "Hide" }).click();
  await page.getByText("No visible reviews.").waitFor();
  check(true, "the admin hides the student's review");
}

async function rebuildProjection(page, { WEB_URL }, check) {
  await page.goto(`${WEB_URL}/admin/projections`);
  await page.getByTestId("live-status").filter({ hasText: "live" }).waitFor();
  const row = page.locator(`[data-testid="projection-row"][data-name="${REBUILT}"]`);
  await row.waitFor();
  await row.getByRole("button", { name: `Rebuild ${REBUILT}` }).click();
  // No reload and no poll in between (they are 30 s apart while live): the events draw it.
  await row.getByTestId("rebuild-state").filter({ hasText: /^done$/ }).waitFor({ timeout: REBUILD_TIMEOUT_MS });
  check((await row.getByRole("progressbar").getAttribute("aria-valuenow")) === "100", "the rebuild's progress reaches done, live");
}

async function shoot(page, { WEB_URL, SCREENSHOT_DIR }, width) {
  for (const [name, path, ready] of [
    ["admin-users", "/admin", '[data-testid="admin-user"]'],
    ["admin-categories", "/admin/categories", '[data-testid="admin-category"]'],
    ["admin-projections", "/admin/projections", '[data-testid="projection-row"]'],
  ]) {
    await page.goto(`${WEB_URL}${path}`);
    await page.locator(ready).first().waitFor();
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${width}.png`), fullPage: true, animations: "disabled" });
  }
}

/** The admin logs in (after whoever was signed in logs out) and does the admin's work. */
export async function adminJourney(page, env, check) {
  await page.setViewportSize(DESKTOP);
  await page.goto(`${env.WEB_URL}/`);
  const logOut = page.getByRole("button", { name: "Log out" });
  const logIn = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Log in" });
  await logOut.or(logIn).waitFor(); // once the session is restored (or found absent)
  if (await logOut.isVisible()) {
    await logOut.click();
    await logIn.waitFor();
  }
  await logInAsAdmin(page, env);
  await verifyTeacher(page, env, check);
  await addCategory(page, env, check);
  await hideReview(page, env, check);
  await rebuildProjection(page, env, check);
  await shoot(page, env, "desktop");
  await page.setViewportSize(PHONE);
  await shoot(page, env, "phone");
  check(true, "screenshots of the admin pages at 1280 and 390 px");
}

/** Someone signed in without the admin role gets the 403 page, not the admin area. */
export async function adminIsForbidden(page, { WEB_URL }, check) {
  await page.goto(`${WEB_URL}/admin/projections`);
  await page.getByTestId("forbidden").waitFor();
  check((await page.getByRole("button", { name: /^Rebuild/ }).count()) === 0, "a student opening /admin sees the 403 page");
}
