#!/usr/bin/env bash
# `npm run inngest:build`: builds the Inngest server the test suite runs against from its Go
# module (tools/inngest-server), into a cache folder outside the repository. Does nothing when
# that binary is already there, built from the same files. Prints the binary's path on its last line.
#
# Needs Go (the version tools/inngest-server/go.mod names, or any Go >= 1.21 that may fetch that
# toolchain from the module proxy) and the Go module proxy. The build takes several minutes.
set -euo pipefail
cd "$(dirname "$0")/../tools/inngest-server"

version="$(sed -nE 's#^[[:space:]]*(require[[:space:]]+)?github\.com/inngest/inngest (v[0-9.]+)$#\2#p' go.mod)"
[ -n "$version" ] || { echo "inngest:build: no github.com/inngest/inngest version in go.mod" >&2; exit 1; }
dir="${NETBOX_PDM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netbox-pdm}/inngest-$version"
bin="$dir/inngest"

# What the binary is built from: a change to any of these builds it again.
recipe="$(cat go.mod go.sum main.go embeddocs.go.in ../../scripts/inngest-build.sh | sha256sum | cut -c1-16)"
if [ -x "$bin" ] && [ "$(cat "$dir/recipe" 2>/dev/null)" = "$recipe" ]; then
  echo "inngest:build: $version is already built"
  echo "$bin"
  exit 0
fi
if ! command -v go >/dev/null; then
  echo "inngest:build: Go is not installed; it is needed to build the Inngest server $version" >&2
  exit 1
fi

mkdir -p "$dir"
echo "inngest:build: building the Inngest server $version with $(go version | cut -d' ' -f3) (several minutes)"
start=$SECONDS
# The build runs on a vendored copy in the cache folder, which takes two changes (`go build
# -overlay` may not touch the module cache itself):
# - the module zip lacks the documentation pages one package embeds, so `go build` would stop at
#   "pattern website/pages/docs/*: no matching files found": that package's one file is swapped
#   for ours (tools/inngest-server/embeddocs.go.in; `go mod vendor -e` reports that error and
#   goes on);
# - the Connect gateway's HTTP and gRPC listeners (and the debug API's) bind every interface,
#   whatever --host says: they bind 127.0.0.1 here, as the tests and benches need.
src="$dir/src"
rm -rf "$src"
mkdir -p "$src"
cp go.mod go.sum main.go "$src/"
(cd "$src" && go mod vendor -e 2>&1 | grep -v 'pattern website/pages/docs/\*: no matching files found' >&2 || true)
mod="$src/vendor/github.com/inngest/inngest"
[ -f "$mod/internal/embeddocs/docs.go" ] || { echo "inngest:build: vendoring github.com/inngest/inngest $version failed" >&2; exit 1; }
cp embeddocs.go.in "$mod/internal/embeddocs/docs.go"
for f in pkg/connect/service.go pkg/connect/grpc/grpc.go pkg/debugapi/service.go; do
  grep -q 'fmt.Sprintf(":%d", ' "$mod/$f" || { echo "inngest:build: no listener to bind to 127.0.0.1 in $f: does this script still fit $version?" >&2; exit 1; }
  sed -i 's/fmt.Sprintf(":%d", /fmt.Sprintf("127.0.0.1:%d", /' "$mod/$f"
done
# As upstream's release build (.goreleaser.yml): no cgo, so no C compiler is needed either.
(cd "$src" && CGO_ENABLED=0 go build -mod=vendor -trimpath -ldflags='-s -w' -o "$bin.tmp.$$" .)
mv "$bin.tmp.$$" "$bin"
echo "$recipe" >"$dir/recipe"
rm -rf "$src"
echo "inngest:build: built in $((SECONDS - start)) s"
echo "$bin"
