// Prints per-fixture stats (chunk sizes, chunk spacing, Cluster/keyframe spacing for WebM/Matroska,
// box layout per chunk for MP4) for the fixtures written by record.mjs.
//   node analyze.mjs [NAME...]            (FIXTURES_DIR=... to read recordings kept elsewhere)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIR = process.env.FIXTURES_DIR || path.resolve(HERE, '../../relay-core/src/test/resources/fixtures');
const names = process.argv.slice(2).length ? process.argv.slice(2)
  : fs.readdirSync(DIR).filter(f => f.endsWith('.chunks')).map(f => f.slice(0, -7)).sort();

function readId(b, p) {
  const first = b[p]; let len = 1;
  while (len <= 4 && !(first & (0x80 >> (len - 1)))) len++;
  let id = 0; for (let i = 0; i < len; i++) id = id * 256 + b[p + i];
  return { id, len };
}
function readSize(b, p) {
  const first = b[p]; let len = 1;
  while (len <= 8 && !(first & (0x80 >> (len - 1)))) len++;
  let v = first & (0xff >> len), allOnes = v === (0xff >> len);
  for (let i = 1; i < len; i++) { v = v * 256 + b[p + i]; if (b[p + i] !== 0xff) allOnes = false; }
  return { size: allOnes ? -1 : v, len };
}
const uint = (b, p, n) => { let v = 0; for (let i = 0; i < n; i++) v = v * 256 + b[p + i]; return v; };

const SEGMENT = 0x18538067, CLUSTER = 0x1f43b675, TRACKS = 0x1654ae6b, TRACK_ENTRY = 0xae;
const LEVEL1 = new Set([0x114d9b74, 0x1549a966, 0x1f43b675, 0x1654ae6b, 0x1c53bb6b, 0x1941a469, 0x1043a770, 0x1254c367]);

function parseWebm(b) {
  const tracks = {}; const clusters = []; const boundaries = new Set([0]);
  let p = 0;
  const ebml = readId(b, p); const es = readSize(b, p + ebml.len);
  p += ebml.len + es.len + es.size; boundaries.add(p);
  const seg = readId(b, p); if (seg.id !== SEGMENT) throw new Error('no Segment');
  p += seg.len + readSize(b, p + seg.len).len; boundaries.add(p);
  let initEnd = -1, cur = null;
  while (p < b.length) {
    const { id, len } = readId(b, p); const s = readSize(b, p + len);
    const body = p + len + s.len;
    if (id === CLUSTER || LEVEL1.has(id)) cur = null;
    if (id === CLUSTER) {
      if (initEnd < 0) initEnd = p;
      cur = { offset: p, timecode: null, blocks: [] }; clusters.push(cur);
      p = s.size < 0 ? body : body + s.size; boundaries.add(p); // unknown size: descend into children
      if (s.size >= 0) throw new Error('known-size cluster not handled');
      continue;
    }
    if (id === TRACKS) {
      let q = body;
      while (q < body + s.size) {
        const e = readId(b, q); const es2 = readSize(b, q + e.len); const eb = q + e.len + es2.len;
        if (e.id === TRACK_ENTRY) {
          let r = eb, num = 0, type = 0, codec = '';
          while (r < eb + es2.size) {
            const c = readId(b, r); const cs = readSize(b, r + c.len); const cb = r + c.len + cs.len;
            if (c.id === 0xd7) num = uint(b, cb, cs.size);
            if (c.id === 0x83) type = uint(b, cb, cs.size);
            if (c.id === 0x86) codec = b.subarray(cb, cb + cs.size).toString();
            r = cb + cs.size;
          }
          tracks[num] = { type: type === 1 ? 'video' : type === 2 ? 'audio' : String(type), codec };
        }
        q = eb + es2.size;
      }
    }
    if (cur && id === 0xe7) cur.timecode = uint(b, body, s.size);
    if (cur && id === 0xa3) {
      const t = readSize(b, body);
      const rel = (uint(b, body + t.len, 2) << 16) >> 16;
      const flags = b[body + t.len + 2];
      cur.blocks.push({ track: t.size, time: cur.timecode + rel, key: !!(flags & 0x80) });
    }
    p = body + s.size; boundaries.add(p);
  }
  return { tracks, clusters, initEnd, boundaries };
}

function parseMp4(b) {
  const boxes = []; let p = 0;
  while (p + 8 <= b.length) {
    const size = b.readUInt32BE(p); const type = b.subarray(p + 4, p + 8).toString('latin1');
    boxes.push({ offset: p, size, type }); if (size < 8) break; p += size;
  }
  return boxes;
}

const stats = xs => {
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `min ${s[0]} / median ${s[Math.floor(s.length / 2)]} / mean ${Math.round(mean)} / max ${s[s.length - 1]}`;
};

for (const name of names) {
  const b = fs.readFileSync(path.join(DIR, name + '.bin'));
  const lines = fs.readFileSync(path.join(DIR, name + '.chunks'), 'utf8').trim().split('\n');
  const mime = lines[0].replace(/^# mime=/, '');
  const chunks = lines.slice(1).map(l => l.split(' ').map(Number));
  const sizes = chunks.map(c => c[0]), times = chunks.map(c => c[1]);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const ends = []; sizes.reduce((a, s) => { ends.push(a + s); return a + s; }, 0);
  console.log(`\n## ${name}\nmime=${mime} bytes=${b.length} chunks=${chunks.length} lastChunkAt=${times.at(-1)}ms`);
  console.log(`chunk bytes: ${stats(sizes)}`);
  if (gaps.length) console.log(`chunk spacing ms: ${stats(gaps)}`);
  if (mime.includes('mp4')) {
    const boxes = parseMp4(b);
    let i = 0;
    chunks.forEach((c, k) => {
      const end = ends[k]; const start = end - c[0]; const here = [];
      for (; i < boxes.length && boxes[i].offset < end; i++) here.push(boxes[i].type);
      console.log(`  chunk ${k} @${c[1]}ms ${c[0]}B: ${here.join(' ')}${boxes.some(x => x.offset === start) || start === 0 ? '' : ' (not box-aligned)'}`);
    });
    continue;
  }
  const w = parseWebm(b);
  const aligned = ends.slice(0, -1).filter(e => w.boundaries.has(e)).length;
  console.log(`tracks: ${Object.entries(w.tracks).map(([n, t]) => `${n}=${t.type}:${t.codec}`).join(' ')}; init segment ${w.initEnd} bytes`);
  console.log(`chunk ends on element boundary: ${aligned} of ${ends.length - 1} (excluding last)`);
  const ct = w.clusters.map(c => c.timecode);
  console.log(`clusters: ${w.clusters.length}, spacing ms: ${stats(ct.slice(1).map((t, i) => t - ct[i]))}`);
  const video = Object.keys(w.tracks).find(n => w.tracks[n].type === 'video');
  if (video) {
    const keys = []; let firstBlockKey = 0, keyClusters = 0, audioFirst = 0;
    for (const c of w.clusters) {
      const vb = c.blocks.filter(x => x.track === Number(video));
      const k = vb.filter(x => x.key);
      k.forEach(x => keys.push(x.time));
      if (k.length) { keyClusters++; if (vb[0].key) firstBlockKey++; if (c.blocks[0].track !== Number(video)) audioFirst++; }
    }
    const kg = keys.slice(1).map((t, i) => t - keys[i]);
    console.log(`video keyframes: ${keys.length} at ms [${keys.join(', ')}]; spacing: ${kg.length ? stats(kg) : 'n/a'}`);
    console.log(`clusters with a keyframe: ${keyClusters} (keyframe is first video block: ${firstBlockKey}; cluster opens with audio: ${audioFirst}); clusters without keyframe: ${w.clusters.length - keyClusters}`);
  } else {
    const audioKeys = w.clusters.flatMap(c => c.blocks).filter(x => x.key).length;
    console.log(`audio-only: ${w.clusters.flatMap(c => c.blocks).length} blocks, ${audioKeys} flagged key`);
  }
}
