#!/usr/bin/env bash
# Starts the extension under development in a real VS Code: the desktop one when present,
# else a local code-server workbench (offline) whose URL it prints.
# Usage: scripts/start-workbench.sh [workspace-folder]   (port: $PORT, default 8080)
# Runs in the foreground until Ctrl+C. State lives in <repo>/.workbench/ (git-ignored).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${PORT:-8080}"
workspace="$(realpath "${1:-$repo}")"
[[ -d $workspace ]] || { echo "start-workbench: not a directory: $workspace" >&2; exit 1; }

cd "$repo"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run build

# A desktop VS Code, where there is one with a display, is the natural host; code-server
# (below) is the embedded default everywhere else. MT_CODE_SERVER=1 forces code-server.
if [[ -z ${MT_CODE_SERVER-} ]] && command -v code >/dev/null && [[ -n ${DISPLAY-}${WAYLAND_DISPLAY-} || $(uname) == Darwin ]]; then
  exec code --new-window --extensionDevelopmentPath="$repo" "$workspace"
fi

"$repo/scripts/install-workbench.sh"

# A fixed scratch "user" so settings and extension state survive restarts of this script.
state="$repo/.workbench/dev"
mkdir -p "$state"/{home,tmp,config,data,cache,extensions,user-data/User}
chmod 700 "$state/tmp"
settings="$state/user-data/User/settings.json"
[[ -f $settings ]] || cat >"$settings" <<'EOF'
{
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none"
}
EOF

# The CLI has no --extensionDevelopmentPath: the workbench takes it from the URL's payload, as
# a vscode-remote URI whose authority must be the host:port the browser uses.
authority="127.0.0.1:$port"
url="$(node -e '
  const [authority, ext, folder] = process.argv.slice(1);
  const payload = [["extensionDevelopmentPath", `vscode-remote://${authority}${ext}`]];
  const q = new URLSearchParams({ folder, payload: JSON.stringify(payload) });
  console.log(`http://${authority}/?${q}`);
' "$authority" "$repo" "$workspace")"

log="$repo/.workbench/dev/code-server.log"
# Scrub variables that code-server or VS Code would pick up from the calling environment
# (PORT/PASSWORD override flags; VSCODE_* leak in when run from a VS Code terminal).
env_scrub=(-u PORT -u PASSWORD -u HASHED_PASSWORD -u CODE_SERVER_CONFIG)
while IFS='=' read -r name _; do
  [[ $name == VSCODE_* || $name == ELECTRON_RUN_AS_NODE ]] && env_scrub+=(-u "$name")
done < <(env)

setsid env "${env_scrub[@]}" \
  HOME="$state/home" TMPDIR="$state/tmp" \
  XDG_CONFIG_HOME="$state/config" XDG_DATA_HOME="$state/data" XDG_CACHE_HOME="$state/cache" \
  node "$repo/test/e2e/workbench/node_modules/code-server/out/node/entry.js" \
    --bind-addr "$authority" --auth none \
    --user-data-dir "$state/user-data" --extensions-dir "$state/extensions" \
    --disable-telemetry --disable-update-check --disable-workspace-trust \
    --disable-getting-started-override \
    "$workspace" >"$log" 2>&1 </dev/null &
server=$!
# setsid makes the server a process-group leader: stopping the group also ends the extension host.
stop_server() {
  kill -TERM -- "-$server" 2>/dev/null && wait "$server" 2>/dev/null
  return 0
}
trap 'stop_server; exit 0' INT TERM
trap stop_server EXIT

# curl is not guaranteed on a fresh machine; node is.
node -e '
  const [url, pid] = process.argv.slice(1);
  const deadline = Date.now() + 60_000;
  (async () => {
    for (;;) {
      try { if ((await fetch(url)).ok) return; } catch {}
      try { process.kill(Number(pid), 0); } catch { console.error("code-server exited"); process.exit(1); }
      if (Date.now() > deadline) { console.error("no /healthz after 60 s"); process.exit(1); }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
' "http://$authority/healthz" "$server" || { echo "start-workbench: see $log" >&2; tail -20 "$log" >&2; exit 1; }

cat <<EOF

Milestone Terminals is running in VS Code (code-server, log: $log).
Open this URL in a browser on this machine (the host:port must stay $authority):

  $url

Press Ctrl+C to stop.
EOF
wait "$server"
