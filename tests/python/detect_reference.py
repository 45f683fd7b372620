"""The reference detections: OpenCV's Python binding run directly on an image file.

detect_reference.py cascade FILE.xml IMAGE   -> cascade.detectMultiScale2(grey, 1.1, 5)
detect_reference.py hog IMAGE                -> default people HOG, stride 8, scale 1.05, group 2
Prints a JSON list of [x, y, width, height] (HOG boxes clipped to the image, as tessera's are).
"""
import json
import sys

import cv2


def main():
    kind = sys.argv[1]
    if kind == "cascade":
        cascade = cv2.CascadeClassifier(sys.argv[2])
        if cascade.empty():
            sys.exit("cannot load " + sys.argv[2])
        image = cv2.imread(sys.argv[3])
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        rects, _ = cascade.detectMultiScale2(grey, scaleFactor=1.1, minNeighbors=5)
        boxes = [[int(v) for v in r] for r in rects]
    else:
        image = cv2.imread(sys.argv[2])
        hog = cv2.HOGDescriptor()
        hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        rects, _ = hog.detectMultiScale(image, hitThreshold=0, winStride=(8, 8),
                                        padding=(0, 0), scale=1.05, groupThreshold=2)
        height, width = image.shape[:2]
        boxes = []
        for x, y, w, h in rects:
            x1, y1 = max(0, int(x)), max(0, int(y))
            x2, y2 = min(width, int(x + w)), min(height, int(y + h))
            if x2 > x1 and y2 > y1:
                boxes.append([x1, y1, x2 - x1, y2 - y1])
    print(json.dumps(boxes))


main()
