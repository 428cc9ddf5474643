#!/usr/bin/env bash
# What the benchmarks' baselines need beyond scripts/install.sh: PyTorch and NumPy from Debian, with OpenBLAS
# (pthread) selected as the system BLAS (the reference BLAS is about 4x slower).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3-torch python3-numpy libopenblas0-pthread >/dev/null
blas=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu | grep openblas-pthread | head -n 1)
[ -n "$blas" ] && update-alternatives --set libblas.so.3-x86_64-linux-gnu "$blas"
lapack=$(update-alternatives --list liblapack.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas-pthread | head -n 1 || true)
[ -n "$lapack" ] && update-alternatives --set liblapack.so.3-x86_64-linux-gnu "$lapack"
echo "benchmark baselines installed"
