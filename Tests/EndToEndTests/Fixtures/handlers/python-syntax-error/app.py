def handler(event, context):
    return {"broken": True


def other(event, context):
    return 1
