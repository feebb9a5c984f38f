"""Checks objects rendered by `helm template` (policy gate, npm run validate).

Usage: check_rendered.py <rendered.yaml> <out-dir> [<crds.json>]

Every built-in object is validated strictly (unknown fields are errors)
against the Kubernetes 1.37 schemas of kubernetes-validate; every custom
resource against the openAPIV3Schema of its CustomResourceDefinition (from
the same render, the chart's crds/ included, or from <crds.json>: the CRDs of
the stack's other releases). Alertmanager configs (from the
chart's Secret) and PrometheusRule groups are written to <out-dir> for
amtool and promtool. Prints one JSON object: objects, errors, files.
"""
import base64
import json
import os
import sys

import jsonschema
import kubernetes_validate
import yaml

K8S_VERSION = "1.37.0"


# libyaml's parser where PyYAML has it (its wheels do): kube-prometheus-stack renders megabytes of CRDs.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class Loader(SafeLoader):
    """YAML as Kubernetes reads it: a lone "=" is a string, not YAML 1.1's value tag."""


Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def crd_schemas(docs):
    """(group, version, kind) -> openAPIV3Schema, from the rendered CRDs."""
    schemas = {}
    for doc in docs:
        if doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc["spec"]
        for version in spec.get("versions", []):
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            if schema:
                schemas[(spec["group"], version["name"], spec["names"]["kind"])] = schema
    return schemas


def main():
    rendered, out_dir = sys.argv[1], sys.argv[2]
    with open(rendered, encoding="utf-8") as f:
        docs = [d for d in yaml.load_all(f, Loader=Loader) if isinstance(d, dict) and d.get("kind")]
    # A List (the chart renders additional PodMonitors as one) is checked item by item.
    docs = [item for d in docs for item in (d.get("items") or [] if d["kind"] == "List" else [d])]
    extra = []
    if len(sys.argv) > 3 and os.path.exists(sys.argv[3]):
        with open(sys.argv[3], encoding="utf-8") as f:
            extra = json.load(f)
    schemas = {**crd_schemas(extra), **crd_schemas(docs)}
    # This render's CRDs, for the stack's later releases: JSON, read again by each of them.
    with open(os.path.join(out_dir, "crds.json"), "w", encoding="utf-8") as f:
        json.dump([d for d in docs if d["kind"] == "CustomResourceDefinition"], f, default=str)
    errors, files = [], []
    for doc in docs:
        kind, api = doc["kind"], doc.get("apiVersion", "")
        name = f"{kind}/{doc.get('metadata', {}).get('name', '?')}"
        group, _, version = api.rpartition("/")
        key = (group, version, kind)
        try:
            if key in schemas:
                validator = jsonschema.Draft7Validator(schemas[key])
                for err in validator.iter_errors(doc):
                    path = ".".join(str(p) for p in err.absolute_path)
                    errors.append(f"{name}: {path}: {err.message[:200]}")
            elif "." in group and not group.endswith(".k8s.io"):
                errors.append(f"{name}: no CustomResourceDefinition for {api} {kind} in the render")
            else:
                kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as err:
            path = ".".join(str(p) for p in err.path)
            errors.append(f"{name}: {path}: {err.message[:200]}")
        except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as err:
            errors.append(f"{name}: {err}")

        if kind == "Secret" and "alertmanager.yaml" in (doc.get("data") or {}):
            path = os.path.join(out_dir, f"alertmanager-{len(files)}.yaml")
            with open(path, "wb") as f:
                f.write(base64.b64decode(doc["data"]["alertmanager.yaml"]))
            files.append({"kind": "alertmanager", "name": name, "path": path})
        if kind == "PrometheusRule":
            path = os.path.join(out_dir, f"rules-{len(files)}.yaml")
            with open(path, "w", encoding="utf-8") as f:
                yaml.dump({"groups": doc["spec"]["groups"]}, f, Dumper=SafeDumper, sort_keys=False)
            files.append({"kind": "rules", "name": name, "path": path})
    print(json.dumps({"objects": len(docs), "errors": errors, "files": files}))


if __name__ == "__main__":
    main()
