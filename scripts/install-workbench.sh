#!/usr/bin/env bash
# Installs the offline e2e workbench: Debian packages (chromium, ripgrep, kerberos headers) and
# the pinned code-server in test/e2e/workbench. Idempotent; needs no network beyond apt and npm.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wb="$repo/test/e2e/workbench"

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
stamp="$wb/node_modules/.mt-workbench-installed"
lock_sum="$(sha256sum "$wb/package-lock.json" | cut -d' ' -f1)"
pinned="$(node -p "require('$wb/package.json').dependencies['code-server']")"
installed="$(node -p "try { require('$wb/node_modules/code-server/package.json').version } catch { '' }")"
if [[ -f $stamp && "$(cat "$stamp")" == "$lock_sum" && $installed == "$pinned" ]]; then
  echo "install-workbench: code-server $installed already installed"
  exit 0
fi

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
install_tmp="$repo/.workbench/install-tmp"
rm -rf "$install_tmp"
rg_cache="$install_tmp/vscode-ripgrep-cache-$rg_pkg_version"
mkdir -p "$rg_cache/stage"
cp "$(command -v rg)" "$rg_cache/stage/rg"
tar -czf "$rg_cache/ripgrep-$rg_asset_version-$rg_target.tar.gz" -C "$rg_cache/stage" rg

echo "install-workbench: npm ci (code-server $pinned)"
# nodedir: build native modules against the installed node headers instead of downloading them.
# yes: node-pty's install runs `npx node-gyp`. unsafe_perm: code-server's postinstall refuses to
# run as root without it (npm 11 warns that it no longer knows the option; the script only reads it).
(
  cd "$wb"
  TMPDIR="$install_tmp" \
  npm_config_nodedir=/usr \
  npm_config_yes=true \
  npm_config_unsafe_perm=true \
  npm_config_audit=false \
  npm_config_fund=false \
  npm ci
)
rm -rf "$install_tmp"
echo "$lock_sum" >"$stamp"
echo "install-workbench: code-server $pinned installed"
