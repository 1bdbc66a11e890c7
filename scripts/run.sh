#!/usr/bin/env bash
# The main job.
#  1. Validate every sample and render the objects srfleet would apply, for
#     plain Kubernetes and for OpenShift, into build/rendered/.
#  2. Start srfleet-agent on a simulated cluster (kubesim, in process), apply
#     the samples with kubectl (when installed) and watch them reach Running.
# The hub and fleet of agents join this script with the hub issue.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh" --target srfleet srfleet-agent
srfleet="$root/build/bin/srfleet"
out="$root/build/rendered"
mkdir -p "$out"
echo "== render (offline, like helm template)"
for sample in "$root"/samples/*.yaml; do
  name="$(basename "$sample" .yaml)"
  for platform in kubernetes openshift; do
    "$srfleet" render -f "$sample" --platform "$platform" > "$out/$name.$platform.yaml" 2>/dev/null
    kinds="$(grep '^kind:' "$out/$name.$platform.yaml" | awk '{print $2}' | sort | uniq -c | awk '{printf "%s%s ", $2, ($1>1?"x"$1:"")}')"
    printf '%-16s %-10s -> %s\n' "$name" "$platform" "$kinds"
  done
done

echo
echo "== srfleet-agent on a simulated cluster"
if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl is not installed: skipping the live demo (build/bin/srfleet-agent --simulate runs it by hand)"
  exit 0
fi
kubeconfig="$root/build/simulated.kubeconfig"
rm -f "$kubeconfig"
"$root/build/bin/srfleet-agent" --simulate --simulate-kubeconfig-out "$kubeconfig" \
  --metrics-bind-address 127.0.0.1:0 --log-level warn &
agent=$!
trap 'kill $agent 2>/dev/null || true; wait $agent 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$kubeconfig" ] && break; sleep 0.1; done
k() { kubectl --kubeconfig "$kubeconfig" --request-timeout=20s "$@"; }
k get namespace llm >/dev/null 2>&1 || k create namespace llm >/dev/null
# Backends the samples refer to, so discovery resolves them.
for svc in vllm-qwen vllm-qwen-72b vllm-llama; do
  k -n llm get service "$svc" >/dev/null 2>&1 || k -n llm create service clusterip "$svc" --tcp=8000:8000 >/dev/null
done
for s in simple gateway ha-autoscaling multi-backend; do
  k apply --validate=strict -f "$root/samples/$s.yaml"
done
k -n llm create secret generic redis-credentials --from-literal=password=demo >/dev/null 2>&1 || true
for _ in $(seq 1 25); do
  k get sr -n llm --no-headers 2>/dev/null | grep -qv Running || break
  sleep 0.2
done
k get sr -n llm -o wide
echo
echo "Why a router is not Running (its conditions say what to do):"
k get sr -n llm -o jsonpath='{range .items[*]}{.metadata.name}{": "}{range .status.conditions[?(@.status=="False")]}{.type}={.message}{"; "}{end}{"\n"}{end}'
echo
k get deployments,services,hpa,pdb -n llm
