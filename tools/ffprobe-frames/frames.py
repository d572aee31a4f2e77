#!/usr/bin/env python3
"""Writes relay-core/src/test/resources/golden/NAME.frames from ffprobe, for every fixture NAME.bin.

The relay's own frame parser (SegmentListener.onFrame) is checked against these files by
FramesMatchFfprobeTest: same frames per track, in order, with the same presentation time, size, key flag and
payload MD5. Re-run after adding or re-recording a fixture (needs Debian's ffmpeg package):

    python3 tools/ffprobe-frames/frames.py

One line per packet, in ffprobe's order: "STREAM PTS_MICROS SIZE KEY MD5", where STREAM is ffprobe's stream
index (the track's position in the container's track list), PTS_MICROS is the presentation timestamp in
microseconds rounded down (pts * time_base), KEY is K or _, and MD5 is that of the packet's payload.
"""
import csv
import json
import io
import pathlib
import subprocess
import sys
from fractions import Fraction

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "relay-core/src/test/resources/fixtures"
GOLDEN = ROOT / "relay-core/src/test/resources/golden"


def ffprobe(*args):
    return subprocess.run(["ffprobe", "-v", "error", *args], check=True, capture_output=True, text=True).stdout


def frames(path):
    time_bases = {}
    for row in csv.reader(io.StringIO(ffprobe("-show_entries", "stream=index,time_base", "-of", "csv=p=0",
                                              str(path)))):
        if row:
            time_bases[int(row[0])] = Fraction(row[1])
    out = []
    packets = ffprobe("-show_entries", "packet=stream_index,pts,size,flags,data_hash", "-show_data_hash", "MD5",
                      "-of", "json", str(path))
    for p in json.loads(packets)["packets"]:
        stream = int(p["stream_index"])
        micros = (int(p["pts"]) * time_bases[stream] * 1_000_000).__floor__()
        key = "K" if p["flags"].startswith("K") else "_"
        md5 = p["data_hash"].split(":", 1)[1]
        out.append(f"{stream} {micros} {p['size']} {key} {md5}")
    return out


def main():
    names = sorted(p.stem for p in FIXTURES.glob("*.bin"))
    if not names:
        sys.exit(f"no fixtures in {FIXTURES}")
    for name in names:
        lines = frames(FIXTURES / f"{name}.bin")
        (GOLDEN / f"{name}.frames").write_text("\n".join(lines) + "\n")
        print(f"{name}: {len(lines)} frames")


if __name__ == "__main__":
    main()
