// Broadcaster side: getUserMedia -> MediaRecorder -> WebSocket /relay/publish/{channel}?mime=...
'use strict';

// Formats the viewer's MediaSource can play, best first. H.264 in WebM/Matroska is never offered:
// Chromium records it but MediaSource refuses it.
export const PREFERRED_FORMATS = [
  'video/webm;codecs=vp8,opus',
  'video/webm;codecs=vp9,opus',
  'video/webm;codecs=av01,opus',
  'video/webm',
  'video/mp4;codecs=avc1,opus',
];

export function supportedFormats() {
  if (!window.MediaRecorder) return [];
  return PREFERRED_FORMATS.filter((m) => MediaRecorder.isTypeSupported(m));
}

export class RelayBroadcaster {
  /**
   * @param {string} url ws(s) URL of /relay/publish/{channel}
   * @param {{onStatus?: (s: string) => void, mimeType?: string, videoBitsPerSecond?: number}} opts
   */
  constructor(url, opts = {}) {
    this.url = url;
    this.opts = opts;
    this.onStatus = opts.onStatus || (() => {});
    this.bytesSent = 0;
    this.chunks = 0;
    this.media = null;
    this.recorder = null;
    this.ws = null;
  }

  async start(media) {
    this.media = media;
    const mimeType = this.opts.mimeType || supportedFormats()[0];
    if (!mimeType) throw new Error('this browser has no MediaRecorder format the viewers can play');
    const recorder = new MediaRecorder(media, {
      mimeType,
      videoBitsPerSecond: this.opts.videoBitsPerSecond || 1_000_000,
      audioBitsPerSecond: 64_000,
      // A keyframe every second: late joiners and skipping viewers resume within about a second.
      videoKeyFrameIntervalDuration: 1000,
    });
    this.recorder = recorder;
    const ws = new WebSocket(this.url + (this.url.includes('?') ? '&' : '?') + 'mime='
      + encodeURIComponent(recorder.mimeType || mimeType));
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    recorder.ondataavailable = (e) => {
      if (e.data.size > 0 && ws.readyState === WebSocket.OPEN) {
        ws.send(e.data);
        this.bytesSent += e.data.size;
        this.chunks++;
      }
    };
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('could not connect to the relay'));
    });
    ws.onclose = (e) => {
      this.onStatus(`relay closed the connection (${e.code}${e.reason ? ': ' + e.reason : ''})`);
      if (recorder.state !== 'inactive') recorder.stop();
    };
    recorder.start(100);
    this.onStatus('broadcasting ' + recorder.mimeType);
  }

  stop() {
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    if (this.ws) this.ws.close(1000, 'broadcast stopped');
    this.onStatus('stopped');
  }

  stats() {
    return { bytesSent: this.bytesSent, chunks: this.chunks, mime: this.recorder && this.recorder.mimeType };
  }
}
