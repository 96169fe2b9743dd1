#!/usr/bin/env bash
# Builds the local test cluster's binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubemark) from Debian's `kubernetes` source package, once, into a cache.
# Idempotent: a complete cache is reused. Needs root for apt-get (as on CI and dev machines).
#
#   K0SMOTRON_TEST_BIN_DIR  use binaries from this directory instead (nothing is built)
#   K0SMOTRON_CACHE_DIR     cache root (default ~/.cache/k0smotron)
set -euo pipefail

if [ -t 2 ]; then step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }; else step() { printf '==> %s\n' "$*" >&2; }; fi
fail() { printf 'install-binaries: %s\n' "$*" >&2; exit 1; }

COMPONENTS=(kube-apiserver kube-controller-manager kube-scheduler kubemark)
RUNTIME=(kubectl)
CACHE_ROOT="${K0SMOTRON_CACHE_DIR:-$HOME/.cache/k0smotron}"
K8S_VERSION="1.20.2"
BIN_DIR="$CACHE_ROOT/kubernetes-$K8S_VERSION/bin"
# How the cached components were built; a cache built another way is rebuilt. Kubernetes 1.20
# vendors modern-go/reflect2 1.0.1, whose map iteration corrupts memory under Go >= 1.18
# (kube-apiserver dies with "unexpected fault address" serving custom resources), so the build
# swaps in Debian's reflect2 1.0.2. kubemark additionally gets a fake host util whose GetMode
# answers (stock: "not implemented"), so pods with subPath volume mounts start on hollow nodes.
# kube-apiserver also gets the OpenAPI type validators fixed: under Go >= 1.18 their
# `reflect.DeepEqual(reflect.Zero(…), …)` null check takes "" for null, so a CRD string field set
# to "" (a condition message, a label value) is rejected, unlike a real 1.20 server.
# Keep in sync with buildRecipe() in src/binaries.ts.
RECIPE="kubernetes-$K8S_VERSION+reflect2-1.0.2"
KUBEMARK_RECIPE="$RECIPE+fake-hostutil-getmode"
APISERVER_RECIPE="$RECIPE+openapi-empty-string"
SOURCE_PATCHES="reflect2-1.0.2 fake-hostutil-getmode openapi-empty-string"
RECIPE_FILE="$BIN_DIR/.recipe"
REFLECT2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2

have_all() {
  local dir=$1 c
  for c in "${COMPONENTS[@]}" "${RUNTIME[@]}"; do [ -s "$dir/$c" ] && [ -x "$dir/$c" ] || return 1; done
}
recipe_of() {
  case "$1" in
    kubemark) echo "$KUBEMARK_RECIPE" ;;
    kube-apiserver) echo "$APISERVER_RECIPE" ;;
    *) echo "$RECIPE" ;;
  esac
}
# The recipe a cached component was built with (.recipe-<c>; older caches have only .recipe).
built_recipe_of() { cat "$BIN_DIR/.recipe-$1" 2>/dev/null || cat "$RECIPE_FILE" 2>/dev/null || true; }
stale_components() {
  local c
  for c in "${COMPONENTS[@]}"; do [ "$(built_recipe_of "$c")" = "$(recipe_of "$c")" ] || echo "$c"; done
}

if [ -n "${K0SMOTRON_TEST_BIN_DIR:-}" ]; then
  have_all "$K0SMOTRON_TEST_BIN_DIR" ||
    fail "K0SMOTRON_TEST_BIN_DIR=$K0SMOTRON_TEST_BIN_DIR lacks one of: ${COMPONENTS[*]}"
  step "using binaries from K0SMOTRON_TEST_BIN_DIR=$K0SMOTRON_TEST_BIN_DIR"
  exit 0
fi

# One install at a time per cache (parallel test runs may all find the cache missing).
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.install.lock"
if ! flock -n 9; then
  step "another install-binaries.sh is running; waiting for it"
  flock 9
fi

apt_install() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || fail "apt-get not found; install ${missing[*]} by hand"
  step "apt-get install ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null ||
    fail "apt-get install ${missing[*]} failed"
}

# etcd is needed at run time even when the Kubernetes binaries are cached.
apt_install etcd-server

# Debian's kubectl (kubernetes-client) goes into the cache, not /usr/bin: some machines already
# carry another package that owns /usr/bin/kubectl.
if [ ! -x "$BIN_DIR/kubectl" ]; then
  step "fetching Debian's kubernetes-client (kubectl)"
  mkdir -p "$BIN_DIR"; tmp=$(mktemp -d)
  (cd "$tmp" && apt-get -o APT::Sandbox::User=root download kubernetes-client >/dev/null 2>&1) ||
    { apt-get update -qq >/dev/null 2>&1 || true
      (cd "$tmp" && apt-get -o APT::Sandbox::User=root download kubernetes-client >/dev/null) ||
        fail "apt-get download kubernetes-client failed"; }
  dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$tmp/x" || fail "could not unpack kubernetes-client"
  cp "$tmp/x/usr/bin/kubectl" "$BIN_DIR/kubectl"; rm -rf "$tmp"
fi

STALE=$(stale_components | tr '\n' ' ')
if have_all "$BIN_DIR" && [ -z "${STALE// /}" ]; then
  step "test cluster binaries cached in $BIN_DIR"
  exit 0
fi
if have_all "$BIN_DIR"; then
  step "cached $STALE in $BIN_DIR predate the current build recipe: rebuilding them"
fi

# rsync must exist before `make`, or the code generators leave a broken 0-byte binary.
apt_install golang-go rsync dpkg-dev golang-github-modern-go-reflect2-dev
command -v rsync >/dev/null || fail "rsync is missing after install"
[ -f "$REFLECT2_SRC/reflect2.go" ] || fail "$REFLECT2_SRC is missing (package golang-github-modern-go-reflect2-dev)"

WORK="$CACHE_ROOT/build"
mkdir -p "$WORK" "$BIN_DIR"
TARBALL=$(ls "$WORK"/kubernetes_*.orig.tar.gz 2>/dev/null | head -n1 || true)
if [ -z "$TARBALL" ]; then
  step "downloading Debian's kubernetes source package"
  APT_DIR="$WORK/apt"
  mkdir -p "$APT_DIR/sources.list.d" "$APT_DIR/lists/partial"
  # A private apt config that also lists deb-src entries; the machine's config stays untouched.
  found=0
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed 's/^Types: deb$/Types: deb deb-src/' "$f" > "$APT_DIR/sources.list.d/$(basename "$f")"; found=1
  done
  if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list > "$APT_DIR/sources.list.d/src.list"; found=1
  fi
  [ $found -eq 1 ] || fail "no apt sources found to derive deb-src entries from"
  APT_OPTS=(-o "Dir::Etc::sourceparts=$APT_DIR/sources.list.d" -o "Dir::Etc::sourcelist=/dev/null" -o APT::Sandbox::User=root
            -o "Dir::State::Lists=$APT_DIR/lists" -o "Debug::NoLocking=1")
  apt-get "${APT_OPTS[@]}" update -qq || fail "apt-get update (deb-src) failed"
  (cd "$WORK" && apt-get "${APT_OPTS[@]}" source --download-only kubernetes >/dev/null) ||
    fail "apt-get source --download-only kubernetes failed"
  TARBALL=$(ls "$WORK"/kubernetes_*.orig.tar.gz 2>/dev/null | head -n1 || true)
  [ -n "$TARBALL" ] || fail "the kubernetes source tarball was not downloaded"
fi

SRC="$WORK/src"
# A source tree left by an interrupted build of another recipe may hold stale binaries in _output.
if [ -d "$SRC/kubernetes-$K8S_VERSION" ] && [ "$(cat "$SRC/kubernetes-$K8S_VERSION/.k0smotron-recipe" 2>/dev/null)" != "$SOURCE_PATCHES" ]; then
  rm -rf "$SRC"
fi
if [ ! -d "$SRC/kubernetes-$K8S_VERSION" ]; then
  step "unpacking $(basename "$TARBALL")"
  rm -rf "$SRC"; mkdir -p "$SRC"
  tar xzf "$TARBALL" -C "$SRC"
fi
cd "$SRC/kubernetes-$K8S_VERSION" || fail "unexpected source layout in $SRC"
[ -d vendor ] || fail "the source package has no vendor/ directory; it cannot be built offline"
if [ ! -f .k0smotron-recipe ]; then
  step "patching vendor/github.com/modern-go/reflect2 to 1.0.2 (Go >= 1.18 compatibility)"
  r2=vendor/github.com/modern-go/reflect2
  [ -d "$r2" ] || fail "unexpected source layout: $r2 missing"
  rm -f "$r2"/*.go "$r2"/*.s
  cp "$REFLECT2_SRC"/*.go "$REFLECT2_SRC"/*.s "$r2"/
  step "patching the fake host util of kubemark (GetMode) so subPath mounts work on hollow nodes"
  hu=pkg/volume/util/hostutil/fake_hostutil.go
  grep -q 'return 0, errors.New("not implemented")' "$hu" || fail "unexpected content in $hu; cannot patch GetMode"
  sed -i 's/return 0, errors.New("not implemented")/return 0755, nil/' "$hu"
  step "patching the OpenAPI type validators so \"\" is not taken for null (Go >= 1.18)"
  for tv in vendor/k8s.io/kube-openapi/pkg/validation/validate/type.go vendor/github.com/go-openapi/validate/type.go; do
    [ -f "$tv" ] || continue
    grep -q 'reflect.DeepEqual(reflect.Zero(reflect.TypeOf(data)), reflect.ValueOf(data))' "$tv" ||
      fail "unexpected content in $tv; cannot patch the null check"
    sed -i 's/if data == nil || reflect.DeepEqual(reflect.Zero(reflect.TypeOf(data)), reflect.ValueOf(data)) {/if data == nil {/' "$tv"
    grep -q 'reflect.DeepEqual(reflect.Zero(reflect.TypeOf(data)), reflect.ValueOf(data))' "$tv" &&
      fail "could not patch the null check in $tv"
  done
  echo "$SOURCE_PATCHES" > .k0smotron-recipe
fi

export GOPATH="$PWD/.go" CGO_ENABLED=0 GOFLAGS=-mod=vendor GO111MODULE=on GOPROXY=off
mkdir -p .go/src/k8s.io
[ -e .go/src/k8s.io/kubernetes ] || ln -s ../../.. .go/src/k8s.io/kubernetes
# Install by rename: processes still running the old binary keep their file.
install_bin() { cp "$1" "$BIN_DIR/.$2.new" && mv -f "$BIN_DIR/.$2.new" "$BIN_DIR/$2"; }
for c in "${COMPONENTS[@]}"; do
  if [ -s "$BIN_DIR/$c" ]; then case " $STALE " in *" $c "*) ;; *) continue;; esac; fi
  out="_output/local/bin/linux/$(go env GOARCH)/$c"
  if [ -s "$out" ]; then install_bin "$out" "$c"; recipe_of "$c" > "$BIN_DIR/.recipe-$c"; continue; fi
  step "building $c (a few minutes; Go $(go env GOVERSION))"
  start=$SECONDS
  if ! make WHAT="cmd/$c" >"$WORK/make-$c.log" 2>&1; then
    tail -n 30 "$WORK/make-$c.log" >&2
    fail "building $c failed; full log: $WORK/make-$c.log"
  fi
  [ -s "$out" ] || fail "make reported success but $out is empty (was rsync missing? run make clean)"
  install_bin "$out" "$c"
  recipe_of "$c" > "$BIN_DIR/.recipe-$c"
  step "built $c in $((SECONDS - start)) s"
done
have_all "$BIN_DIR" || fail "binaries missing in $BIN_DIR after the build"
[ -z "$(stale_components)" ] || fail "still not built by the current recipe: $(stale_components | tr '\n' ' ')"
echo "$RECIPE" > "$RECIPE_FILE"
# The source tree is 1+ GB once built; keep only the tarball for a rebuild.
rm -rf "$SRC"
step "test cluster binaries ready in $BIN_DIR"
