#!/usr/bin/env bash
# The performance benchmark: builds the jar, starts its own Redis Cluster and Postgres (the
# tests' infrastructure code), loads the profiles, runs each scenario's service from the jar
# as a process of its own, drives it from this JVM, and writes results.json, results.md and
# results.png.
#   ./bench/run.sh           the published benchmark  -> bench/results/latest/
#   ./bench/run.sh --smoke   every step on tiny data   -> target/bench-smoke/
#   ./bench/run.sh levers    the five levers (eviction, TTL, serialization, keys, topology)
#                            -> docs/levers.md, docs/images/levers-*.png (about 25 minutes)
#   ./bench/run.sh eviction|ttl|serialization|keys|topology   one lever: rewrites its section
#   ./bench/run.sh levers --smoke                              every lever on tiny data
#                                                              -> target/levers-smoke/
# Environment: INFRA=local|containers (default auto, as -Dinfra for the tests); BENCH_OUTPUT=dir
# (another results directory); BENCH_JAVA=path/to/java for the services, which otherwise run on
# /usr/lib/jvm/temurin-25* when it exists (the image's Java 25), else on this java;
# BENCH_JFR=dir: each service writes a flight recording (profile settings) to dir/<name>.jfr,
# for `jfr print --events jdk.ExecutionSample` (slows the services a little: not for publishing).
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -B -q -ntp -DskipTests package
./mvnw -B -q -ntp dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt

java=java
[ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"
options=(-Xmx2g -Djava.awt.headless=true "-Dinfra=${INFRA:-auto}")
[ -n "${BENCH_JAVA:-}" ] && options+=("-Dbench.java=$BENCH_JAVA")
[ -n "${BENCH_OUTPUT:-}" ] && options+=("-Dbench.output=$BENCH_OUTPUT")
[ -n "${BENCH_JFR:-}" ] && mkdir -p "$BENCH_JFR" && options+=("-Dbench.jfr=$BENCH_JFR")
exec "$java" "${options[@]}" -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  bench/BenchmarkCommand.java "$@"
