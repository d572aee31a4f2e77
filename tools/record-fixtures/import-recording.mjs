// Turns a recording made elsewhere (a folder with recording.json and chunk-NNNN.bin files, as in the
// team's shared fixtures) into the fixture format of relay-core/src/test/resources/fixtures:
// NAME.bin (the chunks concatenated, as recorded) and NAME.chunks ("# mime=..." then "<bytes> <ms>").
//
//   node import-recording.mjs <folder> <NAME>
//   e.g. node import-recording.mjs ../../../shared/fixtures/webkit-mp4-h264-aac webkit-mp4-h264-aac
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [folder, name] = process.argv.slice(2);
if (!folder || !name) {
  console.error('usage: node import-recording.mjs <folder with recording.json> <fixture NAME>');
  process.exit(2);
}
const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../relay-core/src/test/resources/fixtures');
const rec = JSON.parse(fs.readFileSync(path.join(folder, 'recording.json'), 'utf8'));
const parts = [];
const lines = [`# mime=${rec.mimeType}`, `# recorder: ${rec.recorder}`];
for (const c of rec.chunks) {
  const data = fs.readFileSync(path.join(folder, c.file));
  if (data.length !== c.bytes) throw new Error(`${c.file}: ${data.length} bytes, recording.json says ${c.bytes}`);
  if (data.length === 0) continue; // like record.mjs: only non-empty Blobs
  parts.push(data);
  lines.push(`${data.length} ${Math.round(c.atMs)}`);
}
fs.writeFileSync(path.join(OUT, `${name}.bin`), Buffer.concat(parts));
fs.writeFileSync(path.join(OUT, `${name}.chunks`), lines.join('\n') + '\n');
console.log(`${name}: ${parts.length} chunks, ${parts.reduce((n, p) => n + p.length, 0)} bytes`);
