# Sourced by Hearth's scripts: finds a JDK 25 (or newer) and exports JAVA_HOME, JAVA and PATH.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/*25* (Temurin), then java on PATH if 25+.
hearth_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

hearth_find_java() {
  local cand
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/java-25*; do
    if [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ "$(hearth_java_major "$cand/bin/java")" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$cand"
      break
    fi
    cand=""
  done
  if [ -z "${cand:-}" ] && command -v java >/dev/null && [ "$(hearth_java_major java)" -ge 25 ] 2>/dev/null; then
    export JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  fi
  if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(hearth_java_major "$JAVA_HOME/bin/java")" -lt 25 ] 2>/dev/null; then
    echo "hearth: JDK 25 not found (looked at \$JAVA_HOME, /usr/lib/jvm/*25*, java on PATH)." >&2
    echo "hearth: install one, e.g. 'apt-get install temurin-25-jdk' from Adoptium's apt repository, and set JAVA_HOME." >&2
    return 1
  fi
  export JAVA="$JAVA_HOME/bin/java"
  export PATH="$JAVA_HOME/bin:$PATH"
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}
