# syntax=docker/dockerfile:1
#
# srfleet container images: one recipe, two runtime targets.
#
#   docker build --target hub   -t ghcr.io/vllm-project/srfleet-hub:0.1.0   .
#   docker build --target agent -t ghcr.io/vllm-project/srfleet-agent:0.1.0 .
#
# (the image names deploy/hub and deploy/agent use). Needs BuildKit (the
# default builder of Docker >= 23; also podman/buildah) for the ccache mount.
#
# Stages:
#   build  Debian bookworm with exactly the packages scripts/setup-deps.sh
#          installs (tests/deploy/dockerfile_test.cc keeps the two lists equal),
#          builds with scripts/build.sh, then stages one root filesystem per
#          binary: the binary, the shared libraries `ldd` names (at their
#          paths, the dynamic loader included), /etc/passwd and /etc/group
#          with the non-root user 65532, and /tmp. A chroot run of each binary
#          proves nothing is missing.
#   certs  the Debian CA bundle (ca-certificates is not a build dependency).
#   hub    FROM scratch: srfleet-hub, gRPC on 7443, /metrics /healthz /readyz
#          on 7080. Working directory /var/lib/srfleet (owned by 65532):
#          mount the SQLite volume there, or pass --data-dir.
#   agent  FROM scratch: srfleet-agent, /metrics /healthz /readyz on 8080
#          (the default argument binds it on all addresses; Deployments that
#          pass their own args should keep --metrics-bind-address=:8080).
#
# No shell, package manager or libc tools at run time; USER 65532:65532.

# ---- build ---------------------------------------------------------------------
FROM debian:bookworm AS build
# Exactly scripts/setup-deps.sh's PACKAGES, so that scripts/build.sh's own
# setup-deps.sh call finds everything installed and touches nothing.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ccache \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev \
      libboost1.81-dev libboost-json1.81-dev libssl-dev openssl \
      libyaml-cpp-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev \
      nlohmann-json3-dev libcli11-dev libspdlog-dev libsqlite3-dev \
      etcd-server etcd-client curl python3 python3-yaml \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
# Parallel jobs: SRFLEET_JOBS (default: every core), as scripts/build.sh reads it.
ARG SRFLEET_JOBS
RUN --mount=type=cache,target=/root/.cache/ccache \
    scripts/build.sh --target srfleet-hub srfleet-agent

# One root filesystem per binary under /rootfs/<target>.
RUN set -eu; \
    for pair in hub:srfleet-hub agent:srfleet-agent; do \
      target="${pair%%:*}"; name="${pair#*:}"; bin="build/bin/${name}"; root="/rootfs/${target}"; \
      mkdir -p "${root}/usr/local/bin" "${root}/etc" "${root}/tmp"; \
      chmod 1777 "${root}/tmp"; \
      install -m 0755 "${bin}" "${root}/usr/local/bin/${name}"; \
      libs="$(ldd "${bin}" | awk '/=> not found/ { print "missing library: " $1 > "/dev/stderr"; bad = 1 } \
                                  $2 == "=>" && $3 ~ /^\// { print $3 } \
                                  $1 ~ /^\// { print $1 } \
                                  END { exit bad }')"; \
      for lib in ${libs}; do cp -L --parents "${lib}" "${root}"; done; \
      printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
        > "${root}/etc/passwd"; \
      printf 'root:x:0:\nnonroot:x:65532:\n' > "${root}/etc/group"; \
      chroot "${root}" "/usr/local/bin/${name}" --help > /dev/null; \
    done; \
    mkdir -p /rootfs/hub-data

# ---- certs ----------------------------------------------------------------------
FROM debian:bookworm AS certs
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# ---- hub ------------------------------------------------------------------------
FROM scratch AS hub
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="srfleet-hub" \
      org.opencontainers.image.description="srfleet hub: fleet control plane for vLLM Semantic Router (intents, placement, agent links)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.vendor="srfleet" \
      org.opencontainers.image.base.name="scratch"
COPY --from=build /rootfs/hub/ /
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build --chown=65532:65532 /rootfs/hub-data/ /var/lib/srfleet/
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=/etc/ssl/certs/ca-certificates.crt
WORKDIR /var/lib/srfleet
USER 65532:65532
EXPOSE 7443 7080
ENTRYPOINT ["/usr/local/bin/srfleet-hub"]

# ---- agent ----------------------------------------------------------------------
FROM scratch AS agent
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="srfleet-agent" \
      org.opencontainers.image.description="srfleet agent: the SemanticRouter operator for one Kubernetes/OpenShift cluster, optionally linked to the srfleet hub" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.vendor="srfleet" \
      org.opencontainers.image.base.name="scratch"
COPY --from=build /rootfs/agent/ /
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    GRPC_DEFAULT_SSL_ROOTS_FILE_PATH=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/srfleet-agent"]
CMD ["--metrics-bind-address=:8080"]
