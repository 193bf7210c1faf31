# shellcheck shell=bash
# Builds Hearth's jars once when they are missing. Source it after lib/java.sh; needs $ROOT.

# True when every jar and lib directory the launcher runs from exists.
hearth_built() {
  compgen -G "$ROOT/server/target/hearth-server-*.jar" >/dev/null &&
    compgen -G "$ROOT/cli/target/hearth-cli-*.jar" >/dev/null &&
    compgen -G "$ROOT/fuse-bridge/target/hearth-fuse-bridge-*.jar" >/dev/null &&
    [ -d "$ROOT/server/target/lib" ] && [ -d "$ROOT/cli/target/lib" ] &&
    [ -d "$ROOT/fuse-bridge/target/lib" ]
}

hearth_ensure_built() {
  hearth_built && return 0
  command -v mvn >/dev/null || {
    echo "hearth: the jars are not built and maven (mvn) is not installed: apt-get install -y maven" >&2
    return 1
  }
  mkdir -p "$ROOT/target"
  # Several launchers may start at once (local-cluster starts nodes in parallel): one builds.
  (
    flock 9
    if ! hearth_built; then
      echo "hearth: building the jars once (mvn -q -DskipTests package)..." >&2
      cd "$ROOT" && JAVA_HOME="$JAVA_HOME" MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" \
        mvn -q -DskipTests package >&2
    fi
  ) 9>"$ROOT/target/build.lock"
}
