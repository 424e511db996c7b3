#!/bin/sh
# Installs the Debian packages a make target needs, and nothing when they are all present.
#
#   tools/setup.sh build      compiler, CMake, Ninja and the libraries (make check, make run)
#   tools/setup.sh test       build + what `make test` uses (valgrind, gperftools, clang's sanitizer runtime)
#   tools/setup.sh bench      build + Google Benchmark's compare.py (with SciPy) and gnuplot for charts
#   tools/setup.sh profile    build + gperftools' google-pprof and graphviz for call graphs
#   tools/setup.sh watch      inotify-tools for `make watch`
#   tools/setup.sh fuzz       clang and its libFuzzer runtime
#   tools/setup.sh peers      Node.js and npm for `make compare-peers`
#
# It checks with dpkg-query, installs only what is missing with apt-get (through sudo when not
# root), and on a system without apt prints what to install and stops with status 1.
set -eu

build_pkgs="g++ cmake ninja-build make pkg-config python3 libgtest-dev libgmock-dev libbenchmark-dev \
libgoogle-perftools-dev libcli11-dev nlohmann-json3-dev libfmt-dev libsqlite3-dev valgrind"
# Homebrew names, for the message on systems without apt.
brew_build="gcc cmake ninja pkg-config python googletest google-benchmark gperftools cli11 nlohmann-json fmt sqlite valgrind"

pkgs=""
brew=""
for profile in "${@:-build}"; do
  case "$profile" in
    build)   pkgs="$pkgs $build_pkgs"; brew="$brew $brew_build" ;;
    test)    pkgs="$pkgs $build_pkgs valgrind google-perftools graphviz clang libclang-rt-14-dev sqlite3"
             brew="$brew $brew_build valgrind graphviz llvm sqlite" ;;
    bench)   pkgs="$pkgs $build_pkgs libbenchmark-tools python3-scipy gnuplot-nox"
             brew="$brew $brew_build google-benchmark scipy gnuplot" ;;
    profile) pkgs="$pkgs $build_pkgs google-perftools graphviz valgrind"
             brew="$brew $brew_build gperftools graphviz" ;;
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
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "setup.sh: missing packages:$missing" >&2
  echo "setup.sh: not root and no sudo: install them with apt-get, then run make again." >&2
  exit 1
fi

echo "setup.sh: installing missing packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $sudo apt-get install -y -q --no-install-recommends $missing; then
  echo "setup.sh: refreshing the package lists and trying again"
  $sudo apt-get update -q
  # shellcheck disable=SC2086
  $sudo apt-get install -y -q --no-install-recommends $missing
fi
