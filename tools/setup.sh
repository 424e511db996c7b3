#!/bin/sh
# Installs what a make target needs, and nothing when it is all present.
#
#   tools/setup.sh build      compiler, CMake, Ninja and the libraries (make check, make run, make watch)
#   tools/setup.sh test       build + what `make test` uses (valgrind, gperftools, clang's sanitizer runtime)
#   tools/setup.sh bench      build + Google Benchmark's compare.py (with SciPy) and gnuplot for charts
#   tools/setup.sh profile    build + gperftools' google-pprof and graphviz for call graphs
#   tools/setup.sh flame      the flame graph renderer: the npm packages d3-flame-graph and d3, once,
#                             into .cache/flamegraph/ (then make profile draws flame graphs offline)
#   tools/setup.sh browser    Chromium, for the self-test's look at make profile's page
#   tools/setup.sh watch      inotify-tools for `make watch`
#   tools/setup.sh fuzz       clang and its libFuzzer runtime
#   tools/setup.sh peers      Node.js and npm for `make compare-peers`
#   tools/setup.sh --list [PROFILE...]   what each profile installs; installs nothing
#
# It checks with dpkg-query, installs only what is missing with apt-get (through sudo when not
# root), and on a system without apt prints what to install and stops with status 1. Before it
# installs it says what and how much; when that is more than 50 MB and it runs on a terminal, it
# asks first (never when standard input is not a terminal, when CI=true or when EDI_YES=1).
set -eu

build_pkgs="g++ cmake ninja-build make pkg-config python3 libgtest-dev libgmock-dev libbenchmark-dev \
libgoogle-perftools-dev libcli11-dev nlohmann-json3-dev libfmt-dev libsqlite3-dev valgrind"
# Homebrew names, for the message on systems without apt.
brew_build="gcc cmake ninja pkg-config python googletest google-benchmark gperftools cli11 nlohmann-json fmt sqlite valgrind"

root=$(cd "$(dirname "$0")/.." && pwd)
flame_dir="${EDI_FLAMEGRAPH_DIR:-$root/.cache/flamegraph}"
# Pinned: the page make profile writes is tested against these versions.
flame_npm="d3@7.9.2 d3-flame-graph@5.0.0"
large_mb=50

if [ "${1:-}" = "--list" ]; then
  shift
  [ $# -eq 0 ] && set -- build test bench profile flame browser watch fuzz peers
  for profile in "$@"; do
    "$0" --list-one "$profile"
  done
  exit 0
fi

list_only=""
if [ "${1:-}" = "--list-one" ]; then
  list_only=1
  shift
fi

pkgs=""
brew=""
npm_flame=""
for profile in "${@:-build}"; do
  case "$profile" in
    build)   pkgs="$pkgs $build_pkgs"; brew="$brew $brew_build" ;;
    test)    pkgs="$pkgs $build_pkgs valgrind google-perftools graphviz clang libclang-rt-14-dev sqlite3"
             brew="$brew $brew_build valgrind graphviz llvm sqlite" ;;
    bench)   pkgs="$pkgs $build_pkgs libbenchmark-tools python3-scipy gnuplot-nox"
             brew="$brew $brew_build google-benchmark scipy gnuplot" ;;
    profile) pkgs="$pkgs $build_pkgs google-perftools graphviz valgrind"
             brew="$brew $brew_build gperftools graphviz" ;;
    flame)   npm_flame=1; brew="$brew node"
             command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
             command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm" ;;
    browser) pkgs="$pkgs chromium"; brew="$brew chromium" ;;
    watch)   pkgs="$pkgs inotify-tools"; brew="$brew fswatch" ;;
    fuzz)    pkgs="$pkgs $build_pkgs clang libclang-rt-14-dev"; brew="$brew llvm" ;;
    peers)   pkgs="$pkgs time"; brew="$brew gnu-time node"
             # Node.js may come from elsewhere than Debian (nodesource, nvm): only a missing
             # command is installed.
             command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
             command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm" ;;
    *) echo "setup.sh: unknown profile '$profile'" >&2; exit 2 ;;
  esac
done

if [ -n "$list_only" ]; then
  extra=$(echo "$pkgs" | tr ' ' '\n' | sort -u | grep -v -x -F "$(echo "$build_pkgs" | tr ' ' '\n')" | tr '\n' ' ')
  case "$pkgs" in *"$build_pkgs"*) [ "$*" = build ] || extra="(build's) + $extra" ;; esac
  [ "$*" = build ] && extra=$(echo "$pkgs" | tr ' ' '\n' | sort -u | tr '\n' ' ')
  extra=$(echo "$extra" | tr -s ' ' | sed 's/^ //; s/ $//')
  case "$*" in
    build) used="make check, run, watch" ;; test) used="make test" ;; bench) used="make bench" ;;
    profile) used="make profile" ;; flame) used="make profile's flame graph" ;;
    browser) used="make test's look at the profile page" ;; watch) used="make watch" ;; fuzz) used="make fuzz" ;;
    peers) used="make compare-peers" ;; *) used="" ;;
  esac
  line="$* ($used): Debian packages: ${extra:-(none)}"
  [ -n "$npm_flame" ] && line="$line; npm packages (into .cache/flamegraph/, about 5 MB): $flame_npm"
  echo "$line" | tr -s ' '
  exit 0
fi

flame_ok() {
  [ -f "$flame_dir/node_modules/d3/dist/d3.min.js" ] &&
    [ -f "$flame_dir/node_modules/d3-flame-graph/dist/d3-flamegraph.umd.min.js" ] &&
    [ -f "$flame_dir/node_modules/d3-flame-graph/dist/d3-flamegraph.css" ]
}

# Asks "Install? [Y/n]" on a terminal, for a large install only; anywhere else the answer is yes.
confirm() {
  [ "${CI:-}" = "true" ] && return 0
  [ "${EDI_YES:-}" = "1" ] && return 0
  [ -t 0 ] || return 0
  printf 'setup.sh: install them now? [Y/n] '
  read -r answer || return 1
  case "$answer" in ""|y|Y|yes|Yes|YES) return 0 ;; *) return 1 ;; esac
}

install_flame() {
  flame_ok && return 0
  echo "setup.sh: installing the flame graph renderer from npm ($flame_npm, about 5 MB) into ${flame_dir#"$root"/}"
  mkdir -p "$flame_dir"
  # shellcheck disable=SC2086
  if ! npm install --prefix "$flame_dir" --no-audit --no-fund --no-save --loglevel=error $flame_npm; then
    echo "setup.sh: npm could not install $flame_npm (offline?); make profile draws no flame graph until it can" >&2
    return 1
  fi
  flame_ok
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "This workbook installs its dependencies with apt (Debian 12 / Ubuntu 22.04 or later)." >&2
  echo "This system has no apt. Install these yourself, then run make again:" >&2
  echo "  Debian/Ubuntu packages:$(echo "$pkgs" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
  echo "  Homebrew formulae:     $(echo "$brew" | tr ' ' '\n' | sort -u | tr '\n' ' ')" >&2
  exit 1
fi

missing=""
for p in $(echo "$pkgs" | tr ' ' '\n' | sort -u); do
  # A package counts as present only when dpkg says it is fully installed.
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing="$missing $p"
done
if [ -z "$missing" ]; then
  [ -z "$npm_flame" ] && exit 0
  install_flame
  exit $?
fi

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "setup.sh: missing packages:$missing" >&2
  echo "setup.sh: not root and no sudo: install them with apt-get, then run make again." >&2
  exit 1
fi

# What apt would do: the packages with their dependencies, and the disk space they take. On a
# machine whose package lists were never fetched apt knows none of them: fetch the lists first.
# shellcheck disable=SC2086
plan=$(LC_ALL=C apt-get --print-uris -q install --no-install-recommends $missing 2>/dev/null || true)
count=$(echo "$plan" | sed -n 's/.* \([0-9][0-9]*\) newly installed.*/\1/p')
if [ -z "$count" ]; then
  echo "setup.sh: fetching the package lists (apt-get update)"
  $sudo apt-get update -q >/dev/null || true
  # shellcheck disable=SC2086
  plan=$(LC_ALL=C apt-get --print-uris -q install --no-install-recommends $missing 2>/dev/null || true)
  count=$(echo "$plan" | sed -n 's/.* \([0-9][0-9]*\) newly installed.*/\1/p')
fi
space=$(echo "$plan" | sed -n 's/^After this operation, \(.*\) of additional disk space.*/\1/p')
mb=$(echo "$space" | awk '{v=$1; gsub(",", "", v); u=$2; if (u=="GB") v*=1000; else if (u=="kB") v/=1000; else if (u=="B") v=0; printf "%d", v}')
echo "setup.sh (${*:-build}): needs these Debian packages:$missing"
[ -n "$count" ] && echo "setup.sh: with their dependencies $count packages, ${space:-an unknown amount} of disk space"
if [ "${mb:-0}" -gt "$large_mb" ] && ! confirm; then
  echo "setup.sh: nothing installed. \`tools/setup.sh ${*:-build}\` installs them when you are ready." >&2
  exit 1
fi
echo "setup.sh: installing (apt-get's progress follows; a minute or two for large sets)"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $sudo apt-get install -y -q --no-install-recommends $missing; then
  echo "setup.sh: refreshing the package lists and trying again"
  $sudo apt-get update -q
  # shellcheck disable=SC2086
  $sudo apt-get install -y -q --no-install-recommends $missing
fi

[ -z "$npm_flame" ] || install_flame
