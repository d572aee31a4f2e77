// Drives the watch page's WebCodecs engine (js/relay-webcodecs.js) without a relay: a live source encoded
// in this page (the clock code painted into a canvas, VideoEncoder; a beep each second, AudioEncoder)
// goes to the engine in the relay's frame wire format, one message every 100 ms like a MediaRecorder
// timeslice. What the engine draws is read back by the latency probe, as on the real watch page.
// Loaded by WebCodecsEngineBrowserTest with executeAsyncScript; the last argument is the callback.
const done = arguments[arguments.length - 1];
(async () => {
  // WebKitGTK: VideoEncoder takes the page's process down unless GStreamer was started in it first.
  if (window.MediaSource) MediaSource.isTypeSupported('video/webm;codecs="vp8"');
  const { WebCodecsEngine } = await import('/js/relay-webcodecs.js');
  const { paintCode, wallNow } = await import('/js/clock.js');
  const { LatencyProbe } = await import('/js/latency-probe.js');

  const W = 320;
  const H = 240;
  const RATE = 48000;
  const probe = new LatencyProbe();
  const canvas = document.createElement('canvas');
  canvas.className = 'video';
  document.querySelector('main').prepend(canvas);
  const engine = new WebCodecsEngine(canvas, {
    onStatus: (s) => console.log('engine:', s),
    onFramePresented: (f, w, at, arrivedAt) => probe.framePresented(f, w, at, arrivedAt),
  });
  await probe.watchAudio(engine.audio, engine.tap);

  const src = document.createElement('canvas');
  src.width = W;
  src.height = H;
  const ctx = src.getContext('2d');
  const codecs = { vp8: 'vp8', vp9: 'vp09.00.10.08' };
  const h = {
    engine, probe, pending: [], discontinuity: true, sent: 0, frames: 0, dropUntil: 0, paused: false,
    videoTrack: 0, audioTrack: 1,
  };
  window.harness = h;

  function push(track, key, timestamp, chunk) {
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    h.pending.push({ track, key, timestamp, data });
  }

  h.startStream = (codec) => {
    if (h.venc) h.venc.close();
    if (h.aenc) h.aenc.close();
    h.pending = [];
    h.discontinuity = true;
    h.frames = 0;
    h.venc = new VideoEncoder({ output: (c) => push(h.videoTrack, c.type === 'key', c.timestamp, c), error: (e) => console.log('venc', e.message) });
    h.venc.configure({ codec: codecs[codec], width: W, height: H, bitrate: 500_000, framerate: 30, latencyMode: 'realtime' });
    // Each 20 ms input is one Opus packet: give it the input's timestamp (Firefox's encoder repeats and
    // drifts its output timestamps).
    h.audioInputs = [];
    h.aenc = new AudioEncoder({
      output: (c) => push(h.audioTrack, true, h.audioInputs.length ? h.audioInputs.shift() : c.timestamp, c),
      error: (e) => console.log('aenc', e.message),
    });
    h.aenc.configure({ codec: 'opus', sampleRate: RATE, numberOfChannels: 1, bitrate: 32000 });
    h.audioAt = null;
    engine.onStream({
      type: 'stream', format: 'frames',
      tracks: [{ kind: 'video', codec: codecs[codec], width: W, height: H },
        { kind: 'audio', codec: 'opus', sampleRate: RATE, numberOfChannels: 1 }],
    });
  };

  // Video: a frame every 33 ms with the wall clock in it; timestamps are wall time in microseconds.
  h.videoTimer = setInterval(() => {
    const ms = Math.round(wallNow());
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, W, H);
    paintCode(ctx, ms, W);
    const frame = new VideoFrame(src, { timestamp: ms * 1000 });
    if (h.venc && h.venc.state === 'configured' && h.venc.encodeQueueSize < 10) {
      h.venc.encode(frame, { keyFrame: h.frames % 30 === 0 });
      h.frames++;
    }
    frame.close();
  }, 1000 / 30);

  // Audio: 20 ms of samples every 20 ms, a 60 ms beep starting on each whole second of the wall clock.
  h.audioTimer = setInterval(() => {
    if (!h.aenc || h.aenc.state !== 'configured') return;
    const now = wallNow();
    if (h.audioAt == null || now - h.audioAt > 200) h.audioAt = now - 20;
    while (h.audioAt < now) {
      const n = RATE / 50;
      const pcm = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const t = h.audioAt + (i * 1000) / RATE;
        pcm[i] = t % 1000 < 60 ? 0.5 * Math.sin(2 * Math.PI * 880 * t / 1000) : 0;
      }
      const data = new AudioData({ format: 'f32-planar', sampleRate: RATE, numberOfFrames: n, numberOfChannels: 1,
        timestamp: Math.round(h.audioAt * 1000), data: pcm });
      h.audioInputs.push(data.timestamp);
      h.aenc.encode(data);
      data.close();
      h.audioAt += 20;
    }
  }, 20);

  // The "relay": every 100 ms, whatever was encoded, as one message in the frame wire format.
  h.sendTimer = setInterval(() => {
    if (h.paused) return;
    let frames = h.pending;
    if (h.discontinuity) {
      const key = frames.findIndex((f) => f.track === h.videoTrack && f.key);
      if (key < 0) return; // a viewer starts at a video key frame
      frames = frames.slice(key);
    }
    h.pending = [];
    if (frames.length === 0) return;
    let size = 0;
    for (const f of frames) size += 14 + f.data.byteLength;
    const buf = new ArrayBuffer(size);
    const view = new DataView(buf);
    let off = 0;
    for (const f of frames) {
      view.setUint8(off, f.track);
      view.setUint8(off + 1, (f.key ? 1 : 0) | (h.discontinuity ? 2 : 0));
      view.setBigInt64(off + 2, BigInt(f.timestamp));
      view.setUint32(off + 10, f.data.byteLength);
      new Uint8Array(buf, off + 14).set(f.data);
      off += 14 + f.data.byteLength;
      h.discontinuity = false;
    }
    h.sent++;
    engine.onData(buf, performance.now());
  }, 100);

  /** A chunk flagged as a key frame that is not one: the decoder must be replaced, not left frozen. */
  h.corruptKeyFrame = () => {
    const junk = new Uint8Array(2000).map((_, i) => (i * 37) & 255);
    h.pending.push({ track: h.videoTrack, key: true, timestamp: Math.round(wallNow() * 1000), data: junk });
  };

  /** The relay skipped this viewer: nothing for `ms`, then a notice, then media from a key frame. */
  h.skip = async (ms) => {
    h.paused = true;
    await new Promise((r) => setTimeout(r, ms));
    engine.onSkip();
    h.pending = [];
    h.discontinuity = true;
    h.paused = false;
  };

  /** The page is hidden for `ms` (as when another tab is in front), then shown again. */
  h.hide = async (ms) => {
    let hidden = true;
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    document.dispatchEvent(new Event('visibilitychange'));
    await new Promise((r) => setTimeout(r, ms));
    hidden = false;
    document.dispatchEvent(new Event('visibilitychange'));
    h.shownAgainAt = wallNow();
  };

  h.startStream('vp8');
  done('ok');
})().catch((e) => done('error: ' + e.message + '\n' + e.stack));
