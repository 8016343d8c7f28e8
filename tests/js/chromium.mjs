// Headless Debian Chromium driven by playwright-core, with WebGPU (SwiftShader) enabled.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launch({ webgpu = true } = {}) {
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
  if (webgpu) args.push('--enable-unsafe-webgpu', '--use-angle=swiftshader', '--use-vulkan=swiftshader', '--enable-features=Vulkan');
  else args.push('--disable-webgpu', '--disable-gpu');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** Opens `url`, waits for `window.__result`, returns it (and the console log). */
export async function runPage(browser, url, timeout = 300_000) {
  const page = await browser.newPage();
  const log = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout });
  const result = await page.evaluate(() => window.__result);
  await page.close();
  return { result, log };
}
