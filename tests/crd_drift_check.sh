#!/bin/sh
# crds/semanticrouters.vllm.ai.yaml must equal what crds/generate.py makes.
python="$1"; root="$2"
openapi="${SRFLEET_REFERENCE_DIR:-$root/../shared}/reference/k8s-openapi-v3"
if [ ! -d "$openapi" ]; then echo "SKIP: $openapi not present"; exit 77; fi
if ! "$python" -c 'import yaml' 2>/dev/null; then echo "SKIP: python3-yaml not installed"; exit 77; fi
exec "$python" "$root/crds/generate.py" --check --k8s-openapi "$openapi"
