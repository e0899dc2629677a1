"""Rules that know the nodes, end to end: Extension -> rule -> Lookups -> the official SDK ->
LocalDataWorks, and the verdict delivered back to LocalDataWorks."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataworks_ext import (
    ConfigurationError,
    Extension,
    Lookups,
    NodeLookupError,
    Registry,
    Verdict,
)
from dataworks_ext.lookups import RateLimit, TokenBucket
from dataworks_ext.nodes import NodeInfo
from dataworks_ext.policies import (
    INSTANCE_OPERATIONS,
    NodeMatch,
    OwnerOnly,
    ProtectedBaselines,
    ProtectedNodes,
    from_config,
    register,
    supported_operations,
)
from dataworks_ext.testing import (
    LocalDataWorks,
    backfill_event,
    baseline_info,
    freeze_event,
    instance_info,
    node_info,
    pre_kill_instance_event,
    pre_rerun_instance_event,
    pre_set_instance_success_event,
    restore_event,
    unpublish_event,
)
from dataworks_ext.testing import strategies as dws

OWNER = "1107550004253538"
OTHER = "2088000000000001"
ADMIN = "3000000000000009"
FINANCE = 1201


@pytest.fixture
def local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as server:
        server.add_nodes(
            node_info(700001, priority=8, baseline_id=FINANCE, owner_id=OWNER),
            node_info(700002, priority=1, baseline_id=5, owner_id=OTHER),
            node_info(700003, priority=7, baseline_id=5, owner_id=OWNER),
            node_info(700004, priority=3, baseline_id=5, owner_id=OWNER),
        )
        server.add_baselines(
            baseline_info(FINANCE, node_ids=[700001, 700009], baseline_name="finance")
        )
        yield server


@pytest.fixture
def lookups(local: LocalDataWorks) -> Lookups:
    return Lookups(local.client(), bucket=TokenBucket(RateLimit(per_second=1000, burst=1000)))


def extension(local: LocalDataWorks, registry: Registry) -> Extension:
    return Extension("ext", callback=local.client(), registry=registry)


def urgent(node: NodeInfo) -> bool:
    return (node.priority or 0) >= 7


def test_by_priority(local: LocalDataWorks, lookups: Lookups) -> None:
    reg = Registry()
    reg.on_freeze(ProtectedNodes(where=urgent, lookups=lookups))
    ext = extension(local, reg)
    ext.handle(freeze_event(node_ids=[700002, 700003, 700001], message_id="m-1"))
    ext.handle(freeze_event(node_ids=[700002, 700004], message_id="m-2"))
    refused = local.verdict_for("m-1")
    assert refused is not None
    assert refused.result == "FAIL"
    assert refused.tip == "Freezing nodes is not allowed: protected nodes 700003, 700001"
    passed = local.verdict_for("m-2")
    assert passed is not None
    assert passed.result == "OK"


def test_by_baseline(local: LocalDataWorks, lookups: Lookups) -> None:
    rule = ProtectedBaselines([FINANCE], lookups)
    reg = Registry()
    reg.on_freeze(rule)
    reg.on_unpublish(rule)
    ext = extension(local, reg)
    ext.handle(unpublish_event(node_ids=[700002, 700009], message_id="m-1"))
    ext.handle(freeze_event(node_ids=[700002, 700003], message_id="m-2"))
    refused = local.verdict_for("m-1")
    assert refused is not None
    assert refused.tip == (
        "Unpublishing nodes is not allowed: nodes 700009 are on protected baselines 1201 (finance)"
    )
    assert local.verdict_for("m-2") is not None
    assert local.verdict_for("m-2").result == "OK"  # type: ignore[union-attr]
    assert local.calls_for("GetBaseline") == 1  # the baseline's nodes, cached
    assert local.calls_for("GetNode") == 0  # one call per baseline, none per node


def test_by_baseline_of_the_node_itself(lookups: Lookups) -> None:
    rule = ProtectedNodes(where=NodeMatch(baseline_ids=[FINANCE]), lookups=lookups)
    assert rule(freeze_event(node_ids=[700001, 700002]).event).tip == (
        "Freezing nodes is not allowed: protected nodes 700001"
    )


def test_by_owner(local: LocalDataWorks, lookups: Lookups) -> None:
    rule = OwnerOnly(lookups, uids=[ADMIN])
    reg = Registry()
    reg.on_freeze(rule)
    reg.on_restore(rule)
    reg.on_unpublish(rule)
    ext = extension(local, reg)
    ext.handle(unpublish_event(node_ids=[700001, 700003], operator=OWNER, message_id="own"))
    ext.handle(restore_event(node_ids=[700001, 700002, 700004], operator=OWNER, message_id="mixed"))
    ext.handle(freeze_event(node_ids=[700002], operator=ADMIN, message_id="admin"))
    assert local.verdict_for("own").result == "OK"  # type: ignore[union-attr]
    assert local.verdict_for("mixed").tip == (  # type: ignore[union-attr]
        f"Restoring nodes is limited to each node's owner; account {OWNER} does not own "
        "700002 (ods_orders_700002)"
    )
    assert local.verdict_for("admin").result == "OK"  # type: ignore[union-attr]


def test_a_node_that_does_not_exist_is_a_check_error(
    local: LocalDataWorks, lookups: Lookups
) -> None:
    reg = Registry()
    reg.on_freeze(OwnerOnly(lookups), name="owner-only")
    outcome = extension(local, reg).handle(freeze_event(node_ids=[700001, 404], message_id="m"))
    assert isinstance(outcome.error, NodeLookupError)
    assert outcome.error.object_id == 404
    assert outcome.error.not_found
    assert "could not look up node 404" in str(outcome.error)
    assert outcome.error.tip == (
        "Node 404 could not be looked up in DataWorks: DataWorks has no such node"
    )
    verdict = local.verdict_for("m")
    assert verdict is not None
    assert verdict.result == "FAIL"  # the Extension's error_result
    assert verdict.tip is not None
    assert "owner-only" in verdict.tip
    assert "NodeLookupError" in verdict.tip
    open_ext = Extension("ext", callback=local.client(), registry=reg, error_result="OK")
    open_ext.handle(freeze_event(node_ids=[404], message_id="m-open"))
    assert local.verdict_for("m-open").result == "OK"  # type: ignore[union-attr]


def test_throttling_is_answered_by_waiting(local: LocalDataWorks, lookups: Lookups) -> None:
    local.inject("throttle", 3, action="GetNode")
    reg = Registry()
    reg.on_freeze(ProtectedNodes(where=urgent, lookups=lookups))
    outcome = extension(local, reg).handle(freeze_event(node_ids=[700001], message_id="m"))
    assert outcome.error is None
    assert local.verdict_for("m").result == "FAIL"  # type: ignore[union-attr]
    assert local.calls_for("GetNode") == 4


def test_the_cache_answers_the_second_message(local: LocalDataWorks, lookups: Lookups) -> None:
    reg = Registry()
    reg.on_freeze(ProtectedNodes(where=urgent, lookups=lookups))
    reg.on_freeze(OwnerOnly(lookups))
    ext = extension(local, reg)
    ext.handle(freeze_event(node_ids=[700002, 700004], message_id="m-1"))
    assert local.calls_for("GetNode") == 2  # two rules, one call per node
    ext.handle(freeze_event(node_ids=[700004, 700002], message_id="m-2"))
    assert local.calls_for("GetNode") == 2
    assert lookups.stats.hits >= 6


def test_the_lookup_bound_on_a_20000_node_backfill(local: LocalDataWorks, lookups: Lookups) -> None:
    huge = backfill_event(root_node_id=700001, include_node_ids=range(1, 20_000), message_id="b")
    reg = Registry()
    reg.on_backfill(ProtectedNodes(where=urgent, lookups=lookups, max_lookups=50))
    extension(local, reg).handle(huge)
    verdict = local.verdict_for("b")
    assert verdict is not None
    assert verdict.result == "FAIL"
    assert verdict.tip == (
        "Backfilling data touches 20000 nodes; check 'ProtectedNodes' looks up at most 50 "
        "nodes, so it refuses: split the operation"
    )
    assert local.calls_for("GetNode") == 0

    lenient = OwnerOnly(lookups, max_lookups=50, over_limit="pass")
    answer = lenient(huge.event)
    assert answer.passed
    assert answer.tip is not None
    assert "lets it pass unchecked" in answer.tip
    assert local.calls_for("GetNode") == 0

    small = backfill_event(root_node_id=700001, include_node_ids=[700003], message_id="s")
    assert ProtectedNodes(where=urgent, lookups=lookups, max_lookups=2)(small.event).tip == (
        "Backfilling data is not allowed: protected nodes 700001, 700003"
    )


@attrs.frozen
class PreFreezeInstance:
    """Stands in for an instance pre-event: anything with task ids, operator, project."""

    task_ids: tuple[int, ...]
    operator: str
    project_id: int = 23393


def test_instance_events_are_checked_through_their_nodes(
    local: LocalDataWorks, lookups: Lookups
) -> None:
    local.add_instances(instance_info(9001, node_id=700002), instance_info(9002, node_id=700001))
    event = PreFreezeInstance(task_ids=(9001, 9002), operator=OWNER)
    assert ProtectedNodes(where=urgent, lookups=lookups)(event).tip == (
        "This operation is not allowed: protected nodes 700001"
    )
    assert OwnerOnly(lookups)(event).tip == (
        f"This operation is limited to each node's owner; account {OWNER} does not own "
        "700002 (ods_orders_700002)"
    )
    assert ProtectedBaselines([FINANCE], lookups)(event).tip == (
        "This operation is not allowed: nodes 700001 are on protected baselines 1201 (finance)"
    )
    assert ProtectedNodes([700002], lookups=lookups)(event).tip == (
        "This operation is not allowed: protected nodes 700002"
    )
    assert local.calls_for("GetInstance") == 2
    many = PreFreezeInstance(task_ids=tuple(range(500)), operator=OWNER)
    assert not OwnerOnly(lookups, max_lookups=10)(many).passed
    assert local.calls_for("GetInstance") == 2
    with pytest.raises(TypeError, match="needs lookups"):
        ProtectedNodes([700002])(event)


def test_async_checks_look_up_without_blocking(local: LocalDataWorks, lookups: Lookups) -> None:
    local.add_instances(instance_info(9003, node_id=700003))
    reg = Registry()
    reg.on_freeze(ProtectedNodes(where=urgent, lookups=lookups).check_async)
    reg.on_freeze(ProtectedBaselines([FINANCE], lookups).check_async)
    reg.on_unpublish(OwnerOnly(lookups).check_async)
    ext = extension(local, reg)

    async def run() -> None:
        await ext.handle_async(freeze_event(node_ids=[700001, 700002], message_id="a-1"))
        await ext.handle_async(unpublish_event(node_ids=[700002], operator=OWNER, message_id="a-2"))
        event = PreFreezeInstance(task_ids=(9003,), operator=OTHER)
        verdict = await OwnerOnly(lookups).check_async(event)
        assert not verdict.passed

    asyncio.run(run())
    tip = local.verdict_for("a-1").tip  # type: ignore[union-attr]
    assert tip == (
        "Freezing nodes is not allowed: protected nodes 700001; Freezing nodes is not allowed: "
        "nodes 700001 are on protected baselines 1201 (finance)"
    )
    assert local.verdict_for("a-2").result == "FAIL"  # type: ignore[union-attr]


def test_each_rule_is_configurable(local: LocalDataWorks, lookups: Lookups) -> None:
    reg = from_config(
        {
            "rules": [
                {
                    "type": "protected_nodes",
                    "where": {"min_priority": 7, "name_pattern": "^fin_"},
                    "max_lookups": 30,
                },
                {"type": "owner_only", "uids": [ADMIN], "on": ["freeze", "unpublish"]},
                {"type": "protected_baselines", "baseline_ids": [FINANCE], "on": "unpublish"},
            ]
        },
        lookups=lookups,
    )
    assert repr(reg) == "Registry(FreezeNodeEvent=2, UnpublishNodeEvent=3)"
    ext = extension(local, reg)
    ext.handle(unpublish_event(node_ids=[700001], operator=OTHER, message_id="c-1"))
    tip = local.verdict_for("c-1").tip  # type: ignore[union-attr]
    assert tip is not None
    assert "protected nodes 700001" in tip
    assert "does not own 700001" in tip
    assert "protected baselines 1201" in tip
    ext.handle(freeze_event(node_ids=[700004], operator=OWNER, message_id="c-2"))
    assert local.verdict_for("c-2").result == "OK"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"type": "owner_only"}, "rules[0].type: owner_only looks nodes up in DataWorks"),
        (
            {"type": "protected_nodes", "where": {"min_priority": 7}},
            "rules[0].type: protected_nodes looks nodes up",
        ),
        ({"type": "protected_baselines", "baseline_ids": [1]}, "pass lookups=Lookups(client)"),
    ],
)
def test_a_rule_that_looks_up_needs_lookups(rule: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        from_config({"rules": [rule]})


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"type": "protected_nodes", "where": {"priority": 7}},
            r"rules\[0\]\.where\.priority: unknown key",
        ),
        ({"type": "protected_nodes", "where": {}}, r"rules\[0\]\.where: give at least one"),
        (
            {"type": "protected_nodes", "where": {"name_pattern": "("}},
            r"rules\[0\]\.where\.name_pattern: is not a regular expression",
        ),
        (
            {"type": "owner_only", "over_limit": "maybe"},
            r"rules\[0\]\.over_limit: must be 'fail' or 'pass'",
        ),
        ({"type": "owner_only", "max_lookups": 0}, r"rules\[0\]\.max_lookups"),
        (
            {"type": "protected_baselines", "baseline_ids": []},
            r"rules\[0\]\.baseline_ids: give at least one",
        ),
    ],
)
def test_configuration_mistakes_are_named(
    lookups: Lookups, rule: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        from_config({"rules": [rule]}, lookups=lookups)


def test_where_needs_lookups_and_excludes_node_ids(lookups: Lookups) -> None:
    with pytest.raises(ConfigurationError, match="lookups"):
        ProtectedNodes(where=urgent)
    with pytest.raises(ConfigurationError, match="not both"):
        ProtectedNodes([1], where=urgent, lookups=lookups)
    with pytest.raises(ConfigurationError, match="node_ids"):
        ProtectedNodes()


def test_the_id_forms_are_unchanged() -> None:
    assert ProtectedNodes([7])(freeze_event(node_ids=[7]).event) == Verdict.fail(
        "Freezing nodes is not allowed: protected nodes 7"
    )
    assert repr(ProtectedNodes.from_dict({"node_ids": [7]})) == "ProtectedNodes([7])"


@pytest.fixture(scope="module")
def shared_local() -> Iterator[LocalDataWorks]:
    with LocalDataWorks() as server:
        yield server


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(dws.node_infos(), min_size=1, max_size=6, unique_by=lambda n: n.node_id),
    st.sampled_from([OWNER, OTHER]),
)
def test_owner_only_refuses_exactly_the_nodes_of_others(
    shared_local: LocalDataWorks, nodes: list[NodeInfo], operator: str
) -> None:
    shared_local.add_nodes(*nodes)
    rule = OwnerOnly(
        Lookups(shared_local.client(), bucket=TokenBucket(RateLimit(per_second=1e6, burst=100)))
    )
    verdict = rule(freeze_event(node_ids=[n.node_id for n in nodes], operator=operator).event)
    foreign = [n for n in nodes if n.owner_id != operator]
    assert verdict.passed == (not foreign)
    for node in foreign[:20]:
        assert str(node.node_id) in (verdict.tip or "")


def test_instance_operations_from_config(local: LocalDataWorks, lookups: Lookups) -> None:
    local.add_instances(instance_info(9101, node_id=700001), instance_info(9102, node_id=700004))
    reg = from_config(
        {
            "rules": [
                {"type": "protected_nodes", "where": {"min_priority": 7}, "on": ["kill-instance"]},
                {"type": "owner_only", "on": ["rerun-instance"]},
                {
                    "type": "protected_baselines",
                    "baseline_ids": [FINANCE],
                    "on": ["set-instance-success"],
                },
                {"type": "protected_nodes", "node_ids": [700004], "on": "kill_instance"},
            ]
        },
        lookups=lookups,
    )
    assert repr(reg) == (
        "Registry(PreRerunInstanceEvent=1, PreSetInstanceSuccessEvent=1, PreKillInstanceEvent=2)"
    )
    ext = extension(local, reg)
    ext.handle(pre_kill_instance_event(task_ids=[9101, 9102], message_id="k-1"))
    ext.handle(pre_rerun_instance_event(task_ids=[9101], operator=OTHER, message_id="k-2"))
    ext.handle(pre_set_instance_success_event(task_ids=[9102, 9101], message_id="k-3"))
    ext.handle(pre_rerun_instance_event(task_ids=[9102], operator=OWNER, message_id="k-4"))

    kill = local.verdict_for("k-1")
    assert kill is not None
    refused = "Killing instances is not allowed: protected nodes"
    assert (kill.result, kill.tip) == ("FAIL", f"{refused} 700001; {refused} 700004")
    assert local.verdict_for("k-2").tip == (  # type: ignore[union-attr]
        f"Rerunning instances is limited to each node's owner; account {OTHER} does not own "
        "700001 (ods_orders_700001)"
    )
    assert local.verdict_for("k-3").tip == (  # type: ignore[union-attr]
        "Setting instances as successful is not allowed: nodes 700001 are on protected "
        "baselines 1201 (finance)"
    )
    assert local.verdict_for("k-4").result == "OK"  # type: ignore[union-attr]
    assert local.calls_for("GetInstance") == 2  # each instance once, then the cache


def test_node_rules_support_instance_operations_only_when_they_can(lookups: Lookups) -> None:
    for rule in (
        ProtectedNodes(where=urgent, lookups=lookups),
        ProtectedNodes([700001], lookups=lookups),
        OwnerOnly(lookups),
        ProtectedBaselines([FINANCE], lookups),
    ):
        assert supported_operations(rule) >= INSTANCE_OPERATIONS
        assert not INSTANCE_OPERATIONS & rule.operations  # not by default
    by_ids = ProtectedNodes([700001])  # without lookups it cannot turn instances into nodes
    assert not INSTANCE_OPERATIONS & supported_operations(by_ids)
    with pytest.raises(ConfigurationError, match="ProtectedNodes cannot check kill-instance"):
        register(Registry(), by_ids, on=["freeze", "kill-instance"])
    with pytest.raises(ConfigurationError, match=r"rules\[0\]\.on: ProtectedNodes cannot check"):
        from_config(
            {"rules": [{"type": "protected_nodes", "node_ids": [1], "on": "kill-instance"}]}
        )


def test_protected_nodes_by_ids_bounds_only_what_it_looks_up(
    local: LocalDataWorks, lookups: Lookups
) -> None:
    rule = ProtectedNodes([700001], lookups=lookups, max_lookups=2)
    wide = backfill_event(root_node_id=700001, include_node_ids=range(1, 20_001)).event
    assert rule(wide).tip == "Backfilling data is not allowed: protected nodes 700001"
    assert rule(pre_kill_instance_event(task_ids=[1, 2, 3]).event).tip == (
        "Killing instances touches 3 instances; check 'ProtectedNodes' looks up at most "
        "2 instances, so it refuses: split the operation"
    )
    assert local.calls_for("GetInstance") == 0
