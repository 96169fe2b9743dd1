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
import type { Browser, Page } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { joinWorker, launchHeadlessChromium, type JoinedWorker } from '@k0smotron/testenv';
import { startDemo, ROOT, type Demo } from '../scripts/demo/environment';

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

/**
 * Waits until the catalog has the Cluster's entity (the catalog module adds it within its refresh
 * loop; an entity page does not re-read a missing entity, so it is reopened), then until the card,
 * which re-reads its Cluster every 10 s, says Available. Returns the card's text.
 */
async function waitForAvailableCard(name: string, timeoutMs = 180_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const card = page.locator('article, .MuiCard-root').filter({ hasText: 'k0smotron control plane' }).first();
  for (;;) {
    await open(entityUrl(name));
    try {
      await card.waitFor({ timeout: 20_000 });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the catalog has no entity for ${name}: ${(err as Error).message}`);
    }
  }
  await card.filter({ hasText: /Available\s*True/ }).waitFor({ timeout: Math.max(deadline - Date.now(), 1_000) });
  return card.innerText();
}

before(async () => {
  demo = await startDemo({ port: Number(process.env.K0SMOTRON_E2E_PORT ?? 7017), sampleCluster: 'demo' });
  browser = await launchHeadlessChromium();
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
  // A session cookie from an earlier sign-in may sign us in without the button.
  const first = await Promise.race([
    enter.waitFor().then(
      () => 'button' as const,
      () => undefined,
    ),
    signedIn.waitFor().then(
      () => 'signed-in' as const,
      () => undefined,
    ),
  ]);
  if (first === 'button') await enter.click();
  await signedIn.waitFor();
}

after(async () => {
  await browser?.close();
  await demo?.stop();
});

// Each test gets where it needs to be by itself (the sample control plane is created by the demo
// and every test waits for it), so any one of them can run alone or in any order.

test('the demo opens on the control planes', async () => {
  await open('/');
  await page.waitForURL(/\/k0smotron$/);
  await page.getByText('demo', { exact: true }).first().waitFor({ timeout: 120_000 });
  // The catalog starts on Resources, where the control planes are, not on an empty Components list.
  await open('/catalog');
  await page.getByText('demo', { exact: true }).first().waitFor({ timeout: 120_000 });
  await screenshot('catalog');
});

test('the card of the sample cluster shows Available', async () => {
  const card = await waitForAvailableCard('demo');
  assert.match(card, /Functional\s+True/);
  assert.match(card, /Exposed\s+True/);
  assert.match(card, /Workers\s+(no workers yet|\d+\/\d+ Ready)/);
  await screenshot('entity-card');
});

test('the control-plane tab shows workers, conditions, owned objects and certificates', async () => {
  await waitForAvailableCard('demo');
  await open(`${entityUrl('demo')}/k0smotron`);
  for (const heading of ['Worker nodes', 'Conditions', 'Owned objects', 'Certificates']) {
    await page.getByRole('heading', { name: heading }).waitFor();
  }
  await page.getByText('ControlPlaneFunctional').first().waitFor();
  await screenshot('entity-tab');
});

test('the join-worker dialog returns a token that decodes to a kubeconfig for that cluster', async () => {
  await waitForAvailableCard('demo');
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
  await page.getByRole('dialog').waitFor({ state: 'detached' });
});

test('a worker started with the token from the dialog joins: the dialog, the tab and the card show it', async () => {
  await waitForAvailableCard('demo');
  await open(`${entityUrl('demo')}/k0smotron`);
  const workersCell = page.getByTestId('k0smotron-workers').first();
  const before = (await workersCell.filter({ hasText: /\S/ }).innerText()).trim();
  const m = /^(\d+)\/(\d+) Ready$/.exec(before);
  const [ready, total] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  await page.getByRole('button', { name: /Join a worker/ }).click();
  await page.getByRole('button', { name: 'Create token' }).click();
  const tokenEl = page.getByTestId('join-token');
  await tokenEl.waitFor({ timeout: 60_000 });
  const token = (await tokenEl.innerText()).trim();
  // The demo's hint: the command that starts a simulated worker, with this very token.
  const hint = page.getByTestId('simulated-worker-hint');
  await hint.filter({ hasText: `echo '${token}' | ` }).waitFor();
  await hint.filter({ hasText: 'npm run --silent join-worker -- --token-file -' }).waitFor();
  const watch = page.getByTestId('join-watch');
  await watch.filter({ hasText: /Waiting for a new worker to join/ }).waitFor();

  // What the hinted command runs (testenv's hollow kubelet through the real TLS bootstrap),
  // started here with the token taken from the page.
  const name = `e2e-worker-${Date.now().toString(36)}`;
  let worker: JoinedWorker | undefined;
  try {
    worker = await joinWorker({ token, name, log: () => {} });
    assert.equal(worker.server, 'https://127.0.0.1:30443');
    await watch.filter({ hasText: `${name} joined and is Ready.` }).waitFor({ timeout: 120_000 });
    await screenshot('join-dialog-joined');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    const row = page.getByRole('row').filter({ hasText: name });
    await row.getByText('Ready', { exact: true }).waitFor({ timeout: 60_000 });
    // The card's count is the operator's (status.workers), which it refreshes every few seconds in the demo.
    await workersCell.filter({ hasText: `${ready + 1}/${total + 1} Ready` }).waitFor({ timeout: 120_000 });
    await page.getByRole('heading', { name: 'Worker nodes' }).scrollIntoViewIfNeeded();
    await screenshot('entity-workers');
  } finally {
    await worker?.stop();
  }
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
  await page
    .getByRole('option', { name: /platform-team/ })
    .first()
    .click();
  await page.getByRole('button', { name: /^Next/ }).click();
  // Step 2: ClusterIP, so the new control plane needs no free NodePort on this machine.
  await page
    .getByLabel(/^Exposed as/)
    .first()
    .click();
  await page.getByRole('option', { name: /^ClusterIP/ }).click();
  await page.getByRole('button', { name: /^Next/ }).click();
  // Step 3 → review → create.
  await page.getByRole('button', { name: /^Review/ }).click();
  await screenshot('template-review');
  await page.getByRole('button', { name: /^Create$/ }).click();
  const link = page.getByRole('link', { name: /Open the cluster in the catalog/ }).or(page.getByRole('button', { name: /Open the cluster in the catalog/ }));
  await link.first().waitFor({ timeout: 300_000 });
  await screenshot('template-done');
  await waitForAvailableCard('e2e', 240_000);
});

test('the clusters page lists every control plane with a Create action', async () => {
  await open('/k0smotron');
  await page.getByText('demo', { exact: true }).first().waitFor({ timeout: 120_000 });
  await page
    .getByRole('button', { name: /Create/ })
    .or(page.getByRole('link', { name: /Create/ }))
    .first()
    .waitFor();
  await screenshot('clusters-page');
});

test('a user without the create permission does not see the Create action', async () => {
  await demo.restartBackend({ deniedPermissions: ['k0smotron.cluster.create'] });
  try {
    await signIn(); // the restarted backend has new signing keys
    // The Create action depends on GET /settings: wait for its answer, then for the list. (Its
    // body is not read: the browser may have dropped it by the time the test asks.)
    const settings = page.waitForResponse(r => r.url().includes('/api/k0smotron/settings') && r.ok());
    await open('/k0smotron');
    await settings;
    await page.getByText('demo', { exact: true }).first().waitFor({ timeout: 120_000 });
    const create = page.getByRole('button', { name: /^Create$/ }).or(page.getByRole('link', { name: /^Create$/ }));
    assert.equal(await create.count(), 0);
    await screenshot('clusters-page-read-only');
  } finally {
    // Leave the demo as the other tests expect it, whatever order they run in.
    await demo.restartBackend({ deniedPermissions: [] });
    await signIn();
  }
});
