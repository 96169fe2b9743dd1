// Browser tests of the demo app: Playwright (playwright-core) driving Debian's Chromium against
// the real demo (local management cluster, Backstage with the embedded reconciler, simulated
// control planes). Screenshots go to artifacts/screenshots/ (set K0SMOTRON_UPDATE_SCREENSHOTS=1 to
// also refresh docs/screenshots/, which the README links).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { X509Certificate } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { startDemo, ROOT, type Demo } from '../scripts/demo/environment';

const CHROMIUM = process.env.K0SMOTRON_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'artifacts', 'screenshots');
const DOC_SHOTS = join(ROOT, 'docs', 'screenshots');
const entityUrl = (name: string) => `/catalog/default/resource/local-default-${name}`;

let demo: Demo;
let browser: Browser;
let page: Page;

async function screenshot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.K0SMOTRON_UPDATE_SCREENSHOTS) {
    mkdirSync(DOC_SHOTS, { recursive: true });
    copyFileSync(file, join(DOC_SHOTS, `${name}.png`));
  }
}

async function open(path: string): Promise<void> {
  await page.goto(`${demo.url}${path}`, { waitUntil: 'domcontentloaded' });
}

/** Reloads until the k0smotron card says the control plane is Available (or times out). */
async function waitForAvailableCard(name: string, timeoutMs = 180_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  for (;;) {
    await open(entityUrl(name));
    const card = page.locator('article, .MuiCard-root').filter({ hasText: 'k0smotron control plane' }).first();
    try {
      await card.waitFor({ timeout: 30_000 });
      text = await card.innerText();
      if (/Available\s+True/.test(text)) return text;
    } catch {
      // the entity may not be in the catalog yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not become Available; the card said:\n${text}`);
    await page.waitForTimeout(5000);
  }
}

before(async () => {
  demo = await startDemo({ port: Number(process.env.K0SMOTRON_E2E_PORT ?? 7017), sampleCluster: 'demo' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(60_000);
  // A confirm() would mean the guest provider is missing in the backend: fail instead of accepting it.
  page.on('dialog', d => {
    throw new Error(`unexpected browser dialog: ${d.message()}`);
  });
  await signIn();
});

/** Guest sign-in through the backend's guest provider: one click, no confirmation dialog. */
async function signIn(): Promise<void> {
  await open('/');
  const enter = page.getByRole('button', { name: /enter/i });
  const signedIn = page.getByRole('link', { name: 'Catalog' }).first();
  await enter.or(signedIn).first().waitFor();
  // A session cookie from an earlier sign-in may sign us in without the button.
  if (await enter.isVisible()) await enter.click();
  await signedIn.waitFor();
}

after(async () => {
  await browser?.close();
  await demo?.stop();
});

test('the catalog lists the sample cluster and its card shows Available', async () => {
  await open('/catalog?filters%5Bkind%5D=resource');
  await page.getByText('demo', { exact: true }).first().waitFor({ timeout: 120_000 });
  await screenshot('catalog');
  const card = await waitForAvailableCard('demo');
  assert.match(card, /Functional\s+True/);
  assert.match(card, /Exposed\s+True/);
  await screenshot('entity-card');
});

test('the control-plane tab shows conditions, owned objects and certificates', async () => {
  await open(`${entityUrl('demo')}/k0smotron`);
  await page.getByText('Conditions').first().waitFor();
  await page.getByText('Owned objects').first().waitFor();
  await page.getByText('Certificates').first().waitFor();
  assert.ok(await page.getByText('ControlPlaneFunctional').first().isVisible());
  await screenshot('entity-tab');
});

test('the join-worker dialog returns a token that decodes to a kubeconfig for that cluster', async () => {
  await open(`${entityUrl('demo')}/k0smotron`);
  await page.getByRole('button', { name: /Join a worker/ }).click();
  await page.getByRole('button', { name: 'Create token' }).click();
  const tokenEl = page.getByTestId('join-token');
  await tokenEl.waitFor({ timeout: 60_000 });
  await screenshot('join-dialog');
  const token = (await tokenEl.innerText()).trim();
  // The way k0s decodes it: base64 → gunzip → kubeconfig.
  const kubeconfig = parseYaml(gunzipSync(Buffer.from(token, 'base64')).toString('utf8'));
  const cluster = kubeconfig.clusters[0].cluster;
  assert.equal(cluster.server, 'https://127.0.0.1:30443');
  const ca = new X509Certificate(Buffer.from(cluster['certificate-authority-data'], 'base64'));
  assert.ok(ca.ca, 'the token carries the cluster CA');
  assert.equal(kubeconfig.users[0].name, 'kubelet-bootstrap');
  assert.match(kubeconfig.users[0].user.token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  await page.getByRole('button', { name: 'Done' }).click();
});

test('creating a control plane through the Software Template makes a new entity that goes Available', async () => {
  await open('/create');
  const card = page.locator('article, .MuiCard-root').filter({ hasText: 'Kubernetes control plane (k0smotron)' }).first();
  await card.waitFor({ timeout: 120_000 });
  await card.getByRole('button', { name: /choose/i }).click();
  // Step 1: name and owner (the rest has defaults).
  await page.getByLabel(/^Name/).first().fill('e2e');
  const owner = page.getByLabel(/^Owner/).first();
  await owner.click();
  await owner.fill('platform-team');
  await page.getByRole('option', { name: /platform-team/ }).first().click();
  await page.getByRole('button', { name: /^Next/ }).click();
  // Step 2: ClusterIP, so the new control plane needs no free NodePort on this machine.
  await page.getByLabel(/^Exposed as/).first().click();
  await page.getByRole('option', { name: /^ClusterIP/ }).click();
  await page.getByRole('button', { name: /^Next/ }).click();
  // Step 3 → review → create.
  await page.getByRole('button', { name: /^Review/ }).click();
  await screenshot('template-review');
  await page.getByRole('button', { name: /^Create$/ }).click();
  const link = page.getByRole('link', { name: /Open the cluster in the catalog/ }).or(
    page.getByRole('button', { name: /Open the cluster in the catalog/ }),
  );
  await link.first().waitFor({ timeout: 300_000 });
  await screenshot('template-done');
  await waitForAvailableCard('e2e', 240_000);
});

test('the clusters page lists every control plane with a Create action', async () => {
  await open('/k0smotron');
  await page.getByText('e2e', { exact: true }).first().waitFor();
  assert.ok(await page.getByRole('button', { name: /Create/ }).or(page.getByRole('link', { name: /Create/ })).first().isVisible());
  await screenshot('clusters-page');
});

test('a user without the create permission does not see the Create action', async () => {
  await demo.restartBackend({ deniedPermissions: ['k0smotron.cluster.create'] });
  await signIn(); // the restarted backend has new signing keys
  await open('/k0smotron');
  await page.getByText('demo', { exact: true }).first().waitFor({ timeout: 120_000 });
  const create = page.getByRole('button', { name: /^Create$/ }).or(page.getByRole('link', { name: /^Create$/ }));
  assert.equal(await create.count(), 0);
  await screenshot('clusters-page-read-only');
});
