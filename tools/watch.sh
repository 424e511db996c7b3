#!/bin/sh
# make watch LESSON=NN: regrade the lesson every time one of its exercise files is saved.
# Uses inotifywait (inotify-tools); without it, polls the files' modification times every second.
set -u
lesson=${1:-}
impl=${2:-exercises}
if [ -z "$lesson" ]; then
  echo "say which lesson: make watch LESSON=NN" >&2
  exit 2
fi
num=$(printf '%02d' "$(echo "$lesson" | sed 's/^0*\([0-9]\)/\1/; s/-.*//')" 2>/dev/null) || num=$lesson
dir=$(ls -d "$impl/$num"-* 2>/dev/null | head -n 1)
if [ -z "$dir" ]; then
  echo "no $impl/$num-* folder" >&2
  exit 2
fi

grade() {
  clear 2>/dev/null || true
  python3 -m tools.grade check --lesson "$num" --impl "$impl" --perf off
  echo
  echo "watching $dir (Ctrl-C stops)"
}

grade
if command -v inotifywait >/dev/null 2>&1; then
  while inotifywait -qq -r -e close_write,moved_to,create "$dir"; do
    sleep 0.2  # let an editor finish writing
    grade
  done
else
  echo "inotifywait not found: polling $dir every second"
  stamp() { find "$dir" -type f -exec stat -c '%n %Y' {} + 2>/dev/null | sort | cksum; }
  last=$(stamp)
  while sleep 1; do
    now=$(stamp)
    if [ "$now" != "$last" ]; then
      last=$now
      grade
      echo "(polling: inotifywait not found)"
    fi
  done
fi
