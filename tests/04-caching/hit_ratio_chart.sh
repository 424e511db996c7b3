#!/bin/sh
# Draws the cache-thrashing curve of lesson 04: runs hit_ratio04 (built by the default build) and
# gnuplot, and writes lessons/04-caching/hit_ratio.dat and hit_ratio.png.
#
#   tests/04-caching/hit_ratio_chart.sh [BUILD_DIR]      (default: build/default)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-"$root/build/default"}
exe="$build/tests/04-caching/hit_ratio04"
out="$root/lessons/04-caching"
cmake --build "$build" --target hit_ratio04
"$exe" > "$out/hit_ratio.dat"
gnuplot -e "data='$out/hit_ratio.dat'; out='$out/hit_ratio.png'" "$root/tests/04-caching/hit_ratio.gp"
echo "wrote lessons/04-caching/hit_ratio.dat and lessons/04-caching/hit_ratio.png"
