// What every browser test needs: Debian's Chromium trusting the test
// daemon's key, a fresh context per console, and a login through the
// console's own login page.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const DESKTOP = { width: 1920, height: 1080 };

// Chromium trusts the test server's key and nothing else: TLS is really
// checked (ignoreHTTPSErrors would also make Chromium abort a handshake
// per connection first, a warning each in the daemon's log).
// extraArgs: e.g. audioArgs() for pages that play and capture sound.
export function launchBrowser(h, extraArgs = []) {
  const pem = fs.readFileSync(path.join(h.dir, 'server.pem'));
  const spki = crypto.createHash('sha256').update(new crypto.X509Certificate(
    pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  return chromium.launch({ executablePath: '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-quic',
      `--ignore-certificate-errors-spki-list=${spki}`, ...extraArgs] });
}

// Audio without a user gesture; with micWav, a fake microphone playing it
export function audioArgs(micWav) {
  return ['--autoplay-policy=no-user-gesture-required',
    ...(micWav ? ['--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-audio-capture=${micWav}`] : [])];
}

// A fresh browser context (own storage, so own session) with one page;
// page errors (uncaught exceptions in the console's code, and anything the
// page's Content-Security-Policy blocked) are collected in page.errors for
// the tests to assert empty.
export async function newPage(browser, size = DESKTOP) {
  const ctx = await browser.newContext({ viewport: size });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10000);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/.test(m.text())) {
      page.errors.push(`CSP: ${m.text().slice(0, 160)}`);
    }
  });
  return { ctx, page };
}

// The login page with the position preselected through ?position=,
// once the position list has loaded
export async function openLoginPage(page, h, position) {
  await page.goto(`${h.url}/?position=${position}`);
  await page.waitForSelector('#login-position[data-loaded]');
}

// Fill in and send the login form; the caller waits for the outcome
export async function submitLogin(page, user, password) {
  await page.fill('#login-user', user);
  await page.fill('#login-pass', password);
  await page.click('#login-submit');
}

// Log in through the page and wait until the console's control link is up
export async function loginThroughPage(page, h, user, password, position) {
  await openLoginPage(page, h, position);
  await submitLogin(page, user, password);
  await page.waitForSelector('#link[data-state=open]');
}

// A console of its own (new context) logged in at a position
export async function loginInNewPage(browser, h, user, password, position,
  size = DESKTOP) {
  const { ctx, page } = await newPage(browser, size);
  await loginThroughPage(page, h, user, password, position);
  return { ctx, page };
}
