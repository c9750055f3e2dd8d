// The web UI in a real browser (Debian's headless Chromium through playwright-core),
// against the simulator and the lab: first-boot login, password change, a config
// edit through the form with a validation error and then a good change, and a
// check turning red when a lab service stops. Run by tests/integration/test_browser_ui.py,
// which starts the simulator and the lab and passes their addresses in the environment.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The UI's https URL, the box's plain-HTTP URL (which must redirect there) and the
// base64 SHA-256 of the box's public key, which Chromium is told to trust.
const url = process.env.PB_URL;
const plainUrl = process.env.PB_HTTP_URL;
const spki = process.env.PB_SPKI;
const fingerprint = process.env.PB_FINGERPRINT;
const firstBoot = process.env.PB_FIRST_BOOT;
const labControl = process.env.PB_LAB_CONTROL;
const meshPort = process.env.PB_MESH_PORT;
const isolatedExtra = process.env.PB_ISOLATED_EXTRA;
const shots = process.env.PB_SHOTS_DIR;
const newPassword = 'rack-b4-probe-password';

function step(name) { console.log(`browser: ${name}`); }

// Screenshots for docs/operator.md (PB_SHOTS_DIR, e.g. docs/img): the viewport only,
// so the committed PNGs stay small.
async function shot(page, name, selector, height = 900) {
  if (!shots) return;
  if (selector) {
    await (await page.$(selector)).screenshot({ path: `${shots}/${name}` });
  } else {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${shots}/${name}`, clip: { x: 0, y: 0, width: 1280, height } });
  }
}

async function labSet(service, mode) {
  const r = await fetch(labControl, { method: 'POST', body: JSON.stringify({ service, mode }) });
  assert.equal(r.status, 200, `lab refused ${service}=${mode}`);
}

const launchArgs = ['--no-sandbox'];
if (spki) launchArgs.push(`--ignore-certificate-errors-spki-list=${spki}`);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: launchArgs, timeout: 30000 });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(20000);
  const failures = [];
  page.on('pageerror', (e) => failures.push(String(e)));
  const fromBox = (u) => u.startsWith(url) || (plainUrl && u.startsWith(plainUrl));
  page.on('requestfailed', (r) => { if (!fromBox(r.url())) failures.push(`outside request ${r.url()}`); });
  page.on('request', (r) => { if (!fromBox(r.url())) failures.push(`request outside the box: ${r.url()}`); });

  step('login page, first boot');
  if (plainUrl) {
    // The plain-HTTP address sends the browser to HTTPS, where the box's own
    // certificate is trusted by its pinned key only.
    await page.goto(plainUrl);
    assert.ok(page.url().startsWith(url), `plain HTTP did not redirect to ${url}: ${page.url()}`);
  } else {
    await page.goto(url);
  }
  await page.waitForSelector('#view-login:not([hidden])');
  assert.ok(await page.isVisible('#first-boot-hint'));
  await shot(page, 'login-first-boot.png', '#login-form');
  await page.fill('#login-password', 'wrong-password');
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#login-error:text("wrong password")');
  await page.fill('#login-password', firstBoot);
  await page.click('#login-form button[type=submit]');

  step('must change the first-boot password');
  await page.waitForSelector('#view-account:not([hidden])');
  assert.ok(await page.isVisible('#must-change'));
  // The account page shows the certificate's fingerprint, as the console and LCD do.
  if (fingerprint) await page.waitForSelector(`#tls-fp:text("${fingerprint}")`);
  await page.fill('#pw-current', firstBoot);
  await page.fill('#pw-new', newPassword);
  await page.fill('#pw-again', newPassword);
  await page.click('#password-form button[type=submit]');
  await page.waitForSelector('#pw-ok:text("Password changed")');
  await shot(page, 'password-changed.png', '#password-form');
  if (url.startsWith('https:')) {
    const session = (await page.context().cookies()).find((c) => c.name === 'pb_session');
    assert.ok(session && session.secure && session.httpOnly, `session cookie not Secure+HttpOnly: ${JSON.stringify(session)}`);
  }

  step('log out and back in with the new password');
  await page.click('#logout');
  await page.waitForSelector('#view-login:not([hidden])');
  await page.fill('#login-password', newPassword);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#view-status:not([hidden])');

  step('status board fills in, grouped like the panel');
  await page.waitForSelector('.group[data-group=ports] .check[data-state=ok]');
  await page.waitForSelector('#leds [data-led=ports].green');
  const lcd = await page.textContent('#lcd');
  assert.ok(lcd.trim().length > 0, 'the LCD mirror shows text');
  await shot(page, 'status-board.png', null, 560);
  await shot(page, 'front-panel-mirror.png', '#panel-mirror');

  step('generated checks are marked; an explicit check with the same id overrides one');
  const genId = `prod.node1.${meshPort}`;
  const gen = await page.waitForSelector(`.check[data-check="${genId}"][data-generated=true]`);
  assert.match(await gen.textContent(), /generated/);
  assert.equal(await page.$$eval('.check[data-generated=false]', (e) => e.length), 0, 'the demo config has only the profile');
  await page.click(`.check[data-check="${genId}"] button.override`);
  await page.waitForSelector('#view-config:not([hidden])');
  await page.waitForFunction((id) => document.querySelector('#raw').value.includes(`"id": "${id}"`), genId);
  const raw = JSON.parse(await page.inputValue('#raw'));
  const mine = raw.checks.find((k) => k.id === genId);
  assert.equal(mine.type, 'tcp');
  Object.assign(mine, { host: '10.0.2.2', port: Number(meshPort), latency_warn_ms: 9000 });
  await page.fill('#raw', JSON.stringify(raw, null, 2));
  await page.click('#raw-save');
  await page.waitForSelector('#raw-ok:text("Saved")');
  await page.click('nav [data-view=status]');
  await page.waitForSelector(`.check[data-check="${genId}"][data-generated=false]`);
  assert.equal(await page.$$eval(`.check[data-check="${genId}"]`, (e) => e.length), 1, 'one check with that id');
  assert.ok(await page.$(`.check[data-check="prod.node1.27017"][data-generated=true]`), 'the others stay generated');

  step('config form: a bad port is refused, next to the field');
  await page.click('nav [data-view=config]');
  // The tab reloads the config: typing before it has arrived would be overwritten.
  await page.waitForSelector('#config-form:not([aria-busy])');
  await page.waitForFunction(() => document.querySelector('[data-path="appliance.ports.mesh"]').value !== '');
  const mesh = await page.inputValue('[data-path="appliance.ports.mesh"]');
  await shot(page, 'profile-form.png', null, 760);
  await page.fill('[data-path="appliance.ports.mesh"]', mesh + ', 70000');
  await page.click('#form-save');
  const err = await page.waitForSelector('[data-path="appliance.ports.mesh"] + .field-error');
  assert.match(await err.textContent(), /appliance\.ports\.mesh\[4\]/);
  assert.ok(await page.$eval('[data-path="appliance.ports.mesh"]', (e) => e.classList.contains('invalid')));
  if (shots) await page.screenshot({ path: `${shots}/web-config.png`, fullPage: true });
  await shot(page, 'profile-form-error.png', 'fieldset:has([data-path="appliance.ports.mesh"])');

  step('a good change: a new isolation check appears on the board');
  await page.fill('[data-path="appliance.ports.mesh"]', mesh);
  const isolated = await page.inputValue('[data-path="appliance.isolated_from"]');
  await page.fill('[data-path="appliance.isolated_from"]', `${isolated}, ${isolatedExtra}`);
  await page.click('#form-save');
  await page.waitForSelector('#form-ok:text("Saved")');
  await page.click('nav [data-view=status]');
  const added = await page.waitForSelector(`.group[data-group=isolation] .check:has-text("${isolatedExtra}")`);
  await page.waitForSelector(`.group[data-group=isolation] .check[data-state=ok]:has-text("${isolatedExtra}")`);
  assert.match(await added.textContent(), /refused/);

  step('a lab service stops: its check turns red');
  await labSet(`tcp:${meshPort}`, 'closed');
  try {
    const red = await page.waitForSelector('.group[data-group=ports] .check[data-state=critical]', { timeout: 60000 });
    assert.match(await red.textContent(), /refused|closed/i);
    await page.waitForSelector('#leds [data-led=ports].red');
    if (shots) await page.screenshot({ path: `${shots}/web-status.png`, fullPage: true });
    await shot(page, 'front-panel-red.png', '#panel-mirror');
  } finally {
    await labSet(`tcp:${meshPort}`, 'open');
  }

  step('requirements report');
  await page.click('nav [data-view=report]');
  await page.waitForSelector('#report tbody tr');
  // A row per documented requirement (firmware/web/report_document.cpp), each with
  // one of the three verdicts; what a client cannot see says why.
  assert.equal(await page.$$eval('#report tbody tr', (r) => r.length), 20);
  const verdicts = await page.$$eval('#report tbody tr .pill', (p) => p.map((e) => e.textContent));
  assert.ok(verdicts.every((v) => ['met', 'not met', 'not checkable from this box'].includes(v)), verdicts.join());
  assert.match(await page.textContent('#report tbody tr[data-row="lb.forwarding"]'), /X-Forwarded-For/);
  if (shots) await page.screenshot({ path: `${shots}/web-report.png`, fullPage: true });
  await shot(page, 'report.png', null, 520);

  step('the report printed with Chromium (print to PDF) shows every requirement row');
  const rows = await page.$$eval('#report tbody tr', (r) => r.map((e) => ({
    id: e.dataset.row, verdict: e.querySelector('.pill').textContent })));
  const pdfPath = path.join(os.tmpdir(), `probebox-report-${process.pid}.pdf`);
  try {
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: pdfPath, format: 'A4', printBackground: true,
      margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
    await page.emulateMedia({ media: 'screen' });
    const text = execFileSync('pdftotext', ['-raw', pdfPath, '-'], { encoding: 'utf8' });
    const flat = text.replace(/\s+/g, ' ').toLowerCase();  // the verdict pills print in capitals
    assert.match(flat, /appliance requirements report/);
    for (const r of rows) {
      assert.ok(text.includes(r.id), `the PDF lacks the row ${r.id}:\n${text}`);
    }
    // Words, not lines: a verdict may wrap inside its cell.
    const words = flat.replace(/ /g, '');
    for (const v of new Set(rows.map((r) => r.verdict))) {
      assert.ok(words.includes(v.toLowerCase().replace(/ /g, '')), `the PDF lacks "${v}":\n${text}`);
    }
    assert.ok(words.includes('notcheckablefromthisbox'), 'the uncheckable rows say so in print');
    if (shots) {
      // Page one of the PDF as the operator would sign it, small.
      execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', '-singlefile', pdfPath, `${shots}/report-pdf`]);
    }
  } finally {
    fs.rmSync(pdfPath, { force: true });
  }

  step('a plan that breaks the lint: warnings next to the fields and in the report');
  await page.click('nav [data-view=config]');
  await page.waitForSelector('#config-form:not([aria-busy])');
  await page.waitForFunction(() => document.querySelector('[data-path="appliance.domain_names.root_tenant_authority"]').value !== '');
  await page.fill('[data-path="appliance.domain_names.root_tenant_authority"]', 'my_rta.lab.test');
  await page.click('#form-save');
  await page.waitForSelector('#form-ok:text("Saved")');
  const warn = await page.waitForSelector('[data-path="appliance.domain_names.root_tenant_authority"] + .field-warning');
  assert.match(await warn.textContent(), /underscores are not allowed/);
  await page.click('nav [data-view=report]');
  const reportWarn = await page.waitForSelector('#report-warnings li');
  assert.match(await reportWarn.textContent(), /root_tenant_authority: my_rta\.lab\.test: underscores/);
  if (shots) await page.screenshot({ path: `${shots}/web-lint.png`, fullPage: true });
  await shot(page, 'report-lint.png', null, 360);

  assert.deepEqual(failures, [], 'no script errors and nothing fetched from outside the box');
  step('all passed');
} catch (e) {
  // What the page showed when it failed, for whoever reads the CI log.
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (pages.length) {
    console.log(`browser: failed on ${pages[0].url()}; visible text:\n${await pages[0].innerText('body').catch(() => '?')}`);
    if (shots) await pages[0].screenshot({ path: `${shots}/web-failure.png`, fullPage: true }).catch(() => {});
  }
  throw e;
} finally {
  await browser.close();
}
