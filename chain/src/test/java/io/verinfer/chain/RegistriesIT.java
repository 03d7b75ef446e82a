package io.verinfer.chain;

import static io.verinfer.chain.testing.Reverts.assertReverts;
import static org.assertj.core.api.Assertions.assertThat;

import io.verinfer.chain.testing.Actors;
import io.verinfer.chain.testing.SharedDevnet;
import io.verinfer.protocol.Address;
import io.verinfer.protocol.Bytes32;
import io.verinfer.protocol.Cid;
import io.verinfer.protocol.ModelId;
import io.verinfer.protocol.TokenAmount;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ProviderRegistry and ModelRegistry roles, delays and validation on a real node. */
class RegistriesIT {
  private String snapshot;
  private Actors actors;
  private VerinferChain provider;
  private VerinferChain author;
  private ModelId model;
  private TokenAmount minStake;

  @BeforeEach
  void setUp() {
    snapshot = SharedDevnet.snapshot();
    actors = new Actors();
    provider = actors.provider(0);
    author = actors.author(0);
    model = Actors.publish(author, "registries", 1_000);
    minStake = actors.admin().params().minProviderStake();
    provider.token().approve(provider.providers().address(), minStake.times(10));
  }

  @AfterEach
  void tearDown() {
    actors.close();
    SharedDevnet.revert(snapshot);
  }

  @Test
  void registrationNeedsTheMinimumStakeAndAnActiveModel() {
    Bytes32 tls = Bytes32.keccak256("tls-key".getBytes(StandardCharsets.UTF_8));
    assertReverts(
        () -> provider.providers().register("https://p0.example:8443", tls), "BelowMinimumStake");
    provider.providers().stake(minStake);
    assertReverts(() -> provider.providers().register("", tls), "InvalidEndpoint");
    provider.providers().register("https://p0.example:8443", tls);
    assertReverts(() -> provider.providers().register("https://again", tls), "AlreadyRegistered");
    assertReverts(
        () -> provider.providers().setModel(ModelId.of(999), TokenAmount.of(5)), "InactiveModel");
    assertReverts(() -> provider.providers().setModel(model, TokenAmount.ZERO), "ZeroPrice");
    provider.providers().setModel(model, TokenAmount.of(5));

    var info = provider.providers().provider(provider.account());
    assertThat(info.registered()).isTrue();
    assertThat(info.endpoint()).isEqualTo("https://p0.example:8443");
    assertThat(info.tlsFingerprint()).isEqualTo(tls);
    assertThat(info.models()).containsExactly(model);
    assertThat(provider.providers().providersOf(model)).containsExactly(provider.account());
    assertThat(provider.providers().isEligible(provider.account(), model)).isTrue();

    provider.providers().removeModel(model);
    assertThat(provider.providers().providersOf(model)).isEmpty();
    assertReverts(() -> provider.providers().removeModel(model), "ModelNotOffered");
  }

  @Test
  void unbondingWaitsForTheDelayAndLeavesEligibility() {
    provider.providers().stake(minStake);
    provider.providers().register("https://p0", Bytes32.ZERO);
    provider.providers().setModel(model, TokenAmount.of(5));
    provider.providers().requestUnbond(TokenAmount.of(1));
    assertThat(provider.providers().isEligible(provider.account(), model)).isFalse();
    assertReverts(() -> provider.providers().withdrawUnbonded(), "UnbondingNotReady");
    assertReverts(() -> provider.providers().requestUnbond(minStake), "InsufficientStake");

    TokenAmount before = provider.token().balanceOf(provider.account());
    SharedDevnet.increaseTime(actors.admin().params().unbondingDelay().toSeconds());
    provider.providers().withdrawUnbonded();
    assertThat(provider.token().balanceOf(provider.account()))
        .isEqualTo(before.plus(TokenAmount.of(1)));
    assertReverts(() -> provider.providers().withdrawUnbonded(), "NothingToUnbond");
  }

  @Test
  void onlyTheSlasherRoleSlashesAndUnbondingDoesNotEscapeIt() {
    provider.providers().stake(minStake);
    provider.providers().requestUnbond(TokenAmount.of(100));
    Address victim = provider.account();
    Address recipient = Actors.address(Actors.OUTSIDER);
    VerinferChain slasher = actors.account(Actors.SLASHER);

    assertReverts(
        () -> slasher.providers().slash(victim, TokenAmount.of(10), recipient),
        "AccessControlUnauthorizedAccount");
    assertReverts(
        () -> provider.providers().grantSlasher(provider.account()),
        "AccessControlUnauthorizedAccount");
    // the deployer renounced: only governance grants the role, and a new slasher waits the
    // longest unbonding delay ever set, so every provider can leave before it acts
    assertReverts(
        () -> actors.admin().providers().grantSlasher(slasher.account()),
        "AccessControlUnauthorizedAccount");
    var calls = io.verinfer.chain.testing.Enact.governance(Actors.OUTSIDER).calls();
    io.verinfer.chain.testing.Enact.actions(
        java.util.List.of(
            calls.grantRole(
                provider.providers().address(),
                org.web3j.crypto.Hash.sha3(
                    "SLASHER_ROLE".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                slasher.account())));
    assertReverts(
        () -> slasher.providers().slash(victim, TokenAmount.of(10), recipient), "SlasherNotActive");
    io.verinfer.chain.testing.SharedDevnet.increaseTime(
        actors.admin().params().unbondingDelay().toSeconds() + 1);

    TokenAmount stake = minStake.minus(TokenAmount.of(100));
    TokenAmount before = slasher.token().balanceOf(recipient);
    slasher.providers().slash(victim, stake.plus(TokenAmount.of(40)), recipient);
    var info = slasher.providers().provider(victim);
    assertThat(info.stake()).isEqualTo(TokenAmount.ZERO);
    assertThat(info.unbonding()).isEqualTo(TokenAmount.of(60));
    assertThat(slasher.token().balanceOf(recipient))
        .isEqualTo(before.plus(stake).plus(TokenAmount.of(40)));

    slasher.providers().slash(victim, TokenAmount.of(1_000), recipient); // takes what is left
    assertReverts(
        () -> slasher.providers().slash(victim, TokenAmount.of(1), recipient), "NothingToSlash");
  }

  @Test
  void modelsAreOwnerOnlyAndDeprecatable() {
    var info = author.models().model(model);
    assertThat(info.owner()).isEqualTo(author.account());
    assertThat(info.royaltyBps()).isEqualTo(1_000);
    assertThat(info.tolerancePpm()).isEqualTo(1_000);

    VerinferChain stranger = actors.account(Actors.OUTSIDER);
    assertReverts(() -> stranger.models().deprecate(model), "NotModelOwner");
    assertReverts(() -> stranger.models().update(model, Bytes32.ZERO, 900, 5), "NotModelOwner");
    author.models().update(model, Bytes32.ZERO, 900, 5);
    // the schema changes at once; royalty and tolerance only after the notice
    assertThat(author.models().model(model).schemaHash()).isEqualTo(Bytes32.ZERO);
    assertThat(author.models().model(model).royaltyBps()).isEqualTo(1_000);
    var scheduled = author.models().scheduledTerms(model).orElseThrow();
    assertThat(scheduled.royaltyBps()).isEqualTo(900);
    assertThat(scheduled.tolerancePpm()).isEqualTo(5);
    SharedDevnet.increaseTime(
        scheduled.changesAt().getEpochSecond() - SharedDevnet.latestTimestamp());
    SharedDevnet.mine();
    assertThat(author.models().model(model).royaltyBps()).isEqualTo(900);
    assertThat(author.models().model(model).tolerancePpm()).isEqualTo(5);
    assertThat(author.models().scheduledTerms(model)).isEmpty();

    byte[] sameBlob = "model registries".getBytes(StandardCharsets.UTF_8);
    assertReverts(
        () -> stranger.models().publishRaw(Cid.of(sameBlob).bytes(), "onnx", Bytes32.ZERO, 0, 0),
        "CidAlreadyPublished");
    assertReverts(
        () -> stranger.models().publishRaw(new byte[0], "onnx", Bytes32.ZERO, 0, 0), "InvalidCid");
    assertReverts(
        () -> stranger.models().publishRaw(Cid.of(new byte[] {1}).bytes(), "", Bytes32.ZERO, 0, 0),
        "InvalidFormat");
    assertReverts(
        () ->
            stranger
                .models()
                .publishRaw(Cid.of(new byte[] {2}).bytes(), "onnx", Bytes32.ZERO, 5_001, 0),
        "RoyaltyTooHigh");
    assertReverts(() -> author.models().update(model, Bytes32.ZERO, 5_001, 5), "RoyaltyTooHigh");

    author.models().deprecate(model);
    assertThat(author.models().isActive(model)).isFalse();
    assertReverts(() -> author.models().deprecate(model), "ModelIsDeprecated");
    assertReverts(() -> author.models().model(ModelId.of(12_345)), "UnknownModel");
    ContractRevertException unknown =
        org.junit.jupiter.api.Assertions.assertThrows(
            ContractRevertException.class, () -> author.models().model(ModelId.of(12_345)));
    assertThat(unknown.argument("modelId")).hasToString("12345");
  }

  @Test
  void protocolParamsAreGovernanceOnlyAndBounded() {
    VerinferChain stranger = actors.account(Actors.OUTSIDER);
    assertReverts(() -> stranger.params().setProtocolFeeBps(10), "OwnableUnauthorizedAccount");
    // the deployer handed ProtocolParams to the timelock: it is a stranger now
    assertReverts(
        () -> actors.admin().params().setProtocolFeeBps(10), "OwnableUnauthorizedAccount");
    // a passed proposal outside the bounds reverts at execution and changes nothing
    assertReverts(
        () -> io.verinfer.chain.testing.Enact.set("protocolFeeBps=2001"), "ValueOutOfRange");
    assertReverts(
        () ->
            io.verinfer.chain.testing.Enact.set(
                "treasury=0x0000000000000000000000000000000000000000"),
        "ZeroAddress");
    assertThat(actors.admin().params().protocolFeeBps()).isEqualTo(300);
    io.verinfer.chain.testing.Enact.set("protocolFeeBps=250");
    assertThat(actors.admin().params().protocolFeeBps()).isEqualTo(250);
  }
}
