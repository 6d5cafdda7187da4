#!/usr/bin/env bash
# Extracts the arm64 builds of our native dependencies into a private sysroot: they cannot be
# co-installed with the amd64 -dev packages, so they are unpacked (apt-get download + dpkg -x), not installed.
set -euo pipefail
dest=${1:?usage: make-arm64-sysroot.sh DEST}
packages=(
  libopenblas-dev libopenblas0-pthread libopenblas-pthread-dev libopenblas0 libgfortran5
  libxnnpack-dev libxnnpack0 libpthreadpool-dev libpthreadpool0 libcpuinfo-dev libcpuinfo0
  libdnnl-dev libdnnl2 libgomp1
  libprotobuf-dev libprotobuf32 zlib1g
)
stamp="$dest/.complete"
want=$(printf '%s\n' "${packages[@]}" | sha256sum | cut -c1-16)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then exit 0; fi

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt-get update -qq
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "${packages[@]/%/:arm64}")
rm -rf "$dest" && mkdir -p "$dest"
for deb in "$work"/*.deb; do dpkg -x "$deb" "$dest"; done
# Debian's alternatives would point libopenblas.so at the pthread variant; do it by hand in the sysroot.
lib="$dest/usr/lib/aarch64-linux-gnu"
ln -sf openblas-pthread/libopenblas.so.0 "$lib/libopenblas.so.0"
ln -sf openblas-pthread/libopenblas.so "$lib/libopenblas.so"
echo "$want" > "$stamp"
