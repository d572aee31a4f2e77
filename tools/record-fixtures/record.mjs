// Records real MediaRecorder output from the system Chromium or Firefox ESR (headless, fake
// camera/microphone) into relay-core/src/test/resources/fixtures/. Never downloads a browser.
//
//   cd tools/record-fixtures && npm ci && node record.mjs [--engine chromium|firefox] [NAME...]
//
// For each fixture NAME it writes NAME.bin (every dataavailable Blob concatenated, as recorded)
// and NAME.chunks ("# mime=<recorder.mimeType>" then "<sizeBytes> <elapsedMillis>" per Blob).
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, '../../relay-core/src/test/resources/fixtures');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

const COMMON = { videoBitsPerSecond: 250000, audioBitsPerSecond: 32000, videoKeyFrameIntervalDuration: 1000 };
const FIXTURES = [
  { name: 'webm-vp8-opus', mime: 'video/webm;codecs=vp8,opus', video: true, audio: true, ms: 4000 },
  // Lower video bitrate so the 10 s recording stays under ~250 KB.
  { name: 'webm-vp8-opus-long', mime: 'video/webm;codecs=vp8,opus', video: true, audio: true, ms: 10000,
    options: { videoBitsPerSecond: 150000 } },
  { name: 'webm-vp9-opus', mime: 'video/webm;codecs=vp9,opus', video: true, audio: true, ms: 4000 },
  { name: 'webm-av1-opus', mime: 'video/webm;codecs=av1,opus', video: true, audio: true, ms: 4000 },
  { name: 'webm-vp8-video', mime: 'video/webm;codecs=vp8', video: true, audio: false, ms: 4000 },
  { name: 'webm-opus-audio', mime: 'audio/webm;codecs=opus', video: false, audio: true, ms: 4000 },
  { name: 'mkv-h264-opus', mime: ['video/x-matroska;codecs=avc1,opus', 'video/webm;codecs=h264,opus'],
    video: true, audio: true, ms: 4000 },
  { name: 'mp4-h264-opus', mime: 'video/mp4;codecs=avc1,opus', video: true, audio: true, ms: 4000 },
];
// Firefox ignores videoKeyFrameIntervalDuration: its key frames come about every 7.5 s (fixtures/README.md), so
// the recording is long enough for three of them, at a lower video bitrate to stay small.
const FIREFOX_FIXTURES = [
  { name: 'firefox-webm-vp8-opus', mime: 'video/webm;codecs=vp8,opus', video: true, audio: true, ms: 21000,
    options: { videoBitsPerSecond: 100000 } },
  { name: 'firefox-webm-opus-audio', mime: 'audio/webm;codecs=opus', video: false, audio: true, ms: 4000 },
];

const PAGE = `<!doctype html><meta charset="utf-8"><title>record</title>
<script>
function b64(buf) {
  const u8 = new Uint8Array(buf); let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  return btoa(s);
}
async function record(opts) {
  const mimes = Array.isArray(opts.mime) ? opts.mime : [opts.mime];
  const supported = mimes.filter(m => MediaRecorder.isTypeSupported(m));
  if (supported.length === 0) return { refused: mimes };
  const stream = await navigator.mediaDevices.getUserMedia({
    video: opts.video ? { width: 320, height: 240, frameRate: 20 } : false,
    audio: !!opts.audio,
  });
  const rec = new MediaRecorder(stream, { mimeType: supported[0], ...opts.options });
  const pending = [];
  let t0 = 0;
  rec.ondataavailable = e => {
    const at = performance.now() - t0;
    if (e.data.size > 0) pending.push(e.data.arrayBuffer().then(b => ({ at, data: b64(b) })));
  };
  const stopped = new Promise(r => { rec.onstop = r; });
  t0 = performance.now();
  rec.start(100);
  await new Promise(r => setTimeout(r, opts.ms));
  rec.stop();
  await stopped;
  stream.getTracks().forEach(t => t.stop());
  return { requested: supported[0], mime: rec.mimeType, chunks: await Promise.all(pending) };
}
</script>`;

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(PAGE);
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;

// One page on either engine: open(url) and evaluate(fn, arg), close().
async function launchChromium() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'record-fixtures-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreDefaultArgs: ['--mute-audio'],
    args: [
      '--headless', '--no-sandbox', '--disable-gpu',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? await context.newPage();
  return {
    page, version: context.browser()?.version() ?? 'chromium',
    close: async () => { await context.close(); fs.rmSync(userDataDir, { recursive: true, force: true }); },
  };
}

// Firefox ESR over WebDriver BiDi (puppeteer-core, same pinned version as demo-app's firefox-driver.mjs);
// puppeteer makes and removes its own temporary profile.
async function launchFirefox() {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocolTimeout: 120000,
    extraPrefsFirefox: {
      // A fake camera (moving colour pattern) and microphone (a tone), no permission prompt.
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
    },
  });
  const page = await browser.newPage();
  return { page, version: await browser.version(), close: () => browser.close() };
}

const args = process.argv.slice(2);
const engineAt = args.indexOf('--engine');
const engine = engineAt >= 0 ? args.splice(engineAt, 2)[1] : 'chromium';
if (engine !== 'chromium' && engine !== 'firefox') throw new Error('--engine chromium|firefox, not ' + engine);
const browser = engine === 'firefox' ? await launchFirefox() : await launchChromium();
console.log(`${engine}: ${browser.version}`);
const fixtures = engine === 'firefox' ? FIREFOX_FIXTURES : FIXTURES;
const wanted = args;
let failed = false;
try {
  const page = browser.page;
  await page.goto(url);
  fs.mkdirSync(OUT, { recursive: true });
  for (const f of fixtures) {
    if (wanted.length && !wanted.includes(f.name)) continue;
    const r = await page.evaluate(o => record(o), { ...f, options: { ...COMMON, ...f.options } });
    if (r.refused) {
      console.log(`${f.name}: REFUSED by isTypeSupported: ${r.refused.join(' | ')}`);
      continue;
    }
    const bufs = r.chunks.map(c => Buffer.from(c.data, 'base64'));
    const lines = [`# mime=${r.mime}`, ...bufs.map((b, i) => `${b.length} ${Math.round(r.chunks[i].at)}`)];
    fs.writeFileSync(path.join(OUT, `${f.name}.bin`), Buffer.concat(bufs));
    fs.writeFileSync(path.join(OUT, `${f.name}.chunks`), lines.join('\n') + '\n');
    const total = bufs.reduce((n, b) => n + b.length, 0);
    console.log(`${f.name}: requested ${r.requested}, recorded ${r.mime}, ${bufs.length} chunks, ${total} bytes`);
  }
} catch (e) {
  console.error(e);
  failed = true;
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
