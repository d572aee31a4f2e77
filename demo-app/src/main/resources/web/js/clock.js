// A test source that paints the wall clock into the picture, and the reader that gets it back out.
// Glass-to-glass latency is "when a frame was shown" minus "when it was painted", both on this machine's
// clock (performance.timeOrigin + performance.now(), in ms), so pages in different browsers can compare.
//
// The code: 64 big black/white cells in the top quarter of the frame, 16 across and 4 down, row by row,
// most significant bit first: 48 bits of the painted time in whole milliseconds, then a CRC-16 (CCITT) of
// those 6 bytes. A cell is 1/16 of the frame's width (40 px at 640x480), far larger than any block the
// codecs blur. The reader rejects a frame unless every cell is clearly black or white and the CRC matches:
// a half-decoded or garbled picture gives no sample rather than a wrong one.
'use strict';

const COLS = 16;
const ROWS = 4;
const DATA_BITS = 48;

/** Wall-clock milliseconds, the same scale in every page on this machine. */
export function wallNow() {
  return performance.timeOrigin + performance.now();
}

function crc16(bytes) {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function bytesOf(ms) {
  const hi = Math.floor(ms / 2 ** 32);
  const lo = ms % 2 ** 32;
  return [(hi >>> 8) & 255, hi & 255, (lo >>> 24) & 255, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255];
}

/** The 64 cell values (0 or 1) for a time in whole ms. */
export function encodeClock(ms) {
  const bytes = bytesOf(Math.round(ms));
  const crc = crc16(bytes);
  const bits = [];
  for (const b of [...bytes, crc >>> 8, crc & 255]) {
    for (let i = 7; i >= 0; i--) bits.push((b >>> i) & 1);
  }
  return bits;
}

/** The time the cells encode, or null when they are not a valid code. */
export function decodeBits(bits) {
  if (!bits || bits.length !== COLS * ROWS) return null;
  const bytes = [];
  for (let i = 0; i < bits.length; i += 8) {
    let b = 0;
    for (let j = 0; j < 8; j++) b = (b << 1) | bits[i + j];
    bytes.push(b);
  }
  if (crc16(bytes.slice(0, 6)) !== ((bytes[6] << 8) | bytes[7])) return null;
  let ms = 0;
  for (let i = 0; i < DATA_BITS / 8; i++) ms = ms * 256 + bytes[i];
  return ms;
}

/** Paints the code for `ms` into the top of a w x h 2D context. */
export function paintCode(ctx, ms, w) {
  const cell = w / COLS;
  const bits = encodeClock(ms);
  for (let i = 0; i < bits.length; i++) {
    ctx.fillStyle = bits[i] ? '#fff' : '#000';
    ctx.fillRect((i % COLS) * cell, Math.floor(i / COLS) * cell, cell, cell);
  }
}

/**
 * Reads codes back from presented pictures (a video element, a VideoFrame, a canvas). Each cell is
 * scaled down to 8x8 pixels and judged by its 4x4 centre, away from the edges the codec smears.
 */
export class ClockReader {
  constructor() {
    this.scale = 8;
    const canvas = typeof OffscreenCanvas !== 'undefined'
      ? new OffscreenCanvas(COLS * this.scale, ROWS * this.scale) : document.createElement('canvas');
    canvas.width = COLS * this.scale;
    canvas.height = ROWS * this.scale;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
  }

  /**
   * @param source anything drawImage takes
   * @param {number} width the picture's width in pixels (videoWidth, displayWidth)
   * @returns {number|null} painted time in ms
   */
  read(source, width) {
    if (!width) return null;
    const cell = width / COLS;
    const s = this.scale;
    try {
      this.ctx.drawImage(source, 0, 0, width, cell * ROWS, 0, 0, COLS * s, ROWS * s);
    } catch (e) {
      return null; // no picture yet (a video element before its first frame)
    }
    const px = this.ctx.getImageData(0, 0, COLS * s, ROWS * s).data;
    const bits = [];
    for (let r = 0; r < ROWS; r++) {
      for (let c = 0; c < COLS; c++) {
        let sum = 0;
        for (let y = r * s + 2; y < r * s + 6; y++) {
          for (let x = c * s + 2; x < c * s + 6; x++) {
            const o = (y * COLS * s + x) * 4;
            sum += px[o] + px[o + 1] + px[o + 2];
          }
        }
        const level = sum / (16 * 3);
        if (level > 88 && level < 168) return null; // neither black nor white: not our picture
        bits.push(level >= 128 ? 1 : 0);
      }
    }
    return decodeBits(bits);
  }
}

/**
 * A canvas stream (video) plus a WebAudio beep (audio) standing in for camera and microphone. Every
 * frame carries the time it was painted; a 60 ms 880 Hz beep starts on every whole wall-clock second, so
 * a viewer can match sound to picture.
 */
export class ClockSource {
  constructor({ width = 640, height = 480, fps = 30, audio = true } = {}) {
    this.width = width;
    this.height = height;
    this.fps = fps;
    this.frames = 0;
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.ctx = this.canvas.getContext('2d');
    // captureStream(0) + requestFrame(): a frame is taken exactly when one is painted. Where
    // requestFrame is missing, let the stream sample the canvas at the frame rate.
    const probe = this.canvas.captureStream(0);
    const track = probe.getVideoTracks()[0];
    if (track && typeof track.requestFrame === 'function') {
      this.video = track;
    } else {
      probe.getTracks().forEach((t) => t.stop());
      this.video = this.canvas.captureStream(fps).getVideoTracks()[0];
    }
    this.stream = new MediaStream([this.video]);
    if (audio) this.startAudio();
    this.paint();
    this.tick();
  }

  startAudio() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      this.audio = new AC();
      const dest = this.audio.createMediaStreamDestination();
      const osc = this.audio.createOscillator();
      osc.frequency.value = 880;
      this.gain = this.audio.createGain();
      this.gain.gain.value = 0;
      osc.connect(this.gain).connect(dest);
      osc.start();
      this.stream.addTrack(dest.stream.getAudioTracks()[0]);
      this.beepsUntil = 0;
      this.beeps = [];
      this.audio.resume().catch(() => {});
      this.scheduleBeeps();
      this.beepTimer = setInterval(() => this.scheduleBeeps(), 250);
    } catch (e) {
      this.audio = null; // video only: the latency figures do not need sound
    }
  }

  // Beeps are scheduled on the audio clock, up to 1.5 s ahead. A sample rendered at context time t
  // enters the stream at about the wall time when currentTime passes t.
  scheduleBeeps() {
    const ac = this.audio;
    if (!ac || ac.state !== 'running') return;
    const now = wallNow();
    const ctxNow = ac.currentTime;
    for (let s = Math.max(this.beepsUntil, Math.ceil((now + 100) / 1000) * 1000); s < now + 1500; s += 1000) {
      const at = ctxNow + (s - now) / 1000;
      this.gain.gain.setValueAtTime(0.5, at);
      this.gain.gain.setValueAtTime(0, at + 0.06);
      this.beeps.push(s);
      if (this.beeps.length > 1000) this.beeps.shift();
      this.beepsUntil = s + 1000;
    }
  }

  // Timers, not requestAnimationFrame: rAF stops in a hidden page, and the broadcaster may be one.
  tick() {
    if (this.stopped) return;
    const period = 1000 / this.fps;
    const now = performance.now();
    const next = (Math.floor(now / period) + 1) * period;
    this.timer = setTimeout(() => { this.paint(); this.tick(); }, next - now);
  }

  paint() {
    const { ctx, width: w, height: h } = this;
    const ms = Math.round(wallNow());
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, w, h);
    paintCode(ctx, ms, w);
    // Something that moves, so the encoder works as it would on a camera picture.
    const x = (this.frames * 7) % (w - 80);
    ctx.fillStyle = '#1565c0';
    ctx.fillRect(x, h - 120, 80, 80);
    ctx.fillStyle = '#fff';
    ctx.font = `${Math.round(h / 12)}px monospace`;
    ctx.fillText(new Date(ms).toISOString().slice(11, 23), 20, w / 4 + h / 8);
    ctx.fillText(`frame ${this.frames}`, 20, w / 4 + h / 4);
    this.frames++;
    if (this.video.requestFrame) this.video.requestFrame();
  }

  stats() {
    return { frames: this.frames, beeps: this.beeps ? this.beeps.slice() : [], audio: this.audio ? this.audio.state : null };
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.beepTimer);
    this.stream.getTracks().forEach((t) => t.stop());
    if (this.audio) this.audio.close().catch(() => {});
  }
}
