#!/usr/bin/env bash
# CI: the Ansible role in ansible/. Syntax check, ansible-lint with the production profile, and a
# render of the role's env file and Quadlet unit from the example inventory, which the service's
# own configuration schema must accept (.ci/check-rendered-config.mjs). Needs the build (dist/).
set -euo pipefail
cd "$(dirname "$0")/../ansible"
if ! command -v ansible-playbook >/dev/null || ! command -v ansible-lint >/dev/null; then
  apt-get update && apt-get install -y ansible ansible-lint
fi
echo "-- ansible-playbook --syntax-check"
ansible-playbook --syntax-check site.yml
echo "-- ansible-lint (production profile)"
ansible-lint --offline --profile production
echo "-- rendered configuration"
render_dir="$(mktemp -d)"
trap 'rm -rf "$render_dir"' EXIT
ansible-playbook -i tests/inventory.ini tests/render-templates.yml -e render_dir="$render_dir" >/dev/null
node ../.ci/check-rendered-config.mjs "$render_dir"
