#!/usr/bin/env bash
# The GitHub Action's one step: install mnnlint into its own virtualenv, annotate with
# `--output-format github`, write SARIF, and exit with mnnlint's own exit code.
#
# Reads INPUT_* (set by action.yml from the action's inputs) and the runner's
# GITHUB_ACTION_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and RUNNER_TEMP. Two more knobs
# for runners without an index (and for the tests, which run offline):
#   MNNLINT_ACTION_PIP_ARGS                extra `pip install` arguments, split on spaces
#   MNNLINT_ACTION_SYSTEM_SITE_PACKAGES=1  let the virtualenv see the interpreter's packages
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
python="${INPUT_PYTHON:-python3}"
venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/mnnlint-action-venv"

venv_args=()
if [[ "${MNNLINT_ACTION_SYSTEM_SITE_PACKAGES:-}" == "1" ]]; then
  venv_args+=(--system-site-packages)
fi
# Failing to install is not a finding: say so, record exit code 2 and stop.
install_failed() {
  echo "::error title=mnnlint::could not install $1; see the log above (exit 2, not a lint result)"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    { echo "exit-code=2"; echo "sarif-file="; } >> "$GITHUB_OUTPUT"
  fi
  exit 2
}

# A virtualenv already there (an earlier use of the action in this job) is reused.
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "${venv_args[@]}" "$venv" || install_failed "a virtualenv with $python"
fi

version="${INPUT_VERSION:-}"
if [[ -z "$version" ]]; then
  requirement="$action_path"
elif [[ "$version" =~ ^[0-9][0-9A-Za-z.+-]*$ ]]; then
  requirement="mnnlint==$version"
else
  requirement="$version"
fi
read -r -a pip_args <<< "${MNNLINT_ACTION_PIP_ARGS:-}"
echo "::group::Install mnnlint ($requirement)"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet "${pip_args[@]}" "$requirement" \
  || install_failed "$requirement"
"$venv/bin/mnnlint" --version || install_failed "$requirement (mnnlint does not start)"
echo "::endgroup::"

# The command line, built as an array: inputs are words, never shell code.
read -r -d '' -a paths <<< "${INPUT_PATHS:-.}" || true
cmd=("$venv/bin/mnnlint" "${paths[@]}")
if [[ -n "${INPUT_TARGETS:-}" ]]; then
  cmd+=(--target "$INPUT_TARGETS")
fi
cmd+=(--mnn-version "${INPUT_MNN_VERSION:-latest}")
read -r -a extra <<< "${INPUT_ARGS:-}"
cmd+=("${extra[@]}")

summary="${GITHUB_STEP_SUMMARY:-}"
if [[ "${INPUT_STEP_SUMMARY:-true}" != "true" ]]; then
  summary=""
fi

# Annotations, and the job summary, which the github format appends to GITHUB_STEP_SUMMARY
# when that names a file (empty: none).
status=0
GITHUB_STEP_SUMMARY="$summary" "${cmd[@]}" --output-format github || status=$?

sarif="${INPUT_SARIF_FILE:-}"
if [[ -n "$sarif" ]]; then
  mkdir -p "$(dirname "$sarif")"
  sarif_status=0
  env -u GITHUB_STEP_SUMMARY "${cmd[@]}" --output-format sarif --output-file "$sarif" || sarif_status=$?
  if [[ "$sarif_status" -ne "$status" ]]; then
    echo "::warning title=mnnlint::the SARIF run exited $sarif_status, the annotation run $status"
  fi
fi

if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  {
    echo "exit-code=$status"
    echo "sarif-file=$sarif"
  } >> "$GITHUB_OUTPUT"
fi
exit "$status"
