# Python handlers for RuntimeTests (the tests expect the `raise` in `boom` on line 12).
import os


def handler(event, context):
    print("hello from handler")
    return {"ok": True, "event": event}


def boom(event, context):
    print("about to fail")
    raise ValueError("something went wrong")


def text(event, context):
    return "plain string"


def none(event, context):
    return None


def unicode(event, context):
    return {"msg": "h\u00e9llo \u2713"}


def context_info(event, context):
    identity = context.identity
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "identity": None if identity is None else [identity.cognito_identity_id, identity.cognito_identity_pool_id],
        "client_context": None if context.client_context is None else {
            "custom": context.client_context.custom,
            "env": context.client_context.env,
            "client": None if context.client_context.client is None else context.client_context.client.app_title,
        },
        "remaining": context.get_remaining_time_in_millis(),
    }


def environment(event, context):
    return dict(os.environ)


COUNT = 0


def counter(event, context):
    global COUNT
    COUNT += 1
    return {"count": COUNT, "pid": os.getpid()}


def sleepy(event, context):
    import time
    print("going to sleep")
    time.sleep(30)
    return "never"


def crash(event, context):
    print("crashing now")
    os._exit(3)


def big(event, context):
    return "x" * (6 * 1024 * 1024 + 200)


def logs(event, context):
    import logging
    logger = logging.getLogger()
    logger.setLevel(logging.INFO)
    logger.info("info line %d", 1)
    logger.warning("warning line")
    print("plain print")
    return "logged"


def not_json(event, context):
    return {1, 2, 3}
