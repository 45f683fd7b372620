"""Writes the first frame of a video as a PNG: video_frame.py VIDEO OUT.png (OpenCV's binding)."""
import sys

import cv2

capture = cv2.VideoCapture(sys.argv[1])
ok, frame = capture.read()
if not ok:
    sys.exit("cannot read a frame of " + sys.argv[1])
if not cv2.imwrite(sys.argv[2], frame):
    sys.exit("cannot write " + sys.argv[2])
