#!/usr/bin/env bash
# Apache Kafka, one KRaft node (broker + controller) on 127.0.0.1:59092 (controller 59093).
# The broker jars come from Maven Central (deploy/local/kafka/pom.xml), cached in .cache/kafka/libs.
set -euo pipefail
SERVER=kafka
# shellcheck source=deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=59092
CONTROLLER_PORT=59093
POM=$REPO_ROOT/deploy/local/kafka/pom.xml
LIBS=$CACHE_DIR/kafka/libs
DATA=$SERVER_DIR/data
CONFIG=$SERVER_DIR/server.properties
LOG4J=$SERVER_DIR/log4j2.properties

prepare_dir
already_running "$PORT" && exit 0
if port_open "$CONTROLLER_PORT"; then
  echo "kafka: controller port $CONTROLLER_PORT is in use by a process this script did not start" >&2
  exit 1
fi

command -v java >/dev/null || apt_install openjdk-17-jre-headless
command -v mvn >/dev/null || apt_install maven

# Skip Maven when the folder holds the jars of the current pom.xml.
pom_sum=$(sha256sum "$POM" | cut -d ' ' -f 1)
if [[ $(cat "$LIBS/.complete" 2>/dev/null) != "$pom_sum" ]]; then
  log "fetching the broker jars with Maven into $LIBS"
  rm -rf "$LIBS.tmp"
  run "mvn dependency:copy-dependencies" mvn -B -q -f "$POM" -Dmaven.repo.local="$CACHE_DIR/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS.tmp"
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
  echo "$pom_sum" >"$LIBS/.complete"
fi

cat >"$CONFIG" <<EOF_CONFIG
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
# One broker: the internal topics cannot have more replicas (with the defaults 3/2,
# init_transactions() never finishes).
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# Remove the files of deleted test topics soon, not after a minute (then a restart reloads them).
file.delete.delay.ms=1000
num.network.threads=2
num.io.threads=4
EOF_CONFIG

cat >"$LOG4J" <<'EOF_LOG4J'
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF_LOG4J

java_cmd=(java -Xms256m -Xmx512m -Djava.awt.headless=true -Dlog4j2.configurationFile="$LOG4J" -cp "$LIBS/*")

if [[ ! -s $DATA/meta.properties ]]; then
  log "formatting storage in $DATA"
  cluster_id=$("${java_cmd[@]}" kafka.tools.StorageTool random-uuid 2>>"$LOG_FILE" | tail -n 1) ||
    die "kafka.tools.StorageTool random-uuid"
  run "kafka.tools.StorageTool format" "${java_cmd[@]}" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$CONFIG"
fi

log "starting on 127.0.0.1:$PORT"
log_offset=$(stat -c %s "$LOG_FILE")
setsid "${java_cmd[@]}" kafka.Kafka "$CONFIG" </dev/null >>"$LOG_FILE" 2>&1 &
echo $! >"$PID_FILE"
started() { tail -c "+$((log_offset + 1))" "$LOG_FILE" | grep -q 'Kafka Server started' && port_open "$PORT"; }
wait_until "kafka.Kafka" "$(<"$PID_FILE")" started
log "ready (pid $(<"$PID_FILE"))"
