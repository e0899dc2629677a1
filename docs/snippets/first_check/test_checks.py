from checks import registry
from dataworks_ext import Extension
from dataworks_ext.testing import (
    RecordingCallback,
    backfill_event,
    freeze_event,
)


def test_protected_node_cannot_be_frozen():
    recorder = RecordingCallback()
    extension = Extension("my-extension", callback=recorder, registry=registry)

    extension.handle(
        freeze_event(node_ids=[700005966962, 700005967001], message_id="m-1")
    )

    verdict = recorder.verdicts["m-1"]
    assert not verdict.passed
    assert (
        verdict.tip
        == "Nodes [700005966962] feed the finance close and cannot be frozen"
    )


def test_other_nodes_can_be_frozen():
    recorder = RecordingCallback()
    extension = Extension("my-extension", callback=recorder, registry=registry)

    extension.handle(freeze_event(node_ids=[700005967001], message_id="m-2"))

    assert recorder.verdicts["m-2"].passed


def test_long_backfills_are_refused(make_extension, recording_callback):
    extension = make_extension(registry)

    extension.handle(backfill_event(days=90, message_id="m-90"))
    extension.handle(backfill_event(days=7, message_id="m-7"))

    assert not recording_callback.verdicts["m-90"].passed
    assert recording_callback.verdicts["m-7"].passed
