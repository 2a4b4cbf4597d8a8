# Source this file: helpers to run the sandbox over TLS for a script's duration.
#   start_sandbox BIN_DIR WORK_DIR [flags…]  starts BIN_DIR/wxpay-sandbox, writes WORK_DIR/c.json (a
#                                            client configuration reaching it) and
#                                            WORK_DIR/sandbox.json (its start-up line)
#   stop_sandbox                             stops it (call it from an EXIT trap)
SANDBOX_PID=""

start_sandbox() {
  local bin="$1" work="$2"
  shift 2
  "$bin/wxpay-sandbox" --tls --state-dir "$work" --client-config "$work/c.json" "$@" >"$work/sandbox.json" &
  SANDBOX_PID=$!
  for _ in $(seq 1 100); do
    [[ -s "$work/sandbox.json" ]] && return 0
    kill -0 "$SANDBOX_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the sandbox did not start (see above)" >&2
  return 1
}

stop_sandbox() {
  if [[ -n "$SANDBOX_PID" ]]; then
    kill "$SANDBOX_PID" 2>/dev/null && wait "$SANDBOX_PID" 2>/dev/null || true
    SANDBOX_PID=""
  fi
}
