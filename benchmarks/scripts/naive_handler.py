"""Cold start, the naive way: json and the official SDK client make the same call.

What a team writes without dataworks-ext: decode the CloudEvent, decide, and call
``UpdateWorkbenchEventResult`` with the official SDK.  Same environment as
``extension_handler.py``.  Exits 0 once DataWorks accepted the verdict.
"""

import json
import os
import sys

from alibabacloud_dataworks_public20200518.client import Client
from alibabacloud_dataworks_public20200518.models import UpdateWorkbenchEventResultRequest
from alibabacloud_tea_openapi.models import Config

event = json.loads(sys.stdin.buffer.read())
blocked = 700005966962 in event["data"]["nodeIds"]
endpoint = os.environ["DATAWORKS_ENDPOINT"]
protocol, _, host = endpoint.rpartition("://")
client = Client(
    Config(
        access_key_id=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
        access_key_secret=os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
        region_id=os.environ["DATAWORKS_REGION_ID"],
        endpoint=host,
        protocol=protocol or "https",
    )
)
response = client.update_workbench_event_result(
    UpdateWorkbenchEventResultRequest(
        message_id=event["id"],
        extension_code=os.environ["DATAWORKS_EXTENSION_CODE"],
        check_result="FAIL" if blocked else "OK",
        check_result_tip="node 700005966962 feeds the finance close" if blocked else None,
    )
)
sys.exit(0 if response.body.success else 1)
