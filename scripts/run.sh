#!/usr/bin/env bash
# The main job: a srfleet fleet on this machine.
#  1. Render every sample offline (Kubernetes and OpenShift) into build/rendered/.
#  2. Make a throwaway PKI with openssl (a CA, the hub's certificate, one client
#     certificate per cluster and one for the CLI) and start srfleet-hub with
#     mutual TLS and its SQLite store, all under build/demo/ (wiped first).
#  3. Register three clusters with the CLI and start one srfleet-agent per
#     cluster, each on its own simulated cluster (kubesim, in process):
#     prod-east and dev-west (Kubernetes), prod-ocp (OpenShift).
#  4. Apply two samples with different placements, show the clusters and
#     routers until every router is Running on every cluster it is placed on
#     (90 s at most), then describe one.
#  5. Keep running until Ctrl-C, then stop the agents and the hub.
#     --once (or SRFLEET_DEMO_EXIT=1) stops right after step 4.
# Exit codes: 0 stopped by Ctrl-C/SIGTERM, or converged with --once;
# 1 something failed or did not converge (the logs' tails are printed); 2 usage.
# shellcheck disable=SC2317  # functions run from traps (on_signal, on_exit)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

once="${SRFLEET_DEMO_EXIT:-0}"
for arg in "$@"; do
  case "$arg" in
    --once) once=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument: $arg (usage: scripts/run.sh [--once])" >&2; exit 2 ;;
  esac
done

"$root/scripts/build.sh" --target srfleet srfleet-agent srfleet-hub
bin="$root/build/bin"
srfleet="$bin/srfleet"

echo "== render: every sample, for Kubernetes and OpenShift, into build/rendered/ (like helm template)"
out="$root/build/rendered"
mkdir -p "$out"
names=()
for sample in "$root"/samples/*.yaml; do
  name="$(basename "$sample" .yaml)"
  names+=("$name")
  for platform in kubernetes openshift; do
    if ! "$srfleet" render -f "$sample" --platform "$platform" > "$out/$name.$platform.yaml" 2> "$out/$name.$platform.err"; then
      cat "$out/$name.$platform.err" >&2
      exit 1
    fi
    rm -f "$out/$name.$platform.err"
  done
done
echo "   ${names[*]}"

demo="$root/build/demo"
pki="$demo/pki"
clusters=(prod-east dev-west prod-ocp)

# A previous run killed with SIGKILL leaves its processes behind: stop them.
if [ -f "$demo/pids" ]; then
  while read -r pid; do
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    if [ "$comm" = srfleet-hub ] || [ "$comm" = srfleet-agent ]; then
      echo "stopping $comm (pid $pid) left over from a previous run"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done < <(tac "$demo/pids")
fi
rm -rf "$demo"
mkdir -p "$demo" "$pki"

echo
echo "== pki: a throwaway CA, the hub's certificate (127.0.0.1, localhost), a client certificate per cluster and one for the CLI"
(
  cd "$pki"
  umask 077
  o() { openssl "$@" 2> openssl.err || { cat openssl.err >&2; exit 1; }; }
  o req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=srfleet demo CA" -keyout ca.key -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  issue() {  # name, extendedKeyUsage, extra extension lines
    o req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" -keyout "$1.key" -out "$1.csr"
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\n%s' \
      "$2" "${3:-}" > "$1.ext"
    o x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.pem"
    rm -f "$1.csr" "$1.ext"
  }
  issue hub serverAuth "subjectAltName=IP:127.0.0.1,DNS:localhost"
  for c in "${clusters[@]}"; do issue "$c" clientAuth; done
  issue srfleet-admin clientAuth
  rm -f openssl.err ca.srl
)
echo "   build/demo/pki: ca.pem, hub.pem, ${clusters[*]/%/.pem}, srfleet-admin.pem (+ .key each)"

# Processes this script started: pids[0] is the hub, then the agents. They
# run in their own session (setsid), so Ctrl-C reaches only this script, which
# stops the agents first (SIGTERM, wait), then the hub.
pids=()
stopping=0
terminate() {  # SIGTERM the given pids, wait for them (SIGKILL after 20 s)
  local p
  for p in "$@"; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 200); do
    for p in "$@"; do kill -0 "$p" 2>/dev/null && break; p=""; done
    [ -z "$p" ] && break
    sleep 0.1
  done
  for p in "$@"; do
    if kill -0 "$p" 2>/dev/null; then
      echo "pid $p did not stop within 20 s of SIGTERM: SIGKILL" >&2
      kill -KILL "$p" 2>/dev/null || true
    fi
    wait "$p" 2>/dev/null || true
  done
}
stop_all() {
  [ "$stopping" = 1 ] && return
  stopping=1
  if [ "${#pids[@]}" -gt 1 ]; then terminate "${pids[@]:1}"; fi
  if [ "${#pids[@]}" -gt 0 ]; then terminate "${pids[0]}"; fi
  rm -f "$demo/pids"
}
on_signal() {
  echo
  echo "== $1: stopping the agents and the hub"
  stop_all
  echo "stopped"
  exit 0
}
on_exit() {
  local rc=$?
  stop_all
  [ "$rc" = 0 ] || echo "(the logs are in build/demo/*.log)" >&2
}
trap on_exit EXIT
trap 'on_signal SIGINT' INT
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGHUP' HUP
started() { pids+=("$1"); echo "$1" >> "$demo/pids"; }

tail_logs() {
  local f
  for f in "$demo"/*.log; do
    echo "--- last lines of ${f#"$root"/}" >&2
    tail -n 15 "$f" >&2
  done
}
fail() {
  echo "error: $*" >&2
  tail_logs
  exit 1
}

echo
echo "== srfleet-hub: mutual TLS, SQLite in build/demo/hub-data"
setsid "$bin/srfleet-hub" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir "$demo/hub-data" \
  --tls-cert "$pki/hub.pem" --tls-key "$pki/hub.key" --tls-client-ca "$pki/ca.pem" \
  > "$demo/hub.log" 2>&1 &
started $!
hub_pid=$!
# The hub picks free ports and logs them: "... port=43117 http_port=40331 ...".
serving=""
for _ in $(seq 1 100); do
  serving="$(grep -m1 'srfleet-hub serving' "$demo/hub.log" || true)"
  [ -n "$serving" ] && break
  kill -0 "$hub_pid" 2>/dev/null || fail "srfleet-hub exited"
  sleep 0.1
done
[ -n "$serving" ] || fail "srfleet-hub did not start within 10 s"
grpc_port="$(sed -n 's/.* port=\([0-9]*\).*/\1/p' <<< "$serving")"
http_port="$(sed -n 's/.* http_port=\([0-9]*\).*/\1/p' <<< "$serving")"
hub="127.0.0.1:$grpc_port"
# /metrics is HTTPS with the hub's certificate when the hub says http_tls=on.
case "$(sed -n 's/.* http_tls=\([a-z]*\).*/\1/p' <<< "$serving")" in
  ""|off) metrics_url="http://127.0.0.1:$http_port/metrics"; curl_tls="" ;;
  *) metrics_url="https://127.0.0.1:$http_port/metrics"; curl_tls="--cacert build/demo/pki/ca.pem " ;;
esac
echo "   gRPC $hub (agents and CLI), $metrics_url, log build/demo/hub.log"

export SRFLEET_HUB="$hub"
export SRFLEET_TLS_CA="$pki/ca.pem"
export SRFLEET_TLS_CERT="$pki/srfleet-admin.pem"
export SRFLEET_TLS_KEY="$pki/srfleet-admin.key"
# Runs a command after printing it as you would type it.
run() {
  local a shown=()
  for a in "$@"; do
    a="${a#"$bin"/}"
    a="${a#"$root"/}"
    case "$a" in *[\ \(\)]*) a="'$a'" ;; esac
    shown+=("$a")
  done
  echo "\$ ${shown[*]}"
  "$@"
}

echo
echo "== register the clusters (the hub refuses agents of clusters nobody registered)"
run "$srfleet" clusters register prod-east --label env=prod --label region=us-east
run "$srfleet" clusters register dev-west --label env=dev --label region=us-west
run "$srfleet" clusters register prod-ocp --label env=prod --label region=eu-central

echo
echo "== one srfleet-agent per cluster, each on a simulated cluster; logs in build/demo/<cluster>.log"
for c in "${clusters[@]}"; do
  openshift=()
  [ "$c" = prod-ocp ] && openshift=(--simulate-openshift)
  setsid "$bin/srfleet-agent" --simulate "${openshift[@]}" --simulate-kubeconfig-out "$demo/$c.kubeconfig" \
    --metrics-bind-address 127.0.0.1:0 \
    --hub "$hub" --cluster-name "$c" --cluster-label provider=kubesim \
    --hub-ca "$pki/ca.pem" --hub-cert "$pki/$c.pem" --hub-key "$pki/$c.key" \
    > "$demo/$c.log" 2>&1 &
  started $!
done
for i in "${!clusters[@]}"; do
  c="${clusters[$i]}"
  # Each agent serves /metrics on a free port and logs it: "... url=http://127.0.0.1:41235".
  url=""
  for _ in $(seq 1 100); do
    url="$(sed -n 's/.*serving \/metrics.* url=\([^ ]*\).*/\1/p' "$demo/$c.log" | head -n1)"
    [ -n "$url" ] && [ -s "$demo/$c.kubeconfig" ] && break
    kill -0 "${pids[$((i + 1))]}" 2>/dev/null || fail "srfleet-agent of $c exited"
    sleep 0.1
  done
  if [ -z "$url" ] || [ ! -s "$demo/$c.kubeconfig" ]; then fail "srfleet-agent of $c did not start within 10 s"; fi
  printf '   %-10s %-10s kubeconfig build/demo/%s.kubeconfig, %s/metrics\n' "$c" \
    "$([ "$c" = prod-ocp ] && echo OpenShift || echo Kubernetes)" "$c" "$url"
done

echo
echo "== apply two samples with different placements"
run "$srfleet" apply -f "$root/samples/simple.yaml" --placement env=prod
run "$srfleet" apply -f "$root/samples/llamastack.yaml" --placement 'srfleet.io/platform in (kubernetes)'

echo
echo "== clusters and routers, until every router is Running on all of its clusters"
# Converged: 2 routers, each Running with READY x/x, and 3 clusters Connected
# reporting 4 routers (2 per placement), all ready.
converged() {
  awk 'NR > 1 && $2 == "Connected" { n++; routers += $5; split($6, r, "/"); if (r[1] != r[2]) bad = 1 }
       END { exit !(n == 3 && routers == 4 && !bad) }' <<< "$1" &&
    awk 'NR > 1 { n++; split($5, r, "/"); if ($6 != "Running" || r[1] != r[2] || r[2] == 0) bad = 1 }
         END { exit !(n == 2 && !bad) }' <<< "$2"
}
start=$SECONDS
last=""
while :; do
  routers_table="$("$srfleet" get routers -A 2>&1)" || true
  clusters_table="$("$srfleet" get clusters 2>&1)" || true
  # Print the tables when something other than LAST-SEEN and AGE changed.
  now="$(printf '%s\n%s\n' "$clusters_table" "$routers_table" | awk '{ print $1, $2, $3, $4, $5, $6 }')"
  if converged "$clusters_table" "$routers_table" || [ "$now" != "$last" ]; then
    echo "--- after $((SECONDS - start)) s"
    echo "\$ srfleet get clusters"
    echo "$clusters_table"
    echo "\$ srfleet get routers -A"
    echo "$routers_table"
    last="$now"
  fi
  converged "$clusters_table" "$routers_table" && break
  if [ $((SECONDS - start)) -ge 90 ]; then
    awk 'NR > 1 && $6 != "Running" { print $1 "/" $2 }' <<< "$routers_table" | while read -r r; do
      "$srfleet" describe router "$r" >&2 || true
    done
    fail "the routers did not reach Running on all of their clusters within 90 s"
  fi
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || fail "a srfleet process (pid $p) exited"; done
  sleep 1
done

echo
run "$srfleet" describe router simple -n llm

rel="${demo#"$root"/}"
cat <<EOF

== try this (in another shell, from $root)
export SRFLEET_HUB=$hub SRFLEET_TLS_CA=$rel/pki/ca.pem \\
       SRFLEET_TLS_CERT=$rel/pki/srfleet-admin.pem SRFLEET_TLS_KEY=$rel/pki/srfleet-admin.key
build/bin/srfleet get clusters -o wide
build/bin/srfleet describe cluster prod-ocp
build/bin/srfleet watch --timeout 2m &   # the hub's events as they happen, for 2 minutes
build/bin/srfleet apply -f samples/simple.yaml --placement 'env in (prod,dev)'   # now on dev-west too
build/bin/srfleet history router simple -n llm
build/bin/srfleet delete router router-llamastack -n llm
kubectl --kubeconfig $rel/prod-east.kubeconfig get semanticrouters,deployments,services -n llm   # kubectl 1.29+
curl -s $curl_tls$metrics_url | grep '^srfleet_hub'
EOF

if [ "$once" = 1 ]; then
  echo
  echo "== converged (--once / SRFLEET_DEMO_EXIT=1): stopping the agents and the hub"
  stop_all
  echo "stopped"
  exit 0
fi
echo
echo "The fleet keeps running; Ctrl-C stops the agents and the hub."
# Returns when a signal's trap ran (it exits) or when one of the processes died.
set +e
wait -n "${pids[@]}"
status=$?
set -e
fail "a srfleet process exited unexpectedly (status $status)"
