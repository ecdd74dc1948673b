#!/bin/sh
# emocap tests: the test camera as v4l2-ctl and GStreamer's v4l2src see it.
#
# Listings against the expected text in expected/, controls set and read
# back, and recordings through v4l2src whose files have the frame count,
# size and frame rate asked for, and bytes that map back to the camera's.
#
# Copyright (C) 2026 emocap developers
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

: "${EMOCAP_TESTCAM_LIB:?}" "${EMOCAP_SOURCE_ROOT:?}"
expected="$EMOCAP_SOURCE_ROOT/tests/testcam/expected"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
n=0

for tool in v4l2-ctl gst-launch-1.0 ffprobe; do
  if ! command -v "$tool" >/dev/null; then
    echo "1..0 # SKIP $tool is not installed (scripts/install-deps --tests)"
    exit 77
  fi
done

ok () { n=$((n + 1)); echo "ok $n - $*"; }
fail () {
  n=$((n + 1)); failures=$((failures + 1))
  echo "not ok $n - $*"
  [ -f "$tmp/out" ] && sed 's/^/    /' "$tmp/out"
}

# cam CONFIG -- COMMAND...: runs COMMAND with the camera, output in $tmp/out
cam () {
  config=$1
  shift 2
  LD_PRELOAD="$EMOCAP_TESTCAM_LIB" EMOCAP_TESTCAM="$config" \
    EMOCAP_TESTCAM_LOG="$tmp/log" "$@" >"$tmp/out" 2>&1 </dev/null
}

# probe FILE: "codec,width,height,rate,frames" of the file's video stream
probe () {
  ffprobe -v error -count_frames -select_streams v:0 \
    -show_entries stream=codec_name,width,height,r_frame_rate,nb_read_frames \
    -of csv=p=0 "$1"
}

# --- v4l2-ctl ---

if cam "/dev/video42,format=both,sizes=640x360,rates=30:15" -- \
    v4l2-ctl -d /dev/video42 --list-formats-ext &&
    diff -u "$expected/list-formats-ext.txt" "$tmp/out" >"$tmp/diff"; then
  ok "v4l2-ctl --list-formats-ext"
else
  cat "$tmp/diff"; fail "v4l2-ctl --list-formats-ext"
fi

if cam "/dev/video42" -- v4l2-ctl -d /dev/video42 --list-ctrls-menus &&
    diff -u "$expected/list-ctrls-menus.txt" "$tmp/out" >"$tmp/diff"; then
  ok "v4l2-ctl --list-ctrls-menus"
else
  cat "$tmp/diff"; fail "v4l2-ctl --list-ctrls-menus"
fi

if cam "/dev/video42,name=Left Cam;/dev/video43" -- v4l2-ctl -d /dev/video43 --all &&
    grep -q "Driver name      : uvcvideo" "$tmp/out" &&
    grep -q "Card type        : emocap test camera" "$tmp/out" &&
    grep -q "Bus info         : usb-0000:00:14.0-2" "$tmp/out" &&
    grep -q "Frames per second: 30.000 (30/1)" "$tmp/out" &&
    grep -q "exposure_time_absolute 0x009a0902 (int)    : min=3 max=2047 step=1 default=250 value=250 flags=inactive" "$tmp/out"; then
  ok "v4l2-ctl --all"
else
  fail "v4l2-ctl --all"
fi

# a manual value only after its auto mode is off: refused, then taken
rm -f "$tmp/log"
if ! cam "/dev/video42" -- v4l2-ctl -d /dev/video42 --set-ctrl exposure_time_absolute=300 &&
    grep -q "Permission denied" "$tmp/out"; then
  ok "v4l2-ctl --set-ctrl of an inactive control fails"
else
  fail "v4l2-ctl --set-ctrl of an inactive control fails"
fi
if cam "/dev/video42" -- v4l2-ctl -d /dev/video42 \
    --set-ctrl auto_exposure=1,exposure_time_absolute=300,white_balance_automatic=0 \
    --set-ctrl white_balance_temperature=5000 \
    --get-ctrl auto_exposure,exposure_time_absolute,white_balance_temperature &&
    printf 'white_balance_temperature: 5000\nauto_exposure: 1 (Manual Mode)\nexposure_time_absolute: 300\n' |
      diff -u - "$tmp/out"; then
  ok "v4l2-ctl --set-ctrl, --get-ctrl"
else
  fail "v4l2-ctl --set-ctrl, --get-ctrl"
fi
# v4l2-ctl sets class by class, user controls first, each in the order given
if printf '%s\n' "ctrl /dev/video42 white_balance_automatic 0" \
    "ctrl /dev/video42 white_balance_temperature 5000" \
    "ctrl /dev/video42 auto_exposure 1" "ctrl /dev/video42 exposure_time_absolute 300" |
    diff -u - "$tmp/log"; then
  ok "the log has the controls set, in order"
else
  fail "the log has the controls set, in order"
fi
if ! cam "/dev/video42" -- v4l2-ctl -d /dev/video42 --set-ctrl brightness=65 &&
    grep -q "Numerical result out of range" "$tmp/out"; then
  ok "v4l2-ctl --set-ctrl out of range fails"
else
  fail "v4l2-ctl --set-ctrl out of range fails"
fi

if cam "/dev/video42" -- v4l2-ctl -d /dev/video42 --stream-mmap --stream-count=10 \
    --stream-to="$tmp/raw.mjpg" &&
    [ "$(grep -c '^frame ' "$tmp/log")" -eq 10 ] && [ -s "$tmp/raw.mjpg" ]; then
  ok "v4l2-ctl --stream-mmap"
else
  fail "v4l2-ctl --stream-mmap"
fi

# --- v4l2src ---

# MJPEG, through a /dev/v4l/by-id style link
mkdir -p "$tmp/by-id"
ln -s /dev/video42 "$tmp/by-id/usb-emocap_test-video-index0"
if cam "/dev/video42,format=both" -- gst-launch-1.0 -q \
    v4l2src device="$tmp/by-id/usb-emocap_test-video-index0" num-buffers=60 \
    ! image/jpeg,width=1280,height=720,framerate=30/1 ! jpegparse \
    ! matroskamux ! filesink location="$tmp/mjpeg.mkv" &&
    [ "$(probe "$tmp/mjpeg.mkv")" = "mjpeg,1280,720,30/1,60" ]; then
  ok "v4l2src MJPEG 1280x720 at 30/1: 60 frames"
else
  probe "$tmp/mjpeg.mkv"; fail "v4l2src MJPEG 1280x720 at 30/1: 60 frames"
fi

if cam "/dev/video42,format=both,rates=30:15" -- gst-launch-1.0 -q \
    v4l2src device=/dev/video42 num-buffers=30 \
    ! video/x-raw,format=YUY2,width=640,height=360,framerate=15/1 \
    ! matroskamux ! filesink location="$tmp/yuyv.mkv" &&
    [ "$(probe "$tmp/yuyv.mkv")" = "rawvideo,640,360,15/1,30" ]; then
  ok "v4l2src YUYV 640x360 at 15/1: 30 frames"
else
  probe "$tmp/yuyv.mkv"; fail "v4l2src YUYV 640x360 at 15/1: 30 frames"
fi

if cam "/dev/video42,sizes=640x360,rates=30000/1001" -- gst-launch-1.0 -q \
    v4l2src device=/dev/video42 num-buffers=20 ! image/jpeg \
    ! matroskamux ! filesink location="$tmp/ntsc.mkv" &&
    [ "$(probe "$tmp/ntsc.mkv")" = "mjpeg,640,360,30000/1001,20" ]; then
  ok "v4l2src MJPEG at 30000/1001"
else
  probe "$tmp/ntsc.mkv"; fail "v4l2src MJPEG at 30000/1001"
fi

# every recorded frame is one the camera logged, byte for byte
mkdir "$tmp/frames" "$tmp/got"
ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=30 -frames:v 7 -q:v 3 \
  "$tmp/frames/src%03d.jpg" </dev/null
rm -f "$tmp/log"
if cam "/dev/video42,frames=$tmp/frames" -- gst-launch-1.0 -q \
    v4l2src device=/dev/video42 num-buffers=20 ! image/jpeg,width=320,height=240 \
    ! multifilesink location="$tmp/got/%03d.jpg"; then
  i=0 bad=0
  for src in $(awk '$1 == "frame" { print $6 }' "$tmp/log"); do
    cmp -s "$tmp/frames/$src" "$(printf '%s/got/%03d.jpg' "$tmp" $i)" || bad=$((bad + 1))
    i=$((i + 1))
  done
  if [ $i -eq 20 ] && [ $bad -eq 0 ]; then
    ok "v4l2src frames are the folder's files, as logged"
  else
    fail "v4l2src frames are the folder's files, as logged ($i frames, $bad differ)"
  fi
else
  fail "v4l2src from a folder of frames"
fi

# unplugged: v4l2src stops with an error naming the device's absence
if ! cam "/dev/video42,unplug=10" -- gst-launch-1.0 v4l2src device=/dev/video42 \
    num-buffers=60 ! fakesink &&
    grep -q "No such device" "$tmp/out"; then
  ok "v4l2src fails on unplug"
else
  fail "v4l2src fails on unplug"
fi

echo "1..$n"
echo "$((n - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
