// Recording formats by id (container.video.audio): the words of the view URL's `plays` parameter. A viewer
// says which of them its browser plays when it joins (playableFormats), the relay counts them per channel
// (/relay/stats: viewersReporting, plays), and the broadcaster page prefers a format every current viewer
// plays and warns when its format leaves one out (formatId names a MediaRecorder MIME type the same way).
// docs/browsers.md, "Format choice".
'use strict';

// What each id needs: a MediaSource type (what the relay's `stream` message would announce) and the
// WebCodecs decoders the frame view needs. H.264 in Matroska plays in no MediaSource: only WebCodecs.
export const FORMAT_IDS = [
  { id: 'webm.vp8.opus', mse: 'video/webm;codecs="vp8,opus"', video: 'vp8', audio: 'opus' },
  { id: 'webm.vp9.opus', mse: 'video/webm;codecs="vp9,opus"', video: 'vp09.00.10.08', audio: 'opus' },
  { id: 'webm.av1.opus', mse: 'video/webm;codecs="av01.0.04M.08,opus"', video: 'av01.0.04M.08', audio: 'opus' },
  { id: 'mp4.avc1.opus', mse: 'video/mp4;codecs="avc1.42E01E,opus"', video: 'avc1.42E01E', audio: 'opus' },
  { id: 'mp4.avc1.aac', mse: 'video/mp4;codecs="avc1.42E01E,mp4a.40.2"', video: 'avc1.42E01E', audio: 'mp4a.40.2' },
  { id: 'mkv.avc1.opus', mse: null, video: 'avc1.42E01E', audio: 'opus' },
];

/** The id of a MediaRecorder MIME type (`video/webm;codecs=vp8,opus` -> `webm.vp8.opus`), or null. */
export function formatId(mime) {
  const m = /^video\/(webm|mp4|x-matroska)\s*;\s*codecs\s*=\s*"?([^"]*)"?/i.exec(mime || '');
  if (!m) return null;
  const container = { webm: 'webm', mp4: 'mp4', 'x-matroska': 'mkv' }[m[1].toLowerCase()];
  let video = null;
  let audio = null;
  for (const c of m[2].split(',').map((s) => s.trim().toLowerCase())) {
    if (/^vp0?8/.test(c)) video = 'vp8';
    else if (/^vp0?9/.test(c)) video = 'vp9';
    else if (/^av0?1/.test(c)) video = 'av1';
    else if (/^(avc[13]|h264)/.test(c)) video = 'avc1';
    else if (c.startsWith('opus')) audio = 'opus';
    else if (/^(mp4a|aac)/.test(c)) audio = 'aac';
  }
  return video && audio ? `${container}.${video}.${audio}` : null;
}

async function webCodecsDecodes(f) {
  if (typeof VideoDecoder !== 'function' || typeof AudioDecoder !== 'function') return false;
  try {
    const v = await VideoDecoder.isConfigSupported({ codec: f.video });
    const a = await AudioDecoder.isConfigSupported({ codec: f.audio, sampleRate: 48000, numberOfChannels: 1 });
    return !!(v.supported && a.supported);
  } catch (e) {
    return false;
  }
}

/**
 * The ids this browser plays with the player in `mode` ('mse', 'webcodecs', or 'auto': either; the player
 * falls back from WebCodecs to MediaSource when the decoders refuse a stream).
 */
export async function playableFormats(mode) {
  const MS = window.ManagedMediaSource || window.MediaSource;
  const checks = FORMAT_IDS.map(async (f) => {
    if (mode !== 'webcodecs' && MS && f.mse && MS.isTypeSupported(f.mse)) return true;
    return mode !== 'mse' && webCodecsDecodes(f);
  });
  const ok = await Promise.all(checks);
  return FORMAT_IDS.filter((f, i) => ok[i]).map((f) => f.id);
}
