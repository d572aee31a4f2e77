// The watch page's test mode (?test=1): reads the clock code (js/clock.js) back from every presented
// frame and records glass-to-glass latency = presented - painted, both in wall-clock ms on this machine.
// "Presented" means handed to the compositor: requestVideoFrameCallback's presentationTime for the
// <video> (MSE), the moment the frame is drawn to the canvas for WebCodecs. Sound: the clock source
// beeps on every whole second; an AudioWorklet finds each beep's first sample and the audio context says
// when that sample reaches the output. Everything is kept in plain arrays for a test to read
// (window.wsvideoLatency) and summed up for the stats overlay.
'use strict';

import { ClockReader, wallNow } from './clock.js';
import { outputTimestamp } from './relay-webcodecs.js';

const MAX_SAMPLES = 200_000; // 30 fps for 100 minutes; a bound, not a target

// Runs in the audio rendering thread: posts the context time of every sound that follows 300 ms of quiet.
const ONSET_WORKLET = `
registerProcessor('wsvideo-onset', class extends AudioWorkletProcessor {
  constructor() { super(); this.quiet = 0; }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (!ch) { this.quiet += 128; return true; }
    for (let i = 0; i < ch.length; i++) {
      if (Math.abs(ch[i]) > 0.1) {
        if (this.quiet > 0.3 * sampleRate) this.port.postMessage((currentFrame + i) / sampleRate);
        this.quiet = 0;
      } else {
        this.quiet++;
      }
    }
    return true;
  }
});`;

export class LatencyProbe {
  constructor() {
    this.reader = new ClockReader();
    /**
     * [painted, presented, arrived] wall ms per presented frame that carried a valid code; arrived (when
     * the frame's bytes reached the page) only where the player knows it (WebCodecs), else null
     */
    this.samples = [];
    /** wall ms at which each beep's first sample reached the audio output */
    this.beeps = [];
    this.presented = 0; // every presented frame, code or not
    this.unreadable = 0; // presented frames without a valid code
    this.firstFrameMs = null; // ms from navigation start (opening the page) to the first presented frame
    this.lastCode = null;
  }

  /** One presented picture; `at` is its presentation time, `arrivedAt` its arrival (performance.now() scale). */
  framePresented(source, width, at = performance.now(), arrivedAt = undefined) {
    this.presented++;
    if (this.firstFrameMs == null) this.firstFrameMs = at;
    const painted = this.reader.read(source, width);
    if (painted == null) {
      this.unreadable++;
    } else if (painted !== this.lastCode) { // the same code again is a repaint, not a new frame
      this.lastCode = painted;
      const arrived = arrivedAt == null ? null : performance.timeOrigin + arrivedAt;
      if (this.samples.length < MAX_SAMPLES) this.samples.push([painted, performance.timeOrigin + at, arrived]);
    }
  }

  /** Follows every frame a <video> presents (the MSE player) while `isActive()`. */
  watchVideo(video, isActive = () => true) {
    if (typeof video.requestVideoFrameCallback === 'function') {
      const onFrame = (now, meta) => {
        if (isActive()) this.framePresented(video, video.videoWidth, meta.presentationTime);
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
      return;
    }
    // Without requestVideoFrameCallback: look at every animation frame; a new code is a new frame.
    const poll = (now) => {
      if (isActive() && video.readyState >= 2 && this.reader.read(video, video.videoWidth) !== this.lastCode) {
        this.framePresented(video, video.videoWidth, now);
      }
      requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  }

  /** Listens for the clock source's beeps in `node`'s output (which must belong to `ctx`). */
  async watchAudio(ctx, node) {
    if (!ctx.audioWorklet) return;
    const url = URL.createObjectURL(new Blob([ONSET_WORKLET], { type: 'text/javascript' }));
    await ctx.audioWorklet.addModule(url);
    URL.revokeObjectURL(url);
    const detector = new AudioWorkletNode(ctx, 'wsvideo-onset', { numberOfOutputs: 1 });
    const silent = ctx.createGain();
    silent.gain.value = 0;
    node.connect(detector).connect(silent).connect(ctx.destination); // pulled by the graph, heard by no one
    detector.port.onmessage = (e) => {
      const ts = outputTimestamp(ctx);
      const at = ts.performanceTime + (e.data - ts.contextTime) * 1000;
      if (this.beeps.length < MAX_SAMPLES) this.beeps.push(performance.timeOrigin + at);
    };
  }

  /** The MSE player's sound: the element's audio goes through the graph (it must not be muted). */
  async watchElementAudio(video) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    const ctx = new AC();
    const source = ctx.createMediaElementSource(video);
    source.connect(ctx.destination);
    video.muted = false;
    await this.watchAudio(ctx, source);
    ctx.resume().catch(() => {});
  }

  /** Median latency over the last `windowMs` of samples, for the overlay. */
  recentLatency(windowMs = 3000) {
    const now = wallNow();
    const recent = [];
    for (let i = this.samples.length - 1; i >= 0 && now - this.samples[i][1] < windowMs; i--) {
      recent.push(this.samples[i][1] - this.samples[i][0]);
    }
    if (recent.length === 0) return null;
    recent.sort((a, b) => a - b);
    return recent[Math.floor(recent.length / 2)];
  }

  /** Everything a test needs; `from` skips samples already read. */
  snapshot(from = 0, beepsFrom = 0) {
    return {
      samples: this.samples.slice(from),
      beeps: this.beeps.slice(beepsFrom),
      sampleCount: this.samples.length,
      beepCount: this.beeps.length,
      presented: this.presented,
      unreadable: this.unreadable,
      firstFrameMs: this.firstFrameMs,
    };
  }
}
