// Broadcaster side: getUserMedia -> MediaRecorder -> WebSocket /relay/publish/{channel}?mime=...
// Reconnects with backoff when the connection drops, resuming the same channel with a fresh recorder
// (each connection is a new stream: the relay tells viewers, and their pages rebuild their decoders).
// The relay's "accepted" message carries a resume token; a reconnect shows it (?resume=), so the channel
// is ours again even before the relay has noticed that the old connection died.
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
    this.recorder = null;
    this.ws = null;
    this.stopped = false;
    this.retryMs = 500;
    this.retryTimer = null;
    this.resumeToken = null; // from the relay's last "accepted" message; shown when reconnecting
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

  connect() {
    return new Promise((resolve, reject) => {
      let recorder;
      try {
        recorder = new MediaRecorder(this.media, {
          mimeType: this.mimeType,
          videoBitsPerSecond: this.opts.videoBitsPerSecond || 1_000_000,
          audioBitsPerSecond: 64_000,
          // A keyframe every second: late joiners and skipping viewers resume within about a second.
          videoKeyFrameIntervalDuration: 1000,
        });
      } catch (e) {
        reject(e);
        return;
      }
      const sep = this.url.includes('?') ? '&' : '?';
      const resume = this.resumeToken ? '&resume=' + encodeURIComponent(this.resumeToken) : '';
      // A publish token travels as the subprotocol: it stays out of URLs and access logs.
      const ws = new WebSocket(this.url + sep + 'mime=' + encodeURIComponent(recorder.mimeType || this.mimeType)
        + resume, this.opts.token ? [this.opts.token] : undefined);
      this.recorder = recorder;
      this.ws = ws;
      let opened = false;
      recorder.ondataavailable = (e) => {
        if (e.data.size > 0 && ws.readyState === WebSocket.OPEN) {
          ws.send(e.data);
          this.bytesSent += e.data.size;
          this.chunks++;
        }
      };
      ws.onmessage = (e) => {
        if (typeof e.data !== 'string') return;
        try {
          const msg = JSON.parse(e.data);
          if (msg.type === 'accepted' && this.ws === ws) this.resumeToken = msg.resumeToken || null;
        } catch (err) { /* not ours to understand */ }
      };
      ws.onopen = () => {
        opened = true;
        this.connections++;
        this.retryMs = 500;
        recorder.start(this.opts.timeslice || DEFAULT_TIMESLICE_MS);
        // Media time 0 of this stream is (about) now: lets a page on the same clock measure latency.
        this.startedAt = Date.now();
        this.onStatus('Broadcasting ' + recorder.mimeType, 'live');
        resolve();
      };
      ws.onclose = (e) => {
        if (recorder.state !== 'inactive') recorder.stop();
        if (this.ws !== ws || this.stopped) return;
        const why = `${e.code}${e.reason ? ': ' + e.reason : ''}`;
        // Retrying cannot fix a wrong token or a name the relay refuses, nor undo a takeover.
        if (FINAL_CODES.has(e.code) || (e.code === 1008 && /token|taken over|channel name/.test(e.reason))) {
          this.onStatus(`The relay refused the stream (${why}).`, 'error');
          this.stopped = true;
          if (!opened) reject(new Error(e.reason || 'refused'));
          return;
        }
        if (!opened && this.connections === 0 && this.opts.reconnect === false) {
          reject(new Error(`Could not connect to the relay (${why}).`));
          return;
        }
        // Jittered, like the viewers' reconnects: clients cut off at once should not return at once.
        const delay = this.retryMs * (0.5 + Math.random());
        this.onStatus(`Connection lost (${why}); reconnecting in ${(delay / 1000).toFixed(1)} s`, 'reconnecting');
        this.retryTimer = setTimeout(() => {
          this.connect().then(resolve, () => {});
        }, delay);
        this.retryMs = Math.min(this.retryMs * 2, 10000);
      };
    });
  }

  stop() {
    this.stopped = true;
    this.resumeToken = null;
    clearTimeout(this.retryTimer);
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
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
      resumable: !!this.resumeToken,
      startedAt: this.startedAt,
    };
  }
}
