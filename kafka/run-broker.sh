#!/bin/sh
# Runs the broker JVM ("$@") and takes it down when the process that started it ($1) is gone,
# so a killed test run never leaves an orphan broker behind.
parent=$1
shift
"$@" &
child=$!
trap 'kill "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do
  sleep 1
done
kill "$child" 2>/dev/null
wait "$child"
