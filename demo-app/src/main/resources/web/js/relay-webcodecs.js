// The frame view of a channel (/relay/view/{channel}?format=frames) played with WebCodecs: each frame is
// decoded as it arrives and shown when it is due, so nothing but a small jitter buffer stands between the
// network and the screen (an MSE <video> keeps a few hundred ms of its own).
//
// Wire format (README, "Frame view"): a binary message holds one or more frames, each
//   u8 track index (into the stream message's tracks), u8 flags (bit 0 key frame, bit 1 discontinuity),
//   i64 big-endian presentation timestamp in microseconds, u32 big-endian payload length, the payload.
//
// Timing. A frame with timestamp p (ms) is due at  p + base + delay  (performance.now() scale), where
// base is the smallest "arrival time - p" of the last 10 s (the fastest any frame came through) and delay
// the jitter buffer: enough to cover how much later than that the frames of the last few seconds came,
// plus decoding time. delay grows at once when a frame comes later than it allows and shrinks slowly when
// arrivals calm down; base follows the stream, so latency cannot creep. Sound is scheduled on the audio
// context by the same rule (contiguously, as long as that stays within a few ms of it); while sound
// plays, the picture follows the sound: the frame shown is the one whose timestamp the listener is
// hearing (A/V sync), and the rule above is the fallback when there is no sound (no audio track, or an
// audio context the browser keeps suspended until the viewer clicks).
'use strict';

const INITIAL_DELAY_MS = 80;
const MIN_DELAY_MS = 40;
// MP4 from MediaRecorder arrives once per group of pictures (about 1 s, 3 s in WebKit): the buffer must
// be able to cover that, or every burst's first frames would be late.
const MAX_DELAY_MS = 3500;
const DELAY_MARGIN_MS = 15; // decoding and drawing a frame, on a busy machine
// Shrinking the delay by d ms in a tick plays d ms faster than real time (frames skipped, a sound chunk
// dropped): a quarter of the excess per tick, between 10 and 50 ms (at most 10 % faster, like the MSE
// player's catch-up).
const SHRINK_MIN_MS_PER_TICK = 10;
const SHRINK_MAX_MS_PER_TICK = 50;
const JUMP_MS = 500; // more excess than this is dropped at once (a jump) rather than played off at 10 % faster
const BASE_WINDOW_MS = 10_000;
const RELAX_TICK_MS = 500;
const JITTER_WINDOW_MS = 5_000; // how far back arrivals count for the delay
// The share of recent frames the delay lets arrive in time. At 30 fps plus audio a 5 s window holds
// 300-400 arrivals: 0.97 ignores a hiccup of up to ~10 late frames and follows anything longer.
const JITTER_QUANTILE = 0.97;
const AUDIO_SLACK_S = 0.025; // how far a sound chunk may sit from its due time and still follow on
const MAX_DECODE_QUEUE = 60; // a decoder this far behind is not keeping up: skip to the next key frame
const MAX_GOP_BYTES = 8 * 1024 * 1024;
const SETTLE_MS = 300;

export function webCodecsAvailable() {
  return typeof VideoDecoder === 'function' && typeof AudioDecoder === 'function'
    && typeof EncodedVideoChunk === 'function' && typeof EncodedAudioChunk === 'function';
}

function base64Bytes(s) {
  if (!s) return undefined;
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function decoderConfig(track) {
  const description = base64Bytes(track.description);
  if (track.kind === 'video') {
    const c = { codec: track.codec, optimizeForLatency: true };
    if (track.width && track.height) {
      c.codedWidth = track.width;
      c.codedHeight = track.height;
    }
    if (description) c.description = description;
    return c;
  }
  const c = { codec: track.codec, sampleRate: track.sampleRate, numberOfChannels: track.numberOfChannels };
  if (description) c.description = description;
  return c;
}

/** The first video and the first audio track of a stream message (either may be missing). */
export function pickTracks(tracks) {
  const list = Array.isArray(tracks) ? tracks : [];
  const video = list.findIndex((t) => t.kind === 'video');
  const audio = list.findIndex((t) => t.kind === 'audio');
  return { video: video >= 0 ? video : null, audio: audio >= 0 ? audio : null };
}

/** Resolves to null when this browser decodes every track it would play, or to the reason it cannot. */
export async function webCodecsRefusal(tracks) {
  if (!webCodecsAvailable()) return 'no WebCodecs';
  const picked = pickTracks(tracks);
  if (picked.video == null && picked.audio == null) return 'no tracks';
  for (const i of [picked.video, picked.audio]) {
    if (i == null) continue;
    const track = tracks[i];
    const Decoder = track.kind === 'video' ? VideoDecoder : AudioDecoder;
    try {
      const r = await Decoder.isConfigSupported(decoderConfig(track));
      if (!r.supported) return `${track.codec} not supported`;
    } catch (e) {
      return `${track.codec}: ${e.message}`;
    }
  }
  return null;
}

/**
 * Where an audio context's output is: the sample at context time `contextTime` is heard at
 * `performanceTime` (performance.now() scale). getOutputTimestamp() says so where it is sane; WebKitGTK's
 * performanceTime lies on another time base (seconds away from performance.now()), and some browsers lack
 * it: then the context's current time and its reported latency stand in.
 */
export function outputTimestamp(ctx) {
  const now = performance.now();
  const ts = ctx.getOutputTimestamp ? ctx.getOutputTimestamp() : null;
  if (ts && ts.performanceTime > 0 && Math.abs(ts.performanceTime - now) < 1000) {
    return { contextTime: ts.contextTime, performanceTime: ts.performanceTime };
  }
  return { contextTime: ctx.currentTime - (ctx.outputLatency || ctx.baseLatency || 0), performanceTime: now };
}

/** Performance time (ms) -> the audio context time heard then. */
export function outputContextTime(ctx, perfMs) {
  const ts = outputTimestamp(ctx);
  return ts.contextTime + (perfMs - ts.performanceTime) / 1000;
}

/** Splits one binary message into its frames. Throws on a malformed message. */
export function parseFrames(buffer) {
  const view = new DataView(buffer);
  const frames = [];
  let off = 0;
  while (off < buffer.byteLength) {
    if (off + 14 > buffer.byteLength) throw new Error('truncated frame header');
    const len = view.getUint32(off + 10);
    if (off + 14 + len > buffer.byteLength) throw new Error('truncated frame payload');
    frames.push({
      track: view.getUint8(off),
      key: (view.getUint8(off + 1) & 1) !== 0,
      discontinuity: (view.getUint8(off + 1) & 2) !== 0,
      pts: Number(view.getBigInt64(off + 2)),
      data: new Uint8Array(buffer, off + 14, len),
    });
    off += 14 + len;
  }
  return frames;
}

/**
 * The jitter buffer: from when frames arrive (relative to their timestamps) to the delay that lets
 * nearly all of them arrive before they are due. All times in ms.
 *
 * The delay covers a high percentile (JITTER_QUANTILE) of how late the frames of the last few seconds
 * came, not the latest one: a single spike (a browser or machine hiccup delivering a few frames 0.5 s
 * late) makes those frames late - they are shown as soon as they are decoded, a short freeze - instead
 * of holding every later frame back by the spike for seconds. Lateness that persists (a slower path, or
 * MP4 arriving once per group of pictures, where every frame but the last of a group is "late") fills
 * the percentile and the delay follows at once.
 */
export class PlayoutClock {
  constructor() {
    this.delay = INITIAL_DELAY_MS;
    this.reset();
  }

  reset() {
    this.mins = []; // [at, offset], offsets increasing: a sliding-window minimum
    this.jitters = []; // [at, jitter] of the last JITTER_WINDOW_MS, oldest first
  }

  /**
   * A join, a skip or a new stream: the timing starts over, the jitter buffer too. A delay grown by the
   * burst before a skip (a stalled link delivering its backlog at once) would otherwise keep the picture
   * seconds behind until it shrank back.
   */
  restart() {
    this.reset();
    this.delay = INITIAL_DELAY_MS;
  }

  get base() {
    return this.mins.length ? this.mins[0][1] : null;
  }

  /**
   * A frame with timestamp `ms` arrived at `now`. `countJitter` is false for the catch-up frames of a
   * join or skip: they are late by design, not because the network jitters.
   */
  arrived(ms, now, countJitter = true) {
    const offset = now - ms;
    if (this.base != null && offset - this.base > MAX_DELAY_MS + 1000) {
      this.reset(); // the path got much slower for good (or the timeline jumped): start over from here
    }
    while (this.mins.length && this.mins[this.mins.length - 1][1] >= offset) this.mins.pop();
    this.mins.push([now, offset]);
    while (this.mins[0][0] < now - BASE_WINDOW_MS) this.mins.shift();
    if (!countJitter) return;
    this.jitters.push([now, offset - this.base]);
    this.forget(now);
    const want = this.wanted();
    if (want > this.delay) this.delay = want;
  }

  forget(now) {
    let drop = 0;
    while (drop < this.jitters.length && this.jitters[drop][0] < now - JITTER_WINDOW_MS) drop++;
    if (drop) this.jitters.splice(0, drop);
  }

  /** The delay the recent arrivals ask for: their JITTER_QUANTILE lateness plus decoding time. */
  wanted() {
    if (this.jitters.length === 0) return MIN_DELAY_MS;
    const sorted = this.jitters.map((j) => j[1]).sort((x, y) => x - y);
    const q = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * JITTER_QUANTILE))];
    return Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, q + DELAY_MARGIN_MS));
  }

  /** Called every RELAX_TICK_MS: lets the delay come down when the last few seconds were calmer. */
  relax(now) {
    this.forget(now);
    const want = this.wanted();
    if (this.delay - want > JUMP_MS) {
      this.delay = want; // far behind (a start-up or stall backlog): jump to the live edge, as the MSE player does
    } else if (this.delay > want) {
      const step = Math.min(SHRINK_MAX_MS_PER_TICK, Math.max(SHRINK_MIN_MS_PER_TICK, (this.delay - want) / 4));
      this.delay = Math.max(want, this.delay - step);
    }
  }

  /** The timestamp (ms) due at `now`, or null before the first frame. */
  mediaAt(now) {
    return this.base == null ? null : now - this.base - this.delay;
  }

  /** When (performance.now() scale) the frame with timestamp `ms` is due. */
  dueAt(ms) {
    return ms + this.base + this.delay;
  }
}

/** Plays a frames-format stream into a canvas and the audio output. */
export class WebCodecsEngine {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{onStatus: (s: string) => void,
   *          onFramePresented?: (canvas: HTMLCanvasElement, width: number, at: number, arrivedAt: number) => void}} hooks
   *   onFramePresented: a frame was drawn to the canvas at `at`; it had arrived at `arrivedAt` (performance.now() scale)
   */
  constructor(canvas, hooks) {
    this.canvas = canvas;
    this.ctx2d = canvas.getContext('2d');
    this.hooks = hooks;
    this.clock = new PlayoutClock();
    this.muted = true;
    this.frames = []; // decoded VideoFrames not yet shown, by timestamp
    this.gop = []; // encoded video since the last key frame: to pick up again after a hidden spell
    this.gopBytes = 0;
    this.sources = new Set(); // scheduled AudioBufferSourceNodes
    this.arrivals = new Map(); // video timestamp -> arrival time, for the latency probe
    this.segments = []; // {ctxStart, ctxEnd, ms}: what sound plays when, for the video clock
    this.counts = { decoded: 0, drawn: 0, dropped: 0, caughtUp: 0, decoderResets: 0, audioGaps: 0, audioDropped: 0,
      audioPlayed: 0, badMessages: 0 };
    this.shownMs = null;
    this.newestMs = null;
    this.settleUntil = 0;
    this.catchingUp = true; // until the first frame after a (re)start is drawn: older ones are not "dropped"

    this.width = 0;
    this.height = 0;
    this.hidden = typeof document !== 'undefined' && document.hidden;
    this.onVisibility = () => this.visibilityChanged();
    document.addEventListener('visibilitychange', this.onVisibility);
    this.raf = requestAnimationFrame((t) => this.frame(t));
    this.timer = setInterval(() => this.housekeeping(), RELAX_TICK_MS);
    this.ensureAudioContext();
  }

  /** A (new) stream: configure decoders for its tracks. */
  onStream(msg) {
    this.closeDecoders();
    this.dropPicture();
    this.stopSound();
    this.clock.restart();
    this.tracks = msg.tracks;
    this.picked = pickTracks(msg.tracks);
    this.waitKey = true;
    this.ended = false;
    this.newestMs = null;
    this.shownMs = null; // the new stream's timeline starts over: nothing of it shown yet
    this.shownWidth = 0;
  }

  onSkip() {
    // What was queued for us was dropped by the relay; media resumes at a key frame flagged as a
    // discontinuity, which resets the timing. Sound already scheduled is older than that: stop it.
    this.stopSound();
  }

  onEnded() {
    this.ended = true;
    this.stopSound();
    for (const f of this.frames) f.close();
    this.frames = [];
  }

  setMuted(muted) {
    this.muted = muted;
    if (!muted) this.ensureAudioContext();
    if (this.volume) this.volume.gain.value = muted ? 0 : 1;
    // Browsers start an audio context only from a user gesture: this call comes from the click.
    if (!muted && this.audio && this.audio.state !== 'running') this.audio.resume().catch(() => {});
  }

  ensureAudioContext() {
    if (this.audio) return;
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    this.audio = new AC({ latencyHint: 'interactive' });
    this.tap = this.audio.createGain(); // what the player plays, before the mute: for a test to listen to
    this.volume = this.audio.createGain();
    this.volume.gain.value = this.muted ? 0 : 1;
    this.tap.connect(this.volume).connect(this.audio.destination);
    // Runs at once where autoplay is allowed; elsewhere it waits for the Unmute click.
    this.audio.resume().catch(() => {});
  }

  onData(buffer, now) {
    if (!this.tracks) return;
    let frames;
    try {
      frames = parseFrames(buffer);
    } catch (e) {
      this.counts.badMessages++;
      return;
    }
    const catchUp = frames.some((f) => f.discontinuity);
    if (catchUp) {
      // A join, a skip or a new stream: timestamps and arrival times start over, and what was waiting
      // belongs to the time before. What arrives in the next moments may still be catch-up (the relay
      // can send a backlog as several messages): it sets the base but does not count as jitter.
      this.clock.restart();
      this.stopSound();
      this.settleUntil = now + SETTLE_MS;
      this.catchingUp = true;
    }
    const countJitter = !catchUp && !this.hidden && now >= this.settleUntil;
    let newest = null;
    for (const f of frames) if (newest == null || f.pts > newest) newest = f.pts;
    for (const f of frames) {
      const ms = f.pts / 1000;
      // In a catch-up burst only the newest frame says how fast the path is; the rest waited on purpose.
      if (!catchUp || f.pts === newest) this.clock.arrived(ms, now, countJitter);
      if (this.newestMs == null || ms > this.newestMs) this.newestMs = ms;
      if (f.track === this.picked.video) {
        this.arrivals.set(f.pts, now);
        if (this.arrivals.size > 300) this.arrivals.delete(this.arrivals.keys().next().value);
        this.videoChunk(f);
      }
      else if (f.track === this.picked.audio) this.audioChunk(f);
    }
  }

  // ---- video ----

  videoDecoder() {
    if (this.vdec && this.vdec.state !== 'closed') return this.vdec;
    const track = this.tracks[this.picked.video];
    const dec = new VideoDecoder({
      output: (frame) => this.decoded(dec, frame),
      error: (e) => this.videoFailed(dec, e),
    });
    dec.configure(decoderConfig(track));
    this.vdec = dec;
    return dec;
  }

  videoFailed(dec, e) {
    if (dec !== this.vdec) return;
    this.counts.decoderResets++;
    this.hooks.onStatus('video decoder error (' + (e && e.message) + '): resuming at the next key frame');
    this.vdec = null; // a new one is made for the next key frame
    this.waitKey = true;
  }

  videoChunk(f) {
    if (f.key) {
      this.gop = [];
      this.gopBytes = 0;
    }
    if (this.gop.length || f.key) {
      this.gop.push(f);
      this.gopBytes += f.data.byteLength;
      if (this.gopBytes > MAX_GOP_BYTES) {
        this.gop = [];
        this.gopBytes = 0;
      }
    }
    if (this.hidden) return; // nobody sees it: keep the group of pictures, decode on return
    if (this.waitKey && !f.key) return;
    this.decodeVideo(f);
  }

  decodeVideo(f) {
    try {
      const dec = this.videoDecoder();
      if (dec.decodeQueueSize > MAX_DECODE_QUEUE && !f.key) {
        this.waitKey = true; // it cannot keep up: wait for a key frame rather than fall further behind
        return;
      }
      dec.decode(new EncodedVideoChunk({ type: f.key ? 'key' : 'delta', timestamp: f.pts, data: f.data }));
      this.waitKey = false;
    } catch (e) {
      const dec = this.vdec;
      this.videoFailed(dec, e);
      if (dec && dec.state !== 'closed') dec.close();
    }
  }

  decoded(dec, frame) {
    if (dec !== this.vdec || this.hidden || this.ended) {
      frame.close();
      return;
    }
    this.counts.decoded++;
    // Decoders for these codecs output in timestamp order; insert in order anyway.
    let i = this.frames.length;
    while (i > 0 && this.frames[i - 1].timestamp > frame.timestamp) i--;
    this.frames.splice(i, 0, frame);
  }

  /** The timestamp (ms) to show at `now`: the sound's when sound plays, the jitter buffer's otherwise. */
  mediaNow(now) {
    const a = this.audibleMs(now);
    return a != null ? a : this.clock.mediaAt(now);
  }

  frame(now) {
    this.raf = requestAnimationFrame((t) => this.frame(t));
    this.present(performance.now());
  }

  present(now) {
    if (this.frames.length === 0) return;
    const due = this.mediaNow(now);
    if (due == null) return;
    // Draw the newest frame that is due (within half a display frame); close the ones it overtook.
    let pick = -1;
    for (let i = 0; i < this.frames.length && this.frames[i].timestamp / 1000 <= due + 8; i++) pick = i;
    if (pick < 0) return;
    for (let i = 0; i < pick; i++) {
      this.frames[i].close();
      if (this.catchingUp) this.counts.caughtUp++;
      else this.counts.dropped++;
    }
    this.catchingUp = false;
    const frame = this.frames[pick];
    this.frames.splice(0, pick + 1);
    if (frame.displayWidth !== this.width || frame.displayHeight !== this.height) {
      this.width = this.canvas.width = frame.displayWidth;
      this.height = this.canvas.height = frame.displayHeight;
    }
    this.ctx2d.drawImage(frame, 0, 0, this.width, this.height);
    this.counts.drawn++;
    this.shownMs = frame.timestamp / 1000;
    this.shownWidth = this.width;
    // The canvas, not the frame: what is on screen (and drawing a VideoFrame elsewhere fails in WebKitGTK).
    if (this.hooks.onFramePresented) {
      this.hooks.onFramePresented(this.canvas, this.width, now, this.arrivals.get(frame.timestamp));
    }
    frame.close();
  }

  dropPicture() {
    for (const f of this.frames) f.close();
    this.frames = [];
    this.gop = [];
    this.gopBytes = 0;
  }

  visibilityChanged() {
    this.hidden = document.hidden;
    if (this.hidden) {
      for (const f of this.frames) f.close();
      this.frames = [];
      return;
    }
    // Back in view: decode the current group of pictures from its key frame at once (a few ms), so
    // the picture is at the live edge again without waiting for the next key frame.
    if (!this.tracks || this.picked.video == null) return;
    if (this.vdec && this.vdec.state !== 'closed') this.vdec.close();
    this.vdec = null;
    this.waitKey = true;
    this.catchingUp = true;
    const gop = this.gop;
    for (const f of gop) {
      if (this.waitKey && !f.key) continue;
      this.decodeVideo(f);
    }
  }

  // ---- audio ----

  audioDecoder() {
    if (this.adec && this.adec.state !== 'closed') return this.adec;
    const track = this.tracks[this.picked.audio];
    const dec = new AudioDecoder({
      output: (data) => this.play(dec, data),
      error: () => { if (dec === this.adec) { this.adec = null; this.counts.decoderResets++; } },
    });
    dec.configure(decoderConfig(track));
    this.adec = dec;
    return dec;
  }

  audioChunk(f) {
    // A suspended context has no clock to schedule on: the picture runs on the jitter buffer's clock.
    if (!this.audio || this.audio.state !== 'running' || this.ended) return;
    try {
      this.audioDecoder().decode(new EncodedAudioChunk({ type: 'key', timestamp: f.pts, data: f.data }));
    } catch (e) {
      if (this.adec) this.adec.close();
      this.adec = null;
    }
  }

  /** Performance time -> audio context time at the output (when a sample scheduled then is heard). */
  outputContextTime(perfMs) {
    return outputContextTime(this.audio, perfMs);
  }

  play(dec, data) {
    const ac = this.audio;
    if (dec !== this.adec || !ac || this.clock.base == null || this.ended) {
      data.close();
      return;
    }
    const ms = data.timestamp / 1000;
    const ideal = this.outputContextTime(this.clock.dueAt(ms));
    const duration = data.numberOfFrames / data.sampleRate;
    let when = ideal;
    if (this.audioEnd != null && Math.abs(ideal - this.audioEnd) <= AUDIO_SLACK_S) {
      when = this.audioEnd; // follow on seamlessly
    } else if (this.audioEnd != null && ideal < this.audioEnd) {
      this.counts.audioDropped++; // the buffer shrank, or the clocks drifted: skip to catch up
      data.close();
      return;
    } else if (this.audioEnd != null) {
      this.counts.audioGaps++;
    }
    if (when < ac.currentTime + 0.005) {
      this.counts.audioDropped++; // too late to be heard on time
      data.close();
      return;
    }
    const buffer = ac.createBuffer(data.numberOfChannels, data.numberOfFrames, data.sampleRate);
    const plane = new Float32Array(data.numberOfFrames);
    for (let c = 0; c < data.numberOfChannels; c++) {
      data.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
      buffer.copyToChannel(plane, c);
    }
    data.close();
    const src = ac.createBufferSource();
    src.buffer = buffer;
    src.connect(this.tap);
    src.onended = () => this.sources.delete(src);
    src.start(when);
    this.counts.audioPlayed++;
    this.sources.add(src);
    this.audioEnd = when + duration;
    this.segments.push({ ctxStart: when, ctxEnd: when + duration, ms });
    if (this.segments.length > 200) this.segments.splice(0, this.segments.length - 200);
  }

  /** The timestamp (ms) of the sound reaching the listener at `now`, or null when none plays. */
  audibleMs(now) {
    const ac = this.audio;
    if (!ac || ac.state !== 'running' || this.segments.length === 0) return null;
    const t = this.outputContextTime(now);
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i];
      if (s.ctxStart <= t && t < s.ctxEnd + 0.002) return s.ms + (t - s.ctxStart) * 1000;
      if (s.ctxEnd < t) break;
    }
    return null;
  }

  stopSound() {
    for (const s of this.sources) {
      try { s.stop(); } catch (e) { /* not started yet */ }
    }
    this.sources.clear();
    this.segments = [];
    this.audioEnd = null;
  }

  // ---- upkeep ----

  housekeeping() {
    const now = performance.now();
    this.clock.relax(now);
    if (this.audio) {
      const t = this.audio.currentTime;
      while (this.segments.length && this.segments[0].ctxEnd < t - 1) this.segments.shift();
    }
    // rAF does not run in a hidden page, and may stall: never hold on to frames long overdue.
    const due = this.mediaNow(now);
    if (due != null) {
      while (this.frames.length > 1 && this.frames[1].timestamp / 1000 < due - 1000) {
        this.frames.shift().close();
        this.counts.dropped++;
      }
    }
  }

  closeDecoders() {
    for (const d of [this.vdec, this.adec]) {
      if (d && d.state !== 'closed') {
        try { d.close(); } catch (e) { /* already closed */ }
      }
    }
    this.vdec = null;
    this.adec = null;
  }

  stats() {
    const now = performance.now();
    const due = this.mediaNow(now);
    return {
      videoWidth: this.shownWidth || 0,
      currentTime: this.shownMs != null ? this.shownMs / 1000 : 0,
      behindLive: this.newestMs != null && due != null ? Math.max(0, (this.newestMs - due) / 1000) : null,
      buffered: this.newestMs != null && due != null ? Math.max(0, (this.newestMs - due) / 1000) : 0,
      jitterBufferMs: Math.round(this.clock.delay),
      totalVideoFrames: this.counts.decoded,
      droppedVideoFrames: this.counts.dropped,
      caughtUpFrames: this.counts.caughtUp,
      framesDrawn: this.counts.drawn,
      framesPresented: this.counts.drawn,
      decoderResets: this.counts.decoderResets,
      audioGaps: this.counts.audioGaps,
      audioDropped: this.counts.audioDropped,
      audioPlayed: this.counts.audioPlayed,
      audioClock: this.audibleMs(now) != null,
      readyState: this.counts.drawn > 0 ? 4 : 0,
    };
  }

  destroy() {
    cancelAnimationFrame(this.raf);
    clearInterval(this.timer);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.closeDecoders();
    this.dropPicture();
    this.stopSound();
    if (this.audio) this.audio.close().catch(() => {});
    this.audio = null;
  }
}
