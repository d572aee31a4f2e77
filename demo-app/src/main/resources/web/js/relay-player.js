// Viewer side of the wsvideo relay protocol: WebSocket -> MediaSource -> <video>.
// Text messages are JSON control messages, binary messages are container bytes, in stream order:
// "stream" (MIME + track info), the init segment, then media starting at a keyframe.
// A new "stream" means a new publisher session: rebuild the MediaSource without reloading the page.
'use strict';

export class RelayPlayer {
  /**
   * @param {HTMLVideoElement} video
   * @param {string} url ws(s) URL of /relay/view/{channel}
   * @param {{onStatus?: (s: string) => void, targetLatency?: number}} opts
   */
  constructor(video, url, opts = {}) {
    this.video = video;
    this.url = url;
    this.onStatus = opts.onStatus || (() => {});
    this.token = opts.token; // a view token, sent as the subprotocol
    // How far behind the newest buffered media to play: chunks arrive every 100-120 ms, so half a
    // second rides out ordinary jitter without stalling.
    this.targetLatency = opts.targetLatency || 0.5;
    this.queue = [];
    this.generation = 0;
    this.ms = null;
    this.sb = null;
    this.stream = null;
    this.ws = null;
    this.closed = false;
    this.retryMs = 500;
    this.bytesReceived = 0;
    this.skips = 0;
    this.streams = 0;
    this.connections = 0;
    this.seekToLive = true;
    this.timer = setInterval(() => this.keepLive(), 250);
  }

  start() {
    this.closed = false;
    this.connect();
  }

  stop() {
    this.closed = true;
    clearInterval(this.timer);
    if (this.ws) this.ws.close(1000, 'viewer left');
  }

  connect() {
    const ws = new WebSocket(this.url, this.token ? [this.token] : undefined);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.onStatus('connecting');
    ws.onopen = () => { this.retryMs = 500; this.connections++; this.onStatus('connected, waiting for the stream'); };
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') {
        this.onControl(JSON.parse(e.data));
      } else {
        this.bytesReceived += e.data.byteLength;
        this.noteArrival(performance.now());
        this.queue.push(e.data);
        this.pump();
      }
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.onStatus(`disconnected (${e.code}${e.reason ? ': ' + e.reason : ''})`);
      if (!this.closed) {
        // Jittered, so that an audience cut off at once (a relay restart) does not come back at once.
        setTimeout(() => { if (!this.closed) this.connect(); }, this.retryMs * (0.5 + Math.random()));
        this.retryMs = Math.min(this.retryMs * 2, 10000);
      }
    };
  }

  onControl(msg) {
    switch (msg.type) {
      case 'waiting':
        this.onStatus('waiting for a broadcaster on this channel');
        break;
      case 'stream':
        this.streams++;
        this.stream = msg;
        if (!msg.playable) {
          this.onStatus('this stream cannot be played here: ' + (msg.reason || msg.mime));
          this.resetMediaSource(null);
        } else {
          this.resetMediaSource(msg.mime);
          this.onStatus('playing ' + msg.mime);
        }
        break;
      case 'skip':
        // The relay dropped what we could not take in time; media resumes at a keyframe, in a new
        // buffered range. Bytes not yet appended are older than that keyframe: drop them, and jump into
        // the new range once its first bytes are in.
        // What arrived before the notice may end in the middle of an element: reset the demuxer
        // (abort()), or it would read the keyframe's bytes as the rest of the cut element.
        this.skips++;
        this.queue = [];
        if (this.sb && this.ms && this.ms.readyState === 'open') {
          try { this.sb.abort(); } catch (e) { /* already reset */ }
        }
        this.seekAfterAppend = true;
        break;
      case 'ended':
        this.onStatus('broadcast ended: ' + (msg.reason || '') + '; waiting for it to start again');
        break;
      default:
        break; // Unknown control messages are ignored, so newer relays keep working with this page.
    }
  }

  resetMediaSource(mime) {
    this.generation++;
    this.queue = [];
    this.sb = null;
    this.seekToLive = true;
    if (!mime) return;
    const MS = window.ManagedMediaSource || window.MediaSource;
    if (!MS || !MS.isTypeSupported(mime)) {
      this.onStatus('this browser cannot play ' + mime);
      return;
    }
    const gen = this.generation;
    const ms = new MS();
    this.ms = ms;
    if (window.ManagedMediaSource && MS === window.ManagedMediaSource) this.video.disableRemotePlayback = true;
    const old = this.video.src;
    this.video.src = URL.createObjectURL(ms);
    if (old && old.startsWith('blob:')) URL.revokeObjectURL(old);
    ms.addEventListener('sourceopen', () => {
      if (gen !== this.generation) return;
      const sb = ms.addSourceBuffer(mime);
      sb.mode = 'segments';
      sb.addEventListener('updateend', () => {
        if (this.seekAfterAppend && this.queue.length === 0) {
          this.seekAfterAppend = false;
          this.seekToLive = true;
        }
        this.pump();
      });
      sb.addEventListener('error', () => this.onStatus('decoder error'));
      this.sb = sb;
      this.pump();
    }, { once: true });
  }

  pump() {
    const sb = this.sb;
    if (!sb || sb.updating || this.queue.length === 0 || this.ms.readyState !== 'open') return;
    const data = this.queue.shift();
    try {
      sb.appendBuffer(data);
    } catch (e) {
      if (e.name === 'QuotaExceededError') {
        this.queue.unshift(data);
        this.trim(true);
      } else {
        this.onStatus('append failed: ' + e.message);
      }
    }
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
  // outside the buffered range (a late joiner starts at the keyframe's timestamp, not at 0), speed up
  // gently when a little behind, and trim what is long played.
  keepLive() {
    const v = this.video;
    if (!this.sb || v.buffered.length === 0) return;
    const end = v.buffered.end(v.buffered.length - 1);
    const lastStart = v.buffered.start(v.buffered.length - 1);
    const behind = end - v.currentTime;
    const outside = v.currentTime < lastStart || v.currentTime > end;
    const target = this.effectiveTarget();
    if (this.seekToLive || outside || behind > target + 1.5) {
      v.currentTime = Math.max(lastStart, end - target);
      this.seekToLive = false;
    } else if (behind > target + 0.2) {
      v.playbackRate = 1.1; // catch up gently: a tenth faster is hard to notice
    } else {
      v.playbackRate = 1.0;
    }
    if (v.paused) {
      v.play().catch(() => {});
    }
    this.trim(false);
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

  /** Numbers for the stats overlay and the tests. */
  stats() {
    const v = this.video;
    const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
    const end = v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0;
    const now = performance.now();
    if (!this.rate || now - this.rate.at >= 1000) {
      const prev = this.rate;
      this.rate = { at: now, bytes: this.bytesReceived,
        bps: prev ? ((this.bytesReceived - prev.bytes) * 8000) / (now - prev.at) : 0 };
    }
    return {
      connected: !!this.ws && this.ws.readyState === WebSocket.OPEN,
      bitsPerSecond: Math.round(this.rate.bps),
      buffered: v.buffered.length ? end - v.buffered.start(0) : 0,
      mime: this.stream ? this.stream.mime : null,
      streams: this.streams,
      currentTime: v.currentTime,
      behindLive: v.buffered.length ? end - v.currentTime : null,
      videoWidth: v.videoWidth,
      totalVideoFrames: q ? q.totalVideoFrames : null,
      droppedVideoFrames: q ? q.droppedVideoFrames : null,
      bytesReceived: this.bytesReceived,
      skips: this.skips,
      connections: this.connections,
      readyState: v.readyState,
    };
  }
}
