// The native viewer (examples/viewer) on Linux: under Xvfb with lavapipe, a screenshot of the
// X display shows the sample cloud and the status line; the viewer reports its frame rate.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeXwd, encodePng } from '../js/png.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('the viewer draws a million samples from the GPU buffer under Xvfb', async () => {
  const bin = `${root}/target/debug/examples/viewer`;
  if (!existsSync(bin)) execFileSync('cargo', ['build', '--example', 'viewer'], { cwd: root, stdio: 'inherit' });
  const display = `:${90 + (process.pid % 9)}`;
  const xvfb = spawn('Xvfb', [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
  try {
    await sleep(1500);
    // Native Vulkan on lavapipe (the Dawn tests point VK_ICD_FILENAMES at SwiftShader; not here).
    const { VK_ICD_FILENAMES, ...rest } = process.env;
    const env = { ...rest, DISPLAY: display, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', WAYLAND_DISPLAY: '', WGPU_BACKEND: 'vulkan' };
    const viewer = spawn(bin, ['--quit-after', '8', '--count', '1000000', '--seed', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    viewer.stdout.on('data', (d) => (out += d));
    viewer.stderr.on('data', (d) => (err += d));
    const exited = new Promise((r) => viewer.on('exit', r));
    await sleep(6000);
    const shot = decodeXwd(execFileSync('xwd', ['-root', '-silent', '-display', display], { maxBuffer: 64 << 20 }));
    const code = await exited;
    assert.equal(code, 0, err);
    const stats = JSON.parse(out.trim().split('\n').pop());
    console.log(`viewer: ${stats.adapter}; ${stats.count} points; ${stats.fps} fps; frame ${stats.frame_ms} ms; sample ${stats.sample_ms} ms; factor ${stats.factor_ms} ms`);
    assert.equal(stats.count, 1000000);
    assert.ok(stats.frames >= 3, `only ${stats.frames} frames`);
    assert.match(stats.adapter, /Vulkan/);

    // The window sits at the top-left of the bare X screen (1024x720 logical pixels).
    const { width, rgb } = shot;
    const px = (x, y) => rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3);
    const bg = px(1020, 716); // a corner: background
    let cloud = 0;
    let text = 0;
    for (let y = 0; y < 720; y++) {
      for (let x = 0; x < 1024; x++) {
        const [r, g, b] = px(x, y);
        if (y < 40 && r > 180 && g > 180 && b > 180) text++;
        else if (y >= 40 && b > bg[2] + 40) cloud++;
      }
    }
    console.log(`viewer screenshot: ${cloud} cloud pixels, ${text} text pixels`);
    assert.ok(cloud > 20000, `the cloud covers only ${cloud} pixels`);
    assert.ok(cloud < 0.8 * 1024 * 680, `${cloud} pixels: the background itself is counted`);
    assert.ok(text > 300, `the status line has only ${text} pixels`);
    const crop = new Uint8Array(1024 * 720 * 3);
    for (let y = 0; y < 720; y++) crop.set(rgb.subarray(y * width * 3, (y * width + 1024) * 3), y * 1024 * 3);
    writeFileSync(`${root}/docs/viewer.png`, encodePng(1024, 720, crop));
  } finally {
    xvfb.kill();
  }
});
