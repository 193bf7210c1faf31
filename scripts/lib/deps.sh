# shellcheck shell=bash
# Installs what Hearth's scripts need and a fresh machine lacks, the same way for CI (.ci/run) and
# for a first try (scripts/quickstart): with apt-get when running as root where apt-get exists
# (Debian, Ubuntu); otherwise it prints the one command that would, and fails. Source it after
# lib/java.sh.
#
#   hearth_deps_install WHO CMD=PACKAGE...
#
# CMD is a command that must be on PATH, PACKAGE the Debian package that brings it; CMD "java"
# means a JDK 25 as hearth_find_java looks for one. HEARTH_DEPS_DRY_RUN=1 prints the apt-get
# commands instead of running them (to try this on a machine that has everything).

HEARTH_DEPS_APT_UPDATED=0

# The packages of the CMD=PACKAGE pairs whose command is missing, space-separated, in order.
hearth_deps_missing() {
  local spec cmd missing=()
  for spec in "$@"; do
    cmd=${spec%%=*}
    if [ "$cmd" = java ]; then
      hearth_find_java 2>/dev/null && continue
    elif command -v "$cmd" >/dev/null 2>&1; then
      continue
    fi
    missing+=("${spec#*=}")
  done
  echo "${missing[*]}"
}

# apt-get install -y of the packages, after one apt-get update per script run (a fresh machine or
# container has no package lists yet).
hearth_deps_apt_install() {
  if [ "${HEARTH_DEPS_DRY_RUN:-0}" = 1 ]; then
    [ "$HEARTH_DEPS_APT_UPDATED" = 1 ] || echo "dry run: apt-get update -q" >&2
    HEARTH_DEPS_APT_UPDATED=1
    echo "dry run: apt-get install -y -q $*" >&2
    return 0
  fi
  if [ "$HEARTH_DEPS_APT_UPDATED" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q || return 1
    HEARTH_DEPS_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

hearth_deps_install() {
  local who=$1 missing
  shift
  missing=$(hearth_deps_missing "$@")
  [ -n "$missing" ] || return 0
  local jdk_note=""
  case " $missing " in
    *" temurin-25-jdk "*)
      jdk_note="temurin-25-jdk comes from the Adoptium apt repository (https://adoptium.net/installation/linux/); add it first, or point JAVA_HOME at a JDK 25."
      ;;
  esac
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    local how="apt-get install -y $missing"
    if ! command -v apt-get >/dev/null 2>&1; then
      echo "$who: missing $missing; on Debian or Ubuntu, as root: $how (elsewhere, the same from your distribution)" >&2
    elif command -v sudo >/dev/null 2>&1; then
      echo "$who: missing $missing; install it, then run $who again:" >&2
      echo "  sudo $how" >&2
    else
      echo "$who: missing $missing; as root, install it, then run $who again:" >&2
      echo "  $how" >&2
    fi
    [ -z "$jdk_note" ] || echo "$who: $jdk_note" >&2
    return 1
  fi
  echo "$who: installing $missing (apt-get install -y $missing)" >&2
  # shellcheck disable=SC2086 # a list of package names
  if ! hearth_deps_apt_install $missing; then
    echo "$who: apt-get install -y $missing failed (its output is above)${jdk_note:+. $jdk_note}" >&2
    return 1
  fi
  [ "${HEARTH_DEPS_DRY_RUN:-0}" = 1 ] || case " $missing " in
    *" temurin-25-jdk "*) hearth_find_java || return 1 ;;
  esac
}
