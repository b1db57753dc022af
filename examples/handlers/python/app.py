"""An example Python handler for lambda-sim (runtime python3.9 ... python3.14).

    lambda-sim create-function --function-name hello-py --runtime python3.12 \
        --handler app.handler --code-path examples/handlers/python
    lambda-sim invoke --function-name hello-py --payload '{"name": "Ada"}' --log-type Tail out.json
"""
import logging
import os

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Module-level state lives as long as the execution environment: warm invokes in one
# command (for example inside `lambda-sim simulate`) see it grow.
INVOCATIONS = 0


def handler(event, context):
    global INVOCATIONS
    INVOCATIONS += 1
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    logger.info("greeting %s (invocation %d of this environment)", name, INVOCATIONS)
    print("remaining time:", context.get_remaining_time_in_millis(), "ms")
    return {
        "message": "hello, %s" % name,
        "requestId": context.aws_request_id,
        "function": context.function_name,
        "memoryLimitInMB": context.memory_limit_in_mb,
        "region": os.environ["AWS_REGION"],
        "invocationsInThisEnvironment": INVOCATIONS,
    }


def fail(event, context):
    """Raises: the outfile gets AWS's error document, the log the traceback."""
    raise ValueError("something went wrong")
