#!/usr/bin/env bash
# Prints (on stderr) where `tessera serve "$@"` will listen and a few requests to try, on the port
# those arguments choose: the last -p/--port among them, as `tessera serve` reads them, else
# TESSERA_PORT, else 8080. scripts/run.sh shows it before starting the service.
set -euo pipefail
port=${TESSERA_PORT:-8080}
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    -p | --port) ((i + 1 < ${#args[@]})) && port=${args[i + 1]} ;;
    --port=*) port=${args[i]#--port=} ;;
    -p?*) port=${args[i]#-p} ;;
  esac
done
cat >&2 <<HINT
== tessera serve: http://localhost:$port (API reference: http://localhost:$port/openapi.json)
   try, from another terminal:
   curl -s --data-binary @tests/data/orient_6.jpg -o thumb.webp \\
        'http://localhost:$port/v1/process?pipeline=thumbnail:w=256;format:type=webp'
   curl -s -F image=@tests/data/quadrants.tif --form-string pipeline='blur:sigma=3;format:type=png' \\
        http://localhost:$port/v1/jobs                    # 202 with the job; then
   curl -s http://localhost:$port/v1/jobs/<id>            # state, progress, timings
   curl -s http://localhost:$port/v1/jobs/<id>/result -o out.png
   (a pipeline with ';' goes in --form-string: curl's -F cuts the value at ';' and drops the rest
   with only a warning on its own stderr, so the server cannot tell; or separate steps with '/')
HINT
