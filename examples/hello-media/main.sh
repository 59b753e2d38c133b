#!/bin/bash
# A hello worker for the media stack: draws an image with ImageMagick, turns it into a one-second
# video with ffmpeg, and reports what it made. Dockhand hands the task its payload in PAYLOAD_FILE;
# JSON written to RESULT_FILE becomes the task's result; stdout is its log. Scratch files go in the
# task directory (/tmp is small and not executable).
#   dockhand run examples/hello-media --stack media --payload '{"name":"you"}'
set -euo pipefail
name=$(jq -r 'if type == "object" then .name // empty else empty end' "$PAYLOAD_FILE" 2>/dev/null || true)
greeting="Hello, ${name:-world}!"
echo "$greeting"
ffmpeg -version | head -n 1
magick -version | head -n 1
magick -size 64x48 gradient:navy-gold "$TASK_DIR/frame.png"
ffmpeg -loglevel error -loop 1 -i "$TASK_DIR/frame.png" -t 1 -r 5 -pix_fmt yuv420p "$TASK_DIR/clip.mp4"
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$TASK_DIR/clip.mp4")
echo "made a 64x48 image and a ${frames}-frame video"
jq -n --arg greeting "$greeting" --argjson frames "$frames" '{greeting: $greeting, frames: $frames}' > "$RESULT_FILE"
