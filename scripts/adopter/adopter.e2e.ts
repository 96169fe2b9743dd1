// The adopter check: the packed k0smotron packages install into someone else's Backstage app by
// following their READMEs, and work there. A new app outside the checkout (adopter-app.ts) gets
// the tarballs, every README's "Install into your Backstage" steps, its own frontend builds (the
// legacy frontend system in packages/app, the new one in packages/app-next) and its own backend
// against the local test cluster; Chromium then shows the clusters page and the entity card of a
// Cluster in both frontends. Screenshots go to artifacts/screenshots/adopter-*.png.
// Run: npx tsx --test-reporter=spec scripts/adopter/adopter.e2e.ts
// (K0SMOTRON_ADOPTER_KEEP=1 keeps the app directory; K0SMOTRON_ADOPTER_APP=<that dir> reuses it.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { eventually, launchHeadlessChromium, startTestCluster, type TestCluster } from '@k0smotron/testenv';
import { API_VERSION, CLUSTER_KIND } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { ROOT, createApp, followReadme, packPackages, readmesInOrder, run, type StepContext } from './adopter-app';

const PORT = Number(process.env.K0SMOTRON_ADOPTER_PORT ?? 7027);
const URL = `http://localhost:${PORT}`;
const SHOTS = join(ROOT, 'artifacts', 'screenshots');
const CLUSTER = 'adopted';

const t0 = Date.now();
const progress = (msg: string) => process.stderr.write(`[adopter +${((Date.now() - t0) / 1000).toFixed(0)} s] ${msg}\n`);

let work: string;
let appDir: string;
let cluster: TestCluster | undefined;
let ctx: StepContext;
let backend: ChildProcess | undefined;
let backendLog: string;
let browser: Browser;
let page: Page;
/** The management cluster's name in the README's app-config (the entity names start with it). */
let mcName: string;

function caData(c: TestCluster): string {
  const current = c.kubeConfig.getCurrentCluster();
  if (current?.caData) return current.caData;
  if (current?.caFile) return readFileSync(current.caFile).toString('base64');
  throw new Error('the test cluster has no CA in its kubeconfig');
}

async function stopBackend(): Promise<void> {
  const child = backend;
  backend = undefined;
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise<void>(r => child.once('exit', () => r()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  killGroup('SIGTERM');
  const timer = setTimeout(() => killGroup('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

let serving: string | undefined;

/** Starts the adopter's backend with its own CLI, serving one of the two frontends (if not already). */
async function startBackend(appPackage: 'app' | 'app-next'): Promise<void> {
  if (backend && serving === appPackage) return;
  await stopBackend();
  serving = appPackage;
  const started = Date.now();
  progress(`starting the adopter's backend (backstage-cli package start) serving ${appPackage}…`);
  const out = openSync(backendLog, 'a');
  backend = spawn('npx', ['backstage-cli', 'package', 'start'], {
    cwd: join(appDir, 'packages', 'backend'),
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      ...ctx.env,
      KUBECONFIG: '/nonexistent', // the README's config must be enough: no kubeconfig to fall back on
      K0SMOTRON_API_URL: cluster!.server,
      K0SMOTRON_CA_DATA: caData(cluster!),
      APP_CONFIG_app_baseUrl: JSON.stringify(URL),
      APP_CONFIG_app_packageName: JSON.stringify(appPackage),
      APP_CONFIG_backend_baseUrl: JSON.stringify(URL),
      APP_CONFIG_backend_listen_port: JSON.stringify(PORT),
    },
  });
  const child = backend;
  process.once('exit', () => {
    try {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      if ((await fetch(`${URL}/.backstage/health/v1/readiness`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`the backend exited (${child.exitCode}):\n${tail(backendLog)}`);
    // A plugin that fails to start leaves the process up, answering 503 for good.
    if (readFileSync(backendLog, 'utf8').includes('Backend startup failed')) throw new Error(`the backend did not start:\n${tail(backendLog)}`);
    if (Date.now() > deadline) throw new Error(`the backend was not ready after 180 s:\n${tail(backendLog)}`);
    await new Promise(r => setTimeout(r, 1000));
  }
  progress(`backend ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** Fails with the response's body unless it is 200. */
async function expectOk(res: Response, what: string): Promise<void> {
  if (res.status !== 200) assert.fail(`${what}: ${res.status} ${await res.text()}`);
}

const tail = (file: string) => readFileSync(file, 'utf8').trim().split('\n').slice(-40).join('\n');

/** Guest sign-in: one click on the sign-in page (a session from an earlier page may skip it). */
async function signIn(): Promise<void> {
  await page.goto(`${URL}/`, { waitUntil: 'domcontentloaded' });
  const enter = page.getByRole('button', { name: /enter/i });
  const shown = await enter.waitFor({ timeout: 30_000 }).then(
    () => true,
    () => false,
  );
  if (shown) {
    await enter.click();
    await enter.waitFor({ state: 'detached' });
  }
}

/** A user token from the guest provider, for REST calls as the browser makes them. */
async function guestToken(): Promise<string> {
  const res = await fetch(`${URL}/api/auth/guest/refresh`, { headers: { 'x-requested-with': 'XMLHttpRequest' } });
  await expectOk(res, 'guest sign-in');
  const body = (await res.json()) as { backstageIdentity: { token: string } };
  return body.backstageIdentity.token;
}

/** The phase the backend reports for the Cluster (what the page and card must show). */
async function phaseFromRest(): Promise<string> {
  const token = await guestToken();
  const res = await fetch(`${URL}/api/k0smotron/clusters/${mcName}/default/${CLUSTER}`, { headers: { authorization: `Bearer ${token}` } });
  await expectOk(res, 'GET the Cluster');
  const body = (await res.json()) as { phase?: string; name?: string };
  assert.ok(body.phase, `the backend reports no phase: ${JSON.stringify(body)}`);
  return body.phase;
}

/** In a new page of the shared browser: the clusters page and the entity card, a screenshot if they fail. */
async function checkPages(label: string): Promise<void> {
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(60_000);
  try {
    await checkPagesOf(label);
  } catch (err) {
    await page.screenshot({ path: join(SHOTS, `adopter-${label}-failure.png`), fullPage: true }).catch(() => undefined);
    throw err;
  } finally {
    await page.close();
  }
}

async function checkPagesOf(label: string): Promise<void> {
  await signIn();
  // The clusters page lists the Cluster with its phase.
  const phase = await phaseFromRest();
  await page.goto(`${URL}/k0smotron`, { waitUntil: 'domcontentloaded' });
  const row = page.getByRole('row').filter({ hasText: CLUSTER });
  await row.first().waitFor({ timeout: 120_000 });
  assert.match(await row.first().innerText(), new RegExp(phase));
  await page.screenshot({ path: join(SHOTS, `adopter-${label}-clusters-page.png`), fullPage: true });

  // The entity page (from the catalog module) shows the k0smotron card with name and phase.
  const entity = `${URL}/catalog/default/resource/${mcName}-default-${CLUSTER}`;
  // The card titled so (the About card's description says "k0smotron control plane …" too).
  const card = page
    .locator('article, .MuiCard-root')
    .filter({ has: page.getByText('k0smotron control plane', { exact: true }) })
    .last();
  const deadline = Date.now() + 180_000;
  for (;;) {
    await page.goto(entity, { waitUntil: 'domcontentloaded' });
    try {
      await card.waitFor({ timeout: 20_000 });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`no k0smotron card on ${entity}: ${(err as Error).message}`);
    }
  }
  const latest = await phaseFromRest();
  await card
    .filter({ hasText: CLUSTER })
    .filter({ hasText: new RegExp(`${phase}|${latest}`) })
    .waitFor({ timeout: 60_000 });
  await page.screenshot({ path: join(SHOTS, `adopter-${label}-entity-card.png`), fullPage: true });
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(join(process.env.K0SMOTRON_ADOPTER_TMPDIR ?? tmpdir(), 'k0smotron-packs-'));
  const clusterStarting = startTestCluster({ nodes: 1, installCrds: true, log: m => progress(`[testenv] ${m}`) });
  clusterStarting.catch(() => undefined); // awaited below; a failure surfaces there
  try {
    // K0SMOTRON_ADOPTER_APP: an app kept by an earlier run, to work on the later steps quickly.
    const reuse = process.env.K0SMOTRON_ADOPTER_APP;
    const tarballs = reuse ? new Map<string, string>() : await packPackages(progress, work);
    appDir = reuse ?? (await createApp(progress, tarballs));
    backendLog = join(appDir, 'backend.log');
    cluster = await clusterStarting;
    ctx = {
      appDir,
      tarballs,
      kubectlPath: cluster.kubectlPath,
      kubeconfigPath: cluster.kubeconfigPath,
      kubeConfig: cluster.kubeConfig,
      env: {},
      reuse: Boolean(reuse),
    };
    for (const readme of readmesInOrder()) await followReadme(progress, readme, ctx);
    for (const app of reuse ? [] : ['app', 'app-next']) {
      await run(progress, `building packages/${app} with the app's own backstage-cli`, 'npx', ['backstage-cli', 'package', 'build'], {
        cwd: join(appDir, 'packages', app),
      });
    }
    mcName = 'production';
    const config = readFileSync(join(appDir, 'app-config.yaml'), 'utf8');
    // Created as a user would with kubectl; the backend sees it through its service account.
    await new K0smotronClient(cluster.kubeConfig).createCluster({
      apiVersion: API_VERSION,
      kind: CLUSTER_KIND,
      metadata: { name: CLUSTER, namespace: 'default' },
      spec: { replicas: 1, service: { type: 'NodePort' } },
    });
    const named = /managementClusters:\s*\n\s*-\s*name:\s*(\S+)/.exec(config);
    if (named) mcName = named[1];
  } catch (err) {
    cluster = cluster ?? (await clusterStarting.catch(() => undefined));
    throw err;
  }
  browser = await launchHeadlessChromium();
});

after(async () => {
  await browser?.close();
  await stopBackend();
  await cluster?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  if (appDir && !process.env.K0SMOTRON_ADOPTER_KEEP && !process.env.K0SMOTRON_ADOPTER_APP) rmSync(appDir, { recursive: true, force: true });
  progress('done');
});

test('the backend with the README config answers REST and sees the Cluster', async () => {
  await startBackend('app');
  const token = await guestToken();
  const mcs = await fetch(`${URL}/api/k0smotron/management-clusters`, { headers: { authorization: `Bearer ${token}` } });
  await expectOk(mcs, 'GET /management-clusters');
  assert.match(await mcs.text(), new RegExp(`"${mcName}"`));
  await eventually(
    'the backend to see the Cluster',
    async () => {
      const res = await fetch(`${URL}/api/k0smotron/clusters/${mcName}/default/${CLUSTER}`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
      return true;
    },
    60_000,
    1000,
  );
});

test('legacy frontend system: the clusters page and the entity card show the Cluster', async () => {
  await startBackend('app');
  await checkPages('legacy');
});

test('new frontend system: the clusters page and the entity card show the Cluster', async () => {
  await startBackend('app-next');
  await checkPages('new');
});
