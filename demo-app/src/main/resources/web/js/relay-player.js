// Viewer side of the wsvideo relay protocol. Two ways to play a channel:
// - WebCodecs (relay-webcodecs.js): the relay's frame view (?format=frames), each frame decoded as it
//   arrives and drawn to a <canvas> when due; a jitter buffer of ~50-150 ms. Used when the browser has
//   VideoDecoder/AudioDecoder and they accept the stream's codecs.
// - MSE: container bytes into MediaSource and a <video>, which keeps a few hundred ms of buffer of its
//   own. Used otherwise, and for relays without the frame view.
// Text messages are JSON control messages: "stream" (a new publisher session: rebuild the decoders
// without reloading the page), "waiting", "skip", "ended", and for MSE "key" (where the video key frames are).
'use strict';

import { WebCodecsEngine, webCodecsAvailable, webCodecsRefusal } from './relay-webcodecs.js';
import { playableFormats } from './formats.js';

// How long the first connection waits for the browser to say what it plays (WebCodecs answers
// asynchronously); past it the player connects without saying, and says on its next connection.
const PLAYS_WAIT_MS = 300;
// How long a WebKit playhead may sit still with media ahead of it before the player starts over.
const STUCK_MS = 4000;
// A live-edge target further than this (s) after the key frame before it is deep in a long group of pictures
// (Firefox's recorder: ~7.5 s): Chromium's and Firefox's pages then jump to that key frame instead.
const KEY_GAP = 1;
// Groups of pictures this long (s) or shorter are short: Chromium's and Firefox's pages seek into them as they
// always did. Chromium's recorder, asked for a key frame a second, gives 1-1.3 s; landing on a key frame there
// cost a viewer up to a group of latency, 2.9 s behind live once after a skip (a CI run).
const SHORT_GOP = 3;
// Key frame times kept (the relay tells each one; only the recent ones are ever jumped to).
const MAX_KEYS = 16;

/** The median time between consecutive key frames (s); Infinity with fewer than two. */
function medianGap(keys) {
  const gaps = [];
  for (let i = 1; i < keys.length; i++) gaps.push(keys[i] - keys[i - 1]);
  if (gaps.length === 0) return Infinity;
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1];
}

/** MediaSource into a <video>: the byte view of a channel. */
class MseEngine {
  constructor(video, hooks, opts) {
    this.video = video;
    this.hooks = hooks;
    // How far behind the newest buffered media to play (s); see keepLive and docs/latency.md.
    this.targetLatency = opts.targetLatency || 0.5;
    this.queue = [];
    this.generation = 0;
    this.ms = null;
    this.sb = null;
    this.seekToLive = true;
    // Presentation times (s, the stream's own timeline) of the recent video key frames, from the relay's "key"
    // messages (?keys=1); empty from an older relay or for audio only: keepLive then jumps as it always did.
    this.keys = [];
    this.keyJumps = 0; // catch-up jumps that landed on a key frame instead of the live-edge target
    this.stalls = 0; // times playback ran out of data after it had started
    this.onWaiting = () => { if (video.currentTime > 0 && this.sb) this.stalls++; };
    video.addEventListener('waiting', this.onWaiting);
    // A hidden page's <video> may be suspended and its timers throttled: on return, go straight back to
    // the live edge instead of catching up over many seconds.
    this.onVisibility = () => { if (!document.hidden) this.returned = true; };
    document.addEventListener('visibilitychange', this.onVisibility);
    this.timer = setInterval(() => this.keepLive(), 250);
    // Frames presented, counted by requestVideoFrameCallback where there is one: WebKit's
    // getVideoPlaybackQuality() count starts again on seeks, so tests and the overlay read this instead.
    this.framesPresented = 0;
    // When each step of a (re)start happened, ms after the stream message: where a slow start goes
    // (docs/browsers.md measures WebKit's with it).
    this.startup = {};
    this.onSeeked = () => this.mark('seeked');
    video.addEventListener('seeked', this.onSeeked);
    // A decoder that fails while playing (not while parsing an append) errors the <video> and ends the
    // MediaSource, without an 'error' on the SourceBuffer: start over too. What the engine said is kept.
    this.mediaErrors = [];
    this.onError = () => {
      const e = video.error;
      if (!e || !this.sb) return;
      if (this.mediaErrors.length < 10) this.mediaErrors.push(`${e.code}: ${e.message || ''}`);
      this.broken(`media error ${e.code}${e.message ? ' (' + e.message + ')' : ''}`);
    };
    video.addEventListener('error', this.onError);
    if (video.requestVideoFrameCallback) {
      const count = () => {
        this.framesPresented++;
        this.mark('firstFrame');
        this.frameCallback = video.requestVideoFrameCallback(count);
      };
      this.frameCallback = video.requestVideoFrameCallback(count);
    }
  }

  mark(step) {
    if (this.startup[step] != null || this.startedAt == null) return;
    this.startup[step] = Math.round(performance.now() - this.startedAt);
  }

  onStream(msg) {
    this.startedAt = performance.now();
    this.startup = {};
    // The first binary message of a stream is its init segment (README, protocol): kept for skips.
    this.init = null;
    this.awaitingInit = true;
    this.keys = [];
    if (!msg.playable) {
      this.hooks.onStatus('this stream cannot be played here: ' + (msg.reason || msg.mime));
      this.resetMediaSource(null);
    } else {
      this.resetMediaSource(msg.mime);
      this.hooks.onStatus('playing ' + msg.mime);
    }
  }

  onData(data, now) {
    if (this.awaitingInit) {
      this.init = data;
      this.awaitingInit = false;
    }
    this.noteArrival(now);
    this.queue.push(data);
    this.pump();
  }

  onSkip() {
    // The relay dropped what we could not take in time; media resumes at a keyframe, in a new buffered
    // range. Bytes not yet appended are older than that keyframe: drop them, and jump into the new range
    // once its first bytes are in. What arrived before the notice may end in the middle of an element:
    // reset the demuxer (abort()), or it would read the keyframe's bytes as the rest of the cut element.
    this.queue = [];
    if (this.sb && this.ms && this.ms.readyState === 'open') {
      try { this.sb.abort(); } catch (e) { /* already reset */ }
    }
    // WebKit's GStreamer MediaSource (WebKitGTK, WPE) resets its demuxer on abort(), losing the init
    // segment (unlike the spec and the other engines): the key frame after the skip then failed there as
    // a "decoder error". Appending the init segment again first is valid everywhere; done where
    // ManagedMediaSource says WebKit (docs/browsers.md).
    if (this.managed && this.init) this.queue.push(this.init);
    this.seekAfterAppend = true;
  }

  onEnded() {}

  // A video key frame at t (s); it comes right after the bytes that complete it.
  onKey(t) {
    if (typeof t !== 'number') return;
    this.keys.push(t);
    if (this.keys.length > MAX_KEYS) this.keys.shift();
  }

  // The broadcaster's connection dropped and it continued the same stream: what it recorded meanwhile follows
  // at once. The silence before it is no arrival pattern to keep latency for (unlike MP4's once-per-GOP
  // arrivals), and once the backlog is in, jump to the live edge rather than play it off at 10 % faster.
  onContinued() {
    this.lastArrival = null;
    // For a while: the backlog may take seconds to arrive and append on a busy machine.
    this.jumpUntil = performance.now() + 10_000;
  }

  setMuted(muted) {
    this.video.muted = muted;
    if (!muted) this.video.play().catch(() => {});
  }

  resetMediaSource(mime) {
    this.generation++;
    this.queue = [];
    this.sb = null;
    this.seekToLive = true;
    if (!mime) return;
    const MS = window.ManagedMediaSource || window.MediaSource;
    if (!MS || !MS.isTypeSupported(mime)) {
      this.hooks.onStatus('this browser cannot play ' + mime);
      return;
    }
    const gen = this.generation;
    const ms = new MS();
    this.ms = ms;
    // Safari's shape (WebKit): a ManagedMediaSource needs disableRemotePlayback (or AirPlay-able source
    // elements), and it says when it wants data: append only between startstreaming and endstreaming.
    this.managed = !!window.ManagedMediaSource && MS === window.ManagedMediaSource;
    this.streaming = !this.managed;
    this.playing = false;
    this.lastMoved = performance.now();
    if (this.managed) {
      this.video.disableRemotePlayback = true;
      ms.addEventListener('startstreaming', () => {
        if (gen === this.generation) { this.mark('startstreaming'); this.streaming = true; this.pump(); }
      });
      ms.addEventListener('endstreaming', () => { if (gen === this.generation) this.streaming = false; });
    }
    this.video.addEventListener('playing', () => {
      if (gen === this.generation) { this.mark('playing'); this.playing = true; }
    }, { once: true });
    const old = this.video.src;
    this.video.src = URL.createObjectURL(ms);
    if (old && old.startsWith('blob:')) URL.revokeObjectURL(old);
    ms.addEventListener('sourceopen', () => {
      if (gen !== this.generation) return;
      this.mark('sourceopen');
      const sb = ms.addSourceBuffer(mime);
      // WebKit: a seek before playback takes 0.2-1.2 s there (docs/browsers.md). 'sequence' for the first
      // media append puts the late joiner's key frame at 0, where the playhead already is; then back to
      // 'segments', keeping the offset that gave.
      sb.mode = this.managed ? 'sequence' : 'segments';
      sb.addEventListener('updateend', () => {
        if (this.video.buffered.length) {
          this.mark('buffered');
          if (sb.mode === 'sequence') sb.mode = 'segments';
        }
        if (this.seekAfterAppend && this.queue.length === 0) {
          this.seekAfterAppend = false;
          this.seekToLive = true;
        }
        this.pump();
        // WebKit waits at 0 until the player seeks to the buffered start (keepLive): do it as soon as there
        // is media rather than on the next tick, up to 250 ms later.
        if (this.managed && !this.playing) this.keepLive();
      });
      sb.addEventListener('error', () => this.broken('decoder error'));
      this.sb = sb;
      this.pump();
    }, { once: true });
  }

  pump() {
    const sb = this.sb;
    if (!sb || sb.updating || this.queue.length === 0 || this.ms.readyState !== 'open' || !this.streaming) return;
    const data = this.queue.shift();
    try {
      this.mark('firstAppend');
      sb.appendBuffer(data);
    } catch (e) {
      if (e.name === 'QuotaExceededError') {
        this.queue.unshift(data);
        this.trim(true);
      } else {
        this.broken('append failed: ' + e.message);
      }
    }
  }

  /**
   * The MediaSource cannot take more (a decoder error closed it: Firefox, now and then, on the key frame
   * after a skip). Nothing appended to it will play again: the player starts over on a new connection,
   * which the relay begins at the last key frame with the init segment.
   */
  broken(why) {
    // Once per MediaSource: its 'error' event and the appends refused after it are one failure.
    if (this.brokenGeneration === this.generation) return;
    this.brokenGeneration = this.generation;
    this.hooks.onStatus(why + ': starting again at a key frame');
    if (this.hooks.onBroken) this.hooks.onBroken(why);
  }

  // Media arrives in bursts whose spacing depends on the container: every ~120 ms for WebM, once per
  // group of pictures (~1 s) for MP4. Playing closer to the edge than the largest recent gap stalls.
  noteArrival(now) {
    if (this.lastArrival) {
      const gap = (now - this.lastArrival) / 1000;
      this.gaps = (this.gaps || []).filter((g) => now - g.at < 5000);
      this.gaps.push({ at: now, gap });
    }
    this.lastArrival = now;
  }

  effectiveTarget() {
    const maxGap = Math.max(0, ...(this.gaps || []).map((g) => g.gap));
    return Math.max(this.targetLatency, Math.min(maxGap * 1.2, 3));
  }

  // Keep the playhead about targetLatency behind the newest buffered media: seek when far behind or
  // outside the buffered range (a late joiner starts at the keyframe's timestamp, not at 0); otherwise
  // steer the playback rate in proportion to the error, at most 10 % either way (hard to notice): faster
  // to catch up, slower to rebuild the cushion before it runs dry (a stall costs its whole length in
  // latency, and the rate then has to win it back). Trim what is long played.
  keepLive() {
    const v = this.video;
    if (!this.sb || v.buffered.length === 0) return;
    const end = v.buffered.end(v.buffered.length - 1);
    const lastStart = v.buffered.start(v.buffered.length - 1);
    const behind = end - v.currentTime;
    if (this.stuck(v, behind)) return;
    const target = this.effectiveTarget();
    const error = behind - target;
    // Never seek backwards (that shows frames again): a playhead past the end of what both tracks have
    // buffered (video ahead of audio) waits for data; one before the newest range jumps into it.
    // WebKit (a ManagedMediaSource): before playback starts, seek only to the start of the range (a
    // keyframe); a seek into the middle of a group of pictures there stalls for good or hangs the page.
    // And it rebuffers on every playbackRate change (measured: a 1.0/1.1 toggle each second showed 30 of
    // ~190 frames), so it jumps to the live edge instead of speeding up (docs/browsers.md).
    let seekTo = this.managed && !this.playing ? lastStart : Math.max(lastStart, end - target);
    // Once playing, catch-up jumps land on key frames where the relay says where they are (keyTarget).
    const key = this.managed && !this.playing ? seekTo : this.keyTarget(seekTo, end, target, v.currentTime);
    const toKey = key !== seekTo;
    seekTo = key ?? v.currentTime; // null: stay, the next key frame is not far enough in yet
    // Within WebKit's fudge (1/12 s) of the playhead it plays without a seek.
    // Nor while the playhead is in buffered media that has not had 1.5 s to start playing: a seek before
    // the first 'playing' is what hung WebKit's page now and then (Chromium's VP8, whose ranges can split).
    const waiting = this.managed && !this.playing && this.inBuffered(v.currentTime)
      && performance.now() - this.startedAt - (this.startup.buffered ?? Infinity) < 1500;
    const near = this.managed && !this.playing && (seekTo - v.currentTime < 0.08 || waiting);
    const far = this.returned || performance.now() < (this.jumpUntil || 0) ? 0.25 : 1.5;
    this.returned = false;
    if ((this.seekToLive || v.currentTime < lastStart || error > far) && seekTo > v.currentTime && !near) {
      this.mark('seek');
      this.seeks = (this.seeks || 0) + 1;
      if (toKey) this.keyJumps++;
      if (!this.startup.seekFrom) this.startup.seekFrom = { at: v.currentTime, to: seekTo, ranges: this.ranges() };
      v.currentTime = seekTo;
    } else if (this.managed) {
      // no rate steering
    } else if (Math.abs(error) > 0.05) {
      v.playbackRate = 1 + Math.max(-0.1, Math.min(0.1, error * 0.5));
    } else {
      v.playbackRate = 1.0;
    }
    this.seekToLive = false; // done, or already at (or past) the live edge
    if (v.paused) {
      v.play().catch(() => {});
    }
    this.trim(false);
  }

  /**
   * WebKit (a ManagedMediaSource) now and then never gets going: a seek that never ends (readyState 1), on a
   * busy machine, before or after its first 'playing' (matrix runs at load 12-14). A playhead that has not
   * moved for STUCK_MS while a second of media waits ahead of it starts over on a new connection (the restart
   * path of a decoder error). Not while hidden: the page may be suspended then.
   */
  stuck(v, behind) {
    const now = performance.now();
    if (!this.managed || document.hidden || v.currentTime !== this.lastTime || behind < 1) {
      this.lastTime = v.currentTime;
      this.lastMoved = now;
      return false;
    }
    if (now - this.lastMoved < STUCK_MS) return false;
    this.lastMoved = now;
    this.broken(`stuck at ${v.currentTime.toFixed(2)} s (readyState ${v.readyState})`);
    return true;
  }

  /**
   * Where a catch-up jump whose live-edge target is `to` lands: `to` as before without known key frames in the
   * buffer (an older relay, audio only); otherwise a key frame, or null for no jump now. Key times are mapped
   * into the SourceBuffer's timeline with its timestampOffset (on a ManagedMediaSource the first append, in
   * 'sequence' mode, set it).
   */
  keyTarget(to, end, target, now) {
    const offset = this.sb ? this.sb.timestampOffset : 0;
    const keys = this.keys.map((t) => t + offset).filter((k) => this.inBuffered(k));
    if (keys.length === 0) return to;
    if (this.managed) {
      // WebKit shows no new picture after a seek into a group of pictures until the next key frame (~7.5 s
      // with Firefox's recorder; sound plays on): jump only to a buffered key frame ahead of the playhead and
      // at least the target behind the end; with none, wait for the next key frame.
      const ahead = keys.filter((k) => k > now + 0.08 && k <= end - target);
      return ahead.length ? Math.max(...ahead) : null;
    }
    // Chromium's page stalled at readyState 1 for seconds after seeks deep into Firefox's 7.5 s groups of
    // pictures: a target more than KEY_GAP after the key frame before it goes to that key frame (the rate then
    // catches up, or the next key frame's jump does). Short groups (Chromium's, SHORT_GOP) seek as before.
    if (medianGap(keys) <= SHORT_GOP) return to;
    const before = keys.filter((k) => k <= to);
    const k = before.length ? Math.max(...before) : -Infinity;
    return to - k > KEY_GAP && k > -Infinity ? k : to;
  }

  inBuffered(t) {
    const b = this.video.buffered;
    for (let i = 0; i < b.length; i++) if (t >= b.start(i) - 0.08 && t < b.end(i)) return true;
    return false;
  }

  ranges() {
    const b = this.video.buffered;
    const r = [];
    for (let i = 0; i < b.length; i++) r.push([+b.start(i).toFixed(3), +b.end(i).toFixed(3)]);
    return r;
  }

  trim(force) {
    const sb = this.sb;
    const v = this.video;
    if (!sb || sb.updating || v.buffered.length === 0) return;
    const start = v.buffered.start(0);
    const keepFrom = v.currentTime - 10;
    if (keepFrom - start > (force ? 0 : 20)) {
      try { sb.remove(start, keepFrom); } catch (e) { /* retried on the next tick */ }
    }
  }

  stats() {
    const v = this.video;
    const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
    const end = v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0;
    return {
      buffered: v.buffered.length ? end - v.buffered.start(0) : 0,
      currentTime: v.currentTime,
      behindLive: v.buffered.length ? end - v.currentTime : null,
      videoWidth: v.videoWidth,
      totalVideoFrames: q ? q.totalVideoFrames : null,
      droppedVideoFrames: q ? q.droppedVideoFrames : null,
      readyState: v.readyState,
      framesPresented: v.requestVideoFrameCallback ? this.framesPresented : null,
      managedMediaSource: !!this.managed,
      playbackRate: v.playbackRate,
      stalls: this.stalls,
      seeks: this.seeks || 0, // to the live edge (or into the buffered range)
      keyJumps: this.keyJumps, // of those, the ones that went to a key frame the relay told of
      keysKnown: this.keys.length,
      targetLatency: this.effectiveTarget(),
      startup: this.startup,
      mediaErrors: this.mediaErrors,
    };
  }

  destroy() {
    clearInterval(this.timer);
    if (this.frameCallback) this.video.cancelVideoFrameCallback(this.frameCallback);
    this.video.removeEventListener('waiting', this.onWaiting);
    this.video.removeEventListener('seeked', this.onSeeked);
    this.video.removeEventListener('error', this.onError);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.generation++;
    this.sb = null;
    const v = this.video;
    if (v.src && v.src.startsWith('blob:')) URL.revokeObjectURL(v.src);
    v.removeAttribute('src');
    v.load();
  }
}

export class RelayPlayer {
  /**
   * @param {HTMLVideoElement} video shows the MSE mode
   * @param {string} url ws(s) URL of /relay/view/{channel}
   * @param {{onStatus?: (s: string) => void, targetLatency?: number, token?: string,
   *          mode?: 'auto'|'webcodecs'|'mse', canvas?: HTMLCanvasElement,
   *          onFramePresented?: (source: CanvasImageSource, width: number, at: number, arrivedAt?: number) => void,
   *          onEngine?: (mode: string) => void}} opts
   *   canvas shows the WebCodecs mode (one is made next to the video when absent).
   */
  constructor(video, url, opts = {}) {
    this.video = video;
    this.url = url;
    this.opts = opts;
    this.onStatus = opts.onStatus || (() => {});
    this.token = opts.token; // a view token, sent as the subprotocol
    this.requestedMode = opts.mode === 'webcodecs' || opts.mode === 'mse' ? opts.mode : 'auto';
    // 'auto' plays MSE on WebKit (the engine with ManagedMediaSource): WebKitGTK's WebCodecs page crashed
    // the web process while decoding, though isConfigSupported accepted every codec (docs/browsers.md),
    // and a ManagedMediaSource is Safari's own path for live media.
    this.autoMse = this.requestedMode === 'auto' && !!window.ManagedMediaSource;
    this.mode = null; // the engine in use: 'webcodecs' or 'mse'
    this.engine = null;
    this.framesRefused = null; // why WebCodecs cannot play this channel here (auto mode falls back to MSE)
    this.muted = video.muted;
    this.stream = null;
    this.ws = null;
    this.held = null; // messages held while the browser is asked whether it decodes a stream's codecs
    this.closed = false;
    this.retryMs = 500;
    this.bytesReceived = 0;
    this.skips = 0;
    this.streams = 0;
    this.connections = 0;
  }

  start() {
    this.closed = false;
    if (this.opts.reportPlays === false || this.plays) {
      this.connect();
      return;
    }
    // The relay counts what each viewer plays (?plays=), so that the broadcaster can pick a format every
    // viewer plays: docs/browsers.md, "Format choice".
    const t0 = performance.now();
    const asked = playableFormats(this.autoMse ? 'mse' : this.requestedMode).then((ids) => {
      this.plays = ids;
      this.playsMs = Math.round(performance.now() - t0);
    }, () => {});
    const waited = new Promise((resolve) => { setTimeout(resolve, PLAYS_WAIT_MS); });
    Promise.race([asked, waited]).then(() => { if (!this.closed && !this.ws) this.connect(); });
  }

  stop() {
    this.closed = true;
    if (this.ws) this.ws.close(1000, 'viewer left');
    this.useEngine(null);
  }

  /** Whether to ask the relay for frames (WebCodecs) rather than container bytes (MSE). */
  wantsFrames() {
    if (this.requestedMode === 'mse' || this.autoMse) return false;
    if (this.requestedMode === 'webcodecs') return true;
    return webCodecsAvailable() && !this.framesRefused;
  }

  connect() {
    const frames = this.wantsFrames();
    const query = [];
    if (frames) query.push('format=frames');
    // MSE jumps to key frames when it knows where they are (MseEngine.keyTarget); relays without it ignore it.
    else query.push('keys=1');
    if (this.plays) query.push('plays=' + this.plays.join(','));
    const url = query.length ? this.url + (this.url.includes('?') ? '&' : '?') + query.join('&') : this.url;
    const ws = new WebSocket(url, this.token ? [this.token] : undefined);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.held = null;
    this.onStatus('connecting');
    ws.onopen = () => { this.retryMs = 500; this.connections++; this.onStatus('connected, waiting for the stream'); };
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      if (this.held) {
        this.held.push(e.data);
        return;
      }
      this.handle(e.data, performance.now());
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.onStatus(`disconnected (${e.code}${e.reason ? ': ' + e.reason : ''})`);
      if (this.closed) return;
      if (frames && this.requestedMode === 'auto' && /frame/i.test(e.reason || '') && e.code !== 1000) {
        // The relay cannot frame this channel's container: watch its bytes instead, at once.
        this.framesRefused = e.reason;
        this.connect();
        return;
      }
      // Jittered, so that an audience cut off at once (a relay restart) does not come back at once.
      setTimeout(() => { if (!this.closed && this.ws === ws) this.connect(); }, this.retryMs * (0.5 + Math.random()));
      this.retryMs = Math.min(this.retryMs * 2, 10000);
    };
  }

  /**
   * A new connection: now, or once a second has passed since the last one (so a stream that breaks every
   * decoder cannot spin; a failure within that second is not dropped, or the page would stay frozen).
   */
  restart(why) {
    const now = performance.now();
    if (this.closed || this.restartTimer) return;
    const wait = this.restartedAt == null ? 0 : this.restartedAt + 1000 - now;
    if (wait > 0) {
      this.restartTimer = setTimeout(() => { this.restartTimer = null; this.restart(why); }, wait);
      return;
    }
    this.restartedAt = now;
    this.restartReasons = [...(this.restartReasons || []), why || null].slice(-5); // for the stats
    this.restarts = (this.restarts || 0) + 1;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, 'player restarting');
    this.connect();
  }

  handle(data, now) {
    if (typeof data === 'string') {
      this.onControl(JSON.parse(data));
    } else {
      this.bytesReceived += data.byteLength;
      if (this.engine) this.engine.onData(data, now);
    }
  }

  onControl(msg) {
    switch (msg.type) {
      case 'waiting':
        this.onStatus('waiting for a broadcaster on this channel');
        break;
      case 'stream':
        this.streams++;
        this.stream = msg;
        if (msg.format === 'frames') this.startFrames(msg);
        else this.startBytes(msg);
        break;
      case 'skip':
        this.skips++;
        if (this.engine) this.engine.onSkip();
        break;
      case 'key':
        if (this.engine && this.engine.onKey) this.engine.onKey(msg.t);
        break;
      case 'continued':
        // The same stream after the broadcaster's drop (README, Protocol): the frame view also flags it in
        // the frames (a discontinuity); MSE needs telling.
        if (this.engine && this.engine.onContinued) this.engine.onContinued();
        break;
      case 'ended':
        if (this.engine) this.engine.onEnded();
        this.onStatus('broadcast ended: ' + (msg.reason || '') + '; waiting for it to start again');
        break;
      default:
        break; // Unknown control messages are ignored, so newer relays keep working with this page.
    }
  }

  startBytes(msg) {
    this.useEngine('mse');
    this.engine.onStream(msg);
  }

  startFrames(msg) {
    // isConfigSupported answers asynchronously: hold what arrives meanwhile, in order.
    const ws = this.ws;
    const held = [];
    this.held = held;
    const refused = msg.playable === false ? Promise.resolve(msg.reason || 'not playable') : webCodecsRefusal(msg.tracks);
    refused.then((refusal) => {
      if (this.ws !== ws || this.held !== held) return;
      if (refusal) {
        this.held = null;
        if (this.requestedMode === 'webcodecs') {
          this.useEngine(null);
          this.onStatus('this browser cannot decode this stream with WebCodecs: ' + refusal);
          return;
        }
        this.framesRefused = refusal;
        this.ws = null;
        ws.close(1000, 'switching to MSE');
        this.connect();
        return;
      }
      this.useEngine('webcodecs');
      this.engine.onStream(msg);
      const codecs = msg.tracks.map((t) => t.codec).join(', ');
      this.onStatus('playing ' + codecs + ' (WebCodecs)');
      this.held = null;
      const now = performance.now();
      for (const d of held) this.handle(d, now);
    });
  }

  canvas() {
    if (!this.opts.canvas) {
      const c = document.createElement('canvas');
      c.className = 'video';
      c.setAttribute('aria-label', this.video.getAttribute('aria-label') || 'Live video');
      this.video.after(c);
      this.opts.canvas = c;
    }
    return this.opts.canvas;
  }

  useEngine(mode) {
    if (mode === this.mode && this.engine) return;
    if (this.engine) this.engine.destroy();
    this.engine = null;
    this.mode = mode;
    if (mode === 'webcodecs') {
      const canvas = this.canvas();
      this.engine = new WebCodecsEngine(canvas, {
        onStatus: this.onStatus,
        onFramePresented: this.opts.onFramePresented,
      });
      canvas.hidden = false;
      this.video.hidden = true;
    } else if (mode === 'mse') {
      this.engine = new MseEngine(this.video, { onStatus: this.onStatus, onBroken: (why) => this.restart(why) }, this.opts);
      if (this.opts.canvas) this.opts.canvas.hidden = true;
      this.video.hidden = false;
    }
    if (!this.engine) {
      if (this.opts.canvas) this.opts.canvas.hidden = true;
      this.video.hidden = false;
    } else {
      this.engine.setMuted(this.muted);
    }
    if (this.opts.onEngine) this.opts.onEngine(mode);
  }

  /** Mutes or unmutes; call it from a click, so the browser lets sound start. */
  setMuted(muted) {
    this.muted = muted;
    if (this.engine) this.engine.setMuted(muted);
  }

  /** Jump to the live edge (MSE: seek; WebCodecs is always there). */
  set seekToLive(v) {
    if (v && this.engine instanceof MseEngine) this.engine.seekToLive = true;
  }

  /** The WebCodecs mode's audio graph, for a test to listen to (null in MSE mode). */
  audioTap() {
    return this.engine instanceof WebCodecsEngine && this.engine.audio
      ? { context: this.engine.audio, node: this.engine.tap } : null;
  }

  /** Numbers for the stats overlay and the tests. */
  stats() {
    const now = performance.now();
    if (!this.rate || now - this.rate.at >= 1000) {
      const prev = this.rate;
      this.rate = { at: now, bytes: this.bytesReceived,
        bps: prev ? ((this.bytesReceived - prev.bytes) * 8000) / (now - prev.at) : 0 };
    }
    const engine = this.engine ? this.engine.stats() : {
      buffered: 0, currentTime: 0, behindLive: null, videoWidth: 0, totalVideoFrames: null,
      droppedVideoFrames: null, readyState: 0,
    };
    return {
      mode: this.mode,
      requestedMode: this.requestedMode,
      framesRefused: this.framesRefused,
      connected: !!this.ws && this.ws.readyState === WebSocket.OPEN,
      bitsPerSecond: Math.round(this.rate.bps),
      mime: this.stream ? this.stream.mime || null : null,
      codecs: this.stream && this.stream.tracks ? this.stream.tracks.map((t) => t.codec) : null,
      plays: this.plays || null,
      playsMs: this.playsMs ?? null,
      streams: this.streams,
      bytesReceived: this.bytesReceived,
      skips: this.skips,
      connections: this.connections,
      restarts: this.restarts || 0,
      restartReasons: this.restartReasons || [],
      ...engine,
    };
  }
}
