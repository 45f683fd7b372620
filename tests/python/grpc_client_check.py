#!/usr/bin/python3
"""tessera's gRPC API driven by Debian's python3-grpcio (a different gRPC implementation from
the C++ server's clients): health Check, Process, ProcessStream, SubmitJob + WatchJob +
GetJobResult, and a typed error with its metadata and google.rpc.ErrorInfo details.

Stubs are generated at run time with grpc_tools.protoc into a temporary directory. The health
proto is copied out of its grpc/health/v1/ folder first: generated there, its module would be
grpc.health.v1.health_pb2 and collide with the grpc package itself.

Usage: grpc_client_check.py --target HOST:PORT --proto-root DIR --input IMG --expected IMG
                            --pipeline TEXT [--api-key KEY]
Exits 0 when every check passed; prints one line per check.
"""
import argparse
import os
import shutil
import sys
import tempfile

HEALTH_PROTO = "/usr/share/grpc-proto/grpc/health/v1/health.proto"


def generate_stubs(proto_root, out):
    from grpc_tools import protoc
    import grpc_tools

    health_dir = os.path.join(out, "health_proto")
    os.makedirs(health_dir)
    shutil.copy(HEALTH_PROTO, os.path.join(health_dir, "health.proto"))
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    for include, proto in [
        (proto_root, "tessera/v1/image_service.proto"),
        (proto_root, "google/rpc/status.proto"),
        (proto_root, "google/rpc/error_details.proto"),
        (health_dir, "health.proto"),
    ]:
        rc = protoc.main(["protoc", "-I" + include, "-I" + well_known,
                          "--python_out=" + out, "--grpc_python_out=" + out,
                          os.path.join(include, proto)])
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
    parser.add_argument("--input", required=True)
    parser.add_argument("--expected", required=True)
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--api-key", default="")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        generate_stubs(args.proto_root, tmp)
        import grpc
        import health_pb2
        import health_pb2_grpc
        from google.rpc import error_details_pb2, status_pb2
        from tessera.v1 import image_service_pb2 as pb
        from tessera.v1 import image_service_pb2_grpc as pb_grpc

        image = open(args.input, "rb").read()
        expected = open(args.expected, "rb").read()
        checks = Checks()
        channel = grpc.insecure_channel(args.target, options=[
            ("grpc.max_receive_message_length", 64 << 20),
            ("grpc.max_send_message_length", 64 << 20)])
        grpc.channel_ready_future(channel).result(timeout=10)
        if args.api_key:
            # Every ImageService call carries the key (health stays open).
            class AddKey(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                         grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
                def _with_key(self, details):
                    metadata = list(details.metadata or []) + [
                        ("authorization", "Bearer " + args.api_key)]
                    return details._replace(metadata=metadata)

                def intercept_unary_unary(self, cont, details, request):
                    return cont(self._with_key(details), request)

                def intercept_unary_stream(self, cont, details, request):
                    return cont(self._with_key(details), request)

                def intercept_stream_unary(self, cont, details, requests):
                    return cont(self._with_key(details), requests)

                def intercept_stream_stream(self, cont, details, requests):
                    return cont(self._with_key(details), requests)

            stub = pb_grpc.ImageServiceStub(grpc.intercept_channel(channel, AddKey()))
            try:
                pb_grpc.ImageServiceStub(channel).GetJob(pb.GetJobRequest(id="x"), timeout=5)
                checks.expect("a call without the key fails", False)
            except grpc.RpcError as e:
                checks.expect("a call without the key is UNAUTHENTICATED",
                              e.code() == grpc.StatusCode.UNAUTHENTICATED, e.code())
        else:
            stub = pb_grpc.ImageServiceStub(channel)

        health = health_pb2_grpc.HealthStub(channel)
        for service in ["", "tessera.v1.ImageService"]:
            reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            checks.expect("health Check(%r) is SERVING" % service,
                          reply.status == health_pb2.HealthCheckResponse.SERVING, reply)

        reply = stub.Process(pb.ProcessRequest(image=image, pipeline=args.pipeline), timeout=10)
        checks.expect("Process returns the engine's bytes", reply.image == expected,
                      "%d vs %d bytes" % (len(reply.image), len(expected)))
        checks.expect("Process meta size", reply.meta.size_bytes == len(expected), reply.meta)

        def chunks():
            step = 4096
            for offset in range(0, len(image), step):
                yield pb.ProcessStreamRequest(
                    pipeline=args.pipeline if offset == 0 else "",
                    chunk=image[offset:offset + step])

        parts = list(stub.ProcessStream(chunks(), timeout=10))
        streamed = b"".join(p.chunk for p in parts)
        checks.expect("ProcessStream returns the engine's bytes", streamed == expected,
                      "%d vs %d bytes in %d messages" % (len(streamed), len(expected), len(parts)))
        checks.expect("ProcessStream meta in the first message",
                      parts[0].meta.format != "" and all(not p.HasField("meta") for p in parts[1:]))

        submitted = stub.SubmitJob(pb.SubmitJobRequest(image=image, pipeline=args.pipeline,
                                                       priority=pb.PRIORITY_HIGH), timeout=10)
        checks.expect("SubmitJob creates a job", submitted.created and submitted.job.id != "",
                      submitted)
        updates = list(stub.WatchJob(pb.WatchJobRequest(id=submitted.job.id), timeout=20))
        states = [pb.JobState.Name(u.state) for u in updates]
        checks.expect("WatchJob ends with SUCCEEDED", states and states[-1] == "JOB_STATE_SUCCEEDED",
                      states)
        result = b"".join(p.chunk for p in stub.GetJobResult(
            pb.GetJobResultRequest(id=submitted.job.id), timeout=10))
        checks.expect("GetJobResult returns the engine's bytes", result == expected,
                      "%d vs %d bytes" % (len(result), len(expected)))

        try:
            stub.Process(pb.ProcessRequest(image=image, pipeline="blur:sigma=0"), timeout=10)
            checks.expect("a bad pipeline fails", False)
        except grpc.RpcError as e:
            checks.expect("a bad pipeline is INVALID_ARGUMENT",
                          e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.code())
            trailers = dict(e.trailing_metadata())
            checks.expect("trailers name the code and field",
                          trailers.get("tessera-error-code") == "bad_pipeline"
                          and trailers.get("tessera-error-field") == "blur.sigma", trailers)
            status = status_pb2.Status.FromString(trailers.get("grpc-status-details-bin", b""))
            info = error_details_pb2.ErrorInfo()
            unpacked = len(status.details) == 1 and status.details[0].Unpack(info)
            checks.expect("details carry a google.rpc.ErrorInfo",
                          unpacked and info.reason == "bad_pipeline" and info.domain == "tessera"
                          and info.metadata.get("field") == "blur.sigma", status)

        try:
            stub.GetJob(pb.GetJobRequest(id="no-such-job"), timeout=5)
            checks.expect("an unknown job fails", False)
        except grpc.RpcError as e:
            checks.expect("an unknown job is NOT_FOUND", e.code() == grpc.StatusCode.NOT_FOUND,
                          e.code())

        channel.close()
        print("%d passed, %d failed" % (checks.passed, checks.failed))
        return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
