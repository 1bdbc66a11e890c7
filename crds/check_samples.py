#!/usr/bin/env python3
"""Self-check of the generated SemanticRouter CRD (python3 + python3-yaml only).

    python3 crds/check_samples.py [-v]

1. Samples: every SemanticRouter in the 13 upstream samples must pass our
   schema the way a kube-apiserver with strict field validation checks it
   (unknown fields, types, enums, patterns, bounds, required, list-map keys,
   defaults applied first, nulls of non-nullable fields pruned). CEL rules are
   NOT evaluated here; the C++ schema validator has the evaluator.
2. Strictness proof: the same checker must reject exactly the 6 samples the
   upstream CRD is known to reject, for exactly the known reasons.
3. Compatibility: every field of the upstream CRD must exist in ours with the
   same type, format, enum, bounds, pattern and default, except the deliberate
   differences listed in DELIBERATE below (each with its reason).
4. Lint: every default validates against its own schema (the API server
   requires it), every CEL rule has a message and only iterates bounded lists.
5. A few hand-written invalid objects must be rejected (negative tests).

Exit status 0 when everything holds, 1 otherwise.
"""
import argparse
import glob
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(os.path.dirname(HERE), "..", "shared")
OURS = os.path.join(HERE, "semanticrouters.vllm.ai.yaml")
UPSTREAM = os.path.join(SHARED, "upstream-crd", "vllm.ai_semanticrouters.yaml")
SAMPLES = os.path.join(SHARED, "upstream-samples")

# Samples the upstream CRD rejects, and the only kinds of reasons allowed.
UPSTREAM_FAILING = {
    "vllm.ai_v1alpha1_semanticrouter_gateway.yaml",
    "vllm.ai_v1alpha1_semanticrouter_llamastack.yaml",
    "vllm.ai_v1alpha1_semanticrouter_openshift.yaml",
    "vllm.ai_v1alpha1_semanticrouter_route.yaml",
    "vllm.ai_v1alpha1_semanticrouter_valkey_cache.yaml",
    "vllm_v1alpha1_semanticrouter.yaml",
}
UPSTREAM_REASONS = [
    r"^spec\.(startup|liveness|readiness)Probe\.httpGet: unknown field$",
    r"^spec\.toolsDb\[\d+\]\.(name|parameters): unknown field$",
    r"^spec\.config\.bert_model: unknown field$",
    r"^spec\.config\.classifier\.pii_model\.use_mmbert_32k: unknown field$",
    r"^spec\.config\.observability\.tracing\.sampling\.probability: unknown field$",
    r"^spec\.config\.observability\.tracing\.resource\.environment: unknown field$",
]

# Deliberate differences from upstream: (path regex, attribute) -> reason.
# Paths use `[]` for list items and `{}` for map values.
CORE = r"spec\.(affinity|securityContext|podSecurityContext|tolerations\[\]|env\[\]|resources)"
DELIBERATE = [
    (r"spec\.persistence\.storageClassName", "default",
     "no default, so an unset class means the cluster default StorageClass"),
    (r"spec\.persistence\.size", "pattern", "must be a Kubernetes quantity"),
    (r"spec\.service\.(grpc|api|metrics)\.port", "default", "50051/8080/9190 instead of port 0"),
    (r"spec\.service\.(grpc|api|metrics)\.protocol", "enum", "only real Service protocols"),
    (r"spec\.(startup|liveness|readiness)Probe\.\w+", "minimum", "probe timings must be positive"),
    (r"spec\.vllmEndpoints", "maxItems|x-kubernetes-list-type|x-kubernetes-list-map-keys",
     "a map keyed by name (duplicate names rejected), bounded for CEL cost"),
    (r"status\.conditions", "x-kubernetes-list-type|x-kubernetes-list-map-keys",
     "standard conditions list, keyed by type"),
    (r"spec\.vllmEndpoints\[\]\.weight", "minimum|maximum", "weights are 0..10000"),
    (r"spec\.vllmEndpoints\[\]\.backend\.type", "maxLength", "bounds CEL cost (enum is unchanged)"),
    (r"spec\.autoscaling\.\w+", "minimum|maximum", "HPA replica counts >= 1, percentages 1..100"),
    (r"spec\.ingress\.hosts\[\]", "required", "a host rule without a host is meaningless"),
    (r"spec\.ingress\.hosts\[\]\.paths\[\]\.pathType", "enum", "the Ingress path types"),
    (r"spec\.ingress\.hosts\[\]\.paths\[\]\.servicePort", "minimum|maximum", "a valid port"),
    (r"status\.(phase|gatewayMode)", "enum", "the values the controller writes"),
    (r"spec\.config(\..+)?", "preserveUnknown", "router settings unknown to the CRD are kept"),
    # Core types come from the Kubernetes 1.26 OpenAPI documents; upstream's
    # come from k8s.io/api v0.34 via controller-gen. See crds/README.md.
    (CORE + r".*", "x-kubernetes-list-type", "1.26 documents mark fewer lists atomic (same semantics)"),
]
ATTRS = ["type", "format", "enum", "minimum", "maximum", "pattern", "default", "minLength",
         "maxLength", "minItems", "maxItems", "required", "x-kubernetes-int-or-string",
         "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type"]

OBJECT_META = {"name", "generateName", "namespace", "labels", "annotations", "finalizers",
               "ownerReferences", "uid", "resourceVersion", "generation", "creationTimestamp",
               "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


def validate(schema, value, path, errors, root=False):
    """Structural validation as the API server does it (minus CEL). Mutates
    `value` by applying defaults, like the server's defaulting pass."""
    if schema.get("x-kubernetes-int-or-string"):
        if not (TYPES["integer"](value) or isinstance(value, str)):
            errors.append(f"{path}: must be an integer or a string")
            return
    elif "type" in schema and not TYPES[schema["type"]](value):
        errors.append(f"{path}: must be of type {schema['type']}")
        return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: unsupported value {value!r}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1e18):
            errors.append(f"{path}: length out of bounds")
    if TYPES["number"](value):
        if value < schema.get("minimum", -1e300) or value > schema.get("maximum", 1e300):
            errors.append(f"{path}: {value} out of bounds")
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", 1e18) or len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: item count out of bounds")
        keys = schema.get("x-kubernetes-list-map-keys")
        if schema.get("x-kubernetes-list-type") == "map" and keys:
            seen = set()
            for i, item in enumerate(value):
                k = tuple(item.get(key) for key in keys) if isinstance(item, dict) else None
                if k in seen:
                    errors.append(f"{path}[{i}]: duplicate entry for key {k}")
                seen.add(k)
        for i, item in enumerate(value):
            if "items" in schema:
                validate(schema["items"], item, f"{path}[{i}]", errors)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in list(value):
            # The server prunes nulls of non-nullable fields before defaulting.
            if value[name] is None and not props.get(name, {}).get("nullable"):
                del value[name]
        for name, sub in props.items():
            if name not in value and "default" in sub:
                value[name] = yaml.safe_load(yaml.safe_dump(sub["default"]))
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}.{name}: required")
        extra = schema.get("additionalProperties")
        for name, sub in value.items():
            child = f"{path}.{name}" if path else name
            if root and name == "metadata":
                errors += [f"metadata.{k}: unknown field" for k in sub if k not in OBJECT_META]
            elif name in props:
                validate(props[name], sub, child, errors)
            elif isinstance(extra, dict):
                validate(extra, sub, child, errors)
            elif not (extra is True or schema.get("x-kubernetes-preserve-unknown-fields")):
                errors.append(f"{child}: unknown field")


def load_schema(path):
    with open(path, encoding="utf-8") as f:
        crd = yaml.safe_load(f)
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def sample_objects(samples_dir):
    """(file name, object) for every SemanticRouter in the samples."""
    for path in sorted(glob.glob(os.path.join(samples_dir, "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if isinstance(doc, dict) and doc.get("kind") == "SemanticRouter":
                    yield os.path.basename(path), doc


def check_samples(schema, samples_dir):
    """{file: [errors]} for every sample file holding a SemanticRouter."""
    result = {}
    for name, obj in sample_objects(samples_dir):
        errors = []
        validate(schema, obj, "", errors, root=True)
        result.setdefault(name, []).extend(errors)
    return result


def walk(schema, path=""):
    yield path, schema
    for name, sub in schema.get("properties", {}).items():
        yield from walk(sub, f"{path}.{name}" if path else name)
    if isinstance(schema.get("items"), dict):
        yield from walk(schema["items"], path + "[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from walk(schema["additionalProperties"], path + "{}")


def compare(upstream, ours):
    """[(path, attribute, upstream value, our value)] where ours differs."""
    mine = dict(walk(ours))
    diffs = []
    for path, up in walk(upstream):
        if path not in mine:
            diffs.append((path, "missing", "present", None))
            continue
        me = mine[path]
        for attr in ATTRS:
            a, b = up.get(attr), me.get(attr)
            if attr == "required":
                a, b = sorted(a or []), sorted(b or [])
            if a != b:
                diffs.append((path, attr, a, b))
        if up.get("x-kubernetes-preserve-unknown-fields") and \
                not me.get("x-kubernetes-preserve-unknown-fields"):
            diffs.append((path, "preserveUnknown", True, None))
        elif me.get("x-kubernetes-preserve-unknown-fields") != up.get("x-kubernetes-preserve-unknown-fields"):
            diffs.append((path, "preserveUnknown", None, True))
    return diffs


def deliberate(path, attr):
    for pattern, attrs, reason in DELIBERATE:
        if re.fullmatch(pattern, path) and re.fullmatch(attrs, attr):
            return reason
    return None


def lint(schema):
    problems = []
    for path, node in walk(schema):
        for forbidden in ("$ref", "allOf", "oneOf", "not"):
            if forbidden in node:
                problems.append(f"{path}: {forbidden} is not structural")
        if "default" in node:
            errors = []
            validate(node, yaml.safe_load(yaml.safe_dump(node["default"])), path, errors)
            problems += [f"default of {e}" for e in errors]
        for rule in node.get("x-kubernetes-validations", []):
            if not rule.get("message"):
                problems.append(f"{path}: CEL rule without message: {rule.get('rule')}")
            if "fieldPath" in rule:
                problems.append(f"{path}: fieldPath is unknown to Kubernetes < 1.28")
    # A rule under an unbounded list is estimated once per possible item.
    lists = {p for p, n in walk(schema) if n.get("type") == "array" and "maxItems" not in n}
    for path, node in walk(schema):
        if node.get("x-kubernetes-validations"):
            for lst in lists:
                if path.startswith(lst + "[]"):
                    problems.append(f"{path}: CEL rule below list {lst} without maxItems")
    return problems


NEGATIVE = [
    ("unknown top-level field", {"bogus": 1}, r"^spec\.bogus: unknown field$"),
    ("weight above 10000", {"vllmEndpoints": [{"name": "a", "model": "m", "weight": 10001,
                                               "backend": {"type": "service"}}]}, r"weight"),
    ("duplicate endpoint names", {"vllmEndpoints": [
        {"name": "a", "model": "m", "backend": {"type": "kserve"}},
        {"name": "a", "model": "n", "backend": {"type": "kserve"}}]}, r"duplicate"),
    ("bad pathType", {"ingress": {"hosts": [{"host": "h", "paths": [{"pathType": "Regex"}]}]}},
     r"pathType: unsupported"),
    ("host missing", {"ingress": {"hosts": [{"paths": []}]}}, r"hosts\[0\]\.host: required"),
    ("periodSeconds 0", {"livenessProbe": {"periodSeconds": 0}}, r"periodSeconds: 0 out of bounds"),
    ("bad size", {"persistence": {"size": "10 GB"}}, r"persistence\.size: does not match"),
    ("unknown field in a probe handler", {"readinessProbe": {"httpGet": {"port": 8080, "x": 1}}},
     r"httpGet\.x: unknown field"),
    ("bad cpu quantity", {"resources": {"limits": {"cpu": "two"}}}, r"limits\.cpu: does not match"),
    ("bad ratio", {"config": {"bert_model": {"threshold": "1.5"}}}, r"threshold: does not match"),
    ("minReplicas 0", {"autoscaling": {"minReplicas": 0}}, r"minReplicas: 0 out of bounds"),
]


def negative_tests(schema):
    failures = []
    for what, spec, expect in NEGATIVE:
        obj = {"apiVersion": "vllm.ai/v1alpha1", "kind": "SemanticRouter",
               "metadata": {"name": "n"}, "spec": spec}
        errors = []
        validate(schema, obj, "", errors, root=True)
        if not any(re.search(expect, e) for e in errors):
            failures.append(f"{what}: expected an error matching {expect!r}, got {errors}")
    return failures


def main(argv=None):
    ap = argparse.ArgumentParser(description="Self-check of the SemanticRouter CRD.")
    ap.add_argument("--crd", default=OURS)
    ap.add_argument("--upstream-crd", default=UPSTREAM)
    ap.add_argument("--samples", default=SAMPLES)
    ap.add_argument("-v", "--verbose", action="store_true", help="also list deliberate differences")
    args = ap.parse_args(argv)
    ours, upstream = load_schema(args.crd), load_schema(args.upstream_crd)
    ok = True

    results = check_samples(ours, args.samples)
    passed = sorted(f for f, e in results.items() if not e)
    print(f"[samples] ours: {len(passed)}/{len(results)} samples accepted")
    for name, errors in sorted(results.items()):
        for e in errors:
            ok = False
            print(f"  FAIL {name}: {e}")
    if len(results) != 13:
        ok = False
        print(f"  FAIL expected 13 sample files with a SemanticRouter, found {len(results)}")

    up = check_samples(upstream, args.samples)
    failing = sorted(f for f, e in up.items() if e)
    print(f"[strictness] upstream CRD rejects {len(failing)}: {', '.join(failing)}")
    if set(failing) != UPSTREAM_FAILING:
        ok = False
        print(f"  FAIL expected exactly {sorted(UPSTREAM_FAILING)}")
    for name in failing:
        for e in up[name]:
            if not any(re.match(r, e) for r in UPSTREAM_REASONS):
                ok = False
                print(f"  FAIL unexpected upstream rejection {name}: {e}")
            elif args.verbose:
                print(f"    {name}: {e}")

    diffs = compare(upstream, ours)
    unexpected = [d for d in diffs if not deliberate(d[0], d[1])]
    print(f"[compat] {len(diffs)} differences from upstream, {len(unexpected)} not deliberate")
    for path, attr, a, b in unexpected:
        ok = False
        print(f"  FAIL {path}: {attr} upstream={a!r} ours={b!r}")
    if args.verbose:
        for path, attr, a, b in diffs:
            if (path, attr, a, b) not in unexpected:
                print(f"    {path}: {attr} {a!r} -> {b!r} ({deliberate(path, attr)})")

    problems = lint(ours)
    print(f"[lint] {len(problems)} problems")
    for p in problems:
        ok = False
        print(f"  FAIL {p}")

    failures = negative_tests(ours)
    print(f"[negative] {len(NEGATIVE) - len(failures)}/{len(NEGATIVE)} invalid objects rejected")
    for f in failures:
        ok = False
        print(f"  FAIL {f}")

    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
