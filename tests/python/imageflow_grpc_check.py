#!/usr/bin/python3
"""tessera's ImageFlowCanvas gRPC services (proto/imageflow/v1) driven by Debian's
python3-grpcio (a different gRPC implementation from the C++ client), with the request shape
the ImageFlowCanvas gateway and workflows send: ResizeRequest(input_image=ImageData(bucket,
object_key), target_width, target_height, maintain_aspect_ratio, quality, execution_id).
Checks ResizeImage (COMPLETED, `<execution_id>_resized.jpg` written to the blob store and
byte-identical to --expected) and the Health rpcs of the three services.

Stubs are generated at run time with grpc_tools.protoc into a temporary directory.

Usage: imageflow_grpc_check.py --target HOST:PORT --proto-root DIR --bucket B --object-key K
                               --execution-id ID --blobs DIR --expected IMG
Exits 0 when every check passed; prints one line per check.
"""
import argparse
import os
import sys
import tempfile

PROTOS = ["common", "resize", "filter", "ai_detection"]


def generate_stubs(proto_root, out):
    from grpc_tools import protoc
    import grpc_tools

    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    for name in PROTOS:
        proto = os.path.join(proto_root, "imageflow", "v1", name + ".proto")
        rc = protoc.main(["protoc", "-I" + proto_root, "-I" + well_known,
                          "--python_out=" + out, "--grpc_python_out=" + out, proto])
        if rc != 0:
            raise SystemExit("protoc failed on " + proto)
    sys.path.insert(0, out)


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def expect(self, name, condition, detail=""):
        if condition:
            self.passed += 1
            print("ok   " + name)
        else:
            self.failed += 1
            print("FAIL " + name + (": " + str(detail) if detail else ""))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--proto-root", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--object-key", required=True)
    parser.add_argument("--execution-id", required=True)
    parser.add_argument("--blobs", required=True)
    parser.add_argument("--expected", required=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        generate_stubs(args.proto_root, tmp)
        import grpc
        from imageflow.v1 import ai_detection_pb2_grpc
        from imageflow.v1 import common_pb2
        from imageflow.v1 import filter_pb2_grpc
        from imageflow.v1 import resize_pb2
        from imageflow.v1 import resize_pb2_grpc

        checks = Checks()
        expected = open(args.expected, "rb").read()
        with grpc.insecure_channel(args.target) as channel:
            resize = resize_pb2_grpc.ResizeServiceStub(channel)
            request = resize_pb2.ResizeRequest(
                input_image=common_pb2.ImageData(bucket=args.bucket,
                                                 object_key=args.object_key),
                target_width=400,
                target_height=300,
                maintain_aspect_ratio=True,
                quality=resize_pb2.RESIZE_QUALITY_GOOD,
                execution_id=args.execution_id,
            )
            response = resize.ResizeImage(request, timeout=30)
            result = response.result
            checks.expect("ResizeImage is COMPLETED",
                          result.status == common_pb2.PROCESSING_STATUS_COMPLETED,
                          result.message)
            name = args.execution_id + "_resized.jpg"
            checks.expect("output_image names <execution_id>_resized.jpg",
                          result.output_image.bucket == args.bucket
                          and result.output_image.object_key == name,
                          result.output_image)
            checks.expect("output_image is a 400x300 JPEG",
                          result.output_image.content_type == "image/jpeg"
                          and result.output_image.width == 400
                          and result.output_image.height == 300, result.output_image)
            checks.expect("metadata quality_used is GOOD",
                          response.metadata.quality_used == resize_pb2.RESIZE_QUALITY_GOOD,
                          response.metadata)
            checks.expect("processed_at is set", result.processed_at.seconds > 0)
            stored_path = os.path.join(args.blobs, args.bucket, name)
            stored = open(stored_path, "rb").read() if os.path.exists(stored_path) else b""
            checks.expect("the stored output is the expected bytes", stored == expected,
                          "%d vs %d bytes" % (len(stored), len(expected)))
            checks.expect("size_bytes is the stored size",
                          result.output_image.size_bytes == len(stored))

            serving = common_pb2.HealthCheckResponse.SERVING
            for label, stub, want in [
                ("ResizeService", resize, serving),
                ("FilterService", filter_pb2_grpc.FilterServiceStub(channel), serving),
                ("AIDetectionService", ai_detection_pb2_grpc.AIDetectionServiceStub(channel),
                 serving),
            ]:
                health = stub.Health(common_pb2.HealthCheckRequest(), timeout=10)
                checks.expect(label + ".Health is " +
                              common_pb2.HealthCheckResponse.ServingStatus.Name(want),
                              health.status == want, health)

        print("%d passed, %d failed" % (checks.passed, checks.failed))
        return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
