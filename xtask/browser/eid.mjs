// The citizen app in headless Chromium (Debian's), driven by playwright-core.
// An officer grants level 2 at the counter page; the citizen activates with the SMS code (read
// from the demo server's outbox page), signs in with password + SMS code, enrols an
// authenticator app and signs in with it, registers a passkey with Chromium's virtual
// authenticator (DevTools WebAuthn domain) and signs in with it alone, and finally meets the
// lockout message. Then level 1 by chip: the registration page with the demo server's virtual
// card reader and a selfie, the officer's review of both images, activation. A screenshot of each
// step is kept.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import path from "node:path";

const base = process.env.BASE_URL; // http://localhost:PORT: an RP ID cannot be an IP address
const out = process.env.ARTIFACTS;
const shot = (page, name) => page.screenshot({ path: path.join(out, `eid-${name}.png`), fullPage: true });
const PHONE = "0913572468";
const PASSWORD = "mây trắng bay qua đồi chè 2026";
const PASSCODE = "270418";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function base32Decode(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0, value = 0;
  const outBytes = [];
  for (const c of s.replace(/=+$/, "")) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { outBytes.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(outBytes);
}

// RFC 6238 with SHA-1, 6 digits, 30-second steps, written here independently of the server.
function totp(secret, unixSeconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = crypto.createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 1000000).padStart(6, "0");
}

// The newest SMS of the demo outbox, read in another tab so the form stays as it is.
async function lastCode(ctx) {
  const tab = await ctx.newPage();
  await tab.goto(`${base}/citizen/dev/sms`);
  // Newest first; notices carry no code.
  const texts = await tab.locator("td.sms").allTextContents();
  await tab.close();
  const code = texts.map((t) => t.match(/\b(\d{6})\b/)).find((m) => m);
  assert.ok(code, `an SMS code in ${texts.join(" | ")}`);
  return code[1];
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  // A phone-sized viewport: the citizen app is mobile first.
  const officerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const officer = await officerCtx.newPage();
  await officer.goto(`${base}/login`);
  await officer.fill("input[name=username]", process.env.OFFICER_USER);
  await officer.fill("input[name=password]", process.env.OFFICER_PASSWORD);
  await officer.click("form[action='/login'] button[type=submit]");
  await officer.waitForLoadState("load");

  // Find an adult in the register: the first person named Nguyễn born in one of these years.
  let href = null;
  for (let year = 1990; year > 1950 && !href; year--) {
    await officer.goto(`${base}/?q=${encodeURIComponent("Nguyễn")}&birth_year=${year}`);
    const links = officer.locator("a[href^='/persons/']");
    if (await links.count()) href = await links.first().getAttribute("href");
  }
  assert.ok(href, "an adult named Nguyễn in the demo register");
  const pin = href.split("/")[2].split("?")[0];
  assert.match(pin, /^\d{12}$/);

  // Level 2 at the counter: both checks confirmed, the phone for the activation code.
  await officer.goto(`${base}/eid-accounts?pin=${pin}`);
  await officer.fill("input[name=phone]", PHONE);
  await officer.check("#card_checked");
  await officer.check("#person_checked");
  await officer.locator("form:has(input[value=level2]) button[type=submit]").click();
  await officer.waitForLoadState("load");
  assert.match(await officer.textContent("#account-level"), /2/);
  await shot(officer, "01-officer-level2");

  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "vi-VN" });
  const page = await ctx.newPage();

  // Activation at once: PIN and phone, then the SMS code, a password and the passcode. The
  // grant already sent a code; asking within the minute sends none and that code stays valid.
  await page.goto(`${base}/citizen/activate`);
  await page.fill("#pin", pin);
  await page.fill("#phone", PHONE);
  await page.click("button[type=submit]");
  await page.waitForLoadState("load");
  assert.ok(await page.locator("#code").count(), "the code step");
  const activationCode = await lastCode(ctx);
  await page.fill("#code", activationCode);
  await page.fill("#password", "12345678");
  await page.fill("#passcode", PASSCODE);
  await page.click("button[type=submit]");
  await page.waitForLoadState("load");
  assert.match(await page.textContent("body"), /phổ biến/, "a common password is refused");
  await shot(page, "02-weak-password");
  await page.fill("#code", activationCode);
  await page.fill("#password", PASSWORD);
  await page.fill("#passcode", PASSCODE);
  await page.click("button[type=submit]");
  await page.waitForLoadState("load");
  assert.match(await page.textContent("body"), /Tài khoản đã được kích hoạt/);
  await shot(page, "03-activated");

  // Password, then the SMS code at once (level 2 always needs a second factor; the sign-in code
  // has its own budget, apart from the activation code's).
  await page.goto(`${base}/citizen/login`);
  await page.fill("#pin", pin);
  await page.fill("#password", PASSWORD);
  await page.click("form[action='/citizen/login'] button[type=submit]");
  await page.waitForURL(/\/citizen\/second$/);
  await page.click("#send-sms");
  await page.waitForLoadState("load");
  const loginCode = await lastCode(ctx);
  await page.fill("#sms-code", loginCode);
  await page.locator("form:has(input[value=sms]) button[type=submit]").click();
  await page.waitForURL(/\/citizen\/$/);
  const session = (await ctx.cookies()).find((c) => c.name === "dd_eid");
  assert.ok(session && session.httpOnly && session.sameSite === "Strict", "session cookie flags");
  assert.match(await page.textContent("body"), /pwd\+sms/);
  await shot(page, "04-home");

  // Authenticator app: enrol from the QR page, confirm with a code computed here.
  await page.goto(`${base}/citizen/security`);
  await page.click("#totp-begin");
  await page.waitForLoadState("load");
  assert.equal(await page.locator(".qr svg").count(), 1, "an SVG QR code");
  await shot(page, "05-totp-qr");
  const secret = (await page.textContent("#totp-secret")).trim();
  const uri = await page.getAttribute("#totp-uri", "href");
  assert.match(uri, /^otpauth:\/\/totp\/.*secret=/);
  await page.fill("#totp-code", totp(secret, Date.now() / 1000));
  await page.locator("form:has(input[value=totp_confirm]) button[type=submit]").click();
  await page.waitForLoadState("load");
  assert.ok(await page.locator("#done").count(), "enrolment confirmed");

  // Passkey: Chromium's virtual authenticator with user verification.
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true,
               hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await page.fill("#passkey-name", "Chromium ảo");
  await page.click("[data-passkey=register]");
  await page.waitForURL(/done=passkey/);
  assert.match(await page.textContent("#passkeys"), /Chromium ảo/);
  const creds = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  assert.equal(creds.credentials.length, 1);
  assert.equal(creds.credentials[0].isResidentCredential, true);
  await shot(page, "06-passkey-registered");

  // Sign out; sign in with the password and the authenticator app's next code.
  await page.locator("form[action='/citizen/logout'] button").click();
  await page.waitForURL(/\/citizen\/login$/);
  await page.fill("#pin", pin);
  await page.fill("#password", PASSWORD);
  await page.click("form[action='/citizen/login'] button[type=submit]");
  await page.waitForURL(/\/citizen\/second$/);
  await shot(page, "07-second-factor");
  // The step used at enrolment is spent; the next one is within the accepted window.
  await page.fill("#totp-code", totp(secret, Date.now() / 1000 + 30));
  await page.locator("form:has(input[value=totp]) button[type=submit]").click();
  await page.waitForURL(/\/citizen\/$/);
  assert.match(await page.textContent("body"), /pwd\+otp/);
  await page.locator("form[action='/citizen/logout'] button").click();
  await page.waitForURL(/\/citizen\/login$/);

  // A passkey alone.
  await page.click("[data-passkey=login]");
  await page.waitForURL(/\/citizen\/$/);
  assert.match(await page.textContent("body"), /hwk/);
  await shot(page, "08-passkey-sign-in");
  await page.goto(`${base}/citizen/history`);
  assert.match(await page.textContent("body"), /Đăng nhập/);
  await shot(page, "09-history");
  await page.goto(`${base}/citizen/security?lang=en`);
  assert.match(await page.textContent("body"), /Sessions/);
  await shot(page, "10-security-en");
  await page.goto(`${base}/citizen/security?lang=vi`);
  await page.locator("form[action='/citizen/logout'] button").click();
  await page.waitForURL(/\/citizen\/login$/);

  // Five wrong passwords, waiting out each delay: the page says the account is locked.
  for (let i = 0; i < 5; i++) {
    await page.fill("#pin", pin);
    await page.fill("#password", "sai mật khẩu rồi");
    await page.click("form[action='/citizen/login'] button[type=submit]");
    await page.waitForLoadState("load");
    await sleep(4500);
  }
  assert.match(await page.textContent("#login-error"), /bị khóa/);
  await shot(page, "11-locked");

  // Level 1 by chip: the registration page's challenge, answered by the demo server's virtual
  // card reader for an adult holding a produced card, with a selfie; the officer compares the
  // selfie with the chip's portrait on the review page and approves; the SMS code activates.
  const PHONE1 = "0987654321";
  const ctx1 = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "vi-VN" });
  const reg = await ctx1.newPage();
  let pin1 = null;
  let reading = null;
  for (let year = 1995; year > 1950 && !reading; year--) {
    await officer.goto(`${base}/?q=${encodeURIComponent("Trần")}&birth_year=${year}`);
    const links = officer.locator("a[href^='/persons/']");
    if (!(await links.count())) continue;
    const candidate = (await links.first().getAttribute("href")).split("/")[2].split("?")[0];
    await reg.goto(`${base}/citizen/register`);
    const challengeId = await reg.getAttribute("form[enctype] input[name=challenge_id]", "value");
    const res = await reg.request.get(`${base}/citizen/dev/card?pin=${candidate}&challenge_id=${challengeId}`);
    if (res.status() === 200) { pin1 = candidate; reading = await res.body(); }
  }
  assert.ok(reading, "an adult with a produced card, read by the virtual card reader");
  assert.match(await reg.textContent("#challenge"), /^[0-9A-F]{16}$/);
  const selfie = await reg.screenshot({ type: "jpeg", quality: 80, clip: { x: 0, y: 0, width: 300, height: 400 } });
  await reg.fill("#pin", pin1);
  await reg.fill("#phone", PHONE1);
  await reg.setInputFiles("#reading", { name: "chip-reading.json", mimeType: "application/json", buffer: reading });
  await reg.setInputFiles("#selfie", { name: "selfie.jpg", mimeType: "image/jpeg", buffer: selfie });
  await shot(reg, "12-level1-form");
  await reg.click("form[enctype] button[type=submit]");
  await reg.waitForLoadState("load");
  assert.match(await reg.textContent("body"), /Đã nhận đăng ký/, "the registration waits for review");
  await shot(reg, "13-level1-pending");

  await officer.goto(`${base}/eid-reviews`);
  const review = officer.locator("section.review", { hasText: pin1 });
  const images = review.locator("img");
  assert.equal(await images.count(), 2, "the selfie and the chip's portrait");
  for (let i = 0; i < 2; i++) {
    const shown = await images.nth(i).evaluate((img) => img.decode().then(() => img.naturalWidth > 0, () => false));
    assert.ok(shown, "an evidence image is displayed");
  }
  await shot(officer, "14-officer-review");
  await review.locator("input[name=note]").fill("ảnh khớp");
  await review.locator("button[value=approve]").click();
  await officer.waitForLoadState("load");

  await reg.goto(`${base}/citizen/activate`);
  await reg.fill("#pin", pin1);
  await reg.fill("#phone", PHONE1);
  await reg.click("button[type=submit]");
  await reg.waitForLoadState("load");
  await reg.fill("#code", await lastCode(ctx1));
  await reg.fill("#password", PASSWORD);
  await reg.fill("#passcode", PASSCODE);
  await reg.click("button[type=submit]");
  await reg.waitForLoadState("load");
  assert.match(await reg.textContent("body"), /Tài khoản đã được kích hoạt/);
  await shot(reg, "15-level1-activated");

  console.log("citizen app: level 2 grant, activation, password + SMS, TOTP, passkey, lockout, level 1 by chip: ok");
} finally {
  await browser.close();
}
