// Headless Chromium for the browser tests: Debian's chromium driven by playwright-core, which
// downloads no browser of its own. The flags keep Chromium off the network this machine does not
// have (background fetches, component updates, sync) and run it as root in a container.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.K0SMOTRON_CHROMIUM ?? '/usr/bin/chromium';

const HEADLESS_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchHeadlessChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: HEADLESS_FLAGS });
}
