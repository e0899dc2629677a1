"""NodeInfo, BaselineInfo, InstanceInfo: the answers of GetNode, GetBaseline, GetInstance."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from dataworks_ext import BaselineInfo, FieldError, InstanceInfo, NodeInfo
from dataworks_ext.nodes import read_answer, write_answer
from dataworks_ext.testing import baseline_info, instance_info, node_info
from dataworks_ext.testing import strategies as dws

# The Data of a GetNode answer as DataWorks documents it (ids as strings and numbers mixed,
# Repeatability a string), plus a field this SDK does not model.
GET_NODE_DATA: dict[str, Any] = {
    "SchedulerType": "NORMAL",
    "RepeatInterval": 60,
    "Repeatability": "true",
    "ProjectId": "1234",
    "ProgramType": "ODPS_SQL",
    "Priority": 8,
    "OwnerId": "17366294****",
    "Connection": "odps_first_dev",
    "ParamValues": "a=b",
    "RelatedFlowId": 123,
    "DqcType": 1,
    "BaselineId": "123456",
    "Description": "test",
    "NodeName": "sql node",
    "ResGroupName": "group_123",
    "BusinessId": 12345,
    "DqcDescription": "[]",
    "CronExpress": "00 00 00 * * ?",
    "NodeId": "700005966962",
    "ResGroupIdentifier": "group_123",
    "FileType": 10,
    "FileId": 100,
    "FileVersion": 3,
    "DeployDate": 1727280000000,
    "NewFieldOfLater": {"a": 1},
    "CreateTime": None,
}


def test_a_get_node_answer_is_read_by_its_field_names() -> None:
    node = NodeInfo.from_wire(GET_NODE_DATA)
    assert node.node_id == 700005966962
    assert node.project_id == 1234
    assert node.baseline_id == 123456
    assert node.priority == 8
    assert node.owner_id == "17366294****"
    assert node.repeatability is True
    assert node.repeat_interval == 60
    assert node.res_group_identifier == "group_123"
    assert node.create_time is None  # null is absent
    assert node.extra == {"NewFieldOfLater": {"a": 1}}


def test_repeatability_is_a_string_in_get_node_and_a_boolean_in_get_instance() -> None:
    assert NodeInfo.from_wire({"NodeId": 1, "Repeatability": "false"}).repeatability is False
    instance = InstanceInfo.from_wire({"InstanceId": "9", "NodeId": 1, "Repeatability": False})
    assert instance.repeatability is False
    assert instance.instance_id == 9
    assert write_answer(NodeInfo(node_id=1, repeatability=False))["Repeatability"] == "false"
    assert write_answer(instance)["Repeatability"] is False


def test_the_official_sdk_model_of_the_answer_reads_the_same() -> None:
    from alibabacloud_dataworks_public20200518.models import GetNodeResponseBodyData

    through_sdk = GetNodeResponseBodyData().from_map(GET_NODE_DATA).to_map()
    known = {k: v for k, v in GET_NODE_DATA.items() if k != "NewFieldOfLater"}
    assert NodeInfo.from_wire(through_sdk) == NodeInfo.from_wire(known)


def test_a_baseline_lists_its_nodes_with_ids_of_either_kind() -> None:
    baseline = BaselineInfo.from_wire(
        {
            "BaselineId": 1201,
            "BaselineName": "finance",
            "NodeIds": [700005966962, "700005966963"],
            "Enabled": "true",
            "OverTimeSettings": [{"Cycle": 1, "Time": "06:00"}],
        }
    )
    assert baseline.node_ids == (700005966962, 700005966963)
    assert baseline.enabled is True
    assert baseline.extra == {"OverTimeSettings": [{"Cycle": 1, "Time": "06:00"}]}


@pytest.mark.parametrize(
    ("cls", "data", "field"),
    [
        (NodeInfo, {"NodeId": 1, "Priority": "high"}, "Data.Priority"),
        (NodeInfo, {"NodeName": "no id"}, "Data.NodeId"),
        (NodeInfo, {"NodeId": 1, "Repeatability": "maybe"}, "Data.Repeatability"),
        (BaselineInfo, {"BaselineId": 1, "NodeIds": "1,2"}, "Data.NodeIds"),
        (InstanceInfo, {"InstanceId": 1}, "Data.NodeId"),
        (NodeInfo, ["not", "an", "object"], "Data"),
    ],
)
def test_a_wrong_field_is_named_by_its_wire_name(cls: type[Any], data: Any, field: str) -> None:
    with pytest.raises(FieldError) as caught:
        read_answer(cls, data)
    assert caught.value.field == field


def test_builders_make_realistic_models() -> None:
    assert node_info(7, priority=8).priority == 8
    assert baseline_info(3, node_ids=[1, 2]).node_ids == (1, 2)
    assert instance_info(5, node_id=7).node_id == 7


@given(dws.node_infos())
def test_node_info_round_trips_through_the_wire(node: NodeInfo) -> None:
    assert NodeInfo.from_wire(write_answer(node)) == node


@given(dws.baseline_infos())
def test_baseline_info_round_trips_through_the_wire(baseline: BaselineInfo) -> None:
    assert BaselineInfo.from_wire(write_answer(baseline)) == baseline


@given(dws.instance_infos())
def test_instance_info_round_trips_through_the_wire(instance: InstanceInfo) -> None:
    assert InstanceInfo.from_wire(write_answer(instance)) == instance


@given(dws.node_answers())
def test_every_quirky_answer_reads(data: dict[str, Any]) -> None:
    node = NodeInfo.from_wire(data)
    assert node.node_id == int(data["NodeId"])
    assert set(node.extra) == {k for k in data if k.startswith("X") and data[k] is not None}
    if "Repeatability" in data:
        assert node.repeatability is (data["Repeatability"] in (True, "true"))
