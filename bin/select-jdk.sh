# Sourced by ./mvnw, ./verinfer and .ci/run: exports JAVA_HOME pointing at a JDK >= 21.
# Order: $JAVA_HOME if it is new enough, then `java` on the PATH, then the newest JDK found under
# the usual install roots (/usr/lib/jvm, /opt/java, ~/.sdkman/candidates/java).
verinfer_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1
}
verinfer_select_jdk() {
  _min=21
  if [ -n "${JAVA_HOME-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    _v=$(verinfer_java_major "$JAVA_HOME/bin/java")
    if [ -n "$_v" ] && [ "$_v" -ge "$_min" ] 2>/dev/null; then return 0; fi
  fi
  _best="" _bestv=0
  case $- in *f*) set +f; _reglob=1 ;; *) _reglob=0 ;; esac
  for _home in /usr/lib/jvm/* /opt/java/* "$HOME"/.sdkman/candidates/java/*; do
    [ -x "$_home/bin/javac" ] || continue
    _v=$(verinfer_java_major "$_home/bin/java")
    if [ -n "$_v" ] && [ "$_v" -ge "$_min" ] 2>/dev/null && [ "$_v" -gt "$_bestv" ]; then
      _best=$_home _bestv=$_v
    fi
  done
  [ "$_reglob" = 1 ] && set -f
  if [ -z "$_best" ]; then
    echo "verinfer: no JDK >= $_min found (looked at JAVA_HOME and /usr/lib/jvm). Install one, e.g. 'apt-get install openjdk-21-jdk-headless', or set JAVA_HOME." >&2
    return 1
  fi
  JAVA_HOME=$_best
  export JAVA_HOME
}
verinfer_select_jdk || exit 1
