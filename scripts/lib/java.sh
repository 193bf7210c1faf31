# shellcheck shell=bash
# Finds a JDK 25+ for Hearth's scripts. Source it, then call hearth_find_java: it sets JAVA_HOME
# and HEARTH_JAVA (the java binary), or prints how to install one and returns 1.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/temurin-25*, then `java` on PATH if 25+.

HEARTH_JAVA_MIN=25

# The feature version of a java binary ("25" for 25.0.1, "1" for 1.8), or nothing if it won't run.
hearth_java_version() {
  local v
  v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)
  echo "${v%%.*}"
}

hearth_java_ok() {
  local v
  [ -x "$1" ] || return 1
  v=$(hearth_java_version "$1")
  [ -n "$v" ] && [ "$v" -ge "$HEARTH_JAVA_MIN" ] 2>/dev/null
}

hearth_find_java() {
  local candidate home
  if [ -n "${JAVA_HOME:-}" ] && hearth_java_ok "$JAVA_HOME/bin/java"; then
    HEARTH_JAVA="$JAVA_HOME/bin/java"
    export JAVA_HOME HEARTH_JAVA
    return 0
  fi
  for home in /usr/lib/jvm/temurin-25*; do
    if hearth_java_ok "$home/bin/java"; then
      JAVA_HOME="$home"
      HEARTH_JAVA="$home/bin/java"
      export JAVA_HOME HEARTH_JAVA
      return 0
    fi
  done
  candidate=$(command -v java 2>/dev/null || true)
  if [ -n "$candidate" ] && hearth_java_ok "$candidate"; then
    candidate=$(readlink -f "$candidate")
    JAVA_HOME=$(dirname "$(dirname "$candidate")")
    HEARTH_JAVA="$candidate"
    export JAVA_HOME HEARTH_JAVA
    return 0
  fi
  cat >&2 <<MSG
hearth: no JDK $HEARTH_JAVA_MIN or newer found (looked at \$JAVA_HOME=${JAVA_HOME:-<unset>}, /usr/lib/jvm/temurin-25*, and java on PATH).
Install one, e.g. on Debian/Ubuntu with the Adoptium repository (https://adoptium.net/installation/linux/):
  apt-get install -y temurin-25-jdk
or point JAVA_HOME at an existing JDK $HEARTH_JAVA_MIN+.
MSG
  return 1
}
