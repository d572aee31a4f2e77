// Broadcaster side: getUserMedia -> MediaRecorder -> WebSocket /relay/publish/{channel}?mime=...
// The relay's "accepted" message carries a resume token. When the connection drops, the recorder keeps
// running and its chunks are kept; the page reconnects at once showing the token (?resume=) and asking to
// continue the same byte stream (&continue=1). The relay answers with how many bytes of the stream it has
// ("offset" in "accepted"), and the page sends its chunks from exactly that byte on: viewers see the same
// stream go on (no new stream, no decoder rebuilt), after a gap no longer than the outage. When the relay
// cannot continue (the stream ended meanwhile) or the page no longer holds the bytes from that offset (a drop
// longer than the token lasts, or more than MAX_KEPT_BYTES), a new recorder starts a new stream, which the
// viewers' pages start over with.
'use strict';

// Formats the viewer's MediaSource can play, best first. H.264 in WebM/Matroska is never offered:
// Chromium records it but MediaSource refuses it.
export const FORMATS = [
  { mime: 'video/webm;codecs=vp8,opus', label: 'WebM VP8 + Opus' },
  { mime: 'video/webm;codecs=vp9,opus', label: 'WebM VP9 + Opus' },
  { mime: 'video/webm;codecs=av01,opus', label: 'WebM AV1 + Opus' },
  { mime: 'video/mp4;codecs=avc1,opus', label: 'MP4 H.264 + Opus' },
  { mime: 'video/webm', label: 'WebM (browser default codecs)' },
  { mime: 'video/mp4', label: 'MP4 (browser default codecs)' },
];

export function supportedFormats() {
  if (!window.MediaRecorder) return [];
  return FORMATS.filter((f) => MediaRecorder.isTypeSupported(f.mime));
}

/**
 * How often MediaRecorder hands over what it has encoded: the relay can forward a frame no sooner.
 * 50 ms: against 100 ms it takes ~30 ms off the frame view's glass-to-glass latency and halves the jitter
 * a WebCodecs viewer must buffer; 20 ms gains nothing more (with a sound track Chromium's recorder hands
 * over each video frame ~115 ms after it was painted whatever the timeslice; ~50 ms without sound) and
 * costs the broadcaster more CPU and bursts of lateness.
 * Measurements in docs/latency.md.
 */
export const DEFAULT_TIMESLICE_MS = 50;

/** Close codes after which trying again cannot help. */
const FINAL_CODES = new Set([1003, 1007, 1009]);

/** How long sent chunks are kept for a resend: a drop may lose what was still on its way to the relay. */
const KEEP_SENT_MS = 5000;
/** Most bytes kept (sent ones, and what is recorded while disconnected); past it the stream starts over. */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

export class RelayBroadcaster {
  /**
   * @param {string} url ws(s) URL of /relay/publish/{channel}
   * @param {{onStatus?: (s: string, state?: string) => void, mimeType?: string,
   *          videoBitsPerSecond?: number, reconnect?: boolean, token?: string, timeslice?: number}} opts
   */
  constructor(url, opts = {}) {
    this.url = url;
    this.opts = opts;
    this.onStatus = opts.onStatus || (() => {});
    this.bytesSent = 0;
    this.chunks = 0;
    this.connections = 0;
    this.media = null;
    this.recorder = null; // made before a connection opens, started once the relay accepted it
    this.ws = null;
    this.live = false; // the relay accepted this.ws: chunks go out as they come
    this.stopped = false;
    this.retryMs = 500;
    this.retryTimer = null;
    this.resumeToken = null; // from the relay's last "accepted" message; shown when reconnecting
    this.resumeMillis = 0;
    // The recorder's stream: bytes so far, and its chunks from the first one a resume may need, in order.
    this.streamBytes = 0;
    this.kept = []; // {start, blob, at}
    this.keptBytes = 0;
    this.droppedAt = null; // performance.now() when the connection of a stream that may go on dropped
    this.quickRetries = 0; // reconnects since that drop: the first one goes at once
    this.giveUpTimer = null;
    this.continued = 0; // drops after which the relay continued the same stream
    this.lastOutageMs = null; // from the last such drop to the relay's accepting the continuation
    this.lastContinuedAt = null; // Date.now() then
  }

  /** Starts streaming `media`; resolves once the first connection is open, rejects if it fails. */
  async start(media) {
    this.media = media;
    this.stopped = false;
    const mimeType = this.opts.mimeType || (supportedFormats()[0] || {}).mime;
    if (!mimeType) throw new Error('This browser has no MediaRecorder format the viewers can play.');
    this.mimeType = mimeType;
    await this.connect();
  }

  /** A recorder for a new stream, not started yet; what the last one recorded is of no use any more. */
  newRecorder() {
    this.stopRecorder();
    const recorder = new MediaRecorder(this.media, {
      mimeType: this.mimeType,
      videoBitsPerSecond: this.opts.videoBitsPerSecond || 1_000_000,
      audioBitsPerSecond: 64_000,
      // A keyframe every second: late joiners and skipping viewers resume within about a second.
      videoKeyFrameIntervalDuration: 1000,
    });
    recorder.ondataavailable = (e) => this.recorded(recorder, e.data);
    this.recorder = recorder;
    this.streamBytes = 0;
    return recorder;
  }

  stopRecorder() {
    const r = this.recorder;
    this.recorder = null;
    if (r && r.state !== 'inactive') r.stop();
    this.kept = [];
    this.keptBytes = 0;
    this.streamBytes = 0;
  }

  recording() {
    return !!this.recorder && this.recorder.state === 'recording';
  }

  recorded(recorder, blob) {
    if (recorder !== this.recorder || blob.size === 0) return;
    const now = performance.now();
    this.kept.push({ start: this.streamBytes, blob, at: now });
    this.keptBytes += blob.size;
    this.streamBytes += blob.size;
    if (this.live) {
      this.send(blob);
      // Connected: keep only what a drop could lose, the last few seconds sent.
      while (this.kept.length > 1 && (now - this.kept[0].at > KEEP_SENT_MS || this.keptBytes > MAX_KEPT_BYTES)) {
        this.keptBytes -= this.kept.shift().blob.size;
      }
    } else if (this.keptBytes > MAX_KEPT_BYTES) {
      this.abandonStream();
    }
  }

  send(blob) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(blob);
    this.bytesSent += blob.size;
    this.chunks++;
  }

  /** Disconnected too long (or too much recorded meanwhile): the next connection starts a new stream. */
  abandonStream() {
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = null;
    if (this.live) return;
    this.droppedAt = null;
    this.stopRecorder();
  }

  connect() {
    return new Promise((resolve, reject) => {
      const continuing = this.recording() && !!this.resumeToken;
      if (!continuing) {
        try {
          this.newRecorder();
        } catch (e) {
          reject(e);
          return;
        }
      }
      const sep = this.url.includes('?') ? '&' : '?';
      const resume = this.resumeToken
        ? '&resume=' + encodeURIComponent(this.resumeToken) + (continuing ? '&continue=1' : '') : '';
      // A publish token travels as the subprotocol: it stays out of URLs and access logs.
      const ws = new WebSocket(this.url + sep + 'mime='
        + encodeURIComponent(this.recorder.mimeType || this.mimeType) + resume,
        this.opts.token ? [this.opts.token] : undefined);
      this.ws = ws;
      this.live = false;
      let opened = false;
      ws.onmessage = (e) => {
        if (typeof e.data !== 'string' || this.ws !== ws) return;
        let msg;
        try {
          msg = JSON.parse(e.data);
        } catch (err) {
          return; // not ours to understand
        }
        if (msg.type === 'accepted') this.accepted(msg);
      };
      ws.onopen = () => {
        opened = true;
        this.connections++;
        this.retryMs = 500;
        resolve();
      };
      ws.onclose = (e) => {
        if (this.ws !== ws || this.stopped) return;
        this.live = false;
        const why = `${e.code}${e.reason ? ': ' + e.reason : ''}`;
        // Retrying cannot fix a wrong token or a name the relay refuses, nor undo a takeover.
        if (FINAL_CODES.has(e.code) || (e.code === 1008 && /token|taken over|channel name/.test(e.reason))) {
          this.onStatus(`The relay refused the stream (${why}).`, 'error');
          this.stopped = true;
          this.abandonStream();
          this.stopRecorder();
          if (!opened) reject(new Error(e.reason || 'refused'));
          return;
        }
        if (!opened && this.connections === 0 && this.opts.reconnect === false) {
          this.stopRecorder();
          reject(new Error(`Could not connect to the relay (${why}).`));
          return;
        }
        // The recorder goes on through the drop while the relay may let the stream go on (token), for as
        // long as the token lasts; otherwise the next connection starts a new stream.
        const goesOn = this.recording() && !!this.resumeToken;
        if (!goesOn) {
          this.stopRecorder();
        } else if (this.droppedAt == null) {
          this.droppedAt = performance.now();
          this.quickRetries = 0;
          this.giveUpTimer = setTimeout(() => this.abandonStream(), this.resumeMillis || 5000);
        }
        // At once the first time after a drop (the outage is what viewers see); then jittered, like the
        // viewers' reconnects: clients cut off at once should not return at once.
        const delay = goesOn && this.quickRetries++ === 0 ? 0 : this.retryMs * (0.5 + Math.random());
        this.onStatus(`Connection lost (${why}); reconnecting in ${(delay / 1000).toFixed(1)} s`
          + (goesOn ? ' (still recording)' : ''), 'reconnecting');
        this.retryTimer = setTimeout(() => {
          this.connect().then(resolve, () => {});
        }, delay);
        if (delay > 0) this.retryMs = Math.min(this.retryMs * 2, 10000);
      };
    });
  }

  /** The relay accepted the connection: continue the stream from the byte it asks for, or start one. */
  accepted(msg) {
    this.resumeToken = msg.resumeToken || null;
    this.resumeMillis = msg.resumeMillis || 0;
    clearTimeout(this.giveUpTimer);
    this.giveUpTimer = null;
    this.live = true;
    if (this.recording() && typeof msg.offset === 'number' && this.resendFrom(msg.offset)) {
      this.continued++;
      this.lastOutageMs = this.droppedAt == null ? null : Math.round(performance.now() - this.droppedAt);
      this.lastContinuedAt = Date.now();
    } else {
      // A new stream: the relay did not continue, or the recorder was given up meanwhile.
      if (!this.recorder || this.recorder.state !== 'inactive') this.newRecorder();
      this.recorder.start(this.opts.timeslice || DEFAULT_TIMESLICE_MS);
      // Media time 0 of this stream is (about) now: lets a page on the same clock measure latency.
      this.startedAt = Date.now();
    }
    this.droppedAt = null;
    this.onStatus('Broadcasting ' + this.recorder.mimeType, 'live');
  }

  /**
   * Sends the stream's bytes from `offset` on (what the relay has not received), from the chunks kept.
   * @returns false if they are not all kept any more
   */
  resendFrom(offset) {
    const first = this.kept.length ? this.kept[0].start : this.streamBytes;
    if (offset < first || offset > this.streamBytes) return false;
    for (const c of this.kept) {
      if (c.start + c.blob.size <= offset) continue;
      this.send(c.start < offset ? c.blob.slice(offset - c.start) : c.blob);
    }
    return true;
  }

  stop() {
    this.stopped = true;
    this.resumeToken = null;
    clearTimeout(this.retryTimer);
    clearTimeout(this.giveUpTimer);
    this.live = false;
    this.stopRecorder();
    if (this.ws) this.ws.close(1000, 'broadcast stopped');
    this.onStatus('Stopped.', 'idle');
  }

  stats() {
    return {
      bytesSent: this.bytesSent,
      chunks: this.chunks,
      connections: this.connections,
      mime: this.recorder && this.recorder.mimeType,
      connected: !!this.ws && this.ws.readyState === WebSocket.OPEN,
      live: this.live,
      resumable: !!this.resumeToken,
      continued: this.continued,
      lastOutageMs: this.lastOutageMs,
      lastContinuedAt: this.lastContinuedAt,
      keptBytes: this.keptBytes,
      startedAt: this.startedAt,
    };
  }
}
