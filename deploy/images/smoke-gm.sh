#!/usr/bin/env bash
# Runs the GM and LC images' programs for real: `sedna gm --kubernetes` from localhost/sedna-ts/gm and `sedna join
# --kubernetes` from localhost/sedna-ts/lc, each as the image's user in its own file system (buildah mount + chroot,
# as build.sh does where podman may not run containers), against an embedded API server started here; passes when
# the GM's /healthz answers 200 and the LC has connected and labelled its Node.
#   bash deploy/images/smoke-gm.sh          (after build.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
export STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
work=$(mktemp -d /tmp/sedna-smoke-XXXX)
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
api_port=$(free_port); gm_port=$(free_port)
ctr=$(buildah from --quiet localhost/sedna-ts/gm:0.1.0); mnt=$(buildah mount "$ctr")
lc_ctr=$(buildah from --quiet localhost/sedna-ts/lc:0.1.0); lc_mnt=$(buildah mount "$lc_ctr")
cleanup() {
  kill "${lc_pid:-}" "${gm_pid:-}" "${api_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true
  for c in "$ctr" "$lc_ctr"; do buildah umount "$c" >/dev/null; buildah rm "$c" >/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
node packages/apiserver/dist/main.js --data-dir "$work/api" --port "$api_port" > "$work/api.log" 2>&1 & api_pid=$!
for _ in $(seq 100); do [ -s "$work/api/kubeconfig" ] && break; sleep 0.2; done
install -d -o 10001 -g 10001 "$mnt/tmp/smoke"
install -o 10001 -g 10001 -m 0600 "$work/api/kubeconfig" "$mnt/tmp/smoke/kubeconfig"
# One machine: the LC uses the shared token over ws:// (a cluster uses a bootstrap token over wss://).
printf 'kubeConfig: /tmp/smoke/kubeconfig\nwebsocket: {address: 127.0.0.1, port: %s}\ncredentials: {namespace: default}\nnodeToken: smoke-test-token\n' "$gm_port" > "$mnt/tmp/smoke/gm.yaml"
chown 10001:10001 "$mnt/tmp/smoke/gm.yaml"
# The image's entrypoint and the chart's arguments (without TLS: no certificates in this smoke run).
env -i PATH=/usr/bin:/bin HOME=/var/lib/sedna /usr/sbin/chroot --userspec=10001:10001 "$mnt" \
  /usr/bin/tini -s -- node /opt/sedna/packages/cli/dist/main.js gm --kubernetes --config /tmp/smoke/gm.yaml > "$work/gm.log" 2>&1 & gm_pid=$!
for _ in $(seq 300); do
  if code=$(node -e "require('http').get('http://127.0.0.1:$gm_port/healthz',r=>{console.log(r.statusCode);process.exit(0)}).on('error',()=>process.exit(1))" 2>/dev/null); then break; fi
  sleep 0.2
done
echo "GM image /healthz: ${code:-no answer}"
grep -q 'caches synced' "$work/gm.log" && [ "${code:-}" = 200 ]

# On a cluster the kubelet registers the Node; here we do.
kubectl=$(node -e "import('./packages/cli/dist/kubectl.js').then(m=>console.log(m.bundledKubectl('node_modules/.cache')))")
printf 'apiVersion: v1\nkind: Node\nmetadata: {name: smoke-node}\n' | "$kubectl" --kubeconfig "$work/api/kubeconfig" create -f - >/dev/null
install -d -o 10001 -g 10001 "$lc_mnt/tmp/smoke" "$lc_mnt/tmp/smoke/data"
printf 'smoke-test-token\n' > "$lc_mnt/tmp/smoke/token"; chown 10001:10001 "$lc_mnt/tmp/smoke/token"; chmod 0600 "$lc_mnt/tmp/smoke/token"
env -i PATH=/usr/bin:/bin HOME=/var/lib/sedna /usr/sbin/chroot --userspec=10001:10001 "$lc_mnt" \
  /usr/bin/tini -s -- node /opt/sedna/packages/cli/dist/main.js join --kubernetes --gm "ws://127.0.0.1:$gm_port/" \
  --node-name smoke-node --token-file /tmp/smoke/token --data-dir /var/lib/sedna --dataset-root /tmp/smoke/data > "$work/lc.log" 2>&1 & lc_pid=$!
labelled=no
for _ in $(seq 300); do
  if "$kubectl" --kubeconfig "$work/api/kubeconfig" get node smoke-node -o jsonpath='{.metadata.labels.sedna\.io/role}' 2>/dev/null | grep -q edge; then labelled=yes; break; fi
  sleep 0.2
done
cat "$work/gm.log" "$work/lc.log"
echo "GM image /healthz: $code; LC image connected and labelled its Node: $labelled"
[ "$labelled" = yes ]
