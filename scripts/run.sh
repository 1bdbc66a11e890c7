#!/usr/bin/env bash
# The main job. Today: validate every sample and render the Kubernetes objects
# srfleet would apply, for plain Kubernetes and for OpenShift (the hub, agents
# and simulated clusters join this script as they land).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/build.sh" --target srfleet
srfleet="$root/build/bin/srfleet"
out="$root/build/rendered"
mkdir -p "$out"
for sample in "$root"/samples/*.yaml; do
  name="$(basename "$sample" .yaml)"
  for platform in kubernetes openshift; do
    "$srfleet" render -f "$sample" --platform "$platform" > "$out/$name.$platform.yaml"
    kinds="$(grep '^kind:' "$out/$name.$platform.yaml" | awk '{print $2}' | sort | uniq -c | awk '{printf "%s%s ", $2, ($1>1?"x"$1:"")}')"
    printf '%-16s %-10s -> %s\n' "$name" "$platform" "$kinds"
  done
done
echo
echo "Rendered manifests are in build/rendered/. For example:"
echo "  build/bin/srfleet render -f samples/gateway.yaml --platform openshift"
