#!/usr/bin/env bash
# cfn-lint (PyPI) on the SAM template, installed once into a cached venv.
#
#   deploy/cfn-lint.sh            lint deploy/template.yaml (exit 0 = clean, no warnings)
#                                 and prove the check can fail: broken copies of the
#                                 template must each be refused with an error
#
# Environment: LEE_CFN_LINT_VENV (venv path, default ~/.cache/lee/cfn-lint-<version>).
# The venv is shared by every checkout on the machine; a marker file records a complete
# install, so an interrupted pip leaves nothing that looks usable.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPLATE="$ROOT/deploy/template.yaml"
CFN_LINT_VERSION=1.58.0
VENV="${LEE_CFN_LINT_VENV:-$HOME/.cache/lee/cfn-lint-$CFN_LINT_VERSION}"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'cfn-lint.sh: %s\n' "$*" >&2; exit 1; }

ensure_venv() {
    mkdir -p "$(dirname "$VENV")"
    exec 7>"$VENV.lock"
    flock -w 600 7 || die "could not take $VENV.lock"
    if [[ -f "$VENV/.complete" && -x "$VENV/bin/cfn-lint" ]]; then
        return
    fi
    command -v python3 >/dev/null || die "python3 is needed for cfn-lint (apt-get install python3 python3-venv)"
    say "installing cfn-lint $CFN_LINT_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
    "$VENV/bin/pip" install -q --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION" \
        || die "pip install cfn-lint==$CFN_LINT_VERSION failed"
    touch "$VENV/.complete"
}

lint() { "$VENV/bin/cfn-lint" --format parseable -- "$@"; }

ensure_venv
[[ -f "$TEMPLATE" ]] || die "$TEMPLATE not found"

say "cfn-lint $("$VENV/bin/cfn-lint" --version | awk '{print $2}') on deploy/template.yaml"
status=0
lint "$TEMPLATE" || status=$?
if [[ $status -ne 0 ]]; then
    die "deploy/template.yaml: cfn-lint exit code $status (2 = errors, 4 = warnings, 8 = informational)"
fi
echo "deploy/template.yaml: cfn-lint clean" >&2

# The check must be able to fail: each broken copy (one mistake each) must be refused
# with an error (bit 2 of cfn-lint's exit code), else the lint above proves nothing.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
broken() {
    local what="$1" expr="$2" copy="$scratch/$1.yaml"
    sed -e "$expr" "$TEMPLATE" >"$copy"
    cmp -s "$copy" "$TEMPLATE" && die "self-test '$what': the edit '$expr' changed nothing"
    local code=0
    lint "$copy" >"$scratch/$what.out" 2>&1 || code=$?
    if (( (code & 2) == 0 )); then
        cat "$scratch/$what.out" >&2
        die "self-test '$what': cfn-lint exit code $code on a broken template (expected an error)"
    fi
    echo "self-test '$what': refused (exit $code): $(grep -m 1 -o ':E[0-9]*:.*' "$scratch/$what.out")" >&2
}
broken memory-not-a-number 's/MemorySize: 128/MemorySize: lots/'
broken undefined-condition 's/Condition: HasCustomSkill/Condition: HasNoSuchCondition/'
broken bad-principal-ref 's/EventSourceToken: !Ref SmartHomeSkillId/EventSourceToken: !Ref NoSuchParameter/'
broken missing-principal '/Principal: alexa-connectedhome.amazon.com/d'
