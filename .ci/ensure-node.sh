#!/usr/bin/env bash
# Puts a Node.js >= 22.12 first on PATH. Sourced by .ci/run and usable by hand:
#   source .ci/ensure-node.sh
# When the machine's Node is older, Node 24 is installed from the npm registry (the `node`
# package ships the official binary) into .tools/node, which git ignores.
node_is_recent() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)'
}
if ! node_is_recent; then
  tools_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/node"
  if [ ! -x "$tools_dir/node_modules/.bin/node" ]; then
    echo "ensure-node: installing Node 24 into $tools_dir" >&2
    mkdir -p "$tools_dir"
    npm install --silent --no-save --no-package-lock --prefix "$tools_dir" node@24 >&2
  fi
  export PATH="$tools_dir/node_modules/.bin:$PATH"
fi
echo "ensure-node: using node $(node --version) at $(command -v node)" >&2
