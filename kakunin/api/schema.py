"""What the OpenAPI schema says beyond what drf-spectacular reads from the views: every
operation may answer with a problem (RFC 9457), so those answers are in the schema and a
client (or schemathesis) can hold the API to them."""

PROBLEM_STATUSES = {
    "400": "入力の誤り（errors に項目ごとの理由）",
    "401": "トークンがない・無効・期限切れ・取り消し済み",
    "403": "見られるが変更できない（読み取り専用のトークンを含む）",
    "404": "ない、または見られない",
    "406": "応答の形式（Accept）に応じられない",
    "409": "状態が手順を許さない（problems に理由）",
    "412": "If-Match が古い（ほかの人が変更した）",
    "415": "送られた形式（Content-Type）を読めない",
    "428": "If-Match がない",
    "429": "回数の上限（Retry-After 秒後に再試行）",
}

PROBLEM = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["type", "title", "status", "detail"],
}


def add_problems(result, generator, request, public):
    """drf-spectacular's postprocessing hook: the Problem schema, and the problem answers
    on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, description in PROBLEM_STATUSES.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/problem+json": {"schema": ref}},
                    },
                )
    return result
