#!/bin/bash
# Imports the control-plane images carried in /kind/images into containerd
# (once per node), so kubeadm and the kubelet find every image they need
# without a registry.
set -euo pipefail
marker=/var/lib/airdisplay/images-preloaded
[ -f "$marker" ] && exit 0
for i in $(seq 1 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done
# Unpacked into the snapshotter containerd's CRI uses (kind's entrypoint
# may have switched it from overlayfs).
snapshotter=$(sed -n 's/^ *snapshotter = "\(.*\)"/\1/p' /etc/containerd/config.toml | head -1)
for archive in /kind/images/*.tar; do
  ctr --namespace=k8s.io images import --snapshotter="${snapshotter:-overlayfs}" "$archive"
done
mkdir -p "$(dirname "$marker")" && touch "$marker"
