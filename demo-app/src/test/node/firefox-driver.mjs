// Drives Debian's Firefox ESR over WebDriver BiDi (puppeteer-core; nothing is downloaded) for the Java
// browser tests, which start this script and talk to it over stdin/stdout, one JSON object per line:
//   -> {"id": 1, "op": "open", "url": "..."}          <- {"id": 1, "ok": true}
//   -> {"id": 2, "op": "eval", "script": "return 1"}  <- {"id": 2, "ok": true, "value": 1}
//   -> {"id": 3, "op": "screenshot", "path": "..."}   <- {"id": 3, "ok": true}
//   -> {"id": 4, "op": "quit"}                        <- {"id": 4, "ok": true}, then the process exits
// "eval" runs its script as a function body in the page, like Selenium's executeScript, and awaits a
// returned promise. A failure answers {"ok": false, "error": "..."}. The first line it writes is
// {"ready": true, "version": "..."} once Firefox runs. EOF on stdin closes Firefox too.
import readline from 'node:readline';
import puppeteer from 'puppeteer-core';

const executablePath = process.env.FIREFOX || '/usr/bin/firefox-esr';
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath,
  headless: true,
  protocolTimeout: 60000,
  defaultViewport: { width: 800, height: 700 },
  extraPrefsFirefox: {
    // A fake camera and microphone, and no permission prompt for them.
    'media.navigator.streams.fake': true,
    'media.navigator.permission.disabled': true,
    // Unmuted autoplay, as the other engines get by their flags.
    'media.autoplay.default': 0,
    'media.autoplay.blocking_policy': 0,
    // And Web Audio (the WebCodecs player's sound) without a gesture.
    'media.autoplay.block-webaudio': false,
    // Several browsers share two cores in CI: never throttle a page as "background".
    'dom.min_background_timeout_value': 4,
  },
});
const page = await browser.newPage();
let quitting = false;

async function quit() {
  if (quitting) return;
  quitting = true;
  try { await browser.close(); } catch (e) { /* already gone */ }
}

async function handle(cmd) {
  switch (cmd.op) {
    case 'open':
      await page.goto(cmd.url, { waitUntil: 'load', timeout: 30000 });
      return undefined;
    case 'eval':
      return await page.evaluate((body) => (0, eval)(`(async () => { ${body}\n})()`), cmd.script);
    case 'screenshot':
      await page.screenshot({ path: cmd.path });
      return undefined;
    case 'quit':
      await quit();
      return undefined;
    default:
      throw new Error('unknown op ' + cmd.op);
  }
}

out({ ready: true, version: await browser.version() });
const lines = readline.createInterface({ input: process.stdin });
// One command at a time, in order: the Java side waits for each answer anyway.
let chain = Promise.resolve();
lines.on('line', (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line);
  chain = chain.then(async () => {
    try {
      const value = await handle(cmd);
      out({ id: cmd.id, ok: true, value: value === undefined ? null : value });
    } catch (e) {
      out({ id: cmd.id, ok: false, error: String(e && e.message || e) });
    }
    if (cmd.op === 'quit') process.exit(0);
  });
});
lines.on('close', () => { chain.then(quit).then(() => process.exit(0)); });
