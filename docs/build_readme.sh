#!/usr/bin/env bash
# docs/build_readme.sh: assemble README.md from the sections in docs/readme/.
#   bash docs/build_readme.sh > README.md
# The stage test checks that README.md is up to date with its sections.
set -euo pipefail
cd "$(dirname "$0")/readme"
first=1
for s in intro setup core cohort growth models clients bi scheduled_refresh performance citus reliability reference development; do
	[ -f "$s.md" ] || continue
	[ $first = 1 ] || printf '\n'
	first=0
	cat "$s.md"
done
