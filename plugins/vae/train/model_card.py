#!/usr/bin/env python3
"""Prints the model-card tables of plugins/vae/README.md from the card-*.json files train_vae.py wrote."""
import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

cards = []
for path in sorted(glob.glob(os.path.join(HERE, "card-*.json"))):
    with open(path) as f:
        doc = json.load(f)
    for m in doc["models"]:
        m["torch"], m["onnx"] = doc["torch"], doc["onnx"]
        cards.append(m)

print("| model | latent | epochs | seed | final train loss (nats/image) | encoder bytes | encoder sha256 | decoder bytes | decoder sha256 |")
print("|---|---:|---:|---:|---:|---:|---|---:|---|")
for m in sorted(cards, key=lambda m: (m.get("class", -1), m["name"])):
    print("| %s | %d | %d | %d | %.2f | %d | `%s` | %d | `%s` |" % (
        m["name"], m["latent"], m["epochs"], m["seed"], m["history"][-1], m["encoder_bytes"], m["encoder_sha256"],
        m["decoder_bytes"], m["decoder_sha256"]))
print()
versions = sorted({(m["torch"], m["onnx"]) for m in cards})
print("Trained with torch %s, exported with onnx %s." % tuple(versions[0]))
print()
for m in cards:
    if "test_bce_decode_mu" in m:
        print("- %s: mean BCE of decode(encode(x)) on the 10,000 test images: %.2f nats" % (m["name"], m["test_bce_decode_mu"]))
one = [m for m in cards if "python_auroc" in m]
if one:
    print()
    print("Training-time AUROC (torch, same formulas; genpipe's own figures are in docs/BENCHMARKS.md):")
    print()
    print("| class | reconstruction | mahalanobis | combined |")
    print("|---|---:|---:|---:|")
    for m in sorted(one, key=lambda m: m["class"]):
        a = m["python_auroc"]
        print("| %d %s | %.4f | %.4f | %.4f |" % (m["class"], CLASSES[m["class"]], a["reconstruction"], a["mahalanobis"], a["combined"]))
