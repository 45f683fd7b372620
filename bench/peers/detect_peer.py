"""The peer of tessera_detect_bench: OpenCV's Python binding running the same model files on
the same images, timed the same way (one detection per call, single-threaded OpenCV).

detect_peer.py [--iters N] [--models a,b] FILE...   prints one JSON line per model.
Parameters equal tessera's: cascades detectMultiScale2(grey, 1.1, 5) after BGR->grey; HOG
default people detector, winStride 8, padding 0, scale 1.05, groupThreshold 2.
"""
import argparse
import json
import statistics
import time

import cv2

HAAR = "/usr/share/opencv4/haarcascades/"
LBP = "/usr/share/opencv4/lbpcascades/"
FILES = {
    "face": HAAR + "haarcascade_frontalface_default.xml",
    "face_alt": HAAR + "haarcascade_frontalface_alt2.xml",
    "face_lbp": LBP + "lbpcascade_frontalface_improved.xml",
    "profile_face": HAAR + "haarcascade_profileface.xml",
    "eye": HAAR + "haarcascade_eye.xml",
    "full_body": HAAR + "haarcascade_fullbody.xml",
    "upper_body": HAAR + "haarcascade_upperbody.xml",
}


def detector(name):
    if name == "people":
        hog = cv2.HOGDescriptor()
        hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        return lambda img: hog.detectMultiScale(img, hitThreshold=0, winStride=(8, 8),
                                                padding=(0, 0), scale=1.05,
                                                groupThreshold=2)[0]
    cascade = cv2.CascadeClassifier(FILES[name])

    def run(img):
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        return cascade.detectMultiScale2(grey, scaleFactor=1.1, minNeighbors=5)[0]
    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--models", default=",".join(list(FILES) + ["people"]))
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    cv2.setNumThreads(0)
    images = [cv2.imread(f, cv2.IMREAD_COLOR) for f in args.files]
    for name in args.models.split(","):
        run = detector(name)
        boxes = sum(len(run(img)) for img in images)  # warm-up
        times, cpu = [], []
        start = time.perf_counter()
        for _ in range(args.iters):
            for img in images:
                t0, c0 = time.perf_counter(), time.process_time()
                run(img)
                cpu.append((time.process_time() - c0) * 1000)
                times.append((time.perf_counter() - t0) * 1000)
        wall = (time.perf_counter() - start) * 1000
        print(json.dumps({"tool": "opencv-python", "model": name, "threads": 1,
                          "median_ms": round(statistics.median(times), 1),
                          "cpu_ms": round(statistics.median(cpu), 1),
                          "per_image_ms": round(wall / len(times), 1), "boxes": boxes,
                          "images": len(images)}), flush=True)


main()
