#!/usr/bin/env bash
# Shows that the trust properties catch a broken rule: for each mutation patch, applies it to a
# fresh worktree of HEAD and runs the property that rests on the rule; the property must FAIL.
#   bench/mutations/run.sh                      # every patch
#   bench/mutations/run.sh terms-at-once        # one
# Prints one line per mutation: CAUGHT (the property failed), MISSED (it passed) or BROKEN (the
# mutant did not build or the property never ran: nothing shown).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
declare -A property=(
  [spendable-ignores-withdrawal]='TrustPropertiesIT#aVoucherAdmittedWithinSpendableIsRedeemableUntilTheDelayEnds'
  [counter-checked-add]='TrustPropertiesIT#aVoucherAdmittedWithinSpendableIsRedeemableUntilTheDelayEnds'
  [terms-at-once]='TrustPropertiesIT#aModelOwnersChangeNeverAltersTheSplitOfWorkServed'
  [snapshot-at-draw]='DisputeInvariantsIT'
  [vote-per-member]='DisputeInvariantsIT'
  [timelock-no-floor]='GovernanceAttackIT#aCapturedVoteCannotShortenItsOwnNotice'
  [oracle-mean]='OraclePoisoningAttackIT#oneLyingAdapterMovesNothingAndPaysForTrying'
  [oracle-quorum-half]='OraclePoisoningAttackIT#colludersShortOfTwoThirdsCannotReportAlone'
  [slasher-instant]='GovernanceAttackIT#aSlasherGrantedByAVoteWaitsUntilEveryProviderCouldLeave'
)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=("${!property[@]}")
for name in "${names[@]}"; do
  work="$(mktemp -d)/mutant"
  git -C "$root" worktree add -q --detach "$work" HEAD
  [ -d "$root/contracts/node_modules" ] && cp -r "$root/contracts/node_modules" "$work/contracts/"
  git -C "$work" apply "$root/bench/mutations/$name.patch"
  log="$work/../mutation.log"
  if (cd "$work" && ./mvnw -B -q -pl chain -am verify -Dit.test="${property[$name]}" -Dtest=None \
      -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false \
      -Dspotless.check.skip=true) >"$log" 2>&1; then
    echo "MISSED  $name: ${property[$name]} passed with the rule broken"
  elif ! grep -qE 'Tests run:.*(Failures|Errors): [1-9]' "$log"; then
    # a mutant that does not build proves nothing about the property
    echo "BROKEN  $name: the mutant did not reach its property: $(grep -m1 -E 'ERROR' "$log" | cut -c1-160)"
  else
    echo "CAUGHT  $name: $(grep -m1 -E 'AssertionFailed|expected|Tests run:.*Failures: [1-9]' "$log" | cut -c1-160)"
    grep -m3 -E "^\[the provider|^\[provider's share|but was" "$log" | sed 's/^/        /' || true
  fi
  git -C "$root" worktree remove --force "$work"
done
