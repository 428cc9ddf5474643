#!/usr/bin/env bash
# Builds the images the chart uses, with buildah, from a root file system mmdebstrap makes from Debian's packages
# (no image registry needed), then runs each image's entrypoint once with podman.
#   bash deploy/images/build.sh [--no-run]        (as root; apt-get install buildah podman mmdebstrap)
# Images: localhost/sedna-ts/base, localhost/sedna-ts/gm, localhost/sedna-ts/lc, localhost/sedna-ts/worker, :0.1.0
set -euo pipefail
cd "$(dirname "$0")/../.."
TAG=0.1.0
SUITE=${SEDNA_IMAGE_SUITE:-trixie}           # Debian 13: its nodejs is 20.19, as package.json's engines asks
MIRROR=${SEDNA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORK=${SEDNA_IMAGE_WORK:-/tmp/sedna-images}
# Inside a container (as here) only the vfs driver and chroot isolation work; elsewhere the defaults are fine.
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}
run=yes; [ "${1:-}" = "--no-run" ] && run=no
mkdir -p "$WORK"

echo "==> base root file system: mmdebstrap $SUITE (minbase + nodejs, tini, openssl, ca-certificates)"
if [ ! -s "$WORK/rootfs-$SUITE.tar" ]; then
  mmdebstrap --variant=minbase --include=nodejs,ca-certificates,openssl,tini --components=main \
    --customize-hook='chroot "$1" groupadd --system --gid 10001 sedna' \
    --customize-hook='chroot "$1" useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/sedna --create-home --shell /usr/sbin/nologin sedna' \
    --customize-hook='rm -rf "$1"/usr/share/doc/* "$1"/usr/share/man/* "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
    "$SUITE" "$WORK/rootfs-$SUITE.tar.tmp" "$MIRROR"
  mv "$WORK/rootfs-$SUITE.tar.tmp" "$WORK/rootfs-$SUITE.tar"
fi
ctr=$(buildah from scratch)
buildah add "$ctr" "$WORK/rootfs-$SUITE.tar" / >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --label org.opencontainers.image.source=sedna-ts "$ctr"
buildah commit --quiet --rm "$ctr" "localhost/sedna-ts/base:$TAG" >/dev/null
echo "    localhost/sedna-ts/base:$TAG"

echo "==> staging the apps (production dependencies only)"
npm run --silent build
node deploy/images/stage-app.mjs "$WORK/ctx-cli/app" packages/cli --exclude @aws-cdk/lambda-layer-kubectl-v35 @sedna/lib
node deploy/images/stage-app.mjs "$WORK/ctx-worker/app" packages/lib
for image in gm lc worker; do
  ctx=$WORK/ctx-cli; [ "$image" = worker ] && ctx=$WORK/ctx-worker
  echo "==> localhost/sedna-ts/$image:$TAG"
  buildah build --quiet --format docker --layers=false -f "deploy/images/Containerfile.$image" --build-arg "BASE=localhost/sedna-ts/base:$TAG" -t "localhost/sedna-ts/$image:$TAG" "$ctx" >/dev/null
done
buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' | grep sedna-ts

[ "$run" = yes ] || exit 0
# Runs an image's entrypoint with the given arguments (its CMD when none) as the image's user: with podman run
# where the machine allows it, else (a container that may not set resource limits, as this project's CI machine)
# in the image's file system, mounted by buildah, with chroot --userspec.
run_image() {
  local image=$1; shift
  if podman run --rm --network none --no-healthcheck "$image" "$@" 2>"$WORK/podman.err"; then return 0; fi
  if ! grep -q "OCI permission denied" "$WORK/podman.err"; then cat "$WORK/podman.err" >&2; return 1; fi
  echo "    (podman run is not permitted here: $(grep -o 'crun: [^:]*: [^:]*' "$WORK/podman.err" | head -1); running in the image's file system with chroot)" >&2
  local ctr mnt user entry cmd
  ctr=$(buildah from --quiet "$image")
  mnt=$(buildah mount "$ctr")
  user=$(buildah inspect --format '{{.OCIv1.Config.User}}' "$ctr")
  mapfile -t entry < <(buildah inspect --format '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}' "$ctr" | sed '/^$/d')
  mapfile -t cmd < <(buildah inspect --format '{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' "$ctr" | sed '/^$/d')
  [ $# -gt 0 ] && cmd=("$@")
  # tini is PID 1 in a container; here it registers as a subreaper instead (-s).
  [ "${entry[0]}" = /usr/bin/tini ] && entry=(/usr/bin/tini -s "${entry[@]:1}")
  local workdir; workdir=$(buildah inspect --format '{{.OCIv1.Config.WorkingDir}}' "$ctr")
  local status=0
  (cd "$mnt${workdir:-/}" && env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/var/lib/sedna /usr/sbin/chroot --userspec="${user:-0:0}" "$mnt" sh -c 'cd "$0" && exec "$@"' "${workdir:-/}" "${entry[@]}" "${cmd[@]}") || status=$?
  buildah umount "$ctr" >/dev/null; buildah rm "$ctr" >/dev/null
  return $status
}
echo "==> running each image's entrypoint once"
run_image "localhost/sedna-ts/gm:$TAG" version
run_image "localhost/sedna-ts/gm:$TAG" gm --help | head -2
run_image "localhost/sedna-ts/lc:$TAG" | head -2
run_image "localhost/sedna-ts/worker:$TAG"
echo "==> the user the images run as"
for image in gm lc worker; do
  echo "    sedna-ts/$image: $(buildah inspect --format '{{.OCIv1.Config.User}}' "localhost/sedna-ts/$image:$TAG")"
done
